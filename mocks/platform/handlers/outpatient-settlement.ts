/** 2206 门诊预结算 (a quote), 2207 门诊结算 (booked), 2208 门诊结算撤销. */
import { BusinessError } from '../envelope.js';
import { applyNewBooking, bookSettlement, findLedgerEntry, liveSettlementOf, refundBooked } from '../ledger.js';
import { dec } from '../money.js';
import { autoFilesCrossRegion, outpatientPolicyFor } from '../policies.js';
import { computeOutpatientSettlement, sumLines } from '../policy-engine.js';
import { accumulationFor, autoFileTemporary, isCrossRegion, validFilingOn } from '../registry.js';
import { ID_PREFIX, nextId, type MockState } from '../state.js';
import { calendarYear, datePart, formatDateTime } from '../time.js';
import type { FeeLine, LedgerEntry, OutpatientPolicy, PersonRecord, SettlementResult, Visit } from '../types.js';
import { amountsView, baseinfoView, setldetailView } from '../views.js';
import { requireInsutype, requireOpenVisit, requirePerson, type TxContext } from './context.js';
import { inBatch } from './outpatient-fees.js';
import { checkCredentialBelongsTo } from './outpatient-visit.js';

interface SettlementData {
  psn_no: string;
  mdtrt_cert_type: string;
  mdtrt_cert_no?: string;
  card_sn?: string;
  med_type: string;
  medfee_sumamt: number;
  psn_setlway: string;
  mdtrt_id: string;
  chrg_bchno: string;
  acct_used_flag: string;
  insutype: string;
}

interface SettlementCancelData {
  setl_id: string;
  mdtrt_id: string;
  psn_no: string;
}

/** Why a settlement may proceed as direct settlement (直接结算). */
type FilingBasis = 'local' | 'filed' | 'emergency' | 'auto_filing';

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

/** med_type 13 or er_flag 1 (on 2201/2203), or a settlement declared as 急诊. */
function isEmergency(visit: Visit, medType: string): boolean {
  return visit.er_flag === EMERGENCY_FLAG || visit.med_type === EMERGENCY_MED_TYPE || medType === EMERGENCY_MED_TYPE;
}

/**
 * A cross-region patient needs a filing valid on the visit date, unless the visit is an emergency
 * (视同已备案, JS 37 / HN 55 / LN 22) or the insured province files automatically (LN 20-22).
 */
function filingBasis(state: MockState, person: PersonRecord, visit: Visit, medType: string): FilingBasis {
  const area = state.policies.hospital.mdtrtarea_admvs;
  if (!isCrossRegion(person, area)) return 'local';
  if (validFilingOn(person, area, datePart(visit.begntime))) return 'filed';
  if (isEmergency(visit, medType)) return 'emergency';
  if (autoFilesCrossRegion(state.policies, person.insuplc_admdvs)) return 'auto_filing';
  throw new BusinessError('参保人未办理异地就医备案');
}

function requirePolicy(state: MockState, person: PersonRecord, insutype: string): OutpatientPolicy {
  const policy = outpatientPolicyFor(state.policies, person.insuplc_admdvs, insutype);
  if (!policy) throw new BusinessError(`参保地未配置门诊待遇政策: ${person.insuplc_admdvs}/${insutype}`);
  return policy;
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
  const person = requirePerson(state, data.psn_no);
  const visit = requireOpenVisit(state, data.mdtrt_id, data.psn_no);
  requireInsutype(person, data.insutype);
  checkCredentialBelongsTo(state, person, data.mdtrt_cert_type, data.mdtrt_cert_no, data.card_sn);
  refuseIfSettled(state, visit);
  const lines = unsettledLines(visit, data.chrg_bchno);
  const totals = sumLines(lines.map((l) => l.classification));
  if (!dec(data.medfee_sumamt).equals(totals.medfee_sumamt)) throw new BusinessError('医疗费总额与上传明细不符');
  const basis = filingBasis(state, person, visit, data.med_type);
  const result = computeOutpatientSettlement({
    insutype: data.insutype,
    totals,
    policy: requirePolicy(state, person, data.insutype),
    accumulation: accumulationFor(person, calendarYear(ctx.now)),
    balance: person.balance,
    useAccount: data.acct_used_flag === '1',
  });
  return { data, person, visit, lines, basis, result };
}

function setlinfoView(ctx: TxContext, p: PreparedSettlement, setlId: string | null): Record<string, unknown> {
  return {
    mdtrt_id: p.visit.mdtrt_id,
    ...(setlId === null ? {} : { setl_id: setlId }),
    ...baseinfoView(p.person, ctx.now),
    insutype: p.data.insutype,
    psn_type: p.person.psn_type,
    cvlserv_flag: p.person.cvlserv_flag,
    setl_time: formatDateTime(ctx.now),
    mdtrt_cert_type: p.data.mdtrt_cert_type,
    med_type: p.data.med_type,
    ...amountsView(p.result.amounts),
    medins_setl_id: ctx.envelope.msgid,
    clr_optins: p.person.insuplc_admdvs,
    clr_way: '1',
    clr_type: OUTPATIENT_CLR_TYPE,
  };
}

export function preSettle(ctx: TxContext): Record<string, unknown> {
  const prepared = prepareSettlement(ctx);
  return { setlinfo: setlinfoView(ctx, prepared, null), setldetail: setldetailView(prepared.result.setldetail) };
}

export function settle(ctx: TxContext): Record<string, unknown> {
  const prepared = prepareSettlement(ctx);
  const { state } = ctx;
  const { person, visit } = prepared;
  if (prepared.basis === 'auto_filing') {
    autoFileTemporary(person, state.policies.hospital.mdtrtarea_admvs, datePart(visit.begntime));
  }
  const setlId = nextId(state, ID_PREFIX.setl, ctx.now);
  const entry = bookSettlement(state.ledger, {
    setl_id: setlId,
    msgid: ctx.envelope.msgid,
    infno: ctx.envelope.infno,
    visit,
    person,
    med_type: prepared.data.med_type,
    chrg_bchno: prepared.data.chrg_bchno,
    lines: prepared.lines,
    setl_time: formatDateTime(ctx.now),
    result: prepared.result,
  });
  applyNewBooking(person, entry);
  return { setlinfo: setlinfoView(ctx, prepared, setlId), setldetail: setldetailView(prepared.result.setldetail) };
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
  const amounts = amountsView(cancellation.amounts);
  return {
    setlinfo: {
      mdtrt_id: entry.mdtrt_id,
      setl_id: cancellation.setl_id,
      psn_no: entry.psn_no,
      insutype: entry.insutype,
      med_type: entry.med_type,
      clr_optins: entry.insuplc_admdvs,
      setl_time: cancellation.setl_time,
      ...amounts,
      // the public interface spells the cash field pdn_cash_pay in 2208; both are sent
      pdn_cash_pay: amounts.psn_cash_pay,
      medins_setl_id: ctx.envelope.msgid,
      clr_type: OUTPATIENT_CLR_TYPE,
    },
    setldetail: setldetailView(cancellation.setldetail),
  };
}
