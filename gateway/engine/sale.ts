/**
 * A pharmacy sale (药店购药) as an encounter: one POS receipt (`sale_no`), its drug lines, and the
 * settlements made of them — the first 2102, then any re-settlement of kept lines after a partial
 * refund — and what the counter sees of it.
 */
import type * as msg from '../../adapters/platform/pharmacy-messages.js';
import { runState, type ErrorNote, type RunnableEncounter } from './encounter-runner.js';
import type { FilingStatus, Scope } from './filing.js';
import { Decimal } from './money.js';
import { saleStatus } from './settled-status.js';
import { settlementSummary } from './settlement-records.js';
import type { SettlementEntry } from './visit.js';

/** A drug line at rest: amounts as decimal strings. */
export interface StoredDrugLine extends Omit<msg.DrugLine, 'cnt' | 'pric' | 'det_item_fee_sumamt'> {
  cnt: string;
  pric: string;
  det_item_fee_sumamt: string;
}

/** A pharmacy settlement: 2102 opens its own 就诊, so each settlement has its own mdtrt_id. */
export interface PharmacySettlement extends SettlementEntry {
  mdtrt_id: string;
}

export type SaleStatus = 'settling' | 'settled' | 'failed' | 'unknown';

export interface PharmacySale extends RunnableEncounter {
  kind: 'pharmacy';
  status: SaleStatus;
  created_at: string;
  updated_at: string;
  sale_no: string;
  facts: msg.PurchaseFacts;
  insuplc_admdvs: string;
  scope: Scope;
  filing: FilingStatus;
  lines: StoredDrugLine[];
  settlements: PharmacySettlement[];
  last_error?: ErrorNote;
}

export const liveOf = (s: PharmacySale) => s.settlements.find((x) => x.status === 'booked');

export const storeLine = (l: msg.DrugLine): StoredDrugLine => ({
  ...l,
  cnt: l.cnt.toString(),
  pric: l.pric.toString(),
  det_item_fee_sumamt: l.det_item_fee_sumamt.toFixed(2),
});

export const loadLine = (l: StoredDrugLine): msg.DrugLine => ({
  ...l,
  cnt: new Decimal(l.cnt),
  pric: new Decimal(l.pric),
  det_item_fee_sumamt: new Decimal(l.det_item_fee_sumamt),
});

/** What the counter sees of a sale: never the credential number. */
export function saleView(s: PharmacySale) {
  const { mdtrt_cert_no: _n, card_sn: _s, ...facts } = s.facts;
  return {
    sale_id: s.id,
    sale_no: s.sale_no,
    status: saleStatus(s.status, s.settlements),
    ...facts,
    insuplc_admdvs: s.insuplc_admdvs,
    scope: s.scope,
    filing: s.filing,
    lines: s.lines.map((l) => ({
      feedetl_sn: l.feedetl_sn,
      med_list_codg: l.med_list_codg,
      medins_list_codg: l.medins_list_codg,
      cnt: l.cnt,
      pric: l.pric,
      det_item_fee_sumamt: new Decimal(l.det_item_fee_sumamt),
    })),
    settlements: s.settlements.map((x) => ({ ...settlementSummary(x), mdtrt_id: x.mdtrt_id, feedetl_sns: x.feedetl_sns })),
    ...runState(s),
  };
}
