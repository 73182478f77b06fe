/**
 * Issue 10: a write that 2601 does not reverse, whose reply was lost, is resolved by inquiry — the
 * gateway asks the platform what it holds (5201 就诊信息查询, 5204 费用明细查询) and adopts it. The
 * visit or stay is never left stuck, and staff see nothing the inquiry could decide.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { api } from '../helpers/harness.js';
import { mockAndGateway } from '../helpers/suite.js';
import { CODES, diagnosesBody, JILIN, line, visitBody } from './fixtures.js';
import { admissionBody, dischargeBody, inpatientClient, P, standardLines } from './inpatient-fixtures.js';
import { FAST_REVERSAL, fault, finalWithinMs, transaction, until } from './resilience-fixtures.js';

/** REVERSAL_MAX_ATTEMPTS: the gateway's default, 10 — how many inquiries before it gives up to staff */
const MAX_ATTEMPTS = 10;
const sys = mockAndGateway({ ...FAST_REVERSAL, REVERSAL_MAX_ATTEMPTS: String(MAX_ATTEMPTS) });
beforeEach(async () => {
  await api(sys.mock.control, 'DELETE', '/faults');
});

const cred = { mdtrt_cert_type: '01', mdtrt_cert_no: JILIN.token };
const resolved = (id: string) =>
  until(`the inquiry of ${id} to end`, async () => {
    const t = await transaction(sys.gw.url, id);
    return t.resolution && !['inquiring'].includes(t.resolution.state) && t.resolution.encounter_released ? t : undefined;
  });
const workList = async (from: string) =>
  (await api(sys.gw.url, 'GET', `/v1/console/transactions?status=open&from=${encodeURIComponent(from)}`)).body.items as unknown[];
const inquiries = async () =>
  ((await api(sys.mock.control, 'GET', '/calls')).body as Array<{ infno: string }>).filter((c) => c.infno.startsWith('52'));

describe('a registration (2201) whose reply was lost', () => {
  it('booked at the platform: 5201 finds it, the visit is adopted with its mdtrt_id and goes on to settle', async () => {
    const t0 = new Date().toISOString();
    await fault(sys.mock.control, { kind: 'drop_reply', infno: '2201', after_booking: true, count: 1 });
    const reg = await api(sys.gw.url, 'POST', '/v1/outpatient/visits', visitBody(cred));
    expect([reg.status, reg.body.error.code]).toEqual([502, 'GW_SYS_PLATFORM_OUTCOME_INQUIRING']);
    expect(reg.body.error.message).not.toMatch(/冲正/);
    const txid = reg.body.error.transaction_id as string;
    const t = await resolved(txid);
    expect(t.resolution).toMatchObject({ state: 'done', learned: { mdtrt_id: expect.any(String) } });
    expect(t.resolution.reversal_ids).toEqual([]);
    expect((await inquiries()).map((c) => c.infno)).toContain('5201');

    const visit = (await api(sys.gw.url, 'GET', `/v1/outpatient/visits/${t.encounter_id}`)).body;
    expect(visit).toMatchObject({ status: 'registered', mdtrt_id: t.resolution.learned.mdtrt_id });
    expect(visit.pending).toBeUndefined();
    expect(await workList(t0)).toEqual([]);
    const id = t.encounter_id as string;
    expect((await api(sys.gw.url, 'POST', `/v1/outpatient/visits/${id}/diagnoses`, diagnosesBody())).status).toBe(200);
    const fees = await api(sys.gw.url, 'POST', `/v1/outpatient/visits/${id}/fees`, {
      chrg_bchno: 'B1',
      lines: [line('1', CODES.consult, 1, 20)],
    });
    expect(fees.status, fees.text).toBe(201);
    const setl = await api(sys.gw.url, 'POST', `/v1/outpatient/visits/${id}/settlement`, { medfee_sumamt: 20, acct_used_flag: '0' });
    expect(setl.status, setl.text).toBe(201);
  });

  it('not booked: 5201 finds nothing, the visit is failed (never stuck) and the same 门诊号 registers again', async () => {
    await fault(sys.mock.control, { kind: 'http_500', infno: '2201', count: 1 });
    const body = visitBody(cred);
    const reg = await api(sys.gw.url, 'POST', '/v1/outpatient/visits', body);
    expect(reg.body.error.code).toBe('GW_SYS_PLATFORM_OUTCOME_INQUIRING');
    const t = await resolved(reg.body.error.transaction_id);
    expect(t.resolution.state).toBe('not_done');
    expect((await api(sys.gw.url, 'GET', `/v1/outpatient/visits/${t.encounter_id}`)).body.status).toBe('registration_failed');
    const again = await api(sys.gw.url, 'POST', '/v1/outpatient/visits', body);
    expect(again.status, again.text).toBe(201);
    expect(again.body.visit).toMatchObject({ visit_id: t.encounter_id, status: 'registered' });
  });
});

describe('a fee upload (2204) whose reply was lost after the platform took it', () => {
  it('5204 finds the lines: the visit holds them with the platform classification and settles them', async () => {
    const reg = await api(sys.gw.url, 'POST', '/v1/outpatient/visits', visitBody(cred));
    const id = reg.body.visit.visit_id as string;
    await api(sys.gw.url, 'POST', `/v1/outpatient/visits/${id}/diagnoses`, diagnosesBody());
    await fault(sys.mock.control, { kind: 'drop_reply', infno: '2204', after_booking: true, count: 1 });
    const lost = await api(sys.gw.url, 'POST', `/v1/outpatient/visits/${id}/fees`, {
      chrg_bchno: 'B1',
      lines: [line('1', CODES.consult, 1, 20)],
    });
    expect(lost.body.error.code).toBe('GW_SYS_PLATFORM_OUTCOME_INQUIRING');
    const t = await resolved(lost.body.error.transaction_id);
    expect(t.resolution.state).toBe('done');
    expect((await api(sys.gw.url, 'GET', `/v1/outpatient/visits/${id}`)).body).toMatchObject({ lines: 1, unsettled_lines: 1 });
    const setl = await api(sys.gw.url, 'POST', `/v1/outpatient/visits/${id}/settlement`, { medfee_sumamt: 20, acct_used_flag: '0' });
    expect(setl.status, setl.text).toBe(201);
  });
});

describe('a discharge (2402) whose reply was lost', () => {
  const ip = () => inpatientClient(sys.gw.url);

  it('taken by the platform: the stay is discharged by inquiry, with the discharge time sent', async () => {
    const id = await ip().admit(admissionBody(P.jilin.token, '2026-11-02 08:00:00'));
    await fault(sys.mock.control, { kind: 'drop_reply', infno: '2402', after_booking: true, count: 1 });
    const lost = await ip().call('POST', `/v1/inpatient/admissions/${id}/discharge`, dischargeBody('2026-11-04 10:00:00'));
    expect(lost.body.error.code).toBe('GW_SYS_PLATFORM_OUTCOME_INQUIRING');
    const t = await resolved(lost.body.error.transaction_id);
    expect(t.resolution.state).toBe('done');
    expect(t.resolution.reversal_ids).toEqual([]);
    const a = (await ip().call('GET', `/v1/inpatient/admissions/${id}`)).body;
    expect(a).toMatchObject({ status: 'discharged', endtime: '2026-11-04 10:00:00' });
  });

  it('not taken: the stay is still admitted, and the discharge is sent again', async () => {
    const id = await ip().admit(admissionBody(P.jilin.token, '2026-11-05 08:00:00'));
    await fault(sys.mock.control, { kind: 'http_500', infno: '2402', count: 1 });
    const lost = await ip().call('POST', `/v1/inpatient/admissions/${id}/discharge`, dischargeBody('2026-11-06 10:00:00'));
    const t = await resolved(lost.body.error.transaction_id);
    expect(t.resolution.state).toBe('not_done');
    expect((await ip().call('GET', `/v1/inpatient/admissions/${id}`)).body.status).toBe('admitted');
    await ip().discharge(id, '2026-11-06 10:00:00');
  });
});

describe('fee lines withdrawn (2205) or uploaded on a stay (2301) whose reply was lost after the platform took them', () => {
  it('2205: 5204 shows the batch gone; the visit drops it too and takes a new batch', async () => {
    const reg = await api(sys.gw.url, 'POST', '/v1/outpatient/visits', visitBody(cred));
    const id = reg.body.visit.visit_id as string;
    await api(sys.gw.url, 'POST', `/v1/outpatient/visits/${id}/diagnoses`, diagnosesBody());
    await api(sys.gw.url, 'POST', `/v1/outpatient/visits/${id}/fees`, { chrg_bchno: 'B1', lines: [line('1', CODES.consult, 1, 20)] });
    await fault(sys.mock.control, { kind: 'drop_reply', infno: '2205', after_booking: true, count: 1 });
    const lost = await api(sys.gw.url, 'POST', `/v1/outpatient/visits/${id}/fees/cancel`, { chrg_bchno: 'B1' });
    expect(lost.body.error.code).toBe('GW_SYS_PLATFORM_OUTCOME_INQUIRING');
    const t = await resolved(lost.body.error.transaction_id);
    expect(t.resolution.state).toBe('done');
    expect((await api(sys.gw.url, 'GET', `/v1/outpatient/visits/${id}`)).body).toMatchObject({ lines: 0 });
    const again = await api(sys.gw.url, 'POST', `/v1/outpatient/visits/${id}/fees`, {
      chrg_bchno: 'B2',
      lines: [line('1', CODES.consult, 1, 20)],
    });
    expect(again.status, again.text).toBe(201);
  });

  it('2301: 5204 shows the lines; the stay holds them and discharges', async () => {
    const id = await inpatientClient(sys.gw.url).admit(admissionBody(P.jilin.token, '2026-11-12 08:00:00'));
    await fault(sys.mock.control, { kind: 'drop_reply', infno: '2301', after_booking: true, count: 1 });
    const lost = await api(sys.gw.url, 'POST', `/v1/inpatient/admissions/${id}/fees`, { lines: standardLines('2026-11-12') });
    expect(lost.body.error.code).toBe('GW_SYS_PLATFORM_OUTCOME_INQUIRING');
    const t = await resolved(lost.body.error.transaction_id);
    expect(t.resolution.state).toBe('done');
    const a = (await api(sys.gw.url, 'GET', `/v1/inpatient/admissions/${id}`)).body;
    expect(a.lines).toBe(standardLines('2026-11-12').length);
  });
});

describe('what no inquiry can decide', () => {
  it('goes to the work list; staff say it did not happen, the visit is released, and the HIS withdraws and uploads again', async () => {
    const t0 = new Date().toISOString();
    const reg = await api(sys.gw.url, 'POST', '/v1/outpatient/visits', visitBody(cred));
    const id = reg.body.visit.visit_id as string;
    await api(sys.gw.url, 'POST', `/v1/outpatient/visits/${id}/diagnoses`, diagnosesBody());
    await fault(sys.mock.control, { kind: 'drop_reply', infno: '2204', after_booking: true, count: 1 });
    await fault(sys.mock.control, { kind: 'reject', infno: '5204', err_msg: '系统繁忙，请稍后再试', count: 100 });
    const body = { chrg_bchno: 'B1', lines: [line('1', CODES.consult, 1, 20)] };
    const lost = await api(sys.gw.url, 'POST', `/v1/outpatient/visits/${id}/fees`, body);
    const txid = lost.body.error.transaction_id as string;
    const t = await until(
      'the inquiry to give up',
      async () => {
        const x = await transaction(sys.gw.url, txid);
        return x.resolution?.state === 'needs_manual' ? x : undefined;
      },
      finalWithinMs(MAX_ATTEMPTS),
    );
    expect(t.resolution.last_error).toContain('系统繁忙');
    expect((await workList(t0)).map((x) => (x as { id: string }).id)).toContain(txid);
    await api(sys.mock.control, 'DELETE', '/faults');

    const done = await api(sys.gw.url, 'POST', `/v1/console/transactions/${txid}/resolve`, { reason: '电话确认平台未收到', booked: false });
    expect(done.status, done.text).toBe(200);
    const after = await transaction(sys.gw.url, txid);
    expect(after.resolution).toMatchObject({ state: 'not_done', encounter_released: true });
    expect(await workList(t0)).toEqual([]);
    expect((await api(sys.gw.url, 'POST', `/v1/outpatient/visits/${id}/fees/cancel`, { chrg_bchno: '0000' })).status).toBe(200);
    expect((await api(sys.gw.url, 'POST', `/v1/outpatient/visits/${id}/fees`, body)).status).toBe(201);
  });
});
