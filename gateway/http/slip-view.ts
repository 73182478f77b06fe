import { Decimal } from 'decimal.js';
import { SLIP_AMOUNTS, type SlipAmount } from '../../adapters/platform/slip.js';
import type { StoredSlip } from '../engine/visit.js';

/** A stored slip as the HIS receives it: every amount a two-decimal number at the top level. */
export function slipView(s: StoredSlip) {
  const { amounts, setldetail, pool_prop_selfpay, ownpay_hosp_part, ...rest } = s;
  return {
    ...rest,
    ...(pool_prop_selfpay !== undefined ? { pool_prop_selfpay: Number(pool_prop_selfpay) } : {}),
    ...(ownpay_hosp_part !== undefined ? { ownpay_hosp_part: new Decimal(ownpay_hosp_part) } : {}),
    ...amountsView(amounts),
    setldetail: setldetail.map((d) => ({
      fund_pay_type: d.fund_pay_type,
      fund_pay_type_name: d.fund_pay_type_name,
      inscp_scp_amt: new Decimal(d.inscp_scp_amt ?? 0),
      crt_payb_lmt_amt: new Decimal(d.crt_payb_lmt_amt ?? 0),
      fund_payamt: new Decimal(d.fund_payamt ?? 0),
    })),
  };
}

/** The setlinfo amounts of a stored slip, each a Decimal (0 where the platform sent none). */
function amountsView(amounts: Record<string, string>): Record<SlipAmount, Decimal> {
  // Object.fromEntries types its keys as any string; here they are SLIP_AMOUNTS, each once
  return Object.fromEntries(SLIP_AMOUNTS.map((k) => [k, new Decimal(amounts[k] ?? 0)])) as Record<SlipAmount, Decimal>;
}

/** An engine result that carries one slip (quote, settlement, cancellation), its slip as the HIS receives it. */
export function withSlip<T extends { slip: StoredSlip }>(x: T) {
  return { ...x, slip: slipView(x.slip) };
}

/** A stored settlement (outpatient, inpatient, pharmacy) and its cancellation if any, both slips as the HIS receives them. */
export function settlementView<T extends { slip: StoredSlip; cancellation?: { slip: StoredSlip } }>(s: T) {
  return {
    ...s,
    slip: slipView(s.slip),
    cancellation: s.cancellation ? withSlip(s.cancellation) : undefined,
  };
}

/** A refund (whole or partial: the cancellation and the settlement of the kept lines), its slips as the HIS receives them. */
export function refundView<T extends { cancellation_slip?: StoredSlip; settlement_slip?: StoredSlip }>(r: T) {
  return {
    ...r,
    cancellation_slip: r.cancellation_slip ? slipView(r.cancellation_slip) : undefined,
    settlement_slip: r.settlement_slip ? slipView(r.settlement_slip) : undefined,
  };
}
