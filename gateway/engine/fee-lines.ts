/**
 * Fee lines as every encounter keeps them: the HIS line checked and turned into Decimals (a pharmacy
 * sale's drug lines too), the platform's classification of it (2204 / 2301 result), and the totals a
 * settlement restates. Pure.
 */
import type { FeeLine, SettlementTotals } from '../../adapters/platform/outpatient-messages.js';
import { GatewayError } from '../errors/errors.js';
import { Decimal, round2, sumOf } from './money.js';
import type { StoredFeeLine } from './visit.js';

const asArray = (v: unknown): Record<string, unknown>[] =>
  Array.isArray(v) ? v : v && typeof v === 'object' ? [v as Record<string, unknown>] : [];

/** The fields of an HIS fee line the gateway reads; every other field travels on as `extra`. */
export interface LineInput {
  feedetl_sn: string;
  fee_ocur_time: string;
  med_list_codg: string;
  medins_list_codg: string;
  cnt: number | string;
  pric: number | string;
  det_item_fee_sumamt?: number | string;
  prd_days?: number | string;
}

/** A line's amounts as Decimals, its total round2(cnt × pric): the HIS's det_item_fee_sumamt, if sent, must be that. */
export function checkedAmounts(l: Pick<LineInput, 'feedetl_sn' | 'cnt' | 'pric' | 'det_item_fee_sumamt'>) {
  const cnt = new Decimal(l.cnt);
  const pric = new Decimal(l.pric);
  const computed = round2(cnt.times(pric));
  if (l.det_item_fee_sumamt !== undefined && !new Decimal(l.det_item_fee_sumamt).eq(computed)) {
    throw new GatewayError('GW_VAL_LINE_AMOUNT_MISMATCH', {
      details: {
        feedetl_sn: l.feedetl_sn,
        det_item_fee_sumamt: new Decimal(l.det_item_fee_sumamt),
        cnt_times_pric: computed,
      },
    });
  }
  return { cnt, pric, det_item_fee_sumamt: computed };
}

/** Checks det_item_fee_sumamt = round2(cnt × pric) and turns the amounts into Decimals. */
export function toFeeLine(chrg_bchno: string, l: LineInput): FeeLine {
  const { cnt, pric, det_item_fee_sumamt: computed } = checkedAmounts(l);
  const {
    feedetl_sn,
    fee_ocur_time,
    med_list_codg,
    medins_list_codg,
    cnt: _c,
    pric: _p,
    det_item_fee_sumamt: _d,
    prd_days,
    ...rest
  } = l as LineInput & Record<string, unknown>;
  const extra: Record<string, string | undefined> = { ...(rest as Record<string, string | undefined>) };
  if (prd_days !== undefined) extra.prd_days = String(prd_days);
  return { feedetl_sn, chrg_bchno, fee_ocur_time, med_list_codg, medins_list_codg, cnt, pric, det_item_fee_sumamt: computed, extra };
}

/** A line with the platform's classification (its result row for the line, if any). */
export function classify(l: FeeLine, r: Record<string, unknown> | undefined): StoredFeeLine {
  const d = (k: string) => new Decimal((r?.[k] as Decimal.Value | undefined) ?? 0).toFixed(2);
  return {
    ...l,
    cnt: l.cnt.toString(),
    pric: l.pric.toString(),
    det_item_fee_sumamt: l.det_item_fee_sumamt.toFixed(2),
    fulamt_ownpay_amt: d('fulamt_ownpay_amt'),
    overlmt_amt: d('overlmt_amt'),
    preselfpay_amt: d('preselfpay_amt'),
    inscp_scp_amt: r ? d('inscp_scp_amt') : l.det_item_fee_sumamt.toFixed(2),
    chrgitm_lv: r?.chrgitm_lv === undefined ? undefined : String(r.chrgitm_lv),
    selfpay_prop: r?.selfpay_prop === undefined ? undefined : String(r.selfpay_prop),
    // 医疗收费项目类别 as the platform classified it: the fee summary sheet groups by it (LN 19 annex 6)
    med_chrgitm_type: r?.med_chrgitm_type === undefined || r.med_chrgitm_type === null ? undefined : String(r.med_chrgitm_type),
  };
}

/** The lines with the platform's classification, matched by feedetl_sn to the upload's `result` rows. */
export function classifyAll(lines: FeeLine[], result: unknown): StoredFeeLine[] {
  const rows = asArray(result);
  return lines.map((l) =>
    classify(
      l,
      rows.find((x) => String(x.feedetl_sn) === l.feedetl_sn),
    ),
  );
}

/** The lines no standing settlement has settled. */
export const unsettled = <L extends StoredFeeLine>(lines: L[]): L[] => lines.filter((l) => l.setl_id === undefined);

/** The money fields of a stored line (decimal strings at rest), numbers with two decimals on the wire. */
const LINE_MONEY = ['det_item_fee_sumamt', 'fulamt_ownpay_amt', 'overlmt_amt', 'preselfpay_amt', 'inscp_scp_amt'] as const;

/** A stored line as the HIS receives it: its amounts as Decimals (money-json.ts writes them as 12.50). */
export function lineView<L extends StoredFeeLine>(l: L) {
  const { extra: _e, ...rest } = l;
  return { ...rest, ...Object.fromEntries(LINE_MONEY.map((k) => [k, new Decimal(l[k] ?? 0)])) } as Omit<
    L,
    'extra' | (typeof LINE_MONEY)[number]
  > &
    Record<(typeof LINE_MONEY)[number], Decimal>;
}

/** The totals a settlement input restates, from the platform's own classification of the lines. */
export function lineTotals(lines: StoredFeeLine[]): SettlementTotals {
  const s = (k: keyof StoredFeeLine) => sumOf(lines.map((l) => String(l[k] ?? '0')));
  return {
    medfee_sumamt: s('det_item_fee_sumamt'),
    fulamt_ownpay_amt: s('fulamt_ownpay_amt'),
    overlmt_selfpay: s('overlmt_amt'),
    preselfpay_amt: s('preselfpay_amt'),
    inscp_scp_amt: s('inscp_scp_amt'),
  };
}

/** The totals as the HIS receives them: Decimals, written as numbers with two decimals. */
export function totalsView(lines: StoredFeeLine[]): SettlementTotals {
  return lineTotals(lines);
}

/** The HIS's total must equal the uploaded lines' total (a known failure mode: HIS and upload differ). */
export function checkHisTotal(lines: StoredFeeLine[], his_total: Decimal.Value) {
  const uploaded = sumOf(lines.map((l) => l.det_item_fee_sumamt));
  const his = new Decimal(his_total);
  if (!uploaded.eq(his)) {
    throw new GatewayError('GW_VAL_TOTAL_MISMATCH', {
      details: { his_total: his, uploaded_total: uploaded, lines: lines.length },
    });
  }
}
