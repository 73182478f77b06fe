/**
 * What the settlement handlers of every encounter share — outpatient (2206/2207/2208), pharmacy
 * (2101/2102/2103) and inpatient (2303/2304/2305): the totals check, the outpatient pricing, the
 * booking, and the setlinfo of a quote, a settlement and a cancellation (撤销/召回).
 */
import { BusinessError } from '../envelope.js';
import { bookSettlement } from '../ledger.js';
import { dec } from '../money.js';
import { autoFilesCrossRegion, outpatientNeedsNoFiling, outpatientPolicyFor } from '../policies.js';
import { computeOutpatientSettlement, type LineTotals, sumLines } from '../policy-engine.js';
import { accumulationFor, isCrossRegion, validFilingOn } from '../registry.js';
import { ID_PREFIX, nextId, type MockState } from '../state.js';
import { calendarYear, formatDateTime } from '../time.js';
import type { FeeLine, LedgerEntry, PersonRecord, SettlementResult, Visit } from '../types.js';
import { amountsView, baseinfoView, setldetailView } from '../views.js';
import { requireInsutype, requirePerson, type TxContext } from './context.js';
import { checkCredentialBelongsTo } from './outpatient-visit.js';

/** Who settles, with which insutype and credential: the part every settlement request shares. */
export interface SettlingRequest {
  psn_no: string;
  insutype: string;
  mdtrt_cert_type: string;
  mdtrt_cert_no?: string;
  card_sn?: string;
  medfee_sumamt: number;
  acct_used_flag: string;
}

/**
 * The person settling and the encounter settled (`encounterOf`, e.g. the open visit), then the
 * insutype and the credential (人卡一致): the checks in that order.
 */
export function settlingParty<E>(ctx: TxContext, data: SettlingRequest, encounterOf: () => E): { person: PersonRecord; encounter: E } {
  const person = requirePerson(ctx.state, data.psn_no);
  const encounter = encounterOf();
  requireInsutype(person, data.insutype);
  checkCredentialBelongsTo(ctx.state, person, data.mdtrt_cert_type, data.mdtrt_cert_no, data.card_sn);
  return { person, encounter };
}

/** The lines' totals, refused when the HIS's medfee_sumamt differs from what it uploaded. */
export function totalsMatching(lines: readonly FeeLine[], medfeeSumamt: number): LineTotals {
  const totals = sumLines(lines.map((l) => l.classification));
  if (!dec(medfeeSumamt).equals(totals.medfee_sumamt)) throw new BusinessError('医疗费总额与上传明细不符');
  return totals;
}

/** Why an outpatient or pharmacy settlement may proceed as direct settlement (直接结算). */
export type FilingBasis = 'local' | 'filed' | 'emergency' | 'auto_filing' | 'not_required';

/**
 * A cross-region patient needs a filing valid on `on` (the visit or purchase date), unless the visit
 * is an emergency (视同已备案, JS 37 / HN 55 / LN 22; never a pharmacy purchase), the insured
 * province needs none for an outpatient visit (HN 8: 门诊慢特病、普通门诊费用直接结算的，无需办理异地
 * 就医备案登记手续; not a pharmacy purchase, which HN 8 does not name), or the insured province files
 * automatically (LN 20-22).
 */
export function outpatientFilingBasis(
  state: MockState,
  person: PersonRecord,
  on: string,
  emergency: boolean,
  outpatientVisit = false,
): FilingBasis {
  const area = state.policies.hospital.mdtrtarea_admvs;
  if (!isCrossRegion(person, area)) return 'local';
  if (validFilingOn(person, area, on)) return 'filed';
  if (emergency) return 'emergency';
  if (outpatientVisit && outpatientNeedsNoFiling(state.policies, person.insuplc_admdvs)) return 'not_required';
  if (autoFilesCrossRegion(state.policies, person.insuplc_admdvs)) return 'auto_filing';
  throw new BusinessError('参保人未办理异地就医备案');
}

/**
 * An outpatient or pharmacy settlement's lines priced by the insured area: the totals check, the
 * filing on `on` (the visit or purchase date), then the outpatient policy against the person's
 * year state. Books nothing.
 */
export function priceOutpatient(
  ctx: TxContext,
  person: PersonRecord,
  data: SettlingRequest,
  lines: readonly FeeLine[],
  filingOn: { on: string; emergency: boolean; outpatientVisit?: boolean },
): { basis: FilingBasis; result: SettlementResult } {
  const totals = totalsMatching(lines, data.medfee_sumamt);
  const basis = outpatientFilingBasis(ctx.state, person, filingOn.on, filingOn.emergency, filingOn.outpatientVisit);
  const policy = outpatientPolicyFor(ctx.state.policies, person.insuplc_admdvs, data.insutype);
  if (!policy) throw new BusinessError(`参保地未配置门诊待遇政策: ${person.insuplc_admdvs}/${data.insutype}`);
  const result = computeOutpatientSettlement({
    insutype: data.insutype,
    totals,
    policy,
    accumulation: accumulationFor(person, calendarYear(ctx.now)),
    balance: person.balance,
    useAccount: data.acct_used_flag === '1',
  });
  return { basis, result };
}

export interface BookingFacts {
  visit: Pick<Visit, 'mdtrt_id' | 'insutype'>;
  person: PersonRecord;
  med_type: string;
  chrg_bchno: string;
  lines: readonly FeeLine[];
  result: SettlementResult;
}

/** Books the settlement under a new setl_id, by this call's msgid and infno, at the call's time. */
export function bookCall(ctx: TxContext, facts: BookingFacts): LedgerEntry {
  return bookSettlement(ctx.state.ledger, {
    ...facts,
    setl_id: nextId(ctx.state, ID_PREFIX.setl, ctx.now),
    msgid: ctx.envelope.msgid,
    infno: ctx.envelope.infno,
    setl_time: formatDateTime(ctx.now),
  });
}

/** Where a quote or settlement belongs: its 就诊, its setl_id (null for a quote), med_type and 清算类别. */
export interface SettlementPlace {
  /** '' for a pharmacy quote (2101: no 就诊 exists yet) */
  mdtrt_id: string;
  setl_id: string | null;
  med_type: string;
  clr_type: string;
}

/** The reply of a quote or a settlement: setlinfo (person, amounts, clearing) and setldetail. */
export function settlementReply(
  ctx: TxContext,
  person: PersonRecord,
  data: SettlingRequest,
  result: SettlementResult,
  place: SettlementPlace,
): Record<string, unknown> {
  const setlinfo = {
    mdtrt_id: place.mdtrt_id,
    ...(place.setl_id === null ? {} : { setl_id: place.setl_id }),
    ...baseinfoView(person, ctx.now),
    insutype: data.insutype,
    psn_type: person.psn_type,
    cvlserv_flag: person.cvlserv_flag,
    setl_time: formatDateTime(ctx.now),
    mdtrt_cert_type: data.mdtrt_cert_type,
    med_type: place.med_type,
    ...amountsView(result.amounts),
    medins_setl_id: ctx.envelope.msgid,
    clr_optins: person.insuplc_admdvs,
    clr_way: '1',
    clr_type: place.clr_type,
  };
  return { setlinfo, setldetail: setldetailView(result.setldetail) };
}

/**
 * The reply of a cancellation (2208, 2103, 2305): the cancellation record's own setl_id, time and
 * negated amounts. `spellings` adds the names one transaction's public record uses for amounts
 * (2208 pdn_cash_pay; 2103 psn_pay, cash_payamt), sent beside the usual ones.
 */
export function cancellationReply(
  ctx: TxContext,
  entry: LedgerEntry,
  cancellation: LedgerEntry,
  clrType: string,
  spellings: (amounts: Record<string, number>) => Record<string, number> = () => ({}),
): Record<string, unknown> {
  const amounts = amountsView(cancellation.amounts);
  const setlinfo = {
    mdtrt_id: entry.mdtrt_id,
    setl_id: cancellation.setl_id,
    psn_no: entry.psn_no,
    insutype: entry.insutype,
    med_type: entry.med_type,
    clr_optins: entry.insuplc_admdvs,
    setl_time: cancellation.setl_time,
    ...amounts,
    ...spellings(amounts),
    medins_setl_id: ctx.envelope.msgid,
    clr_type: clrType,
  };
  return { setlinfo, setldetail: setldetailView(cancellation.setldetail) };
}
