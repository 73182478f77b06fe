/**
 * The insured area's outpatient benefit engine. Pure functions over Decimal; every rounding is
 * ROUND_HALF_UP to 2 places, exactly where the arithmetic below says round2.
 */
import { Decimal } from 'decimal.js';
import { dec, minOf, nonNegative, round2, sumOf, ZERO } from './money.js';
import type {
  CatalogueEntry,
  FundDetail,
  LineClassification,
  OutpatientPolicy,
  SettlementAmounts,
  SettlementResult,
  YearAccumulation,
} from './types.js';

/** chrgitm_lv (schemas/codes/chrgitm_lv.json): 1 甲类, 2 乙类, 3 丙类 (fully self-paid). */
export const LEVEL_C = '3';
/** 其他费: the item type given to a code the catalogue does not know. */
const UNKNOWN_ITEM_TYPE = '14';

export interface FeeLineAmounts {
  cnt: Decimal;
  pric: Decimal;
  det_item_fee_sumamt: Decimal;
}

/** cnt × pric rounded to 2: what det_item_fee_sumamt must equal. */
export function expectedLineTotal(cnt: Decimal, pric: Decimal): Decimal {
  return round2(cnt.times(pric));
}

function fullySelfPaid(line: FeeLineAmounts, itemType: string): LineClassification {
  return {
    ...line,
    pric_uplmt_amt: null,
    selfpay_prop: dec(1),
    fulamt_ownpay_amt: line.det_item_fee_sumamt,
    overlmt_amt: ZERO,
    preselfpay_amt: ZERO,
    inscp_scp_amt: ZERO,
    chrgitm_lv: LEVEL_C,
    med_chrgitm_type: itemType,
  };
}

/** overlmt = cap && pric > cap ? round2((pric − cap) × cnt) : 0 */
function overLimitAmount(line: FeeLineAmounts, cap: Decimal | null): Decimal {
  if (cap === null || !line.pric.greaterThan(cap)) return ZERO;
  return round2(line.pric.minus(cap).times(line.cnt));
}

/** Classifies one fee line under the treatment area's catalogue (2204). */
export function classifyFeeLine(line: FeeLineAmounts, entry: CatalogueEntry | undefined): LineClassification {
  if (!entry) return fullySelfPaid(line, UNKNOWN_ITEM_TYPE);
  if (entry.chrgitm_lv === LEVEL_C) return { ...fullySelfPaid(line, entry.med_chrgitm_type), selfpay_prop: dec(entry.selfpay_prop) };
  const cap = entry.pric_uplmt_amt === undefined ? null : dec(entry.pric_uplmt_amt);
  const selfpayProp = dec(entry.selfpay_prop);
  const overlmt = overLimitAmount(line, cap);
  const base = line.det_item_fee_sumamt.minus(overlmt);
  const preselfpay = round2(base.times(selfpayProp));
  return {
    ...line,
    pric_uplmt_amt: cap,
    selfpay_prop: selfpayProp,
    fulamt_ownpay_amt: ZERO,
    overlmt_amt: overlmt,
    preselfpay_amt: preselfpay,
    inscp_scp_amt: base.minus(preselfpay),
    chrgitm_lv: entry.chrgitm_lv,
    med_chrgitm_type: entry.med_chrgitm_type,
  };
}

export interface LineTotals {
  medfee_sumamt: Decimal;
  fulamt_ownpay_amt: Decimal;
  overlmt_selfpay: Decimal;
  preselfpay_amt: Decimal;
  inscp_scp_amt: Decimal;
}

/** Sums the classified lines of one settlement; medfee = fulamt + overlmt + preselfpay + inscp. */
export function sumLines(lines: readonly LineClassification[]): LineTotals {
  const fulamt = sumOf(lines.map((l) => l.fulamt_ownpay_amt));
  const overlmt = sumOf(lines.map((l) => l.overlmt_amt));
  const preselfpay = sumOf(lines.map((l) => l.preselfpay_amt));
  const inscp = sumOf(lines.map((l) => l.inscp_scp_amt));
  return {
    medfee_sumamt: fulamt.plus(overlmt).plus(preselfpay).plus(inscp),
    fulamt_ownpay_amt: fulamt,
    overlmt_selfpay: overlmt,
    preselfpay_amt: preselfpay,
    inscp_scp_amt: inscp,
  };
}

/** The pooled fund of an insutype: 310 → 310100, 390 → 390100. */
export function pooledFundOf(insutype: string): { fund_pay_type: string; fund_pay_type_name: string } {
  const names: Record<string, string> = {
    '310': '职工基本医疗保险统筹基金',
    '390': '城乡居民基本医疗保险基金',
  };
  return { fund_pay_type: `${insutype}100`, fund_pay_type_name: names[insutype] ?? '基本医疗保险统筹基金' };
}

export interface OutpatientSettlementInput {
  insutype: string;
  totals: LineTotals;
  policy: OutpatientPolicy;
  accumulation: YearAccumulation;
  balance: Decimal;
  useAccount: boolean;
}

/** act_pay_dedc = min(inscp, max(0, deductible − dedc_used)) */
export function deductiblePaid(inscp: Decimal, deductible: Decimal, dedcUsed: Decimal): Decimal {
  return minOf(inscp, nonNegative(deductible.minus(dedcUsed)));
}

/** max(0, annual_cap − pool_paid): what the pooled fund can still pay this year. */
export function remainingCap(annualCap: Decimal, poolPaid: Decimal): Decimal {
  return nonNegative(annualCap.minus(poolPaid));
}

/** hifp_pay = min(round2((inscp − act_pay_dedc) × ratio), remaining cap) */
export function pooledFundPays(inscp: Decimal, actPayDedc: Decimal, ratio: Decimal, capLeft: Decimal): Decimal {
  return minOf(round2(inscp.minus(actPayDedc).times(ratio)), capLeft);
}

/** acct_pay = acct_used_flag '1' ? min(balance, psn_part_amt) : 0 */
export function accountPays(useAccount: boolean, balance: Decimal, psnPart: Decimal): Decimal {
  return useAccount ? minOf(nonNegative(balance), psnPart) : ZERO;
}

/** Computes an outpatient settlement (2206/2207) from the lines' totals and the person's year state. */
export function computeOutpatientSettlement(input: OutpatientSettlementInput): SettlementResult {
  const { totals, policy, accumulation } = input;
  const ratio = dec(policy.ratio);
  const actPayDedc = deductiblePaid(totals.inscp_scp_amt, dec(policy.deductible), accumulation.dedc_used);
  const capLeft = remainingCap(dec(policy.annual_cap), accumulation.pool_paid);
  const hifpPay = pooledFundPays(totals.inscp_scp_amt, actPayDedc, ratio, capLeft);
  const otherFunds = { cvlserv_pay: ZERO, hifes_pay: ZERO, hifmi_pay: ZERO, hifob_pay: ZERO, maf_pay: ZERO, oth_pay: ZERO };
  const fundPaySum = sumOf([hifpPay, ...Object.values(otherFunds)]);
  const psnPart = totals.medfee_sumamt.minus(fundPaySum);
  const acctPay = accountPays(input.useAccount, input.balance, psnPart);
  const amounts: SettlementAmounts = {
    ...totals,
    act_pay_dedc: actPayDedc,
    hifp_pay: hifpPay,
    pool_prop_selfpay: ratio.toDecimalPlaces(4, Decimal.ROUND_HALF_UP),
    ...otherFunds,
    fund_pay_sumamt: fundPaySum,
    psn_part_amt: psnPart,
    acct_pay: acctPay,
    psn_cash_pay: psnPart.minus(acctPay),
    hosp_part_amt: ZERO,
    balc: input.balance.minus(acctPay),
    acct_mulaid_pay: ZERO,
  };
  const pooled: FundDetail = {
    ...pooledFundOf(input.insutype),
    inscp_scp_amt: totals.inscp_scp_amt,
    crt_payb_lmt_amt: capLeft,
    fund_payamt: hifpPay,
  };
  return { amounts, setldetail: [pooled] };
}

/** Amount fields that a cancellation negates (ratio and balance are not amounts). */
const NOT_NEGATED: ReadonlySet<keyof SettlementAmounts> = new Set(['pool_prop_selfpay', 'balc']);

function negateAmounts(amounts: SettlementAmounts): SettlementAmounts {
  const negated = { ...amounts };
  for (const key of Object.keys(amounts) as Array<keyof SettlementAmounts>) {
    if (!NOT_NEGATED.has(key)) negated[key] = amounts[key].negated();
  }
  return negated;
}

/** The reversal of a settlement: every amount negated; balc = the balance after the reversal. */
export function negateSettlement(original: SettlementResult, balanceAfter: Decimal, capLeftBefore: Decimal): SettlementResult {
  const amounts = { ...negateAmounts(original.amounts), balc: balanceAfter };
  const setldetail = original.setldetail.map((row) => ({
    ...row,
    inscp_scp_amt: row.inscp_scp_amt.negated(),
    fund_payamt: row.fund_payamt.negated(),
    crt_payb_lmt_amt: capLeftBefore,
  }));
  return { amounts, setldetail };
}
