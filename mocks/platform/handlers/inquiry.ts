/**
 * The inquiries, answered from what the mock holds: 5201 就诊信息查询 (visits and stays),
 * 5203 结算信息查询 (a settlement or refund record of the ledger), 5204 费用明细查询 (a visit's or
 * stay's fee lines). The gateway asks them to learn what the platform holds after a write whose
 * outcome it could not learn (design.md: "any other write is resolved by inquiry").
 *
 * Field names are those of /work/shared/spec/spec-fields-more.json (5201 output mdtrtinfo, 5203
 * output setlinfo / setldetail, 5204 output), which data/schemas/52xx.*.json carry. Choices the
 * record does not make (marked where made):
 * - 5201: a registration cancelled by 2202 and an admission cancelled by 2404 are not listed (the
 *   record has no validity flag in mdtrtinfo: a cancelled 就诊 is gone); a pharmacy sale's 就诊 is
 *   listed while its 2102 stands (a 2601 reversal removes it). An outpatient visit's endtime is its
 *   begntime (门诊 has no discharge); a stay has endtime and the 2402 discharge fields once
 *   discharged, none again after 2405. Filters: mdtrt_id; begntime / endtime bound the visit's
 *   begntime; med_type matches the visit's (a visit whose med_type is not known yet — 2201
 *   without 2203 — matches any).
 * - 5203: the record wants psn_no, setl_id and mdtrt_id; the mock takes psn_no with setl_id and/or
 *   mdtrt_id and answers the latest ledger record matching them (so by mdtrt_id alone: the latest
 *   settlement or refund of the visit). A refund (2208/2103/2305) is a record of its own with its
 *   own setl_id, negated amounts and refd_setl_flag '1'; the settlement it refunded keeps '0'
 *   (the record has no other cancellation mark). medins_setl_id is the msgid of the transaction that
 *   booked the record. A reversed (2601) record is not there. Nothing held: setlinfo null,
 *   setldetail [] (infcode 0: a definite "nothing", not a refusal).
 * - 5204: the lines the visit or stay holds now (uploaded, not withdrawn by 2205/2302), each with
 *   the setl_id that covers it now (absent while unsettled); setl_id filters by it. An unknown or
 *   cancelled visit, or another person's: no lines. The list is under `feedetail` (the record
 *   names no node; nhis-web reads output itself as the list, which the envelope's object output
 *   does not allow).
 */
import { findCatalogueEntry } from '../catalogue.js';
import { toWireNumber } from '../money.js';
import type { MockState } from '../state.js';
import { datePart, yearOf } from '../time.js';
import type { Admission, FeeLine, HisFields, LedgerEntry, PersonRecord, Visit } from '../types.js';
import { baseinfoView, lineResultView, setldetailView } from '../views.js';
import { requirePerson, type TxContext } from './context.js';
import { entriesOfVisit } from '../ledger-index.js';
import { visitsOfPerson } from '../visit-index.js';

interface VisitQuery {
  psn_no: string;
  mdtrt_id?: string;
  begntime?: string;
  endtime?: string;
  med_type?: string;
}

interface SettlementQuery {
  psn_no: string;
  setl_id?: string;
  mdtrt_id?: string;
}

interface FeeQuery {
  psn_no: string;
  mdtrt_id: string;
  setl_id?: string;
}

/** The fields the views below derive themselves: what the HIS sent under these names is not echoed. */
const DERIVED = new Set([
  'mdtrt_id',
  'psn_no',
  'psn_cert_type',
  'certno',
  'psn_name',
  'gend',
  'naty',
  'brdy',
  'age',
  'insutype',
  'psn_type',
  'cvlserv_flag',
  'insu_optins',
  'emp_name',
  'begntime',
  'endtime',
  'mdtrt_cert_type',
  'med_type',
  'ipt_otp_no',
  'ipt_days',
  'setl_id',
  'feedetl_sn',
  'fee_ocur_time',
  'med_list_codg',
  'hilist_code',
  'hilist_name',
  'list_type',
]);

function echoed(...sources: Array<HisFields | null>): HisFields {
  const out: HisFields = {};
  for (const source of sources) {
    for (const [key, value] of Object.entries(source ?? {})) if (!DERIVED.has(key)) out[key] = value;
  }
  return out;
}

/** The person's part of an mdtrtinfo / setlinfo: identity as of today, insurance, employer. */
function personPart(person: PersonRecord, now: Date): Record<string, unknown> {
  return {
    ...baseinfoView(person, now),
    psn_type: person.psn_type,
    cvlserv_flag: person.cvlserv_flag,
    insu_optins: person.insuplc_admdvs,
    emp_name: person.emp_name,
  };
}

/** A cancelled registration or admission is gone; a pharmacy 就诊 lasts while its sale is not reversed. */
function visitStands(state: MockState, visit: Visit): boolean {
  if (visit.status === 'cancelled') return false;
  if (visit.opened_by !== 'pharmacy') return true;
  return entriesOfVisit(state.ledger, visit.mdtrt_id).some((e) => e.kind === 'settlement' && e.status !== 'reversed');
}

function visitView(visit: Visit, person: PersonRecord, now: Date): Record<string, unknown> {
  return {
    ...echoed(visit.his_fields),
    mdtrt_id: visit.mdtrt_id,
    psn_no: visit.psn_no,
    ...personPart(person, now),
    insutype: visit.insutype,
    begntime: visit.begntime,
    // 门诊 has no discharge: the visit ends when it begins (choice, see above)
    endtime: visit.begntime,
    mdtrt_cert_type: visit.mdtrt_cert_type,
    ...(visit.med_type === null ? {} : { med_type: visit.med_type }),
    ...(visit.ipt_otp_no === '' ? {} : { ipt_otp_no: visit.ipt_otp_no }),
  };
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** 住院天数: calendar days from admission to discharge (at least 1). */
function stayDays(begntime: string, endtime: string): number {
  const days = Math.round((Date.parse(datePart(endtime)) - Date.parse(datePart(begntime))) / DAY_MS);
  return Math.max(1, days);
}

function admissionView(adm: Admission, person: PersonRecord, now: Date): Record<string, unknown> {
  return {
    ...echoed(adm.his_fields, adm.discharge_fields),
    mdtrt_id: adm.mdtrt_id,
    psn_no: adm.psn_no,
    ...personPart(person, now),
    insutype: adm.insutype,
    begntime: adm.begntime,
    ...(adm.endtime === null ? {} : { endtime: adm.endtime, ipt_days: stayDays(adm.begntime, adm.endtime) }),
    mdtrt_cert_type: adm.mdtrt_cert_type,
    med_type: adm.med_type,
    ipt_otp_no: adm.ipt_no,
  };
}

function matchesVisitQuery(q: VisitQuery, e: { mdtrt_id: string; psn_no: string; begntime: string; med_type: string | null }): boolean {
  if (e.psn_no !== q.psn_no) return false;
  if (q.mdtrt_id !== undefined && e.mdtrt_id !== q.mdtrt_id) return false;
  if (q.begntime !== undefined && e.begntime < q.begntime) return false;
  if (q.endtime !== undefined && e.begntime > q.endtime) return false;
  return q.med_type === undefined || e.med_type === null || e.med_type === q.med_type;
}

/** 5201 就诊信息查询: the person's visits and stays the platform holds, by begntime. */
export function visitInquiry(ctx: TxContext): Record<string, unknown> {
  const { data } = ctx.envelope.input as unknown as { data: VisitQuery };
  const { state } = ctx;
  const person = requirePerson(state, data.psn_no);
  const found: Array<{ begntime: string; mdtrt_id: string; view: Record<string, unknown> }> = [];
  for (const visit of visitsOfPerson(state.visits, data.psn_no)) {
    if (matchesVisitQuery(data, visit) && visitStands(state, visit)) found.push({ ...visit, view: visitView(visit, person, ctx.now) });
  }
  for (const adm of state.admissions.values()) {
    if (matchesVisitQuery(data, adm) && adm.status !== 'cancelled') found.push({ ...adm, view: admissionView(adm, person, ctx.now) });
  }
  found.sort((a, b) => a.begntime.localeCompare(b.begntime) || a.mdtrt_id.localeCompare(b.mdtrt_id));
  return { mdtrtinfo: found.map((f) => f.view) };
}

/** 清算类别 by the transaction that booked a record: 11 outpatient, 41 pharmacy, 21 inpatient. */
const CLR_TYPE_OF: Readonly<Record<string, string>> = {
  '2207': '11',
  '2208': '11',
  '2102': '41',
  '2103': '41',
  '2304': '21',
  '2305': '21',
};

/** 支付地点类别 (unverified value: the public record shows the field, not its codes). */
const PAY_LOC_HOSPITAL = '2';

/** The visit or stay a ledger record belongs to: its dates and the credential shown. */
function encounterFacts(state: MockState, entry: LedgerEntry) {
  const adm = state.admissions.get(entry.mdtrt_id);
  if (adm) {
    const end = entry.accrual_date ?? adm.endtime ?? entry.setl_time;
    return { begndate: datePart(adm.begntime), enddate: datePart(end), mdtrt_cert_type: adm.mdtrt_cert_type, year: yearOf(end) };
  }
  const visit = state.visits.get(entry.mdtrt_id);
  const begins = visit?.begntime ?? entry.setl_time;
  return { begndate: datePart(begins), enddate: datePart(begins), mdtrt_cert_type: visit?.mdtrt_cert_type, year: yearOf(entry.setl_time) };
}

function setlinfoView(ctx: TxContext, entry: LedgerEntry, person: PersonRecord): Record<string, unknown> {
  const { hospital } = ctx.state.policies;
  const { year, mdtrt_cert_type, ...dates } = encounterFacts(ctx.state, entry);
  const a = entry.amounts;
  const money = (key: keyof typeof a) => toWireNumber(a[key]);
  return {
    setl_id: entry.setl_id,
    mdtrt_id: entry.mdtrt_id,
    psn_no: entry.psn_no,
    ...personPart(person, ctx.now),
    insutype: entry.insutype,
    pay_loc: PAY_LOC_HOSPITAL,
    fixmedins_code: hospital.fixmedins_code,
    fixmedins_name: hospital.fixmedins_name,
    ...dates,
    setl_time: entry.setl_time,
    ...(mdtrt_cert_type ? { mdtrt_cert_type } : {}),
    med_type: entry.med_type,
    clr_type: CLR_TYPE_OF[entry.infno] ?? '11',
    clr_way: '1',
    clr_optins: entry.insuplc_admdvs,
    medfee_sumamt: money('medfee_sumamt'),
    fulamt_ownpay_amt: money('fulamt_ownpay_amt'),
    overlmt_selfpay: money('overlmt_selfpay'),
    preselfpay_amt: money('preselfpay_amt'),
    inscp_scp_amt: money('inscp_scp_amt'),
    act_pay_dedc: money('act_pay_dedc'),
    hifp_pay: money('hifp_pay'),
    pool_prop_selfpay: toWireNumber(a.pool_prop_selfpay, 4),
    cvlserv_pay: money('cvlserv_pay'),
    hifes_pay: money('hifes_pay'),
    hifmi_pay: money('hifmi_pay'),
    hifob_pay: money('hifob_pay'),
    maf_pay: money('maf_pay'),
    oth_pay: money('oth_pay'),
    fund_pay_sumamt: money('fund_pay_sumamt'),
    // 5203 spells the person's part psn_pay and the cash cash_payamt
    psn_pay: money('psn_part_amt'),
    acct_pay: money('acct_pay'),
    cash_payamt: money('psn_cash_pay'),
    balc: money('balc'),
    acct_mulaid_pay: money('acct_mulaid_pay'),
    medins_setl_id: entry.msgid,
    refd_setl_flag: entry.kind === 'cancellation' ? '1' : '0',
    year: String(year),
  };
}

/** 5203 结算信息查询: the latest ledger record of the person matching setl_id and/or mdtrt_id. */
export function settlementInquiry(ctx: TxContext): Record<string, unknown> {
  const { data } = ctx.envelope.input as unknown as { data: SettlementQuery };
  const person = requirePerson(ctx.state, data.psn_no);
  const matching = ctx.state.ledger.filter(
    (e) =>
      e.psn_no === data.psn_no &&
      e.status !== 'reversed' &&
      (data.setl_id === undefined || e.setl_id === data.setl_id) &&
      (data.mdtrt_id === undefined || e.mdtrt_id === data.mdtrt_id),
  );
  const entry = matching[matching.length - 1];
  if (!entry) return { setlinfo: null, setldetail: [] };
  return { setlinfo: setlinfoView(ctx, entry, person), setldetail: setldetailView(entry.setldetail) };
}

/** 目录类别 (unverified codes): 101 西药 for a drug code (X…/Z…), 201 医疗服务项目 otherwise. */
const listTypeOf = (code: string): string => (/^[XZ]/.test(code) ? '101' : '201');

/** A line as 5204 shows it; what the HIS uploaded beside the amounts (etip_flag, bilg_dr_codg, …) is echoed. */
function feeLineView(ctx: TxContext, mdtrtId: string, medType: string | null, line: FeeLine): Record<string, unknown> {
  const name = findCatalogueEntry(ctx.state.catalogue, line.med_list_codg)?.name;
  return {
    ...echoed(line.his_fields),
    mdtrt_id: mdtrtId,
    ...(line.setl_id === null ? {} : { setl_id: line.setl_id }),
    ...(medType === null ? {} : { med_type: medType }),
    fee_ocur_time: line.fee_ocur_time,
    ...lineResultView(line.feedetl_sn, line.classification),
    med_list_codg: line.med_list_codg,
    hilist_code: line.med_list_codg,
    ...(name === undefined ? {} : { hilist_name: name }),
    list_type: listTypeOf(line.med_list_codg),
  };
}

/** 5204 费用明细查询: the fee lines the visit or stay holds now. */
export function feeInquiry(ctx: TxContext): Record<string, unknown> {
  const { data } = ctx.envelope.input as unknown as { data: FeeQuery };
  const { state } = ctx;
  requirePerson(state, data.psn_no);
  const visit = state.visits.get(data.mdtrt_id);
  const adm = state.admissions.get(data.mdtrt_id);
  let held: { medType: string | null; lines: readonly FeeLine[] } = { medType: null, lines: [] };
  if (visit && visit.psn_no === data.psn_no && visitStands(state, visit)) held = { medType: visit.med_type, lines: visit.lines };
  else if (adm && adm.psn_no === data.psn_no && adm.status !== 'cancelled') held = { medType: adm.med_type, lines: adm.lines };
  const lines = held.lines.filter((l) => data.setl_id === undefined || l.setl_id === data.setl_id);
  return { feedetail: lines.map((l) => feeLineView(ctx, data.mdtrt_id, held.medType, l)) };
}
