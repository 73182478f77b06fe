/** 2206 门诊预结算 (a quote), 2207 门诊结算 (booked), 2208 门诊结算撤销. */
import { BusinessError } from '../envelope.js';
import { applyNewBooking, findLedgerEntry, liveSettlementOf, refundBooked } from '../ledger.js';
import { outpatientPolicyFor } from '../policies.js';
import { autoFileTemporary } from '../registry.js';
import { ID_PREFIX, nextId, type MockState } from '../state.js';
import { datePart, formatDateTime } from '../time.js';
import type { FeeLine, LedgerEntry, PersonRecord, SettlementResult, Visit } from '../types.js';
import { requireOpenVisit, requirePerson, type TxContext } from './context.js';
import { inBatch } from './outpatient-fees.js';
import type { FilingBasis, SettlingRequest } from './settlements.js';
import { bookCall, cancellationReply, priceOutpatient, settlementReply, settlingParty } from './settlements.js';

interface SettlementData extends SettlingRequest {
  med_type: string;
  psn_setlway: string;
  mdtrt_id: string;
  chrg_bchno: string;
}

interface SettlementCancelData {
  setl_id: string;
  mdtrt_id: string;
  psn_no: string;
}

interface PreparedSettlement {
  data: SettlementData;
  person: PersonRecord;
  visit: Visit;
  lines: FeeLine[];
  basis: FilingBasis;
  result: SettlementResult;
}

const EMERGENCY_MED_TYPE = '13';
const EMERGENCY_FLAG = '1';
const OUTPATIENT_CLR_TYPE = '11';

/** med_type 13 or er_flag 1 (on 2201/2203, or in a 2204 line's exp_content), or a settlement declared as 急诊. */
function isEmergency(visit: Visit, medType: string): boolean {
  return visit.er_flag === EMERGENCY_FLAG || visit.med_type === EMERGENCY_MED_TYPE || medType === EMERGENCY_MED_TYPE;
}

function refuseIfSettled(state: MockState, visit: Visit): void {
  if (liveSettlementOf(state.ledger, visit.mdtrt_id)) throw new BusinessError('该就诊已结算，请勿重复结算');
}

function unsettledLines(visit: Visit, chrgBchno: string): FeeLine[] {
  const lines = visit.lines.filter((l) => l.setl_id === null && inBatch(l, chrgBchno));
  if (lines.length === 0) throw new BusinessError('无待结算的费用明细');
  return lines;
}

/** Everything 2206 and 2207 share: checks, then the insured area's computation. Books nothing. */
function prepareSettlement(ctx: TxContext): PreparedSettlement {
  const { data } = ctx.envelope.input as unknown as { data: SettlementData };
  const { state } = ctx;
  const { person, encounter: visit } = settlingParty(ctx, data, () => requireOpenVisit(state, data.mdtrt_id, data.psn_no));
  refuseIfSettled(state, visit);
  const lines = unsettledLines(visit, data.chrg_bchno);
  const priced = priceOutpatient(ctx, person, data, lines, {
    on: datePart(visit.begntime),
    emergency: isEmergency(visit, data.med_type),
    outpatientVisit: true,
  });
  return { data, person, visit, lines, ...priced };
}

function reply(ctx: TxContext, p: PreparedSettlement, setlId: string | null): Record<string, unknown> {
  const place = { mdtrt_id: p.visit.mdtrt_id, setl_id: setlId, med_type: p.data.med_type, clr_type: OUTPATIENT_CLR_TYPE };
  return settlementReply(ctx, p.person, p.data, p.result, place);
}

export function preSettle(ctx: TxContext): Record<string, unknown> {
  return reply(ctx, prepareSettlement(ctx), null);
}

export function settle(ctx: TxContext): Record<string, unknown> {
  const prepared = prepareSettlement(ctx);
  const { person, visit, data } = prepared;
  if (prepared.basis === 'auto_filing') autoFileTemporary(person, ctx.state.policies.hospital.mdtrtarea_admvs, datePart(visit.begntime));
  const booking = { visit, person, med_type: data.med_type, chrg_bchno: data.chrg_bchno, lines: prepared.lines, result: prepared.result };
  const entry = bookCall(ctx, booking);
  applyNewBooking(person, entry);
  return reply(ctx, prepared, entry.setl_id);
}

function requireCancellable(state: MockState, data: SettlementCancelData, bookedBy: string): LedgerEntry {
  const entry = findLedgerEntry(state.ledger, data.setl_id);
  if (!entry) throw new BusinessError(`结算ID不存在: ${data.setl_id}`);
  if (entry.kind === 'cancellation') throw new BusinessError('该结算ID为撤销记录，不能撤销');
  if (entry.infno !== bookedBy) throw new BusinessError(bookedBy === '2102' ? '该结算ID不是药店结算' : '该结算ID不是门诊结算');
  if (entry.mdtrt_id !== data.mdtrt_id || entry.psn_no !== data.psn_no) throw new BusinessError('结算ID与就诊ID或人员编号不符');
  if (entry.status === 'cancelled') throw new BusinessError('该结算已撤销');
  return entry;
}

/** The policy each settlement of the ledger was computed under (pharmacy purchases: the outpatient one). */
export const policyOfEntry = (state: MockState) => (entry: LedgerEntry) =>
  outpatientPolicyFor(state.policies, entry.insuplc_admdvs, entry.insutype);

/**
 * Cancels (退费) a booked settlement — any of the person's, not only the latest (隔笔退费), in a
 * later year (跨年退费) or after clearing (清算后退费): JS 45, HN 52, LN 54. Shared by 2208
 * (outpatient, undoes 2207) and 2103 (pharmacy, undoes 2102).
 */
export function refundSettlement(
  ctx: TxContext,
  data: SettlementCancelData,
  bookedBy: string,
): { entry: LedgerEntry; cancellation: LedgerEntry } {
  const { state } = ctx;
  const entry = requireCancellable(state, data, bookedBy);
  const person = requirePerson(state, entry.psn_no);
  const cancellation = refundBooked(
    state.ledger,
    person,
    entry,
    state.visits.get(entry.mdtrt_id),
    {
      setl_id: nextId(state, ID_PREFIX.setl, ctx.now),
      msgid: ctx.envelope.msgid,
      infno: ctx.envelope.infno,
      setl_time: formatDateTime(ctx.now),
    },
    policyOfEntry(state),
  );
  return { entry, cancellation };
}

export function cancelSettlement(ctx: TxContext): Record<string, unknown> {
  const { data } = ctx.envelope.input as unknown as { data: SettlementCancelData };
  const { entry, cancellation } = refundSettlement(ctx, data, '2207');
  // the public interface spells the cash field pdn_cash_pay in 2208; both are sent
  return cancellationReply(ctx, entry, cancellation, OUTPATIENT_CLR_TYPE, (a) => ({ pdn_cash_pay: a.psn_cash_pay! }));
}
