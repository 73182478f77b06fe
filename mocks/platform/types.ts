/** Shapes shared by the mock settlement platform's modules. */
import type { Decimal } from 'decimal.js';

/** A cross-region filing (异地就医备案) record. Dates are yyyy-MM-dd; enddate null = until changed. */
export interface Filing {
  file_type: string;
  mdtrtarea_admvs: string;
  begndate: string;
  enddate: string | null;
  /** 'birth': a maternity filing (异地生育), which lapses after that birth's settlement (JL 7, JL 16) */
  purpose?: string;
}

export interface Credentials {
  ecard_token: string;
  social_card_no: string;
  card_sn: string;
}

/** One person as seeded in data/persons.json. */
export interface PersonSeed {
  psn_no: string;
  psn_name: string;
  psn_cert_type: string;
  certno: string;
  gend: string;
  naty: string;
  brdy: string;
  insuplc_admdvs: string;
  insutype: string;
  psn_type: string;
  cvlserv_flag: string;
  psn_insu_date: string;
  emp_name: string;
  balance: number;
  credentials: Credentials;
  filings: Filing[];
}

/** Year accumulations of one person (参保地 yearly counters). */
export interface YearAccumulation {
  dedc_used: Decimal;
  pool_paid: Decimal;
}

/** A person as held in memory: the seed plus its moving parts. */
export interface PersonRecord extends Omit<PersonSeed, 'balance' | 'filings'> {
  seed_balance: Decimal;
  balance: Decimal;
  filings: Filing[];
  accumulations: Map<number, YearAccumulation>;
}

export interface CatalogueEntry {
  med_list_codg: string;
  name: string;
  chrgitm_lv: string;
  selfpay_prop: number;
  pric_uplmt_amt?: number;
  med_chrgitm_type: string;
}

export interface OutpatientPolicy {
  deductible: number;
  ratio: number;
  annual_cap: number;
}

export interface TierReduction {
  long_term: number;
  referral: number;
  emergency: number;
  other_temporary: number;
  not_filed: number;
}

export interface InpatientPolicy extends OutpatientPolicy {
  tier_reduction: TierReduction;
}

export interface AreaPolicy {
  name: string;
  outpatient: Record<string, OutpatientPolicy>;
  inpatient: Record<string, InpatientPolicy>;
}

export interface Hospital {
  mdtrtarea_admvs: string;
  fixmedins_code: string;
  fixmedins_name: string;
}

export interface PolicyBook {
  hospital: Hospital;
  auto_filing_provinces: string[];
  /** HN 8: insured provinces whose outpatient visits need no filing */
  outpatient_filing_exempt_provinces: string[];
  /** LN 21: insured provinces that settle a 生育住院 at the local ratio, and where (in_province: only inside the province) */
  maternity_local_rate: Record<string, 'in_province' | 'everywhere'>;
  areas: Record<string, AreaPolicy>;
}

/** Per-line classification under the treatment area's catalogue (2204 result). */
export interface LineClassification {
  det_item_fee_sumamt: Decimal;
  cnt: Decimal;
  pric: Decimal;
  pric_uplmt_amt: Decimal | null;
  selfpay_prop: Decimal;
  fulamt_ownpay_amt: Decimal;
  overlmt_amt: Decimal;
  preselfpay_amt: Decimal;
  inscp_scp_amt: Decimal;
  chrgitm_lv: string;
  med_chrgitm_type: string;
}

/**
 * What the HIS sent about a visit, stay or fee line that the platform keeps to answer inquiries
 * with: the input fields named like a field of the 5201 mdtrtinfo or the 5204 fee detail (his-fields.ts).
 */
export type HisFields = Record<string, string | number>;

/** An uploaded fee line of a visit. setl_id null = unsettled. */
export interface FeeLine {
  feedetl_sn: string;
  chrg_bchno: string;
  med_list_codg: string;
  fee_ocur_time: string;
  classification: LineClassification;
  setl_id: string | null;
  his_fields: HisFields;
}

export interface Visit {
  mdtrt_id: string;
  psn_no: string;
  insutype: string;
  ipt_otp_no: string;
  begntime: string;
  er_flag: string | null;
  med_type: string | null;
  dise_codg: string | null;
  status: 'open' | 'cancelled';
  lines: FeeLine[];
  /** 2201 registration, or the 就诊 a pharmacy sale (2102) opens for itself */
  opened_by: 'registration' | 'pharmacy';
  mdtrt_cert_type: string;
  his_fields: HisFields;
}

/** The amounts of one settlement (all Decimal, rounded to 2 places except pool_prop_selfpay). */
export interface SettlementAmounts {
  medfee_sumamt: Decimal;
  fulamt_ownpay_amt: Decimal;
  overlmt_selfpay: Decimal;
  preselfpay_amt: Decimal;
  inscp_scp_amt: Decimal;
  act_pay_dedc: Decimal;
  hifp_pay: Decimal;
  pool_prop_selfpay: Decimal;
  cvlserv_pay: Decimal;
  hifes_pay: Decimal;
  hifmi_pay: Decimal;
  hifob_pay: Decimal;
  maf_pay: Decimal;
  oth_pay: Decimal;
  fund_pay_sumamt: Decimal;
  psn_part_amt: Decimal;
  acct_pay: Decimal;
  psn_cash_pay: Decimal;
  hosp_part_amt: Decimal;
  balc: Decimal;
  acct_mulaid_pay: Decimal;
}

export interface FundDetail {
  fund_pay_type: string;
  fund_pay_type_name: string;
  inscp_scp_amt: Decimal;
  crt_payb_lmt_amt: Decimal;
  fund_payamt: Decimal;
}

export interface SettlementResult {
  amounts: SettlementAmounts;
  setldetail: FundDetail[];
}

export type LedgerKind = 'settlement' | 'cancellation';

export interface LedgerEntry {
  setl_id: string;
  kind: LedgerKind;
  /** cancellation records: the setl_id they cancel */
  orig_setl_id: string | null;
  /** settlements: the setl_id of the cancellation record, once cancelled */
  cancel_setl_id: string | null;
  msgid: string;
  infno: string;
  mdtrt_id: string;
  psn_no: string;
  insuplc_admdvs: string;
  insutype: string;
  med_type: string;
  chrg_bchno: string;
  feedetl_sns: string[];
  setl_time: string;
  amounts: SettlementAmounts;
  setldetail: FundDetail[];
  /** reversed: undone by a 2601 冲正 (as if it had never been booked) */
  status: 'booked' | 'cancelled' | 'reversed';
  /** the msgid of the 2601 that reversed it */
  reversal_msgid?: string;
  /** 'inpatient' for 2304 settlements and their 2305 cancellations (absent: outpatient) */
  encounter?: 'inpatient';
  /** inpatient: the date the stay's accumulations count on (出院结算日期, JL 25 / JS 44 / HN 51 / LN 48) */
  accrual_date?: string;
  /** inpatient: 中途结算标志 of the settlement */
  mid_setl_flag?: string;
  /**
   * Settlements: the benefits as the insured area re-derived them after an earlier settlement of
   * the same person and year was refunded (隔笔退费, LN 54); null while they equal `amounts`.
   * `amounts` always stays what was booked and answered.
   */
  adjusted: SettlementAmounts | null;
  /** Settlements: each re-derivation, by the refund (cancellation setl_id) that caused it. */
  adjustments: LedgerAdjustment[];
  /** yyyy-MM of the monthly clearing (清算) that took this entry, null before clearing. */
  cleared_month: string | null;
  /** Cancellations: the settlement had been cleared before it was refunded (清算后退费). */
  after_clearing: boolean;
}

/** One re-derivation of a later settlement's benefits caused by refunding an earlier one. */
export interface LedgerAdjustment {
  refund_setl_id: string;
  act_pay_dedc_delta: Decimal;
  fund_pay_delta: Decimal;
}

/** An inpatient fee line (2301): a fee line that may come from an outside hospital or pharmacy (外检/外购). */
export interface InpatientFeeLine extends FeeLine {
  etip_flag: string | null;
  etip_hosp_code: string | null;
}

/** An inpatient stay (住院) from 2401 to 2402, settled by 2304 (mid-stay settlements allowed). */
export interface Admission {
  mdtrt_id: string;
  psn_no: string;
  insutype: string;
  ipt_no: string;
  begntime: string;
  endtime: string | null;
  med_type: string;
  er_flag: string | null;
  trum_flag: string | null;
  rel_ttp_flag: string | null;
  status: 'admitted' | 'discharged' | 'cancelled';
  lines: InpatientFeeLine[];
  mdtrt_cert_type: string;
  /** from 2401 (and 2403) */
  his_fields: HisFields;
  /** from 2402 出院 (dscg_* and the like); null while in hospital (2405 undoes it) */
  discharge_fields: HisFields | null;
  /** the msgid of the 2401 that opened it (2601 undoes an admission by it) */
  opened_by?: string;
  /** the msgid of the 2601 that undid it */
  reversed_by?: string;
}

export interface SignIn {
  sign_no: string;
  sign_time: string;
  opter_no: string;
  valid: boolean;
}

export interface CallRecord {
  infno: string;
  msgid: string | null;
  at: string;
  infcode: number | null;
  /** the path the call came to, under the base path (fsi-paths: which front-end endpoint) */
  path?: string;
}
