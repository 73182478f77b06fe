/** What the HIS sees of a refund: the partial refund operation, the money back, a slip's amounts in an error's details. */
import { Decimal } from './money.js';
import type { RefundOp } from './refund-op.js';
import type { StoredSlip } from './visit.js';

const amt = (s: StoredSlip | undefined, k: string) => new Decimal(s?.amounts[k] ?? 0);

/** A slip's identity and amounts, flat, as numbers on the wire (for error details). */
export const slipAmounts = (s: StoredSlip) => ({
  setl_id: s.setl_id,
  setl_time: s.setl_time,
  ...Object.fromEntries(Object.entries(s.amounts).map(([k, v]) => [k, new Decimal(v)])),
});

/** Money back to the person (positive) from a cancellation slip and, for a partial refund, the re-settlement. */
export function netRefund(cancel: StoredSlip, resettle?: StoredSlip) {
  return {
    psn_cash_pay: amt(cancel, 'psn_cash_pay').neg().minus(amt(resettle, 'psn_cash_pay')),
    acct_pay: amt(cancel, 'acct_pay').neg().minus(amt(resettle, 'acct_pay')),
    fund_pay_sumamt: amt(cancel, 'fund_pay_sumamt').neg().minus(amt(resettle, 'fund_pay_sumamt')),
  };
}

export function opView(op: RefundOp) {
  return {
    refund_id: op.id,
    refund_type: 'partial' as const,
    status: op.status,
    setl_id: op.setl_id,
    settlement_kind: op.target.kind,
    reason_code: op.reason_code,
    line_ids: op.return_lines,
    kept_line_ids: op.keep_lines,
    cancel_setl_id: op.cancel?.cancel_setl_id,
    new_setl_id: op.resettle?.setl_id,
    transaction_id: op.resettle?.transaction_id ?? op.cancel?.transaction_id,
    cancellation_slip: op.cancel?.slip,
    settlement_slip: op.resettle?.slip,
    net_refund: op.cancel && op.status === 'completed' ? netRefund(op.cancel.slip, op.resettle?.slip) : undefined,
    steps: op.steps,
    resumed_at: op.resumed_at,
    reversal: op.reversal,
    error: op.error,
    decision: op.decision,
    created_at: op.created_at,
    updated_at: op.updated_at,
  };
}
