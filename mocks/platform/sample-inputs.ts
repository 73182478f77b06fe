/**
 * Inputs of the national interface for the seeded persons, as a hospital's HIS would send them, for
 * the mock's own tests: outpatient 2201/2203/2204/2206/2207, inpatient 2401/2301/2402/2303/2304,
 * pharmacy 2101/2102. Dates are those of the tests' fixed clock (2026-11-20, China time).
 */

/** 深圳 catalogue codes (data/catalogue.json). */
export const CODES = {
  consult: '001102000010000', // 普通门诊诊查费 甲类, cap 20.00
  amoxicillin: 'XJ01CAA040A001010100000', // 甲类
  metformin: 'XA10BAE062A001010103213', // 甲类
  atorvastatin: 'XC10AAA020A001010104433', // 乙类 selfpay 0.10
  ct: '002103000010000', // 乙类 selfpay 0.10, cap 150.00
  laser: '003114000050000', // 丙类
  bed: '001103000010000', // 床位费 甲类, cap 50.00
} as const;

export interface FeeLineSpec {
  sn: string;
  code: string;
  cnt: number;
  pric: number;
  det: number;
  batch?: string;
}

/** The doctor and department of every sample line and visit. */
const DOCTOR = { dr_codg: 'D440300000001', dr_name: '王医生', dept_codg: 'A03', dept_name: '内科' };

/** Who comes, insured under 310, showing an e-voucher token (01), from `begntime`. */
const holder = (psnNo: string, token: string, begntime: string) => ({
  psn_no: psnNo,
  insutype: '310',
  begntime,
  mdtrt_cert_type: '01',
  mdtrt_cert_no: token,
});

/** 2201: a visit of `psnNo` (insutype 310) shown with an e-voucher token (01). */
export function registration(psnNo: string, token: string, iptOtpNo: string, extra: object = {}): object {
  return {
    data: {
      ...holder(psnNo, token, '2026-11-20 09:30:00'),
      ipt_otp_no: iptOtpNo,
      atddr_no: DOCTOR.dr_codg,
      dr_name: DOCTOR.dr_name,
      dept_code: DOCTOR.dept_codg,
      dept_name: DOCTOR.dept_name,
      caty: DOCTOR.dept_codg,
      ...extra,
    },
  };
}

/** 2203: the visit's med_type and one diagnosis (高血压). */
export function visitInfo(mdtrtId: string, psnNo: string, medType: string, erFlag?: string): object {
  return {
    mdtrtinfo: {
      mdtrt_id: mdtrtId,
      psn_no: psnNo,
      med_type: medType,
      begntime: '2026-11-20 09:30:00',
      dise_codg: 'I10.x00',
      dise_name: '高血压',
      ...(erFlag ? { er_flag: erFlag } : {}),
    },
    diseinfo: [
      {
        diag_type: '1',
        diag_srt_no: 1,
        diag_code: 'I10.x00',
        diag_name: '高血压',
        diag_dept: DOCTOR.dept_name,
        dise_dor_no: DOCTOR.dr_codg,
        dise_dor_name: DOCTOR.dr_name,
        diag_time: '2026-11-20 09:40:00',
        vali_flag: '1',
      },
    ],
  };
}

/** What every sample fee line carries: its time, codes (the HIS's own one too) and amounts. */
const lineCore = (l: FeeLineSpec) => ({
  fee_ocur_time: '2026-11-20 09:50:00',
  med_list_codg: l.code,
  medins_list_codg: `HIS-${l.code}`,
  det_item_fee_sumamt: l.det,
  cnt: l.cnt,
  pric: l.pric,
});

/** A sample hospital fee line: the core plus who ordered it. */
function lineFacts(l: FeeLineSpec) {
  return {
    ...lineCore(l),
    bilg_dept_codg: DOCTOR.dept_codg,
    bilg_dept_name: DOCTOR.dept_name,
    bilg_dr_codg: DOCTOR.dr_codg,
    bilg_dr_name: DOCTOR.dr_name,
    hosp_appr_flag: '1',
  };
}

/** 2204: outpatient fee lines (batch B001 unless the line says otherwise). */
export function feeUpload(mdtrtId: string, psnNo: string, lines: FeeLineSpec[]): object {
  return {
    feedetail: lines.map((l) => ({
      feedetl_sn: l.sn,
      mdtrt_id: mdtrtId,
      psn_no: psnNo,
      chrg_bchno: l.batch ?? 'B001',
      rx_circ_flag: '0',
      ...lineFacts(l),
    })),
  };
}

/** The 2206 input ({ data }) for all unsettled lines of a visit. */
export function settlementData(mdtrtId: string, psnNo: string, token: string, medfee: number, acct: '0' | '1', medType = '11') {
  return {
    data: {
      psn_no: psnNo,
      mdtrt_cert_type: '01',
      mdtrt_cert_no: token,
      med_type: medType,
      medfee_sumamt: medfee,
      psn_setlway: '01',
      mdtrt_id: mdtrtId,
      chrg_bchno: '0000',
      acct_used_flag: acct,
      insutype: '310',
    },
  };
}

export interface Breakdown {
  fulamt: number;
  overlmt: number;
  preselfpay: number;
  inscp: number;
}

/** 2207 also carries the slip's breakdown (not part of 2206.input.json). */
export function settleData(base: { data: object }, breakdown: Breakdown): object {
  return {
    data: {
      ...base.data,
      fulamt_ownpay_amt: breakdown.fulamt,
      overlmt_selfpay: breakdown.overlmt,
      preselfpay_amt: breakdown.preselfpay,
      inscp_scp_amt: breakdown.inscp,
    },
  };
}

/** 2207 of lines that are all in scope (甲类, no cap reached): the breakdown is the total. */
export function settleInScope(mdtrtId: string, psnNo: string, token: string, medfee: number, acct: '0' | '1'): object {
  return settleData(settlementData(mdtrtId, psnNo, token, medfee, acct), { fulamt: 0, overlmt: 0, preselfpay: 0, inscp: medfee });
}

/** One inpatient diagnosis (急性阑尾炎, the main one) of 2401 / 2402. */
function inpatientDiagnosis(psnNo: string, diagTime: string, extra: object = {}): object {
  return {
    psn_no: psnNo,
    diag_type: '1',
    maindiag_flag: '1',
    diag_srt_no: 1,
    diag_code: 'K35.900',
    diag_name: '急性阑尾炎',
    diag_dept: '普外科',
    dise_dor_no: DOCTOR.dr_codg,
    dise_dor_name: DOCTOR.dr_name,
    diag_time: diagTime,
    ...extra,
  };
}

/** 2401: an admission (普通住院 21 unless extra says otherwise) with the trauma flags a cross-region stay needs. */
export function admission(psnNo: string, token: string, iptNo: string, extra: object = {}): object {
  return {
    mdtrtinfo: {
      ...holder(psnNo, token, '2026-11-10 08:00:00'),
      med_type: '21',
      ipt_no: iptNo,
      atddr_no: DOCTOR.dr_codg,
      chfpdr_name: DOCTOR.dr_name,
      adm_diag_dscr: '急性阑尾炎',
      adm_dept_codg: 'A04',
      adm_dept_name: '普外科',
      adm_bed: '12',
      dscg_maindiag_code: 'K35.900',
      dscg_maindiag_name: '急性阑尾炎',
      trum_flag: '0',
      rel_ttp_flag: '0',
      ...extra,
    },
    diseinfo: [inpatientDiagnosis(psnNo, '2026-11-10 08:30:00')],
    agnterinfo: {},
  };
}

/** 2403: the admission's details changed (`extra`, e.g. another bed), with its main diagnosis again. */
export function admissionChange(mdtrtId: string, psnNo: string, iptNo: string, extra: object = {}): object {
  const { mdtrtinfo, diseinfo } = admission(psnNo, '', iptNo) as { mdtrtinfo: Record<string, unknown>; diseinfo: object[] };
  const { insutype: _insutype, mdtrt_cert_no: _certNo, ipt_no: _iptNo, ...kept } = mdtrtinfo;
  return {
    adminfo: { ...kept, mdtrt_id: mdtrtId, ipt_otp_no: iptNo, ...extra },
    diseinfo: diseinfo.map((d) => ({ ...d, mdtrt_id: mdtrtId })),
  };
}

/** 2301: inpatient fee lines. */
export function inpatientFees(mdtrtId: string, psnNo: string, lines: FeeLineSpec[]): object {
  return { feedetail: lines.map((l) => ({ feedetl_sn: l.sn, mdtrt_id: mdtrtId, psn_no: psnNo, med_type: '21', ...lineFacts(l) })) };
}

/** 2402: the discharge (出院) at `endtime`. */
export function discharge(mdtrtId: string, psnNo: string, endtime = '2026-11-19 10:00:00'): object {
  const dscginfo = {
    mdtrt_id: mdtrtId,
    psn_no: psnNo,
    insutype: '310',
    endtime,
    dscg_dept_codg: 'A04',
    dscg_dept_name: '普外科',
    dscg_way: '1',
  };
  return { dscginfo, diseinfo: [inpatientDiagnosis(psnNo, endtime, { mdtrt_id: mdtrtId })] };
}

/** 2303/2304: the stay's settlement, at discharge (mid '0') or mid-stay (mid '1'). */
export function inpatientSettlement(mdtrtId: string, psnNo: string, token: string, medfee: number, mid: '0' | '1' = '0'): object {
  return {
    data: {
      psn_no: psnNo,
      mdtrt_cert_type: '01',
      mdtrt_cert_no: token,
      medfee_sumamt: medfee,
      psn_setlway: '01',
      mdtrt_id: mdtrtId,
      insutype: '310',
      acct_used_flag: '0',
      mid_setl_flag: mid,
    },
  };
}

/** 2101/2102: a pharmacy purchase of drug lines, paid without the account. */
export function pharmacyPurchase(psnNo: string, token: string, lines: FeeLineSpec[]): object {
  const medfee = lines.reduce((sum, l) => sum + l.det, 0);
  return {
    druginfo: {
      ...holder(psnNo, token, '2026-11-20 09:30:00'),
      medfee_sumamt: Math.round(medfee * 100) / 100,
      acct_used_flag: '0',
      med_type: '41',
    },
    drugdetail: lines.map((l) => ({ feedetl_sn: l.sn, ...lineCore(l) })),
  };
}
