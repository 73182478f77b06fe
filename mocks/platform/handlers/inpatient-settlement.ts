/** 2303 住院预结算 (a quote), 2304 住院结算 (booked; mid-stay or at discharge), 2305 住院结算撤销 (召回). */
import { BusinessError } from '../envelope.js';
import {
  computeInpatientSettlement,
  deductibleUsedInStay,
  inpatientPoolPaidInYear,
  MATERNITY_INPATIENT,
  tierOf,
  type StayBasis,
  type Tier,
} from '../inpatient-engine.js';
import { appendCancellation, findLedgerEntry, markCancelled, recomputePersonTotals } from '../ledger.js';
import { dec, ZERO } from '../money.js';
import { autoFilesCrossRegion, maternityAtLocalRate } from '../policies.js';
import { negateSettlement, remainingCap } from '../policy-engine.js';
import { isCrossRegion, validFilingOn } from '../registry.js';
import { ID_PREFIX, nextId, type MockState } from '../state.js';
import { datePart, formatDate, formatDateTime, yearOf } from '../time.js';
import type { Admission, Filing, InpatientFeeLine, InpatientPolicy, LedgerEntry, PersonRecord, SettlementResult } from '../types.js';
import { requirePerson, type TxContext } from './context.js';
import { autoFileStay, finalSettlementOf, isEmergencyStay, requireAdmission } from './inpatient-admission.js';
import { bookCall, cancellationReply, type SettlingRequest, settlementReply, settlingParty, totalsMatching } from './settlements.js';
import { entriesOfVisit } from '../ledger-index.js';

interface InpatientSettlementData extends SettlingRequest {
  psn_setlway: string;
  mdtrt_id: string;
  invono?: string;
  mid_setl_flag: string;
}

interface InpatientCancelData {
  mdtrt_id: string;
  setl_id: string;
  psn_no: string;
}

const INPATIENT_CLR_TYPE = '21';
const MID_STAY = '1';

interface Prepared {
  data: InpatientSettlementData;
  person: PersonRecord;
  adm: Admission;
  lines: InpatientFeeLine[];
  basis: StayBasis;
  tier: Tier;
  accrualDate: string;
  result: SettlementResult;
}

function requireInpatientPolicy(state: MockState, person: PersonRecord, insutype: string): InpatientPolicy {
  const policy = state.policies.areas[person.insuplc_admdvs]?.inpatient[insutype];
  if (!policy) throw new BusinessError(`参保地未配置住院待遇政策: ${person.insuplc_admdvs}/${insutype}`);
  return policy;
}

/**
 * A cross-region stay settles directly when a filing covers it — one valid on the admission date
 * (it keeps covering the stay after it ends: JS 13, LN 11) or one made before the discharge
 * settlement (补办备案: JS 25 出院结算前, HN 27, LN 17, JL 22 结算前补办), i.e. valid on the discharge
 * date or, at the discharge settlement, on the settlement day —, when the admission is an
 * emergency (视同已备案), or when the insured province files automatically (LN 17/20). Otherwise -2
 * with 备案 in err_msg.
 */
function stayBasis(
  state: MockState,
  person: PersonRecord,
  adm: Admission,
  settlementDay: string | null,
): { basis: StayBasis; filing?: Filing } {
  const area = state.policies.hospital.mdtrtarea_admvs;
  if (!isCrossRegion(person, area)) return { basis: 'local' };
  const filing =
    validFilingOn(person, area, datePart(adm.begntime)) ??
    (adm.endtime ? validFilingOn(person, area, datePart(adm.endtime)) : undefined) ??
    (settlementDay ? validFilingOn(person, area, settlementDay) : undefined);
  if (filing) return { basis: 'filed', filing };
  if (isEmergencyStay(adm)) return { basis: 'emergency' };
  if (autoFilesCrossRegion(state.policies, person.insuplc_admdvs)) return { basis: 'auto_filing' };
  throw new BusinessError('参保人未办理异地就医备案，不能直接结算住院费用');
}

/** The date the settlement counts on: the discharge date, or for a mid-stay settlement its latest fee line's date. */
function accrualDateOf(adm: Admission, lines: readonly InpatientFeeLine[], mid: boolean): string {
  if (!mid && adm.endtime) return datePart(adm.endtime);
  // ISO dates compare as strings: the latest one wins
  return [datePart(adm.begntime), ...lines.map((l) => datePart(l.fee_ocur_time))].sort().at(-1)!;
}

function prepare(ctx: TxContext): Prepared {
  const { data } = ctx.envelope.input as unknown as { data: InpatientSettlementData };
  const { state } = ctx;
  const { person, encounter: adm } = settlingParty(ctx, data, () => requireAdmission(state, data.mdtrt_id, data.psn_no));
  if (data.insutype !== adm.insutype) throw new BusinessError('险种类型与住院登记不符');
  const mid = data.mid_setl_flag === MID_STAY;
  if (mid && adm.status !== 'admitted') throw new BusinessError('已办理出院，请办理出院结算');
  if (!mid && adm.status !== 'discharged') throw new BusinessError('未办理出院，不能出院结算');
  if (finalSettlementOf(state.ledger, adm.mdtrt_id)) throw new BusinessError('该住院已结算，请勿重复结算');
  // JS 38, HN 56, LN 23: trauma with a third party is not payable by the funds
  if (adm.trum_flag === '1' && adm.rel_ttp_flag === '1') throw new BusinessError('外伤涉及第三方责任，医保基金不予支付，不能直接结算');
  const lines = adm.lines.filter((l) => l.setl_id === null);
  if (lines.length === 0) throw new BusinessError('无待结算的费用明细');
  const totals = totalsMatching(lines, data.medfee_sumamt);
  const { basis, filing } = stayBasis(state, person, adm, mid ? null : formatDate(ctx.now));
  const policy = requireInpatientPolicy(state, person, data.insutype);
  const tier = tierOf(
    {
      basis,
      file_type: filing?.file_type,
      med_type: adm.med_type,
      emergency: isEmergencyStay(adm),
      maternity_local: maternityAtLocalRate(state.policies, person.insuplc_admdvs),
    },
    policy.tier_reduction,
  );
  const accrualDate = accrualDateOf(adm, lines, mid);
  const result = computeInpatientSettlement({
    insutype: data.insutype,
    totals,
    policy,
    tier,
    dedcUsedInStay: deductibleUsedInStay(state.ledger, adm.mdtrt_id),
    poolPaidInYear: inpatientPoolPaidInYear(state.ledger, person.psn_no, yearOf(accrualDate)),
    balance: person.balance,
    useAccount: data.acct_used_flag === '1',
  });
  return { data, person, adm, lines, basis, tier, accrualDate, result };
}

function reply(ctx: TxContext, p: Prepared, setlId: string | null): Record<string, unknown> {
  const place = { mdtrt_id: p.adm.mdtrt_id, setl_id: setlId, med_type: p.adm.med_type, clr_type: INPATIENT_CLR_TYPE };
  return settlementReply(ctx, p.person, p.data, p.result, place);
}

export function preSettleInpatient(ctx: TxContext): Record<string, unknown> {
  return reply(ctx, prepare(ctx), null);
}

/** JL 16: a birth filing (异地生育) lapses after that birth: it ends on the discharge date. */
function lapseBirthFilings(person: PersonRecord, dischargeDate: string): void {
  for (const f of person.filings) {
    if (f.purpose === 'birth' && (f.enddate === null || f.enddate > dischargeDate)) f.enddate = dischargeDate;
  }
}

export function settleInpatient(ctx: TxContext): Record<string, unknown> {
  const p = prepare(ctx);
  const { state } = ctx;
  if (p.basis === 'auto_filing') autoFileStay(state, p.person, p.adm);
  const entry = bookCall(ctx, {
    visit: p.adm,
    person: p.person,
    med_type: p.adm.med_type,
    chrg_bchno: '',
    lines: p.lines,
    result: p.result,
  });
  entry.encounter = 'inpatient';
  entry.accrual_date = p.accrualDate;
  entry.mid_setl_flag = p.data.mid_setl_flag;
  recomputePersonTotals(p.person, state.ledger);
  if (p.adm.med_type === MATERNITY_INPATIENT && p.data.mid_setl_flag !== MID_STAY) lapseBirthFilings(p.person, p.accrualDate);
  return reply(ctx, p, entry.setl_id);
}

/** 召回 only the latest settlement of a stay: 不得隔次召回 (LN 54). */
function requireRecallable(state: MockState, data: InpatientCancelData): LedgerEntry {
  const entry = findLedgerEntry(state.ledger, data.setl_id);
  if (entry?.encounter !== 'inpatient') throw new BusinessError(`结算ID不存在: ${data.setl_id}`);
  if (entry.kind === 'cancellation') throw new BusinessError('该结算ID为撤销记录，不能撤销');
  if (entry.mdtrt_id !== data.mdtrt_id || entry.psn_no !== data.psn_no) throw new BusinessError('结算ID与就诊ID或人员编号不符');
  if (entry.status === 'cancelled') throw new BusinessError('该结算已撤销');
  const booked = entriesOfVisit(state.ledger, entry.mdtrt_id).filter((e) => e.kind === 'settlement' && e.status === 'booked');
  if (booked[booked.length - 1] !== entry) throw new BusinessError('不得隔次召回：只能撤销本次住院最近一次结算');
  return entry;
}

export function cancelInpatientSettlement(ctx: TxContext): Record<string, unknown> {
  const { data } = ctx.envelope.input as unknown as { data: InpatientCancelData };
  const { state } = ctx;
  const entry = requireRecallable(state, data);
  const person = requirePerson(state, entry.psn_no);
  const policy = state.policies.areas[person.insuplc_admdvs]?.inpatient[entry.insutype];
  const year = yearOf(entry.accrual_date ?? entry.setl_time);
  const capLeftBefore = policy ? remainingCap(dec(policy.annual_cap), inpatientPoolPaidInYear(state.ledger, person.psn_no, year)) : ZERO;
  const cancelSetlId = nextId(state, ID_PREFIX.setl, ctx.now);
  const setlTime = formatDateTime(ctx.now);
  markCancelled(entry, undefined, cancelSetlId);
  const adm = state.admissions.get(entry.mdtrt_id);
  for (const line of adm?.lines ?? []) if (line.setl_id === entry.setl_id) line.setl_id = null;
  recomputePersonTotals(person, state.ledger);
  const reversal = negateSettlement({ amounts: entry.amounts, setldetail: entry.setldetail }, person.balance, capLeftBefore);
  const cancellation = appendCancellation(state.ledger, entry, {
    setl_id: cancelSetlId,
    msgid: ctx.envelope.msgid,
    infno: ctx.envelope.infno,
    setl_time: setlTime,
    result: reversal,
  });
  return cancellationReply(ctx, entry, cancellation, INPATIENT_CLR_TYPE);
}
