import type { TransactionQuery, TransactionRecord } from './store.js';

/** The filter both backends apply to journal records. */
export function matchesQuery(r: TransactionRecord, q: TransactionQuery): boolean {
  if (q.outcome && r.outcome !== q.outcome) return false;
  if (q.infno && r.infno !== q.infno) return false;
  if (q.encounter_id && r.encounter_id !== q.encounter_id) return false;
  if (q.from && r.created_at < q.from) return false;
  if (q.to && r.created_at > q.to) return false;
  if (q.key && r.keys[q.key.name] !== q.key.value) return false;
  return true;
}

/**
 * Outcomes kept in an index of their own by both backends: the calls still in flight and those
 * whose outcome is unknown are what the reversal worker, the crash recovery, the metrics and the
 * console look for, and they must be found without reading the whole journal.
 */
export const INDEXED_OUTCOMES = ['pending', 'unknown'] as const;
export const isIndexedOutcome = (o: string | undefined): o is (typeof INDEXED_OUTCOMES)[number] =>
  (INDEXED_OUTCOMES as readonly string[]).includes(o ?? '');
