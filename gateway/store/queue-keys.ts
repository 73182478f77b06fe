import type { AuditEntry, AuditQuery } from './store.js';

/** Outbox keys sort in queue order: `<queue>:<seq as 16 digits>`. */
export const outboxKey = (queue: string, seq: number) => `${queue}:${pad(seq)}`;

const pad = (n: number) => String(n).padStart(16, '0');

/** The outbox's index by state (both backends): `s:<queue>:<state>`, members = the padded sequence numbers. */
export const outboxStateIndex = (queue: string, state: string) => `s:${encodeURIComponent(queue)}:${state}`;
export const outboxMember = (seq: number) => pad(seq);

/**
 * The audit log's indexes (both backends), members `<at>|<seq as 16 digits>` (time order):
 * `t` (every entry), `a:<actor>`, `c:<action>`. A query reads the actor's or the action's index when
 * it names one, else the time index, over its [from, to] range: never the whole log.
 */
export const auditMemberOf = (e: AuditEntry) => `${e.at}|${pad(e.seq ?? 0)}`;

export const auditIndexesOf = (e: AuditEntry) => ['t', `a:${encodeURIComponent(e.actor)}`, `c:${encodeURIComponent(e.action)}`];

export function planAudit(q: AuditQuery): string[] {
  if (q.actor) return [`a:${encodeURIComponent(q.actor)}`];
  if (q.action) return [`c:${encodeURIComponent(q.action)}`];
  return ['t'];
}

export function auditRangeOf(q: AuditQuery): { gte: string; lt: string } {
  const top = q.to ? `${q.to}|\uffff` : '\uffff';
  const cursor = q.cursor ? Buffer.from(q.cursor, 'base64url').toString('utf8') : undefined;
  const valid = cursor !== undefined && /^\d{4}-\d\d-\d\dT[\d:.]+Z\|\d{16}$/.test(cursor);
  return { gte: q.from ?? '', lt: valid && cursor < top ? cursor : top };
}

/** An opaque cursor: the next page starts after (older than) this entry. */
export const auditCursorOf = (e: AuditEntry) => Buffer.from(auditMemberOf(e)).toString('base64url');

/** The audit filter both backends apply. */
export function matchesAudit(e: AuditEntry, q: AuditQuery): boolean {
  if (q.actor && e.actor !== q.actor) return false;
  if (q.action && e.action !== q.action) return false;
  if (q.from && e.at < q.from) return false;
  if (q.to && e.at > q.to) return false;
  return true;
}
