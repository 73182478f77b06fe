/** Inpatient request builders and the synthetic patients used by the inpatient e2e suites. */
import { expect } from 'vitest';
import { api, type Reply } from '../helpers/harness.js';
import { INPATIENT_SLIP_KEYS, slipPicker } from '../helpers/slip.js';
import { uniq } from './fixtures.js';

/** e-voucher tokens of mocks/platform/data/persons.json */
export const P = {
  jilin: { psn_no: '22000000000000000001', token: 'EVT22000000000000000001A1B2C3D4', certno: '220100198003150001', name: '吉长青' }, // long-term filing
  jilinUnfiled: { psn_no: '22000000000000000002', token: 'EVT22000000000000000002E5F6A7B8' },
  jilinBirth: { psn_no: '22000000000000000007', token: 'EVT22000000000000000007B1C2D3E4' }, // birth filing from 2026-06-01
  jiangsu: { psn_no: '32000000000000000003', token: 'EVT32000000000000000003C9D0E1F2' }, // referral 2026-09-01 → 2027-02-28
  liaoning: { psn_no: '21000000000000000004', token: 'EVT21000000000000000004A3B4C5D6' }, // un-filed, auto-filing province
  liaoningMother: { psn_no: '21000000000000000008', token: 'EVT21000000000000000008F5A6B7C8' }, // un-filed woman
  hunan: { psn_no: '43000000000000000005', token: 'EVT43000000000000000005E7F8A9B0' }, // 390, other temporary 2026-10-01 → 2027-03-31
};

export const CODES = {
  bed: '001103000010000', // 床位费 甲类, price cap 50.00
  nursing: '001202000010000', // 一级护理 甲类
  appendectomy: '003307010010000', // 阑尾切除术 乙类 5 %
  cefixime: 'XJ01DDA096A001010203981', // 乙类 10 %
  cosmetic: '003114000050000', // 丙类
  ct: '002103000010000', // 乙类 10 %, price cap 150.00
};

const DIAG = (at: string) => [
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

export function admissionBody(token: string, begntime: string, extra: Record<string, unknown> = {}) {
  return {
    mdtrt_cert_type: '01',
    mdtrt_cert_no: token,
    ipt_no: uniq('ZY'),
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
    diagnoses: DIAG(begntime),
    ...extra,
  };
}

export function ipLine(
  feedetl_sn: string,
  code: string,
  cnt: number | string,
  pric: number | string,
  fee_ocur_time: string,
  extra: Record<string, unknown> = {},
) {
  return {
    feedetl_sn,
    fee_ocur_time,
    med_list_codg: code,
    medins_list_codg: `H-${code.slice(0, 10)}`,
    cnt,
    pric,
    bilg_dept_codg: 'A0302',
    bilg_dept_name: '普外科',
    bilg_dr_codg: 'D440300000009',
    bilg_dr_name: '李医生',
    ...extra,
  };
}

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
  return [
    ipLine('S1', CODES.bed, 8, '60.00', t),
    ipLine('S2', CODES.nursing, 8, 25, t),
    ipLine('S3', CODES.appendectomy, 1, 2400, t),
    ipLine('S4', CODES.cefixime, 10, '45.60', t),
    ipLine('S5', CODES.cosmetic, 1, 300, t),
  ];
}
export const STANDARD_TOTALS = {
  medfee_sumamt: '3836.00',
  fulamt_ownpay_amt: '300.00',
  overlmt_selfpay: '80.00',
  preselfpay_amt: '165.60',
  inscp_scp_amt: '3290.40',
};

export function dischargeBody(endtime: string) {
  return { endtime, dscg_dept_codg: 'A0302', dscg_dept_name: '普外科', dscg_way: '1', diagnoses: DIAG(endtime) };
}

export const pick = slipPicker(INPATIENT_SLIP_KEYS);

/** The HIS's steps, over HTTP. */
export function inpatientClient(base: string) {
  const call = <T = any>(method: string, path: string, body?: unknown) => api<T>(base, method, path, body);
  const ok = (r: Reply, status: number) => {
    expect(r.status, r.text).toBe(status);
    return r;
  };
  return {
    call,
    async admit(body: Record<string, unknown>) {
      const r = ok(await call('POST', '/v1/inpatient/admissions', body), 201);
      return r.body.admission.admission_id as string;
    },
    async fees(id: string, lines: unknown[]) {
      return ok(await call('POST', `/v1/inpatient/admissions/${id}/fees`, { lines }), 201).body;
    },
    async discharge(id: string, endtime: string) {
      return ok(await call('POST', `/v1/inpatient/admissions/${id}/discharge`, dischargeBody(endtime)), 200).body;
    },
    settle(id: string, medfee_sumamt: string, mid_setl_flag = '0', extra: Record<string, unknown> = {}) {
      return call('POST', `/v1/inpatient/admissions/${id}/settlement`, { medfee_sumamt, acct_used_flag: '0', mid_setl_flag, ...extra });
    },
    preSettle(id: string, medfee_sumamt: string, mid_setl_flag = '0') {
      return call('POST', `/v1/inpatient/admissions/${id}/pre-settlement`, { medfee_sumamt, acct_used_flag: '0', mid_setl_flag });
    },
  };
}
