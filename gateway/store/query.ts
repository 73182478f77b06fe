import { personHash } from './search-facts.js';
import type { BusinessKeys, OpenWork, ResolutionState, TransactionQuery, TransactionRecord } from './store.js';

/**
 * The journal's secondary indexes, the same in both backends (issue 11: no request path and no
 * worker reads the whole journal). Every index is a list of members `<created_at>|<id>`, so each one
 * is in time order and a date range, a cursor and "newest first" are a range read on any of them.
 * A record is in:
 * - `t` (all records), `o:<outcome>`, `oi:<outcome>:<infno>`;
 * - `k:<name>:<value>` for each business key, and `kf:<name>:<value>` while its outcome is not
 *   `succeeded` (a person's failed calls without reading the person's history), `e:<encounter_id>`;
 * - `r:<resolution state>` when it has one;
 * - `w:<open work>` while it is open work (openWorkOf) — it leaves that index when the work is done,
 *   so the reversal worker, crash recovery, metrics and the console's work list cost what is open,
 *   never what the history holds;
 * - `h` while its stages are in the hot store (the archiver's queue: it leaves once archived).
 */
export const BUSINESS_KEYS: ReadonlyArray<keyof BusinessKeys> = ['psn_no', 'mdtrt_id', 'setl_id', 'ipt_otp_no', 'invono', 'his_msgid'];

export const OPEN_WORK: readonly OpenWork[] = ['pending', 'unresolved', 'reversing', 'inquiring', 'needs_manual', 'releasing'];

/** resolutions that undid the booking, and inquiry verdicts: the encounter still has to take them */
const TAKEN_BY_ENCOUNTER: ReadonlySet<ResolutionState> = new Set(['reversed', 'not_booked', 'resolved_by_staff', 'done', 'not_done']);

/**
 * What is still open about a record, or undefined when nothing is:
 * pending (in flight), unresolved (unknown, no resolution yet: left by a crash), reversing /
 * inquiring / needs_manual (the resolution's state), releasing (resolved, but the encounter has not
 * taken the result yet). A 2601 attempt (`reverses`) is never work of its own: its original carries it.
 */
export function openWorkOf(r: TransactionRecord): OpenWork | undefined {
  if (r.outcome === 'pending') return 'pending';
  if (r.outcome !== 'unknown' || r.reverses) return undefined;
  const res = r.resolution;
  if (!res) return 'unresolved';
  if (res.state === 'reversing' || res.state === 'inquiring' || res.state === 'needs_manual') return res.state;
  if (TAKEN_BY_ENCOUNTER.has(res.state) && !res.encounter_released && r.encounter_id !== undefined) return 'releasing';
  return undefined;
}

const part = (v: string) => encodeURIComponent(v);

/**
 * What a business-key value (or an encounter id) becomes in an index name: the store's keyed hash
 * (crypto.ts Sealing.hashKey, issue 20: indexes never hold the values) — the one place both
 * backends apply it, to the indexes a record is in and to the index a query reads.
 */
export type KeyHash = (value: string) => string;

/** The member of `r` in every index it belongs to. */
export const memberOf = (r: Pick<TransactionRecord, 'created_at' | 'id'>) => `${r.created_at}|${r.id}`;

/** The created_at a member (memberOf) names. */
export const createdAtOfMember = (m: string) => m.slice(0, m.lastIndexOf('|'));

/** The indexes a record belongs to (see above). */
export function indexesOf(r: TransactionRecord, hash: KeyHash): string[] {
  const out = ['t', `o:${r.outcome}`, `oi:${r.outcome}:${part(r.infno)}`];
  for (const name of BUSINESS_KEYS) {
    const v = r.keys?.[name];
    if (!v) continue;
    out.push(`k:${name}:${part(hash(v))}`);
    // what did not simply succeed, by key: "this patient's failed calls" reads those, not the patient's history
    if (r.outcome !== 'succeeded') out.push(`kf:${name}:${part(hash(v))}`);
  }
  if (r.encounter_id) out.push(`e:${part(hash(r.encounter_id))}`);
  // the person's name and ID number: already keyed hashes (search-facts.ts)
  for (const [kind, hashes] of Object.entries(r.person ?? {})) for (const h of hashes ?? []) out.push(`p:${kind}:${part(h)}`);
  if (r.resolution) out.push(`r:${r.resolution.state}`);
  const w = openWorkOf(r);
  if (w) out.push(`w:${w}`);
  if (!r.archived) out.push('h');
  return out;
}

/**
 * The index (or the union of indexes) a query reads: the most selective its filters allow.
 * Whatever the chosen index does not decide is checked record by record (matchesQuery), within
 * that index only.
 */
export function plan(q: TransactionQuery, hash: KeyHash): string[] {
  if (q.open?.length) return q.open.map((w) => `w:${w}`);
  if (q.hot) return ['h'];
  if (q.person) return [`p:${q.person.name}:${part(personHash(hash, q.person.name, q.person.value))}`];
  if (q.key) {
    const notSucceeded = q.outcome ? q.outcome !== 'succeeded' : !!q.outcomes?.length && !q.outcomes.includes('succeeded');
    return [`${notSucceeded ? 'kf' : 'k'}:${q.key.name}:${part(hash(q.key.value))}`];
  }
  if (q.encounter_id) return [`e:${part(hash(q.encounter_id))}`];
  if (q.resolution) return [`r:${q.resolution}`];
  if (q.outcome === 'pending') return ['w:pending'];
  if (q.outcome && q.infno) return [`oi:${q.outcome}:${part(q.infno)}`];
  if (q.outcomes?.length && q.infno) return q.outcomes.map((o) => `oi:${o}:${part(q.infno!)}`);
  if (q.outcomes?.length) return q.outcomes.map((o) => `o:${o}`);
  if (q.outcome) return [`o:${q.outcome}`];
  return ['t'];
}

/** The member range a query reads, newest first: [gte, lt) — from `from`, up to `to` and before the cursor. */
export function rangeOf(q: TransactionQuery): { gte: string; lt: string } {
  const top = q.to ? `${q.to}|\uffff` : '\uffff';
  const cursor = q.cursor ? decodeCursor(q.cursor) : undefined;
  return { gte: q.from ?? '', lt: cursor !== undefined && cursor < top ? cursor : top };
}

/** An opaque cursor: the next page starts after (older than) this record. */
export const cursorOf = (r: Pick<TransactionRecord, 'created_at' | 'id'>) => Buffer.from(memberOf(r)).toString('base64url');

export function decodeCursor(c: string): string | undefined {
  const s = Buffer.from(c, 'base64url').toString('utf8');
  return /^\d{4}-\d\d-\d\dT[\d:.]+Z\|[\w.-]{1,64}$/.test(s) ? s : undefined;
}

export const idOfMember = (m: string) => m.slice(m.indexOf('|') + 1);

/** The filter both backends apply to the records an index yields. */
export function matchesQuery(r: TransactionRecord, q: TransactionQuery, hash?: KeyHash): boolean {
  if (q.originals && r.reverses) return false;
  if (q.person && hash && !r.person?.[q.person.name]?.includes(personHash(hash, q.person.name, q.person.value))) return false;
  if (q.outcome && r.outcome !== q.outcome) return false;
  if (q.outcomes?.length && !q.outcomes.includes(r.outcome)) return false;
  if (q.infno && r.infno !== q.infno) return false;
  if (q.encounter_id && r.encounter_id !== q.encounter_id) return false;
  if (q.from && r.created_at < q.from) return false;
  if (q.to && r.created_at > q.to) return false;
  if (q.key && r.keys[q.key.name] !== q.key.value) return false;
  if (q.resolution && r.resolution?.state !== q.resolution) return false;
  if (q.open?.length && !q.open.includes(openWorkOf(r) as OpenWork)) return false;
  if (q.hot && r.archived) return false;
  return true;
}

/** What a backend offers the shared listing: index members newest first, and the values by id. */
export interface IndexReader<T> {
  /** pages of members of `index` in [gte, lt), newest first */
  members(index: string, range: { gte: string; lt: string }, pageSize: number): AsyncGenerator<string[]>;
  values(ids: string[]): Promise<Array<T | undefined>>;
}

const PAGE = 200;

/**
 * Lists through an index (or the union of several, merged newest first), checking each value
 * against the query: the cost follows the chosen index, never the whole journal or log.
 */
export async function listThroughIndexes<T>(
  reader: IndexReader<T>,
  indexes: string[],
  range: { gte: string; lt: string },
  limit: number,
  matches: (v: T) => boolean,
): Promise<T[]> {
  const streams = indexes.map((index) => reader.members(index, range, PAGE)[Symbol.asyncIterator]());
  // a copy of each page: a reader may look at the page it yielded again (Redis: was it a full page?)
  const next = async (s: AsyncIterator<string[]>) => [...((await s.next()).value ?? [])];
  const heads: string[][] = await Promise.all(streams.map(next));
  const out: T[] = [];
  const seen = new Set<string>();
  while (out.length < limit) {
    // the next members of the merged streams, newest first
    const batch: string[] = [];
    while (batch.length < PAGE) {
      let best = -1;
      for (let i = 0; i < heads.length; i++) if (heads[i]!.length && (best < 0 || heads[i]![0]! > heads[best]![0]!)) best = i;
      if (best < 0) break;
      const m = heads[best]!.shift()!;
      if (!seen.has(m)) {
        seen.add(m);
        batch.push(m);
      }
      if (!heads[best]!.length) heads[best] = await next(streams[best]!);
    }
    if (!batch.length) break;
    for (const v of await reader.values(batch.map(idOfMember))) {
      if (v !== undefined && matches(v)) out.push(v);
      if (out.length >= limit) break;
    }
  }
  for (const s of streams) await s.return?.(undefined);
  return out;
}

/** A journal query through its plan. */
export const listJournal = (reader: IndexReader<TransactionRecord>, q: TransactionQuery, hash: KeyHash) =>
  listThroughIndexes(reader, plan(q, hash), rangeOf(q), q.limit ?? 100, (r) => matchesQuery(r, q, hash));

/** The change of index membership from `before` (undefined: a new record) to `after`. */
export function indexDiff(before: TransactionRecord | undefined, after: TransactionRecord, hash: KeyHash) {
  const mAfter = memberOf(after);
  const add = new Set(indexesOf(after, hash));
  const remove: Array<{ index: string; member: string }> = [];
  if (before) {
    const mBefore = memberOf(before);
    for (const index of indexesOf(before, hash)) {
      if (add.has(index) && mBefore === mAfter) add.delete(index);
      else remove.push({ index, member: mBefore });
    }
  }
  return { add: [...add].map((index) => ({ index, member: mAfter })), remove };
}
