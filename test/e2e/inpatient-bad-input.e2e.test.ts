import { beforeAll, describe, expect, it } from 'vitest';
import { mockAndGateway } from '../helpers/suite.js';
import { admissionBody, CODES, dischargeBody, inpatientClient, ipLine, P } from './inpatient-fixtures.js';

let c: ReturnType<typeof inpatientClient>;
let open: string;

const sys = mockAndGateway();
beforeAll(async () => {
  c = inpatientClient(sys.gw.url);
  open = await c.admit(admissionBody(P.jilin.token, '2026-11-02 08:00:00'));
  await c.fees(open, [ipLine('Q1', CODES.nursing, 2, 25, '2026-11-02 10:00:00')]);
});

const code = (r: { body: any }) => r.body?.error?.code;

describe('inpatient endpoints refuse bad input with a catalog code, never a 5xx', () => {
  it('admission: missing or unknown flags, a non-inpatient med_type, 24 without the emergency flag, a duplicate ipt_no', async () => {
    const base = admissionBody(P.jilin.token, '2026-11-03 08:00:00');
    const { rel_ttp_flag: _r, ...noThirdParty } = base;
    const r1 = await c.call('POST', '/v1/inpatient/admissions', noThirdParty);
    expect([r1.status, code(r1)]).toEqual([400, 'GW_VAL_SCHEMA']);
    expect(r1.body.error.details.errors).toContainEqual(expect.objectContaining({ problem: 'is missing: rel_ttp_flag' }));
    const r2 = await c.call('POST', '/v1/inpatient/admissions', { ...base, trum_flag: 'Y' });
    expect([r2.status, code(r2)]).toEqual([400, 'GW_VAL_UNKNOWN_CODE']);
    const r3 = await c.call('POST', '/v1/inpatient/admissions', { ...base, med_type: '11' });
    expect([r3.status, code(r3)]).toEqual([422, 'GW_VAL_MED_TYPE_NOT_INPATIENT']);
    const r4 = await c.call('POST', '/v1/inpatient/admissions', { ...base, med_type: '24', emergency: false });
    expect([r4.status, code(r4)]).toEqual([422, 'GW_VAL_EMERGENCY_FLAG_MISMATCH']);
    const adm = await c.call('GET', `/v1/inpatient/admissions/${open}`);
    const dup = await c.call('POST', '/v1/inpatient/admissions', { ...base, ipt_no: adm.body.ipt_no });
    expect([dup.status, code(dup)]).toEqual([409, 'GW_BIZ_DUPLICATE_ADMISSION']);
    expect(adm.text).not.toContain(P.jilin.token); // the credential never comes back
  });

  it('unknown admission, form or settlement: 404', async () => {
    expect(code(await c.call('GET', '/v1/inpatient/admissions/A2026NOPE'))).toBe('GW_BIZ_ADMISSION_NOT_FOUND');
    expect(
      (
        await c.call('POST', '/v1/inpatient/admissions/A2026NOPE/fees', {
          lines: [ipLine('Z', CODES.nursing, 1, 1, '2026-11-02 10:00:00')],
        })
      ).status,
    ).toBe(404);
    const f = await c.call('GET', `/v1/inpatient/admissions/${open}/outside-forms/FNOPE/print`);
    expect([f.status, code(f)]).toEqual([404, 'GW_BIZ_OUTSIDE_FORM_NOT_FOUND']);
    const s = await c.call('POST', '/v1/inpatient/settlements/NOPE/cancel', {});
    expect([s.status, code(s)]).toEqual([404, 'GW_BIZ_SETTLEMENT_NOT_FOUND']);
  });

  it('settlement: mid_setl_flag required, discharge before the discharge settlement, the HIS total must match', async () => {
    const r1 = await c.call('POST', `/v1/inpatient/admissions/${open}/settlement`, { medfee_sumamt: '50.00', acct_used_flag: '0' });
    expect([r1.status, code(r1)]).toEqual([400, 'GW_VAL_SCHEMA']);
    const r2 = await c.settle(open, '50.00', '0');
    expect([r2.status, code(r2)]).toEqual([409, 'GW_BIZ_ADMISSION_STATE']);
    const r3 = await c.preSettle(open, '49.99', '1');
    expect([r3.status, code(r3)]).toEqual([422, 'GW_VAL_TOTAL_MISMATCH']);
    const r4 = await c.settle(open, '50.001', '1');
    expect([r4.status, code(r4)]).toEqual([400, 'GW_VAL_AMOUNT_FORMAT']);
  });

  it('fees, forms and the commitment: malformed bodies, duplicate lines, a stranger on the form, unknown codes', async () => {
    const dup = await c.call('POST', `/v1/inpatient/admissions/${open}/fees`, {
      lines: [ipLine('Q1', CODES.nursing, 1, 25, '2026-11-02 11:00:00')],
    });
    expect([dup.status, code(dup)]).toEqual([422, 'GW_VAL_DUPLICATE_FEE_LINE']);
    const bad = await c.call('POST', `/v1/inpatient/admissions/${open}/fees`, {
      lines: [ipLine('Q9', CODES.nursing, 3, '33.333', '2026-11-02 11:00:00', { det_item_fee_sumamt: '99.99' })],
    });
    expect([bad.status, code(bad)]).toEqual([422, 'GW_VAL_LINE_AMOUNT_MISMATCH']);
    const noPhysician = await c.call('POST', `/v1/inpatient/admissions/${open}/outside-forms`, { form_type: '1', form_date: '2026-11-02' });
    expect([noPhysician.status, code(noPhysician)]).toEqual([400, 'GW_VAL_SCHEMA']);
    const stranger = await c.call('POST', `/v1/inpatient/admissions/${open}/outside-forms`, {
      form_type: '1',
      psn_name: '某人',
      gend: '1',
      age: 30,
      dept_name: '普外科',
      psn_cert_type: '01',
      certno: '110101199001010000',
      diagnosis: { diag_code: 'K35.800', diag_name: '急性阑尾炎' },
      outside_institution: { name: '外院', code: 'H1' },
      lines: [ipLine('Q5', CODES.ct, 1, 150, '2026-11-02 12:00:00')],
      reason: '检查',
      physician: { name: '李医生', code: 'D1' },
      insurance_office_stamp: { stamped_by: '医保办', stamped_at: '2026-11-02 12:00:00' },
      form_date: '2026-11-02',
    });
    expect(code(stranger)).toBe('GW_ID_PERSON_CREDENTIAL_MISMATCH');
    const rel = await c.call('POST', `/v1/inpatient/admissions/${open}/trauma-commitment`, { signer_relation: '7' });
    expect([rel.status, code(rel)]).toEqual([400, 'GW_VAL_UNKNOWN_CODE']);
    const empty = await c.call('POST', `/v1/inpatient/admissions/${open}/trauma-commitment`, {});
    expect([empty.status, code(empty)]).toEqual([400, 'GW_VAL_SCHEMA']);
    const cancelUnknown = await c.call('POST', `/v1/inpatient/admissions/${open}/fees/cancel`, { feedetl_sn: 'NOPE' });
    expect(cancelUnknown.status).toBe(400);
  });

  it('the lifecycle guards: fees cancel, discharge twice, cancel after discharge, discharge cancel, admission cancel', async () => {
    const id = await c.admit(admissionBody(P.hunan.token, '2026-11-04 08:00:00'));
    await c.fees(id, [
      ipLine('G1', CODES.nursing, 2, 25, '2026-11-04 10:00:00'),
      ipLine('G2', CODES.nursing, 1, 25, '2026-11-04 11:00:00'),
    ]);
    const one = await c.call('POST', `/v1/inpatient/admissions/${id}/fees/cancel`, { feedetl_sn: 'G2' });
    expect(one.status, one.text).toBe(200);
    expect(one.body.admission.unsettled_totals.medfee_sumamt).toBe(50);
    const early = await c.call('POST', `/v1/inpatient/admissions/${id}/discharge`, dischargeBody('2026-11-03 10:00:00'));
    expect(early.status).toBe(400);
    await c.discharge(id, '2026-11-06 10:00:00');
    const twice = await c.call('POST', `/v1/inpatient/admissions/${id}/discharge`, dischargeBody('2026-11-06 10:00:00'));
    expect([twice.status, code(twice)]).toEqual([409, 'GW_BIZ_ADMISSION_STATE']);
    const cancelAdm = await c.call('POST', `/v1/inpatient/admissions/${id}/cancel`, {});
    expect([cancelAdm.status, code(cancelAdm)]).toEqual([409, 'GW_BIZ_ADMISSION_STATE']);
    const undo = await c.call('POST', `/v1/inpatient/admissions/${id}/discharge/cancel`, {});
    expect(undo.status, undo.text).toBe(200);
    expect(undo.body.admission.status).toBe('admitted');
    const all = await c.call('POST', `/v1/inpatient/admissions/${id}/fees/cancel`, { feedetl_sn: '0000' });
    expect(all.status, all.text).toBe(200);
    const cancelled = await c.call('POST', `/v1/inpatient/admissions/${id}/cancel`, {});
    expect(cancelled.status, cancelled.text).toBe(200);
    expect(cancelled.body.admission.status).toBe('cancelled');
    const after = await c.call('POST', `/v1/inpatient/admissions/${id}/fees`, {
      lines: [ipLine('G3', CODES.nursing, 1, 25, '2026-11-04 12:00:00')],
    });
    expect([after.status, code(after)]).toEqual([409, 'GW_BIZ_ADMISSION_STATE']);
  });

  it('admission change (2403) corrects the trauma flags', async () => {
    const id = await c.admit(admissionBody(P.hunan.token, '2026-11-05 08:00:00', { trum_flag: '1', rel_ttp_flag: '1' }));
    const r = await c.call('POST', `/v1/inpatient/admissions/${id}/change`, { rel_ttp_flag: '0', adm_bed: '08-01' });
    expect(r.status, r.text).toBe(200);
    expect(r.body.admission.trauma).toMatchObject({ trum_flag: '1', rel_ttp_flag: '0', commitment_recorded: false });
    const bad = await c.call('POST', `/v1/inpatient/admissions/${id}/change`, {});
    expect([bad.status, code(bad)]).toEqual([400, 'GW_VAL_SCHEMA']);
  });
});
