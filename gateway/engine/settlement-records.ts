/**
 * Settlements as every encounter keeps them: the slip at rest (amounts as decimal strings), the
 * record of a booked settlement and of its cancellation, and what each does to the encounter's
 * settlements and fee lines. Pure.
 */
import { SLIP_AMOUNTS, type Slip } from '../../adapters/platform/slip.js';
import { Decimal } from './money.js';
import type { Cancellation, SettlementEntry, StoredSlip } from './visit.js';

/** The platform must settle the total that was sent; a reply for another total is not trusted. */
export const expectTotal = (sent: Decimal) => (output: Record<string, unknown>) => {
  const got = (output.setlinfo as Record<string, unknown> | undefined)?.medfee_sumamt;
  return got !== undefined && new Decimal(got as Decimal.Value).abs().eq(sent)
    ? []
    : [`medfee_sumamt ${String(got)} ≠ sent ${sent.toFixed(2)}`];
};

export function storeSlip(slip: Slip): StoredSlip {
  return {
    ...slip,
    pool_prop_selfpay: slip.pool_prop_selfpay?.toString(),
    amounts: Object.fromEntries(SLIP_AMOUNTS.map((k) => [k, slip.amounts[k].toFixed(2)])),
    setldetail: slip.setldetail.map((d) => ({
      fund_pay_type: d.fund_pay_type,
      fund_pay_type_name: d.fund_pay_type_name,
      inscp_scp_amt: d.inscp_scp_amt.toFixed(2),
      crt_payb_lmt_amt: d.crt_payb_lmt_amt.toFixed(2),
      fund_payamt: d.fund_payamt.toFixed(2),
    })),
  };
}

/** A booked settlement (2207 / 2304 / 2102) of `lines`, as its slip names it. */
export function settlementRecord(
  transaction_id: string,
  slip: StoredSlip,
  lines: ReadonlyArray<{ feedetl_sn: string }>,
  invono: string | undefined,
  settled_at: string,
): SettlementEntry {
  return {
    setl_id: slip.setl_id ?? '',
    status: 'booked',
    transaction_id,
    settled_at,
    invono,
    feedetl_sns: lines.map((l) => l.feedetl_sn),
    slip,
  };
}

export function cancellationRecord(
  transaction_id: string,
  slip: StoredSlip,
  reason: string | undefined,
  cancelled_at: string,
  refund?: Cancellation['refund'],
): Cancellation {
  return { setl_id: slip.setl_id, transaction_id, cancelled_at, reason, ...(refund ? { refund } : {}), slip };
}

/** What the HIS sees of a settlement in its encounter's view (each flow adds its own fields). */
export function settlementSummary(s: SettlementEntry) {
  return { setl_id: s.setl_id, status: s.status, transaction_id: s.transaction_id, cancel_setl_id: s.cancellation?.setl_id };
}

type FeeLineRef = { feedetl_sn: string; setl_id?: string };

/** The settlement joins the encounter, and its fee lines are settled by it while it stands. */
export function addSettlement<S extends SettlementEntry>(e: { settlements: S[]; lines: FeeLineRef[] }, s: S): void {
  e.settlements.push(s);
  for (const l of e.lines) if (s.feedetl_sns.includes(l.feedetl_sn)) l.setl_id = s.setl_id;
}

/** The settlement `setl_id` is cancelled by `c`. */
export function markCancelled(settlements: SettlementEntry[], setl_id: string, c: Cancellation): void {
  const s = settlements.find((x) => x.setl_id === setl_id)!;
  s.status = 'cancelled';
  s.cancellation = c;
}

/** The settlement `setl_id` is cancelled by `c`, and its fee lines may be settled again. */
export function cancelSettlementOf(e: { settlements: SettlementEntry[]; lines: FeeLineRef[] }, setl_id: string, c: Cancellation): void {
  markCancelled(e.settlements, setl_id, c);
  for (const l of e.lines) if (l.setl_id === setl_id) delete l.setl_id;
}
