/**
 * A pharmacy POS basket -> the canonical pharmacy request (national field names), so that a POS
 * integrator needs no knowledge of the national interface: shelf list code, barcode, quantity,
 * unit price and prescription number are all it sends. Pure: the caller supplies "now".
 */
import { Decimal } from 'decimal.js';
import type { PharmacySettlementRequest } from '../../gateway/generated/api/pharmacy-settlement.request.js';
import type { PosBasketRequest } from '../../gateway/generated/api/pos-basket.request.js';
import { PHARMACY_MED_TYPE } from '../platform/pharmacy-messages.js';

const round2 = (d: Decimal) => d.toDecimalPlaces(2, Decimal.ROUND_HALF_UP);

/** The line id of item i (0-based) of a basket: its position, 1-based, as the 费用明细流水号. */
export const lineIdOf = (index: number) => String(index + 1);

export interface BasketProblem {
  problem: 'total_mismatch';
  pos_total: Decimal;
  items_total: Decimal;
}

/** Each item's total, rounded half up to the fen, as the counter's receipt prints it. */
export function itemTotals(basket: Pick<PosBasketRequest, 'items'>): Decimal[] {
  return basket.items.map((i) => round2(new Decimal(i.quantity).times(i.unit_price)));
}

/** A POS total that differs from the items' total (the receipt and the settlement would disagree). */
export function basketProblem(basket: PosBasketRequest): BasketProblem | undefined {
  if (basket.total === undefined) return undefined;
  const items = itemTotals(basket).reduce((a, b) => a.plus(b), new Decimal(0));
  const pos = new Decimal(basket.total);
  return pos.eq(items) ? undefined : { problem: 'total_mismatch', pos_total: pos, items_total: items };
}

/**
 * Maps the basket. `now` is the sale time when the POS sent none (yyyy-MM-dd HH:mm:ss, hospital
 * local time). list_code is the 医疗目录编码; the barcode (or, without one, the list code) is the
 * pharmacy's own 医药机构目录编码; rx_no is the 处方号 and marks an external prescription as not
 * circulated (外购处方标志 0).
 */
export function basketToPharmacyRequest(basket: PosBasketRequest, now: string): PharmacySettlementRequest {
  const at = basket.sold_at ?? now;
  const totals = itemTotals(basket);
  return {
    mdtrt_cert_type: basket.credential.type,
    mdtrt_cert_no: basket.credential.number,
    ...(basket.credential.card_sn ? { card_sn: basket.credential.card_sn } : {}),
    ...(basket.counter_person ? { counter_person: basket.counter_person } : {}),
    med_type: PHARMACY_MED_TYPE,
    sale_no: basket.receipt_no,
    begntime: at,
    medfee_sumamt: totals.reduce((a, b) => a.plus(b), new Decimal(0)).toFixed(2),
    acct_used_flag: basket.payment.use_account ? '1' : '0',
    ...(basket.payment.invoice_no ? { invono: basket.payment.invoice_no } : {}),
    drugdetail: basket.items.map((item, i) => ({
      feedetl_sn: lineIdOf(i),
      fee_ocur_time: at,
      med_list_codg: item.list_code,
      medins_list_codg: item.barcode ?? item.list_code,
      cnt: String(item.quantity),
      pric: String(item.unit_price),
      det_item_fee_sumamt: totals[i]!.toFixed(2),
      ...(item.rx_no ? { rxno: item.rx_no, rx_circ_flag: '0' } : {}),
    })) as PharmacySettlementRequest['drugdetail'],
  };
}
