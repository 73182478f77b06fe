/** Field shapes every message mapper shares: money, dropped empties, and a checked fee line. */
import { Decimal } from 'decimal.js';

/** 数值型 money on the wire: two decimals, rounded half up, as a JSON number. */
export const money = (d: Decimal) => d.toDecimalPlaces(2, Decimal.ROUND_HALF_UP).toNumber();

/** Leaves out fields the HIS did not give (undefined or empty), as the interface expects. */
export const clean = <T extends Record<string, unknown>>(o: T): T =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== '')) as T;

/** A fee or drug line after the gateway checked it: amounts as Decimals, the rest as sent. */
export interface CheckedLine {
  feedetl_sn: string;
  fee_ocur_time: string;
  med_list_codg: string;
  medins_list_codg: string;
  cnt: Decimal;
  pric: Decimal;
  det_item_fee_sumamt: Decimal;
  extra: Record<string, string | undefined>;
}

/** The fields of a line that 2204, 2301 and 2101/2102 send alike. */
export function lineFields(l: CheckedLine) {
  return {
    feedetl_sn: l.feedetl_sn,
    fee_ocur_time: l.fee_ocur_time,
    med_list_codg: l.med_list_codg,
    medins_list_codg: l.medins_list_codg,
    det_item_fee_sumamt: money(l.det_item_fee_sumamt),
    cnt: l.cnt.toNumber(),
    pric: l.pric.toNumber(),
  };
}
