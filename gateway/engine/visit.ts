import type { Decimal } from 'decimal.js';
import type { FeeLine, VisitFacts } from '../../adapters/platform/outpatient-messages.js';
import type { Slip } from '../../adapters/platform/slip.js';
import type { EmergencyCriterion } from './emergency-criteria.js';
import type { ErrorNote, RunnableEncounter } from './encounter-runner.js';
import type { FilingStatus, Scope } from './filing.js';
import type { SelfPayMark } from './self-pay-link.js';

/** A fee line as the platform classified it (2204 result). Amounts are decimal strings at rest. */
export interface StoredFeeLine extends Omit<FeeLine, 'cnt' | 'pric' | 'det_item_fee_sumamt'> {
  cnt: string;
  pric: string;
  det_item_fee_sumamt: string;
  fulamt_ownpay_amt: string;
  overlmt_amt: string;
  preselfpay_amt: string;
  inscp_scp_amt: string;
  chrgitm_lv?: string;
  selfpay_prop?: string;
  /** 医疗收费项目类别 (2204 / 2301 result), when the platform gives it */
  med_chrgitm_type?: string;
  /** the settlement these lines were settled by, while it stands */
  setl_id?: string;
}

export interface StoredSlip extends Omit<Slip, 'amounts' | 'setldetail' | 'pool_prop_selfpay'> {
  pool_prop_selfpay?: string;
  amounts: Record<string, string>;
  setldetail: Array<Record<string, string | undefined>>;
}

export interface SettlementEntry {
  setl_id: string;
  status: 'booked' | 'cancelled';
  transaction_id: string;
  settled_at: string;
  invono?: string;
  feedetl_sns: string[];
  slip: StoredSlip;
  cancellation?: Cancellation;
}

/** The cancellation (2208 / 2305 / 2103) of a settlement: its own setl_id and slip. */
export interface Cancellation {
  setl_id?: string;
  transaction_id: string;
  cancelled_at: string;
  reason?: string;
  /** the cancellation was a refund (退费, POST …/refund): of the whole settlement, or of some lines (the rest settled again) */
  refund?: 'full' | 'partial';
  slip: StoredSlip;
}

export type VisitStatus = 'registering' | 'registered' | 'registration_failed' | 'registration_unknown' | 'cancelled';

export interface OutpatientVisit extends RunnableEncounter {
  kind: 'outpatient';
  status: VisitStatus;
  created_at: string;
  updated_at: string;
  facts: Omit<VisitFacts, 'mdtrt_id'> & { mdtrt_id?: string };
  insuplc_admdvs: string;
  scope: Scope;
  filing: FilingStatus;
  /** 门诊急诊: the criterion the hospital applied (LN 22 《急危重病种标准》), required with emergency true */
  emergency_criterion?: EmergencyCriterion;
  /** paid as self-pay and its self-pay data uploaded: never settled directly afterwards (JL 22, HN 17) */
  self_pay?: SelfPayMark;
  dept_code: string;
  /** the department's name (the HIS's), for the printed slip */
  dept_name?: string;
  diagnosed: boolean;
  lines: StoredFeeLine[];
  settlements: SettlementEntry[];
  last_error?: ErrorNote;
}

/** 医疗类别 13 急诊 (domain.md §3) */
export const EMERGENCY_MED_TYPE = '13';
/** chrg_bchno "0000": every batch (2205) */
export const ALL_BATCHES = '0000';

export const liveSettlement = (v: OutpatientVisit) => v.settlements.find((s) => s.status === 'booked');

export type { Decimal };
