/** Inpatient request builders and the synthetic patients used by the inpatient e2e suites. */
import { expect } from 'vitest';
import { api, type Reply } from '../helpers/harness.js';
import { cashSlip, INPATIENT_SLIP_KEYS, slipPicker } from '../helpers/slip.js';
import { admissionFields, dischargeBody, standardLines } from '../helpers/bodies.js';
import { uniq } from './fixtures.js';

export { dischargeBody, EMERGENCY_CRITERION, INPATIENT_CODES as CODES, ipLine, standardLines } from '../helpers/bodies.js';

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

export function admissionBody(token: string, begntime: string, extra: Record<string, unknown> = {}) {
  return { mdtrt_cert_type: '01', mdtrt_cert_no: token, ipt_no: uniq('ZY'), ...admissionFields(begntime), ...extra };
}

/**
 * An outside-hospital test / purchase form (JS 39 annex 8, HN 57 annex 4) for the admitting ward,
 * without the patient's identity (the gateway prints the 1101 person's): `extra` adds or overrides.
 */
export function outsideFormBody(form_date: string, lines: unknown[], extra: Record<string, unknown> = {}) {
  return {
    form_type: '1',
    dept_name: '普外科',
    diagnosis: { diag_code: 'K35.800', diag_name: '急性阑尾炎' },
    outside_institution: { name: '深圳市示例影像中心', code: 'H44030500099' },
    lines,
    reason: '本院CT设备检修，需外院检查 <急>',
    physician: { name: '李医生', code: 'D440300000009' },
    insurance_office_stamp: { stamped_by: '医保办王五', stamped_at: `${form_date} 11:00:00` },
    form_date,
    ...extra,
  };
}

export const STANDARD_TOTALS = {
  medfee_sumamt: 3836,
  fulamt_ownpay_amt: 300,
  overlmt_selfpay: 80,
  preselfpay_amt: 165.6,
  inscp_scp_amt: 3290.4,
};

/** The same totals as the answer's text writes them (numbers with two decimals). */
export const STANDARD_TOTALS_JSON =
  '{"medfee_sumamt":3836.00,"fulamt_ownpay_amt":300.00,"overlmt_selfpay":80.00,"preselfpay_amt":165.60,"inscp_scp_amt":3290.40}';

/** The slip expected of the standard stay settled without the account (cashSlip), from the test's hand-computed pool figures. */
export const standardStaySlip = (paid: { act_pay_dedc: number; hifp_pay: number; pool_prop_selfpay: number; psn_cash_pay: number }) =>
  cashSlip(STANDARD_TOTALS, paid);

export const pick = slipPicker(INPATIENT_SLIP_KEYS);

/** The HIS's steps, over HTTP. */
export function inpatientClient(base: string) {
  const call = <T = any>(method: string, path: string, body?: unknown) => api<T>(base, method, path, body);
  const ok = (r: Reply, status: number) => {
    expect(r.status, r.text).toBe(status);
    return r;
  };
  const admission = async (body: Record<string, unknown>) =>
    ok(await call('POST', '/v1/inpatient/admissions', body), 201).body.admission as Record<string, any>;
  const admit = async (body: Record<string, unknown>) => (await admission(body)).admission_id as string;
  const fees = async (id: string, lines: unknown[]) => ok(await call('POST', `/v1/inpatient/admissions/${id}/fees`, { lines }), 201).body;
  const discharge = async (id: string, endtime: string) =>
    ok(await call('POST', `/v1/inpatient/admissions/${id}/discharge`, dischargeBody(endtime)), 200).body;
  return {
    call,
    /** the admission as the gateway answers it (201) */
    admission,
    admit,
    fees,
    discharge,
    /** admit → `lines` → discharge at `endtime`; returns the admission id. */
    async stay(body: Record<string, unknown>, lines: unknown[], endtime: string) {
      const id = await admit(body);
      await fees(id, lines);
      await discharge(id, endtime);
      return id;
    },
    /** admit on `from` 08:00 → the standard lines (3836.00, in scope 3290.40) → discharge on `to` 10:00. */
    async standardStay(token: string, from: string, to: string, extra: Record<string, unknown> = {}) {
      const adm = await admission(admissionBody(token, `${from} 08:00:00`, extra));
      const id = adm.admission_id as string;
      expect((await fees(id, standardLines(from))).totals).toEqual(STANDARD_TOTALS);
      await discharge(id, `${to} 10:00:00`);
      return { id, admission: adm, mdtrt_id: adm.mdtrt_id as string };
    },
    settle(id: string, medfee_sumamt: string, mid_setl_flag = '0', extra: Record<string, unknown> = {}) {
      return call('POST', `/v1/inpatient/admissions/${id}/settlement`, { medfee_sumamt, acct_used_flag: '0', mid_setl_flag, ...extra });
    },
    preSettle(id: string, medfee_sumamt: string, mid_setl_flag = '0') {
      return call('POST', `/v1/inpatient/admissions/${id}/pre-settlement`, { medfee_sumamt, acct_used_flag: '0', mid_setl_flag });
    },
  };
}
