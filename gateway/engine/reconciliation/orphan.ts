/**
 * A booking the platform holds and the gateway's side lacks (platform_only): what its journal
 * record says, how the inquiry confirms it (5204 lists a visit's lines with the setl_id that covers
 * each), and what the gateway does. Pure; the runner reads the record, sends the inquiry and acts.
 *
 * The gateway reverses it (2601, through the reversal worker) only when its own journal holds the
 * call by that msgid as a booking whose outcome it never learnt — the case the reversal worker
 * exists for: the HIS was told the outcome is unknown, never that it succeeded. Everything else is
 * staff's: a msgid the journal does not know, a call the journal holds as succeeded (then it is
 * counted on another day), a booking staff confirmed as booked (adopt it).
 */
import type { TransactionRecord } from '../../store/store.js';
import { isReversible } from '../call-kinds.js';
import type { Difference } from './documents.js';

export interface OrphanInquiry {
  ask: { infno: '5204'; input: { data: { psn_no: string; mdtrt_id: string; setl_id: string } } };
  decide(output: Record<string, unknown>): { verdict: 'held' | 'not_held'; why: string };
}

const rows = (v: unknown): Array<Record<string, unknown>> =>
  Array.isArray(v) ? (v as Array<Record<string, unknown>>) : v && typeof v === 'object' ? [v as Record<string, unknown>] : [];

/** 5204 for the settlement's lines under its setl_id; none for a cancellation (its lines are unsettled again) or a row that lacks the keys. */
export function orphanInquiry(d: Pick<Difference, 'psn_no' | 'mdtrt_id' | 'setl_id' | 'refd_setl_flag'>): OrphanInquiry | undefined {
  if (!d.psn_no || !d.mdtrt_id || !d.setl_id || d.refd_setl_flag === '1') return undefined;
  const setl_id = d.setl_id;
  return {
    ask: { infno: '5204', input: { data: { psn_no: d.psn_no, mdtrt_id: d.mdtrt_id, setl_id } } },
    decide: (out) => {
      const held = rows(out.feedetail ?? out.result ?? out.data).filter((l) => String(l.setl_id ?? '') === setl_id);
      return held.length
        ? { verdict: 'held', why: `5204: ${held.length} fee line(s) of ${d.mdtrt_id} are settled under ${setl_id}` }
        : { verdict: 'not_held', why: `5204: no fee line of ${d.mdtrt_id} is settled under ${setl_id}` };
    },
  };
}

const UNDONE = new Set(['reversed', 'not_booked', 'resolved_by_staff']);
const OPEN = new Set(['reversing', 'inquiring', 'needs_manual']);

export type OrphanAction =
  /** queue a 2601 now (ReversalWorker.reverseNow): its reversal is open or was given up */
  | { what: 'reverse_now'; why: string }
  /** the gateway took it as undone, yet the platform holds it (a late original): a new 2601 (ReversalWorker.reopen) */
  | { what: 'reopen_reversal'; why: string }
  /** the reversal worker is already sending 2601 for it */
  | { what: 'wait'; why: string }
  | { what: 'none'; why: string };

export function orphanAction(
  rec: TransactionRecord | undefined,
  held: 'held' | 'not_held' | 'failed' | undefined,
  autoReverse: boolean,
): OrphanAction {
  if (!rec) return { what: 'none', why: 'the gateway has no call with this msgid: staff find out who booked it' };
  if (rec.outcome === 'succeeded')
    return {
      what: 'none',
      why: `the journal holds ${rec.infno} ${rec.id} as succeeded: it is counted on another day or under another group`,
    };
  if (!isReversible(rec.infno) || rec.outcome !== 'unknown')
    return { what: 'none', why: `the journal holds ${rec.infno} ${rec.id} as ${rec.outcome}: staff decide` };
  if (held === 'not_held') return { what: 'none', why: 'the inquiry does not confirm what the result file says: staff decide' };
  const state = rec.resolution?.state;
  if (state === 'confirmed') return { what: 'none', why: "staff confirmed it as booked: adopt it to count it as the hospital's" };
  if (!autoReverse) return { what: 'none', why: 'automatic reversal is off (RECON_AUTO_REVERSE=0): reverse or adopt it' };
  if (state === 'reversing') return { what: 'wait', why: 'the reversal worker is sending 2601 for it' };
  if (state === undefined || OPEN.has(state))
    return { what: 'reverse_now', why: `its outcome was never learnt (${state ?? 'no resolution'}): reversed with 2601` };
  if (UNDONE.has(state))
    return {
      what: 'reopen_reversal',
      why: `the gateway took it as ${state}, but the platform holds it (a late original): reversed again with 2601`,
    };
  return { what: 'none', why: `its resolution is ${state}: staff decide` };
}
