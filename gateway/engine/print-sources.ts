/**
 * What a print prints (GET …/print): the JOURNALED settlement or cancellation of an encounter —
 * never a recomputation, never a platform call — and the facts of its encounter for the header, or
 * a catalog error when there is nothing definite to print (GW_BIZ_PRINT_NOT_SETTLED,
 * GW_BIZ_PRINT_NOT_CANCELLED, GW_BIZ_PRINT_OUTCOME_UNKNOWN while a settlement or cancellation of
 * the encounter waits for its outcome).
 *
 * Personal data: the slip is the patient's own document, so it carries the patient's name; the
 * credential / ID number and the card number are printed MASKED (privacy.ts maskValue: first and
 * last character), since a slip leaves the counter and is easily lost; an e-voucher (01) token is
 * never printed.
 */
import { GatewayError } from '../errors/errors.js';
import { maskValue } from '../privacy.js';
import type { CodeTable } from '../validation.js';
import type { Admission } from './admission.js';
import type { Hospital } from './inpatient-stay.js';
import { Decimal } from './money.js';
import { formPatient } from './outside-forms.js';
import type { RefundOp } from './refund-op.js';
import { netRefund } from './refund-view.js';
import type { PharmacySale } from './sale.js';
import { areaText, type DocKind, layoutFor } from './slip-layouts.js';
import { type Facts, type Sheet, slipSheet, summarySheet } from './slip-print.js';
import { liveSettlement, type OutpatientVisit, type SettlementEntry, type StoredFeeLine } from './visit.js';

export interface PrintContext {
  /** the envelope's hospital, and its 医院等级 where configured (HOSPITAL_LEVEL) */
  hospital: Pick<Hospital, 'fixmedins_code' | 'fixmedins_name' | 'mdtrtarea_admvs'> & { hospital_level?: string };
  codes: (table: string) => CodeTable | undefined;
}

/** A printable document: its page title and its sheets (one paper document each). */
export interface PrintDoc {
  title: string;
  sheets: Sheet[];
}

type Encounter = OutpatientVisit | Admission | PharmacySale;

/** The booking and cancelling calls whose unknown outcome leaves nothing definite to print. */
const SLIP_CALLS = new Set(['2207', '2208', '2304', '2305', '2102', '2103']);

function refuseWhileUnknown(e: Encounter) {
  if (e.inflight && SLIP_CALLS.has(e.inflight.op))
    throw new GatewayError('GW_BIZ_PRINT_OUTCOME_UNKNOWN', {
      transaction_id: e.inflight.transaction_id,
      details: { op: e.inflight.op, transaction_id: e.inflight.transaction_id ?? null },
    });
}

function notSettled(e: Encounter): never {
  throw new GatewayError('GW_BIZ_PRINT_NOT_SETTLED', {
    details: { id: e.id, cancelled: e.settlements.filter((s) => s.status === 'cancelled').map((s) => s.setl_id) },
  });
}

const label = (ctx: PrintContext, table: string, v: string | undefined) =>
  v === undefined || v === '' ? undefined : `${ctx.codes(table)?.values[v] ?? v}`;

/** The header facts every slip shares: the hospital, the areas, the slip's own ids and time. */
function commonFacts(ctx: PrintContext, e: Encounter, s: SettlementEntry): Facts {
  const slip = s.slip;
  return {
    psn_name: slip.psn_name,
    psn_no: slip.psn_no || e.facts.psn_no,
    insuplc: areaText(e.insuplc_admdvs),
    insutype: label(ctx, 'insutype', slip.insutype ?? e.facts.insutype),
    mdtrtarea: areaText(ctx.hospital.mdtrtarea_admvs),
    fixmedins: `${ctx.hospital.fixmedins_name}（${ctx.hospital.fixmedins_code}）`,
    hosp_lv: ctx.hospital.hospital_level,
    med_type: label(ctx, 'med_type', slip.med_type),
    setl_id: s.setl_id,
    mdtrt_id: slip.mdtrt_id,
    setl_time: slip.setl_time || s.settled_at,
    invono: s.invono,
  };
}

/**
 * The reason as the counter reads it: a refund's reason code (refunds.ts writes `code: words` or
 * `code (partial: lines)`) by its name in the refund_reason table, the HIS's own words kept.
 */
function reasonText(ctx: PrintContext, reason: string | undefined): string | undefined {
  const m = reason?.match(/^([a-z_]+)(?=$|[: ])(.*)$/);
  const name = m ? ctx.codes('refund_reason')?.values[m[1]!] : undefined;
  if (!m || !name) return reason;
  return `${name}${m[2]!.replace(/\s*\(partial: ([^)]*)\)/, '（部分退费，退回明细 $1）')}`;
}

const masked = (v: string | undefined) => (v ? maskValue(v) : undefined);

/** The credential number, masked; none for an e-voucher (its number is a token, not the person's). */
const credential = (f: { mdtrt_cert_type: string; mdtrt_cert_no: string }) =>
  f.mdtrt_cert_type === '01' ? undefined : masked(f.mdtrt_cert_no);

function visitFacts(ctx: PrintContext, v: OutpatientVisit, s: SettlementEntry): Facts {
  return {
    ...commonFacts(ctx, v, s),
    certno: credential(v.facts),
    card_sn: masked(v.facts.card_sn),
    ipt_no: v.facts.ipt_otp_no,
    dept: v.dept_name ?? v.dept_code,
    begntime: v.facts.begntime,
  };
}

/** Calendar days from admission to discharge; a same-day stay counts one. */
function stayDays(begntime: string, endtime: string | undefined): string | undefined {
  if (!endtime) return undefined;
  const day = (t: string) => Date.UTC(Number(t.slice(0, 4)), Number(t.slice(5, 7)) - 1, Number(t.slice(8, 10)));
  return String(Math.max(1, Math.round((day(endtime) - day(begntime)) / 86_400_000)));
}

function stayFacts(ctx: PrintContext, a: Admission, s: SettlementEntry): Facts {
  const p = formPatient(a.person, (s.slip.setl_time || s.settled_at).slice(0, 10));
  const d = a.details;
  const main =
    d.dscg_maindiag_code || d.dscg_maindiag_name ? `${d.dscg_maindiag_code ?? ''} ${d.dscg_maindiag_name ?? ''}`.trim() : undefined;
  const others = (d.diagnoses ?? [])
    .filter((x) => x.maindiag_flag !== '1' && x.diag_code !== d.dscg_maindiag_code)
    .map((x) => `${x.diag_code} ${x.diag_name}`)
    .join('；');
  return {
    ...commonFacts(ctx, a, s),
    psn_name: p.psn_name || s.slip.psn_name,
    gend: label(ctx, 'gend', p.gend),
    age: p.age === undefined ? undefined : String(p.age),
    certno: masked(p.certno),
    card_sn: masked(a.facts.card_sn),
    adm_way: a.facts.emergency ? '急诊' : '普通',
    ipt_no: a.facts.ipt_no,
    dept: a.discharge?.dscg_dept_name ?? d.adm_dept_name,
    main_diag: main,
    other_diag: others || undefined,
    // 入院日期 / 出院日期: the dates (annex 9), the times are the HIS's
    begntime: a.facts.begntime.slice(0, 10),
    endtime: a.facts.endtime?.slice(0, 10),
    days: stayDays(a.facts.begntime, a.facts.endtime),
  };
}

function saleFacts(ctx: PrintContext, sale: PharmacySale, s: SettlementEntry): Facts {
  return { ...commonFacts(ctx, sale, s), sale_no: sale.sale_no };
}

const factsOf = (ctx: PrintContext, e: Encounter, s: SettlementEntry): Facts =>
  e.kind === 'outpatient' ? visitFacts(ctx, e, s) : e.kind === 'inpatient' ? stayFacts(ctx, e, s) : saleFacts(ctx, e as PharmacySale, s);

const layoutOf = (ctx: PrintContext, e: Encounter) => layoutFor(e.insuplc_admdvs, ctx.hospital.mdtrtarea_admvs);

/** The settlement sheet and, where the layout has one for this kind (LN 19), the fee summary sheet. */
function settlementSheets(ctx: PrintContext, e: Encounter, s: SettlementEntry, marks: string[] = [], title?: string): Sheet[] {
  const layout = layoutOf(ctx, e);
  const kind = e.kind as DocKind;
  const facts = factsOf(ctx, e, s);
  const sheets = [slipSheet(layout, kind, s.slip, facts, ctx.codes, marks, title)];
  if (layout.summary?.kinds.includes(kind) && e.kind !== 'pharmacy') {
    const lines = (e.lines as StoredFeeLine[]).filter((l) => s.feedetl_sns.includes(l.feedetl_sn));
    const summary = summarySheet(layout, s.slip, lines, facts, ctx.codes);
    if (summary) sheets.push(summary);
  }
  return sheets;
}

const cancelledMark = (s: SettlementEntry) =>
  s.cancellation ? [`本结算已撤销（撤销结算ID ${s.cancellation.setl_id ?? ''}，${s.cancellation.cancelled_at}）`] : [];

/** GET /v1/outpatient/visits/{id}/settlement/print: the visit's standing settlement. */
export function visitPrint(ctx: PrintContext, v: OutpatientVisit): PrintDoc {
  refuseWhileUnknown(v);
  const s = liveSettlement(v);
  if (!s) notSettled(v);
  return { title: `${layoutOf(ctx, v).titles.outpatient} ${s.setl_id}`, sheets: settlementSheets(ctx, v, s) };
}

/** GET /v1/inpatient/admissions/{id}/settlement/print: the stay's latest standing settlement (the discharge one once made). */
export function stayPrint(ctx: PrintContext, a: Admission): PrintDoc {
  refuseWhileUnknown(a);
  const booked = a.settlements.filter((x) => x.status === 'booked');
  const s = booked.find((x) => x.mid_setl_flag === '0') ?? booked.at(-1);
  if (!s) notSettled(a);
  return { title: `${layoutOf(ctx, a).titles.inpatient} ${s.setl_id}`, sheets: settlementSheets(ctx, a, s) };
}

/** GET /v1/pharmacy/settlements/{setl_id}/print: that settlement of the sale (marked if since cancelled). */
export function salePrint(ctx: PrintContext, sale: PharmacySale, setl_id: string): PrintDoc {
  refuseWhileUnknown(sale);
  const s = sale.settlements.find((x) => x.setl_id === setl_id);
  if (!s) throw new GatewayError('GW_BIZ_SETTLEMENT_NOT_FOUND', { details: { setl_id } });
  return { title: `${layoutOf(ctx, sale).titles.pharmacy} ${s.setl_id}`, sheets: settlementSheets(ctx, sale, s, cancelledMark(s)) };
}

function cancellationSheet(ctx: PrintContext, e: Encounter, s: SettlementEntry, title?: string): Sheet {
  const c = s.cancellation!;
  const facts: Facts = {
    ...commonFacts(ctx, e, s),
    psn_name: c.slip.psn_name ?? s.slip.psn_name,
    orig_setl_id: s.setl_id,
    setl_id: c.setl_id,
    cancelled_at: c.slip.setl_time || c.cancelled_at,
    reason: reasonText(ctx, c.reason),
  };
  return slipSheet(layoutOf(ctx, e), 'cancellation', c.slip, facts, ctx.codes, [], title);
}

/** GET …/settlements/{setl_id}/cancellation/print: the cancellation (撤销, or a whole refund) of that settlement. */
export function cancellationPrint(ctx: PrintContext, e: Encounter, setl_id: string): PrintDoc {
  refuseWhileUnknown(e);
  const s = e.settlements.find((x) => x.setl_id === setl_id);
  if (!s) throw new GatewayError('GW_BIZ_SETTLEMENT_NOT_FOUND', { details: { setl_id } });
  if (!s.cancellation) throw new GatewayError('GW_BIZ_PRINT_NOT_CANCELLED', { details: { setl_id } });
  return { title: `${layoutOf(ctx, e).titles.cancellation} ${setl_id}`, sheets: [cancellationSheet(ctx, e, s)] };
}

/**
 * GET /v1/refunds/{refund_id}/print: a partial refund (部分退费) once definite — the cancellation
 * of the settlement, the re-settlement of the kept lines (if made), and the money back as the
 * refund's own answer states it (net_refund, refund-view.ts).
 */
export function refundPrint(ctx: PrintContext, op: RefundOp, e: OutpatientVisit | PharmacySale): PrintDoc {
  if (!['completed', 'resettle_failed'].includes(op.status)) {
    if (op.status === 'failed') throw new GatewayError('GW_BIZ_PRINT_NOT_CANCELLED', { details: { setl_id: op.setl_id } });
    throw new GatewayError('GW_BIZ_PRINT_OUTCOME_UNKNOWN', {
      transaction_id: op.reversal?.transaction_id,
      details: { op: op.status, transaction_id: op.reversal?.transaction_id ?? null },
    });
  }
  const s = e.settlements.find((x) => x.setl_id === op.setl_id);
  if (!s?.cancellation) throw new GatewayError('GW_BIZ_PRINT_NOT_CANCELLED', { details: { setl_id: op.setl_id } });
  const layout = layoutOf(ctx, e);
  const sheets = [cancellationSheet(ctx, e, s, layout.titles.refund)];
  const again = op.resettle ? e.settlements.find((x) => x.setl_id === op.resettle!.setl_id) : undefined;
  if (again) sheets.push(...settlementSheets(ctx, e, again, [`部分退费：保留明细重新结算（原结算ID ${op.setl_id}）`]));
  const net = netRefund(op.cancel!.slip, op.resettle?.slip);
  const money = (d: Decimal) => new Decimal(d).toFixed(2);
  sheets[0]!.footer = [
    { label: '退还个人现金', value: money(net.psn_cash_pay), key: 'psn_cash_pay' },
    { label: '退还个人账户', value: money(net.acct_pay), key: 'acct_pay' },
    { label: '冲回基金支付', value: money(net.fund_pay_sumamt), key: 'fund_pay_sumamt' },
    ...(op.status === 'resettle_failed' ? [{ label: '注意', value: '保留明细未能重新结算，已全额退费，请重新结算保留的明细' }] : []),
  ];
  return { title: `${layout.titles.refund} ${op.id}`, sheets };
}
