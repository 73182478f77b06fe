import { Decimal } from 'decimal.js';
import { SLIP_AMOUNTS } from '../../adapters/platform/slip.js';
import type { StoredSlip } from '../engine/visit.js';

/** A stored slip as the HIS receives it: every amount a two-decimal number at the top level. */
export function slipView(s: StoredSlip) {
  const { amounts, setldetail, pool_prop_selfpay, ...rest } = s;
  return {
    ...rest,
    ...(pool_prop_selfpay !== undefined ? { pool_prop_selfpay: Number(pool_prop_selfpay) } : {}),
    ...Object.fromEntries(SLIP_AMOUNTS.map((k) => [k, new Decimal(amounts[k] ?? 0)])),
    setldetail: setldetail.map((d) => ({
      fund_pay_type: d.fund_pay_type,
      fund_pay_type_name: d.fund_pay_type_name,
      inscp_scp_amt: new Decimal(d.inscp_scp_amt ?? 0),
      crt_payb_lmt_amt: new Decimal(d.crt_payb_lmt_amt ?? 0),
      fund_payamt: new Decimal(d.fund_payamt ?? 0),
    })),
  };
}
