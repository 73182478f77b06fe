import { Decimal } from 'decimal.js';

/** setlinfo amounts of the settlement slip (结算单), in the order a slip prints them. */
export const SLIP_AMOUNTS = [
  'medfee_sumamt',
  'fulamt_ownpay_amt',
  'overlmt_selfpay',
  'preselfpay_amt',
  'inscp_scp_amt',
  'act_pay_dedc',
  'hifp_pay',
  'cvlserv_pay',
  'hifes_pay',
  'hifmi_pay',
  'hifob_pay',
  'maf_pay',
  'oth_pay',
  'fund_pay_sumamt',
  'psn_part_amt',
  'acct_pay',
  'psn_cash_pay',
  'hosp_part_amt',
  'balc',
  'acct_mulaid_pay',
] as const;
export type SlipAmount = (typeof SLIP_AMOUNTS)[number];

export const FUND_AMOUNTS = ['hifp_pay', 'cvlserv_pay', 'hifes_pay', 'hifmi_pay', 'hifob_pay', 'maf_pay', 'oth_pay'] as const;

export interface SlipDetail {
  fund_pay_type: string;
  fund_pay_type_name?: string;
  inscp_scp_amt: Decimal;
  crt_payb_lmt_amt: Decimal;
  fund_payamt: Decimal;
}

export interface Slip {
  kind: 'pre_settlement' | 'settlement' | 'cancellation';
  setl_id?: string;
  mdtrt_id: string;
  psn_no: string;
  psn_name?: string;
  insutype?: string;
  med_type: string;
  setl_time: string;
  clr_type?: string;
  medins_setl_id?: string;
  pool_prop_selfpay?: Decimal;
  amounts: Record<SlipAmount, Decimal>;
  /** 自费中医院负担部分 (ownpay_hosp_part): a hospital part some platforms send beside hosp_part_amt; only the equations read it */
  ownpay_hosp_part?: Decimal;
  setldetail: SlipDetail[];
}

const dec = (v: unknown): Decimal => {
  if (v === undefined || v === null || v === '') return new Decimal(0);
  return new Decimal(v as Decimal.Value);
};

const str = (v: unknown) => (v === undefined || v === null ? undefined : String(v));

const asArray = (v: unknown): Record<string, unknown>[] =>
  Array.isArray(v) ? v : v && typeof v === 'object' ? [v as Record<string, unknown>] : [];

/** Reply output (2206/2207/2208/...) -> slip. The 2208 reply spells the cash field pdn_cash_pay. */
export function slipFromOutput(kind: Slip['kind'], output: Record<string, unknown>): Slip {
  const s = (output.setlinfo ?? {}) as Record<string, unknown>;
  const amounts = {} as Record<SlipAmount, Decimal>;
  for (const k of SLIP_AMOUNTS) amounts[k] = dec(s[k]);
  if (s.psn_cash_pay === undefined && s.pdn_cash_pay !== undefined) amounts.psn_cash_pay = dec(s.pdn_cash_pay);
  // 个人负担 is account + cash by definition (equation 3): a platform that leaves it out (null) means that
  if (s.psn_part_amt === undefined) amounts.psn_part_amt = amounts.acct_pay.plus(amounts.psn_cash_pay);
  return {
    kind,
    setl_id: str(s.setl_id),
    mdtrt_id: String(s.mdtrt_id ?? ''),
    psn_no: String(s.psn_no ?? ''),
    psn_name: str(s.psn_name),
    insutype: str(s.insutype),
    med_type: String(s.med_type ?? ''),
    setl_time: String(s.setl_time ?? ''),
    clr_type: str(s.clr_type),
    medins_setl_id: str(s.medins_setl_id),
    pool_prop_selfpay: s.pool_prop_selfpay === undefined ? undefined : dec(s.pool_prop_selfpay),
    amounts,
    ownpay_hosp_part: s.ownpay_hosp_part === undefined ? undefined : dec(s.ownpay_hosp_part),
    // a row without a fund type is an empty placeholder (Hunan replies send one with every field "")
    setldetail: asArray(output.setldetail)
      .filter((d) => d.fund_pay_type !== undefined && d.fund_pay_type !== '')
      .map((d) => ({
        fund_pay_type: String(d.fund_pay_type ?? ''),
        fund_pay_type_name: str(d.fund_pay_type_name),
        inscp_scp_amt: dec(d.inscp_scp_amt),
        crt_payb_lmt_amt: dec(d.crt_payb_lmt_amt),
        fund_payamt: dec(d.fund_payamt),
      })),
  };
}

const sum = (xs: Decimal[]) => xs.reduce((a, b) => a.plus(b), new Decimal(0));

/**
 * The slip equations (domain.md §14, JS annex 9), checked on every reply before it becomes a slip,
 * as real replies bear them out (test/fixtures/platform-replies: 2207, 2303, 2305):
 *  1. total = in-scope + category-B prepay + over-limit + fully self-paid
 *  2. funds paid = the sum of the fund amounts
 *  3. total = funds paid + personal part (个人负担) + the hospital's part (医院负担: hosp_part_amt, and
 *     ownpay_hosp_part where a platform sends it), personal part = account + cash
 *  4. the fund detail rows add up to funds paid — or, where a platform lists the personal account
 *     and the hospital's part as rows too (fund types 3102xx, 9999xx in the corpus), to funds paid +
 *     account + hospital's part
 *  5. every amount has at most two decimals
 * Returns the broken equations, empty when the slip holds.
 */
export function slipProblems(slip: Slip): string[] {
  const a = slip.amounts;
  const problems: string[] = [];
  const eq = (name: string, left: Decimal, right: Decimal) => {
    if (!left.eq(right)) problems.push(`${name}: ${left.toFixed(2)} ≠ ${right.toFixed(2)}`);
  };
  for (const k of SLIP_AMOUNTS) if (a[k].decimalPlaces() > 2) problems.push(`${k} has more than two decimals`);
  eq(
    'medfee_sumamt = inscp_scp_amt + preselfpay_amt + overlmt_selfpay + fulamt_ownpay_amt',
    a.medfee_sumamt,
    sum([a.inscp_scp_amt, a.preselfpay_amt, a.overlmt_selfpay, a.fulamt_ownpay_amt]),
  );
  eq('fund_pay_sumamt = sum of fund payments', a.fund_pay_sumamt, sum(FUND_AMOUNTS.map((k) => a[k])));
  const hospital = a.hosp_part_amt.plus(slip.ownpay_hosp_part ?? 0);
  eq(
    'medfee_sumamt = fund_pay_sumamt + psn_part_amt + hospital part',
    a.medfee_sumamt,
    a.fund_pay_sumamt.plus(a.psn_part_amt).plus(hospital),
  );
  eq('psn_part_amt = acct_pay + psn_cash_pay', a.psn_part_amt, a.acct_pay.plus(a.psn_cash_pay));
  const rows = sum(slip.setldetail.map((d) => d.fund_payamt));
  const withAccountAndHospital = a.fund_pay_sumamt.plus(a.acct_pay).plus(hospital);
  if (slip.setldetail.length && !rows.eq(a.fund_pay_sumamt) && !rows.eq(withAccountAndHospital))
    problems.push(
      `fund_pay_sumamt = sum of setldetail.fund_payamt: ${a.fund_pay_sumamt.toFixed(2)} (or ${withAccountAndHospital.toFixed(2)} with account and hospital rows) ≠ ${rows.toFixed(2)}`,
    );
  return problems;
}

/** JSON shape of a slip for the HIS: amounts as numbers with two decimals (see http/money-json.ts). */
export function slipToJson(slip: Slip) {
  const { amounts, setldetail, ownpay_hosp_part: _hospitalPart, ...rest } = slip;
  return {
    ...rest,
    ...Object.fromEntries(SLIP_AMOUNTS.map((k) => [k, amounts[k]])),
    setldetail,
  };
}
