/**
 * 2101 药店预结算 (a quote), 2102 药店结算 (booked), 2103 药店结算撤销.
 *
 * A pharmacy purchase has no registration: 2102 opens its own 就诊 (mdtrt_id) and settles the
 * drug lines in one call. The insured area prices it with its OUTPATIENT policy (deductible, ratio,
 * annual cap of the person's insutype) and the purchase shares the person's year accumulations
 * with the outpatient settlements — so a pharmacy refund re-derives later outpatient settlements
 * too (隔笔退费 covers "普通门诊、药店费用", LN 54).
 */
import { findCatalogueEntry } from '../catalogue.js';
import { BusinessError } from '../envelope.js';
import { applyNewBooking, bookSettlement } from '../ledger.js';
import { dec } from '../money.js';
import { autoFilesCrossRegion, outpatientPolicyFor } from '../policies.js';
import { classifyFeeLine, computeOutpatientSettlement, expectedLineTotal, sumLines } from '../policy-engine.js';
import { accumulationFor, autoFileTemporary, isCrossRegion, validFilingOn } from '../registry.js';
import { ID_PREFIX, nextId, type MockState } from '../state.js';
import { calendarYear, datePart, formatDateTime } from '../time.js';
import type { FeeLine, PersonRecord, SettlementResult, Visit } from '../types.js';
import { amountsView, baseinfoView, lineResultView, setldetailView } from '../views.js';
import { requireInsutype, requirePerson, type TxContext } from './context.js';
import { refundSettlement } from './outpatient-settlement.js';
import { checkCredentialBelongsTo } from './outpatient-visit.js';

interface DrugInfo {
  psn_no: string;
  mdtrt_cert_type: string;
  mdtrt_cert_no?: string;
  card_sn?: string;
  begntime: string;
  medfee_sumamt: number;
  insutype: string;
  acct_used_flag: string;
  med_type: string;
  invono?: string;
}

interface DrugDetail {
  feedetl_sn: string;
  fee_ocur_time: string;
  med_list_codg: string;
  det_item_fee_sumamt: number;
  cnt: number;
  pric: number;
}

interface PharmacyInput {
  druginfo: DrugInfo;
  drugdetail: DrugDetail[];
}

const PHARMACY_CLR_TYPE = '41';

/** Cross-region purchases need a filing valid on the purchase date, or an auto-filing province. */
function requireFiling(state: MockState, person: PersonRecord, on: string): 'local' | 'filed' | 'auto_filing' {
  const area = state.policies.hospital.mdtrtarea_admvs;
  if (!isCrossRegion(person, area)) return 'local';
  if (validFilingOn(person, area, on)) return 'filed';
  if (autoFilesCrossRegion(state.policies, person.insuplc_admdvs)) return 'auto_filing';
  throw new BusinessError('参保人未办理异地就医备案');
}

function classifyLines(state: MockState, details: readonly DrugDetail[]): FeeLine[] {
  const seen = new Set<string>();
  return details.map((d) => {
    if (seen.has(d.feedetl_sn)) throw new BusinessError(`费用明细流水号重复: ${d.feedetl_sn}`);
    seen.add(d.feedetl_sn);
    const cnt = dec(d.cnt);
    const pric = dec(d.pric);
    const det = dec(d.det_item_fee_sumamt);
    if (!det.equals(expectedLineTotal(cnt, pric))) throw new BusinessError(`明细项目费用总额与数量×单价不符: ${d.feedetl_sn}`);
    const classification = classifyFeeLine({ cnt, pric, det_item_fee_sumamt: det }, findCatalogueEntry(state.catalogue, d.med_list_codg));
    return {
      feedetl_sn: d.feedetl_sn,
      chrg_bchno: '0000',
      med_list_codg: d.med_list_codg,
      fee_ocur_time: d.fee_ocur_time,
      classification,
      setl_id: null,
    };
  });
}

interface PreparedPurchase {
  info: DrugInfo;
  person: PersonRecord;
  lines: FeeLine[];
  basis: ReturnType<typeof requireFiling>;
  result: SettlementResult;
}

function preparePurchase(ctx: TxContext): PreparedPurchase {
  const { druginfo: info, drugdetail } = ctx.envelope.input as unknown as PharmacyInput;
  const { state } = ctx;
  const person = requirePerson(state, info.psn_no);
  requireInsutype(person, info.insutype);
  checkCredentialBelongsTo(state, person, info.mdtrt_cert_type, info.mdtrt_cert_no, info.card_sn);
  const lines = classifyLines(state, drugdetail);
  const totals = sumLines(lines.map((l) => l.classification));
  if (!dec(info.medfee_sumamt).equals(totals.medfee_sumamt)) throw new BusinessError('医疗费总额与上传明细不符');
  const basis = requireFiling(state, person, datePart(info.begntime));
  const policy = outpatientPolicyFor(state.policies, person.insuplc_admdvs, info.insutype);
  if (!policy) throw new BusinessError(`参保地未配置门诊待遇政策: ${person.insuplc_admdvs}/${info.insutype}`);
  const result = computeOutpatientSettlement({
    insutype: info.insutype,
    totals,
    policy,
    accumulation: accumulationFor(person, calendarYear(ctx.now)),
    balance: person.balance,
    useAccount: info.acct_used_flag === '1',
  });
  return { info, person, lines, basis, result };
}

function setlinfoView(ctx: TxContext, p: PreparedPurchase, ids: { mdtrt_id: string; setl_id: string } | null): Record<string, unknown> {
  return {
    mdtrt_id: ids?.mdtrt_id ?? '',
    ...(ids ? { setl_id: ids.setl_id } : {}),
    ...baseinfoView(p.person, ctx.now),
    insutype: p.info.insutype,
    psn_type: p.person.psn_type,
    cvlserv_flag: p.person.cvlserv_flag,
    setl_time: formatDateTime(ctx.now),
    mdtrt_cert_type: p.info.mdtrt_cert_type,
    med_type: p.info.med_type,
    ...amountsView(p.result.amounts),
    medins_setl_id: ctx.envelope.msgid,
    clr_optins: p.person.insuplc_admdvs,
    clr_way: '1',
    clr_type: PHARMACY_CLR_TYPE,
  };
}

const detlcutinfo = (lines: readonly FeeLine[]) => lines.map((l) => lineResultView(l.feedetl_sn, l.classification));

export function pharmacyPreSettle(ctx: TxContext): Record<string, unknown> {
  const p = preparePurchase(ctx);
  return { setlinfo: setlinfoView(ctx, p, null), setldetail: setldetailView(p.result.setldetail), detlcutinfo: detlcutinfo(p.lines) };
}

export function pharmacySettle(ctx: TxContext): Record<string, unknown> {
  const p = preparePurchase(ctx);
  const { state } = ctx;
  if (p.basis === 'auto_filing') autoFileTemporary(p.person, state.policies.hospital.mdtrtarea_admvs, datePart(p.info.begntime));
  const mdtrtId = nextId(state, ID_PREFIX.mdtrt, ctx.now);
  const visit: Visit = {
    mdtrt_id: mdtrtId,
    psn_no: p.person.psn_no,
    insutype: p.info.insutype,
    ipt_otp_no: '',
    begntime: p.info.begntime,
    er_flag: null,
    med_type: p.info.med_type,
    dise_codg: null,
    status: 'open',
    lines: p.lines,
  };
  state.visits.set(mdtrtId, visit);
  const setlId = nextId(state, ID_PREFIX.setl, ctx.now);
  const entry = bookSettlement(state.ledger, {
    setl_id: setlId,
    msgid: ctx.envelope.msgid,
    infno: ctx.envelope.infno,
    visit,
    person: p.person,
    med_type: p.info.med_type,
    chrg_bchno: '0000',
    lines: p.lines,
    setl_time: formatDateTime(ctx.now),
    result: p.result,
  });
  applyNewBooking(p.person, entry);
  return {
    setlinfo: setlinfoView(ctx, p, { mdtrt_id: mdtrtId, setl_id: setlId }),
    setldetail: setldetailView(p.result.setldetail),
    detlcutinfo: detlcutinfo(p.lines),
  };
}

export function pharmacyCancel(ctx: TxContext): Record<string, unknown> {
  const { data } = ctx.envelope.input as unknown as { data: { setl_id: string; mdtrt_id: string; psn_no: string } };
  const { entry, cancellation } = refundSettlement(ctx, data, '2102');
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
      // the public record spells the person's part psn_pay and the cash cash_payamt in 2103; both are sent
      psn_pay: amounts.psn_part_amt,
      cash_payamt: amounts.psn_cash_pay,
      medins_setl_id: ctx.envelope.msgid,
      clr_type: PHARMACY_CLR_TYPE,
    },
    setldetail: setldetailView(cancellation.setldetail),
  };
}
