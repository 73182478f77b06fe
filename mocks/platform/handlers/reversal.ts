/**
 * 2601 冲正交易: undoes what the message `omsgid` booked, as if it had never happened. The gateway
 * sends it when a booking transaction's outcome is unknown (timeout, dropped reply, infcode -1).
 * - a settlement (2207, 2102, ...) booked by omsgid: reversed, its fee lines unsettled, the
 *   person's accumulations and balance recomputed;
 * - a cancellation (2208, 2103, ...) booked by omsgid: undone, the settlement it cancelled is booked
 *   again;
 * - omsgid never booked anything: -2 `原交易不存在` (nothing to reverse: the caller may settle again);
 *   also when the original arrived but is not booked yet (fault late_booking): the platform holds
 *   nothing to reverse, and the original is booked afterwards all the same;
 * - omsgid already reversed: -2 `原交易已冲正`;
 * - an admission (2401, on the public reversible list): undone as if cancelled (2404), while it has
 *   no fee lines; one that has them: -2 `该住院已有费用，不能冲正`;
 * - omsgid succeeded but booked nothing this mock can undo (2201 ...): -2 `该交易不支持冲正`; the fault
 *   reversal_unsupported answers the same for a chosen oinfno.
 */
import { BusinessError } from '../envelope.js';
import { findLedgerEntry, recomputePersonTotals } from '../ledger.js';
import type { Admission, LedgerEntry } from '../types.js';
import { requirePerson, type TxContext } from './context.js';
import { entryByMsgid } from '../ledger-index.js';

interface ReversalData {
  psn_no: string;
  omsgid: string;
  oinfno: string;
}

export const NOT_FOUND_MSG = '原交易不存在';
export const ALREADY_REVERSED_MSG = '原交易已冲正';

export function reverse(ctx: TxContext): Record<string, unknown> {
  const { data } = ctx.envelope.input as unknown as { data: ReversalData };
  const { state } = ctx;
  const entry = entryByMsgid(state.ledger, data.omsgid);
  const admission = entry ? undefined : [...state.admissions.values()].find((a) => a.opened_by === data.omsgid);
  if (admission) return reverseAdmission(ctx, admission, data);
  if (!entry) {
    // it ran and succeeded, but booked nothing this mock can undo (e.g. an admission): say so
    const ran = state.calls.some((c) => c.msgid === data.omsgid && c.infcode === 0);
    throw new BusinessError(ran ? `该交易不支持冲正: ${data.oinfno}` : `${NOT_FOUND_MSG}: ${data.omsgid}`);
  }
  if (entry.psn_no !== data.psn_no) throw new BusinessError('原交易与人员编号不符');
  if (entry.infno !== data.oinfno) throw new BusinessError('原交易编号不符');
  if (entry.status === 'reversed') throw new BusinessError(`${ALREADY_REVERSED_MSG}: ${data.omsgid}`);
  if (entry.kind === 'settlement') reverseSettlement(ctx, entry);
  else reverseCancellation(ctx, entry);
  entry.status = 'reversed';
  entry.reversal_msgid = ctx.envelope.msgid;
  recomputePersonTotals(requirePerson(state, entry.psn_no), state.ledger);
  return {};
}

function reverseSettlement(ctx: TxContext, entry: LedgerEntry): void {
  // a settlement already refunded by 2208 is no longer the last word: the refund must be undone first
  if (entry.status === 'cancelled') throw new BusinessError('原交易已撤销，不能冲正');
  for (const line of ctx.state.visits.get(entry.mdtrt_id)?.lines ?? []) {
    if (line.setl_id === entry.setl_id) line.setl_id = null;
  }
}

function reverseCancellation(ctx: TxContext, entry: LedgerEntry): void {
  const original = entry.orig_setl_id ? findLedgerEntry(ctx.state.ledger, entry.orig_setl_id) : undefined;
  if (!original) throw new BusinessError(`${NOT_FOUND_MSG}: ${entry.orig_setl_id ?? ''}`);
  original.status = 'booked';
  original.cancel_setl_id = null;
  const sns = new Set(original.feedetl_sns);
  for (const line of ctx.state.visits.get(original.mdtrt_id)?.lines ?? []) {
    if (sns.has(line.feedetl_sn)) line.setl_id = original.setl_id;
  }
}

function reverseAdmission(ctx: TxContext, adm: Admission, data: ReversalData): Record<string, unknown> {
  if (adm.psn_no !== data.psn_no) throw new BusinessError('原交易与人员编号不符');
  if (data.oinfno !== '2401') throw new BusinessError('原交易编号不符');
  if (adm.reversed_by) throw new BusinessError(`${ALREADY_REVERSED_MSG}: ${data.omsgid}`);
  if (adm.lines.length > 0) throw new BusinessError('该住院已有费用，不能冲正');
  adm.status = 'cancelled';
  adm.reversed_by = ctx.envelope.msgid ?? undefined;
  return {};
}
