/**
 * 2101 药店预结算 (a quote), 2102 药店结算 (booked), 2103 药店结算撤销.
 *
 * A pharmacy purchase has no registration: 2102 opens its own 就诊 (mdtrt_id) and settles the
 * drug lines in one call. The insured area prices it with its OUTPATIENT policy (deductible, ratio,
 * annual cap of the person's insutype) and the purchase shares the person's year accumulations
 * with the outpatient settlements — so a pharmacy refund re-derives later outpatient settlements
 * too (隔笔退费 covers "普通门诊、药店费用", LN 54).
 */
import { hisFields } from '../his-fields.js';
import { applyNewBooking } from '../ledger.js';
import { autoFileTemporary } from '../registry.js';
import { ID_PREFIX, nextId } from '../state.js';
import { datePart } from '../time.js';
import type { FeeLine, PersonRecord, SettlementResult, Visit } from '../types.js';
import { lineResultView } from '../views.js';
import type { TxContext } from './context.js';
import { classifyUpload, duplicateSn, type UploadedLine } from './fee-lines.js';
import { refundSettlement } from './outpatient-settlement.js';
import type { FilingBasis, SettlingRequest } from './settlements.js';
import { bookCall, cancellationReply, priceOutpatient, settlementReply, settlingParty } from './settlements.js';
import { addVisit } from '../visit-index.js';

interface DrugInfo extends SettlingRequest {
  begntime: string;
  med_type: string;
  invono?: string;
}

interface PharmacyInput {
  druginfo: DrugInfo;
  drugdetail: UploadedLine[];
}

const PHARMACY_CLR_TYPE = '41';

/** Drug lines: a feedetl_sn once per purchase (the lines are not kept before 2102 books them). */
function classifyLines(details: readonly UploadedLine[], ctx: TxContext): FeeLine[] {
  const seen = new Set<string>();
  return details.map((d) => {
    if (seen.has(d.feedetl_sn)) throw duplicateSn(d.feedetl_sn);
    seen.add(d.feedetl_sn);
    return classifyUpload(ctx.state.catalogue, d, '0000');
  });
}

interface PreparedPurchase {
  info: DrugInfo;
  person: PersonRecord;
  lines: FeeLine[];
  basis: FilingBasis;
  result: SettlementResult;
}

function preparePurchase(ctx: TxContext): PreparedPurchase {
  const { druginfo: info, drugdetail } = ctx.envelope.input as unknown as PharmacyInput;
  const { person } = settlingParty(ctx, info, () => null);
  const lines = classifyLines(drugdetail, ctx);
  // as outpatient, without the emergency route
  const priced = priceOutpatient(ctx, person, info, lines, { on: datePart(info.begntime), emergency: false });
  return { info, person, lines, ...priced };
}

function reply(ctx: TxContext, p: PreparedPurchase, ids: { mdtrt_id: string; setl_id: string } | null): Record<string, unknown> {
  const place = { mdtrt_id: ids?.mdtrt_id ?? '', setl_id: ids?.setl_id ?? null, med_type: p.info.med_type, clr_type: PHARMACY_CLR_TYPE };
  const detlcutinfo = p.lines.map((l) => lineResultView(l.feedetl_sn, l.classification));
  return { ...settlementReply(ctx, p.person, p.info, p.result, place), detlcutinfo };
}

export function pharmacyPreSettle(ctx: TxContext): Record<string, unknown> {
  return reply(ctx, preparePurchase(ctx), null);
}

export function pharmacySettle(ctx: TxContext): Record<string, unknown> {
  const p = preparePurchase(ctx);
  const { state } = ctx;
  if (p.basis === 'auto_filing') autoFileTemporary(p.person, state.policies.hospital.mdtrtarea_admvs, datePart(p.info.begntime));
  const visit: Visit = {
    mdtrt_id: nextId(state, ID_PREFIX.mdtrt, ctx.now),
    psn_no: p.person.psn_no,
    insutype: p.info.insutype,
    ipt_otp_no: '',
    begntime: p.info.begntime,
    er_flag: null,
    med_type: p.info.med_type,
    dise_codg: null,
    status: 'open',
    lines: p.lines,
    opened_by: 'pharmacy',
    mdtrt_cert_type: p.info.mdtrt_cert_type,
    his_fields: hisFields('mdtrtinfo', p.info),
  };
  addVisit(state.visits, visit);
  const entry = bookCall(ctx, { visit, person: p.person, med_type: p.info.med_type, chrg_bchno: '0000', lines: p.lines, result: p.result });
  applyNewBooking(p.person, entry);
  return reply(ctx, p, { mdtrt_id: visit.mdtrt_id, setl_id: entry.setl_id });
}

export function pharmacyCancel(ctx: TxContext): Record<string, unknown> {
  const { data } = ctx.envelope.input as unknown as { data: { setl_id: string; mdtrt_id: string; psn_no: string } };
  const { entry, cancellation } = refundSettlement(ctx, data, '2102');
  // the public record spells the person's part psn_pay and the cash cash_payamt in 2103; both are sent
  return cancellationReply(ctx, entry, cancellation, PHARMACY_CLR_TYPE, (a) => ({
    psn_pay: a.psn_part_amt!,
    cash_payamt: a.psn_cash_pay!,
  }));
}
