import type { AdmissionDetails, AdmissionFacts } from '../../adapters/platform/inpatient-messages.js';
import type { InpatientTraumaCommitmentRequest } from '../generated/api/inpatient-trauma-commitment.request.js';
import type { OutsideFormRequest } from '../generated/api/outside-form.request.js';
import type { ErrorNote, RunnableEncounter } from './encounter-runner.js';
import type { FilingStatus, Scope } from './filing.js';
import type { StayFilingBasis } from './stay-filing.js';
import type { SettlementEntry, StoredFeeLine } from './visit.js';

/** A fee line of the stay; `form_id` when it came from an outside-purchase form (外检/外购). */
export interface InpatientFeeLine extends StoredFeeLine {
  form_id?: string;
}

/** 《外伤无第三方责任承诺书》 as recorded (JS 38, HN 56, LN 23); fields may arrive in several calls. */
export type TraumaCommitment = InpatientTraumaCommitmentRequest & { recorded_at: string };

/** 住院期间外院检查治疗或定点药店购药单 (JS 39, HN 57, LN 44): the annex's fields, and the lines it put on the stay. */
export interface OutsideForm {
  form_id: string;
  status: 'active' | 'void';
  form: Omit<OutsideFormRequest, 'lines'>;
  feedetl_sns: string[];
  created_at: string;
  transaction_id: string;
  voided_at?: string;
  void_reason?: string;
}

/** A settlement of the stay: mid-stay (中途结算) or at discharge; with the filing status it was settled under. */
export interface InpatientSettlement extends SettlementEntry {
  mid_setl_flag: string;
  filing_used: FilingStatus & { basis?: StayFilingBasis };
  audit: boolean;
}

export type AdmissionStatus = 'admitting' | 'admitted' | 'admission_failed' | 'admission_unknown' | 'discharged' | 'cancelled';

export interface Admission extends RunnableEncounter {
  kind: 'inpatient';
  status: AdmissionStatus;
  created_at: string;
  updated_at: string;
  facts: Omit<AdmissionFacts, 'mdtrt_id'> & { mdtrt_id?: string; card_sn?: string };
  details: AdmissionDetails;
  /** from 1101: what the forms print and the audit record keeps (never shown in the admission view or logs) */
  person: { psn_name: string; gend: string; psn_cert_type: string; certno: string };
  insuplc_admdvs: string;
  scope: Scope;
  /** filing status on the admission date (1101 at admission) */
  filing: FilingStatus;
  lines: InpatientFeeLine[];
  commitment?: TraumaCommitment;
  outside_forms: OutsideForm[];
  settlements: InpatientSettlement[];
  last_error?: ErrorNote;
}

export const bookedSettlements = (a: Admission) => a.settlements.filter((s) => s.status === 'booked');
/** The booked discharge settlement (mid_setl_flag 0), if any: after it the stay takes nothing more. */
export const finalSettlement = (a: Admission) => a.settlements.find((s) => s.status === 'booked' && s.mid_setl_flag === '0');
/** 召回重结: only this one may be cancelled (LN 54). */
export const latestSettlement = (a: Admission) => bookedSettlements(a).at(-1);
