/**
 * Request bodies the HIS sends to the gateway, shared by the e2e suites (through test/e2e/fixtures.ts
 * and inpatient-fixtures.ts) and the bench: plain data builders, no test runner and no gateway code,
 * so that bench/ may import them. Doctors, departments and diagnoses are the mock's synthetic ones.
 */

/**
 * The criterion an emergency is flagged on (LN 22 《急危重病种标准》; schemas/codes/emergency_criterion.json,
 * the hospital's starter table): required with emergency true. 10 急腹症 fits the suites' 急性阑尾炎.
 */
export const EMERGENCY_CRITERION = { category: '10' };

// ---- outpatient (内科门诊, 王医生) ----

/** An outpatient visit's fields after the credential and the outpatient number (ipt_otp_no). */
export const visitFields = (begntime: string) => ({
  begntime,
  atddr_no: 'D440300000001',
  dr_name: '王医生',
  dept_code: 'A03',
  dept_name: '内科门诊',
  caty: 'A03',
  emergency: false,
});

export function diagnosesBody(med_type = '11') {
  return {
    med_type,
    main_cond_dscr: '咳嗽三天',
    diagnoses: [
      {
        diag_type: '1',
        diag_srt_no: 1,
        diag_code: 'J06.900',
        diag_name: '急性上呼吸道感染',
        diag_dept: '内科门诊',
        dise_dor_no: 'D440300000001',
        dise_dor_name: '王医生',
        diag_time: '2026-11-23 09:10:00',
      },
    ],
  };
}

type Amount = number | string;
type Billing = { bilg_dept_codg: string; bilg_dept_name: string; bilg_dr_codg: string; bilg_dr_name: string };

/** Fee lines billed by `by` (department and doctor): (feedetl_sn, catalogue code, cnt, pric, fee_ocur_time, extra fields). */
const billedBy =
  (by: Billing) =>
  <C extends Amount, P extends Amount>(
    feedetl_sn: string,
    med_list_codg: string,
    cnt: C,
    pric: P,
    fee_ocur_time: string,
    extra: Record<string, unknown> = {},
  ) => ({ feedetl_sn, fee_ocur_time, med_list_codg, medins_list_codg: `H-${med_list_codg.slice(0, 10)}`, cnt, pric, ...by, ...extra });

/** Who bills the fee lines of the suites' outpatient visits and inpatient stays. */
const BILLING = {
  outpatient: { bilg_dept_codg: 'A03', bilg_dept_name: '内科门诊', bilg_dr_codg: 'D440300000001', bilg_dr_name: '王医生' },
  inpatient: { bilg_dept_codg: 'A0302', bilg_dept_name: '普外科', bilg_dr_codg: 'D440300000009', bilg_dr_name: '李医生' },
};
const outpatientLine = billedBy(BILLING.outpatient);

/** One outpatient fee line, billed by 内科门诊 / 王医生 at 2026-11-23 09:20. */
export const line = <C extends Amount, P extends Amount>(sn: string, code: string, cnt: C, pric: P, extra: Record<string, unknown> = {}) =>
  outpatientLine(sn, code, cnt, pric, '2026-11-23 09:20:00', extra);

// ---- inpatient (普外科, 李医生, 急性阑尾炎) ----

export const INPATIENT_CODES = {
  bed: '001103000010000', // 床位费 甲类, price cap 50.00
  nursing: '001202000010000', // 一级护理 甲类
  appendectomy: '003307010010000', // 阑尾切除术 乙类 5 %
  cefixime: 'XJ01DDA096A001010203981', // 乙类 10 %
  cosmetic: '003114000050000', // 丙类
  ct: '002103000010000', // 乙类 10 %, price cap 150.00
};

const inpatientDiagnoses = (at: string) => [
  {
    diag_type: '1',
    maindiag_flag: '1',
    diag_srt_no: 1,
    diag_code: 'K35.800',
    diag_name: '急性阑尾炎',
    diag_dept: '普外科',
    dise_dor_no: 'D440300000009',
    dise_dor_name: '李医生',
    diag_time: at,
  },
];

/** An admission's fields after the credential and the inpatient number (ipt_no): an ordinary stay (med_type 21). */
export const admissionFields = (begntime: string) => ({
  begntime,
  med_type: '21',
  emergency: false,
  trum_flag: '0',
  rel_ttp_flag: '0',
  atddr_no: 'D440300000009',
  chfpdr_name: '李医生',
  adm_diag_dscr: '急性阑尾炎',
  adm_dept_codg: 'A0302',
  adm_dept_name: '普外科',
  adm_bed: '12-03',
  dscg_maindiag_code: 'K35.800',
  dscg_maindiag_name: '急性阑尾炎',
  diagnoses: inpatientDiagnoses(begntime),
});

/** One inpatient fee line, billed by 普外科 / 李医生. */
export const ipLine = billedBy(BILLING.inpatient);

/**
 * The standard stay's five lines, all on `day` (yyyy-MM-dd):
 *   bed          8 × 60.00 = 480.00  cap 50: over-limit (60 − 50) × 8 = 80.00, in scope 400.00
 *   nursing      8 × 25.00 = 200.00  甲类: in scope 200.00
 *   appendectomy 1 × 2400.00         乙类 5 %: prepay 120.00, in scope 2280.00
 *   cefixime    10 × 45.60 = 456.00  乙类 10 %: prepay 45.60, in scope 410.40
 *   cosmetic     1 × 300.00          丙类: fully self-paid 300.00
 * totals: medfee 3836.00 = fulamt 300.00 + overlmt 80.00 + prepay 165.60 + in scope 3290.40
 */
export function standardLines(day: string) {
  const t = `${day} 10:00:00`;
  const C = INPATIENT_CODES;
  return [
    ipLine('S1', C.bed, 8, '60.00', t),
    ipLine('S2', C.nursing, 8, 25, t),
    ipLine('S3', C.appendectomy, 1, 2400, t),
    ipLine('S4', C.cefixime, 10, '45.60', t),
    ipLine('S5', C.cosmetic, 1, 300, t),
  ];
}

export function dischargeBody(endtime: string) {
  return { endtime, dscg_dept_codg: 'A0302', dscg_dept_name: '普外科', dscg_way: '1', diagnoses: inpatientDiagnoses(endtime) };
}
