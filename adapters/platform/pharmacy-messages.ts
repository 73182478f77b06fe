/**
 * Canonical pharmacy requests -> national interface inputs (2101 药店预结算, 2102 药店结算,
 * 2103 药店结算撤销), and the 2103 reply's own spellings -> the slip's names. Pure functions: the
 * engine supplies the person's facts and the checked drug lines.
 */
import { Decimal } from 'decimal.js';
import { clean, lineFields, money, type CheckedLine } from './message-fields.js';
import type { Infno2101Input } from '../../gateway/generated/platform/2101.input.js';
import type { Infno2102Input } from '../../gateway/generated/platform/2102.input.js';
import type { Infno2103Input } from '../../gateway/generated/platform/2103.input.js';

/** 医疗类别 41 定点药店购药 (schemas/codes/med_type.json). */
export const PHARMACY_MED_TYPE = '41';

/** What every 2101/2102 names about the buyer and the purchase. */
export interface PurchaseFacts {
  psn_no: string;
  insutype: string;
  mdtrt_cert_type: string;
  mdtrt_cert_no: string;
  card_sn?: string;
  begntime: string;
  med_type: string;
  acct_used_flag: string;
  invono?: string;
  dise_codg?: string;
  dise_name?: string;
}

/** A drug line after the gateway checked it (no charge batch: a pharmacy sale settles in one call). */
export type DrugLine = CheckedLine;

export const totalOf = (lines: readonly DrugLine[]) => lines.reduce((a, l) => a.plus(l.det_item_fee_sumamt), new Decimal(0));

function purchase(f: PurchaseFacts, lines: readonly DrugLine[]): Infno2102Input {
  return {
    druginfo: clean({
      psn_no: f.psn_no,
      mdtrt_cert_type: f.mdtrt_cert_type,
      mdtrt_cert_no: f.mdtrt_cert_no,
      card_sn: f.card_sn,
      begntime: f.begntime,
      medfee_sumamt: money(totalOf(lines)),
      invono: f.invono,
      insutype: f.insutype,
      dise_codg: f.dise_codg,
      dise_name: f.dise_name,
      acct_used_flag: f.acct_used_flag,
      med_type: f.med_type,
    }) as Infno2102Input['druginfo'],
    drugdetail: lines.map(
      (l) =>
        clean({
          ...lineFields(l),
          rx_circ_flag: '0',
          ...l.extra,
        }) as Infno2102Input['drugdetail'][number],
    ) as Infno2102Input['drugdetail'],
  };
}

export const preSettle2101 = (f: PurchaseFacts, lines: readonly DrugLine[]): Infno2101Input => purchase(f, lines) as Infno2101Input;
export const settle2102 = (f: PurchaseFacts, lines: readonly DrugLine[]): Infno2102Input => purchase(f, lines);

export function cancel2103(s: { psn_no: string; mdtrt_id: string; setl_id: string }): Infno2103Input {
  return { data: { setl_id: s.setl_id, mdtrt_id: s.mdtrt_id, psn_no: s.psn_no } };
}

/**
 * The public record spells 2103's person part `psn_pay` and its cash `cash_payamt`; the slip uses
 * the 2207 names. A reply that carries the slip's names keeps them.
 */
export function output2103AsSlip(output: Record<string, unknown>): Record<string, unknown> {
  const s = output.setlinfo as Record<string, unknown> | undefined;
  if (!s) return output;
  return {
    ...output,
    setlinfo: { ...s, psn_part_amt: s.psn_part_amt ?? s.psn_pay, psn_cash_pay: s.psn_cash_pay ?? s.cash_payamt },
  };
}
