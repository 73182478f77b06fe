/**
 * The status the HIS and the POS read on a visit, an admission or a sale: what happened to it, not
 * only where its state machine stands. The stored status (registered, discharged, settled …) is the
 * state machine the guards check and stays as it is; once money was booked, the answer's status
 * says what happened to it (issue 14 point 7):
 *   settled               its settlement stands (an admission: the discharge settlement, 出院结算)
 *   settlement_cancelled  its settlement was cancelled (撤销结算; a visit or admission may be settled again)
 *   cancelled             a sale whose settlement was cancelled (the sale is its settlement)
 *   refunded              its settlement was refunded (退费), the whole or some lines with the rest not yet settled again
 *   partially_refunded    some lines were refunded, the kept lines settled again and that settlement stands
 * A cancellation recorded by an older gateway carries no refund mark and reads as a cancellation.
 * Pure.
 */
import type { SettlementEntry } from './visit.js';

export type SettledStatus = 'settled' | 'settlement_cancelled' | 'refunded' | 'partially_refunded';

/** What happened to the money of an encounter that settles one settlement at a time (a visit, a sale); undefined before any. */
export function settledStatus(settlements: ReadonlyArray<SettlementEntry>): SettledStatus | undefined {
  const last = settlements.at(-1);
  if (!last) return undefined;
  if (last.status === 'booked') {
    // the kept lines of a partial refund are settled again by a later settlement of the same encounter
    const refundedBefore = settlements.slice(0, -1).some((s) => s.cancellation?.refund === 'partial');
    return refundedBefore ? 'partially_refunded' : 'settled';
  }
  return last.cancellation?.refund ? 'refunded' : 'settlement_cancelled';
}

/** A visit's status: its registration's while nothing was settled, or while it is not registered (cancelled, failed). */
export function visitStatus(stored: string, settlements: ReadonlyArray<SettlementEntry>): string {
  return stored === 'registered' ? (settledStatus(settlements) ?? stored) : stored;
}

/** A sale's status: in flight or failed as stored; once settled, what happened to its settlement (a cancelled sale says cancelled). */
export function saleStatus(stored: string, settlements: ReadonlyArray<SettlementEntry>): string {
  if (stored !== 'settled') return stored;
  const s = settledStatus(settlements) ?? stored;
  return s === 'settlement_cancelled' ? 'cancelled' : s;
}

/**
 * An admission's status: settled once its discharge settlement (mid_setl_flag 0) stands,
 * settlement_cancelled when the latest settlement was a cancelled discharge settlement (召回重结:
 * the stay waits to be settled again); else the stay's own (admitted, discharged, cancelled …).
 */
export function admissionStatus(stored: string, settlements: ReadonlyArray<SettlementEntry & { mid_setl_flag: string }>): string {
  if (stored === 'cancelled') return stored;
  if (settlements.some((s) => s.status === 'booked' && s.mid_setl_flag === '0')) return 'settled';
  const last = settlements.at(-1);
  return last && last.status === 'cancelled' && last.mid_setl_flag === '0' ? 'settlement_cancelled' : stored;
}
