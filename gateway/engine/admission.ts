import type { AdmissionDetails, AdmissionFacts } from '../../adapters/platform/inpatient-messages.js';
import type { InpatientTraumaCommitmentRequest } from '../generated/api/inpatient-trauma-commitment.request.js';
import type { OutsideFormRequest } from '../generated/api/outside-form.request.js';
import type { ErrorNote, RunnableEncounter } from './encounter-runner.js';
import type { FilingStatus, Scope } from './filing.js';
import type { EmergencyCriterion } from './emergency-criteria.js';
import type { OutsideFormAnnexRef } from './outside-form-annexes.js';
import type { SelfPayMark } from './self-pay-link.js';
import type { StayFilingBasis } from './stay-filing.js';
import type { SettlementEntry, StoredFeeLine } from './visit.js';

/** A fee line of the stay; `form_id` when it came from an outside-purchase form (外检/外购). */
export interface InpatientFeeLine extends StoredFeeLine {
  form_id?: string;
}

/** 《外伤无第三方责任承诺书》 as recorded (JS 38, HN 56, LN 23); fields may arrive in several calls. */
export type TraumaCommitment = InpatientTraumaCommitmentRequest & { recorded_at: string };

/**
 * 住院期间外院检查治疗或定点药店购药单 / 双通道定点药店购药证明 (JS 39 annex 8, HN 57 annex 4, LN 44
 * annex 17): the annex's fields the HIS fills in, the annex it was issued under, and the lines it put
 * on the stay. The patient's 姓名, 性别, 年龄 and 证件 are not stored here: they are the 1101 person's.
 */
export interface OutsideForm {
  form_id: string;
  status: 'active' | 'void';
  form: Omit<OutsideFormRequest, 'lines' | 'psn_name' | 'gend' | 'age' | 'psn_cert_type' | 'certno'>;
  /** the treatment area's annex the form was issued under (title, fields: outside-form-annexes.json) */
  annex?: OutsideFormAnnexRef;
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
  /** the stay's emergency flag and the criterion the hospital applied (LN 22), as it stood when settled */
  emergency?: { emergency: true; criterion?: EmergencyCriterion };
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
  person: { psn_name: string; gend: string; psn_cert_type: string; certno: string; brdy?: string; age?: number | string };
  /** 住院类型 急诊: the criterion the hospital applied (LN 22 《急危重病种标准》), required with emergency true */
  emergency_criterion?: EmergencyCriterion;
  /** the stay was paid as self-pay and its self-pay data uploaded: never settled directly afterwards (JL 22, HN 17) */
  self_pay?: SelfPayMark;
  insuplc_admdvs: string;
  scope: Scope;
  /** filing status on the admission date (1101 at admission) */
  filing: FilingStatus;
  lines: InpatientFeeLine[];
  /** the discharge department (2402), for the printed slip's 出院科室 */
  discharge?: { dscg_dept_codg: string; dscg_dept_name: string };
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
