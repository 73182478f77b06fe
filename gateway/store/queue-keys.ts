import type { AuditEntry, AuditQuery } from './store.js';

/** Outbox keys sort in queue order: `<queue>:<seq as 16 digits>`. */
export const outboxKey = (queue: string, seq: number) => `${queue}:${String(seq).padStart(16, '0')}`;

/** The audit filter both backends apply. */
export function matchesAudit(e: AuditEntry, q: AuditQuery): boolean {
  if (q.actor && e.actor !== q.actor) return false;
  if (q.action && e.action !== q.action) return false;
  if (q.from && e.at < q.from) return false;
  if (q.to && e.at > q.to) return false;
  return true;
}
