/**
 * The settlement-slip fields the e2e suites compare, spelled once: each suite picks its own set
 * from a slip the gateway returned, so that toEqual compares exactly those fields.
 */
type SlipJson = Record<string, unknown>;

/** the slip's fee totals (the fee upload's classification) */
const TOTALS = ['medfee_sumamt', 'fulamt_ownpay_amt', 'overlmt_selfpay', 'preselfpay_amt', 'inscp_scp_amt'] as const;
/** what the pool fund pays */
const FUND = ['act_pay_dedc', 'hifp_pay'] as const;
/** the funds' sum and the person's part, from the account and in cash */
const SPLIT = ['fund_pay_sumamt', 'psn_part_amt', 'acct_pay', 'psn_cash_pay'] as const;

/** outpatient slips: totals, fund, split and the account balance after */
export const OUTPATIENT_SLIP_KEYS = [...TOTALS, ...FUND, ...SPLIT, 'balc'] as const;
/** inpatient slips: totals, fund with the pool's ratio, split */
export const INPATIENT_SLIP_KEYS = [...TOTALS, ...FUND, 'pool_prop_selfpay', ...SPLIT] as const;
/** pharmacy and refund slips: the total, what was in scope, fund and split */
export const REFUND_SLIP_KEYS = ['medfee_sumamt', 'inscp_scp_amt', ...FUND, ...SPLIT] as const;

/** A function that keeps the `keys` of a slip (a missing one as undefined). */
export const slipPicker =
  (keys: readonly string[]) =>
  (slip: SlipJson): SlipJson =>
    Object.fromEntries(keys.map((k) => [k, slip[k]]));

/**
 * The slip expected of a settlement without the account, from the figures a test works out by
 * hand: the pool is the only fund (fund_pay_sumamt = hifp_pay) and the person pays the rest in cash
 * (psn_part_amt = psn_cash_pay, acct_pay 0). Throws when the figures break medfee = funds + person.
 */
export function cashSlip(
  totals: { medfee_sumamt: number } & Record<string, number>,
  paid: { act_pay_dedc: number; hifp_pay: number; psn_cash_pay: number } & Record<string, number>,
) {
  const cents = (n: number) => Math.round(n * 100);
  if (cents(totals.medfee_sumamt) !== cents(paid.hifp_pay) + cents(paid.psn_cash_pay))
    throw new Error(`cashSlip: ${totals.medfee_sumamt} ≠ hifp_pay ${paid.hifp_pay} + psn_cash_pay ${paid.psn_cash_pay}`);
  return { ...totals, ...paid, fund_pay_sumamt: paid.hifp_pay, psn_part_amt: paid.psn_cash_pay, acct_pay: 0 };
}
