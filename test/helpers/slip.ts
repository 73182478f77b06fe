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
