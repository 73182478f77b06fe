/**
 * Issue 10: every unknown outcome is made final, by kind (gateway/engine/call-kinds.json). A lost
 * reply of a call that books nothing is final at once and safe to repeat; a 2601 the platform refuses
 * as not reversible goes to staff at once with the platform's words, not after ten tries.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { api, startGateway, startMock, TEST_KEYS, type TestGateway } from '../helpers/harness.js';
import { JILIN } from './fixtures.js';
import { admissionBody, P } from './inpatient-fixtures.js';
import { FAST_REVERSAL, fault, ledger, readyVisit, settle, transaction, until } from './resilience-fixtures.js';

let mock: Awaited<ReturnType<typeof startMock>>;
let gw: TestGateway;
beforeAll(async () => {
  mock = await startMock();
  gw = await startGateway(mock.url, { ...FAST_REVERSAL, REVERSAL_MAX_ATTEMPTS: '10' });
});
afterAll(async () => {
  await gw?.stop();
  await mock?.close();
});
beforeEach(async () => {
  await api(mock.control, 'DELETE', '/faults');
});

const workList = async (from: string) =>
  (await api(gw.url, 'GET', `/v1/console/transactions?status=open&from=${encodeURIComponent(from)}`)).body.items as unknown[];
const outcome = async (id: string) => (await api(gw.url, 'GET', `/v1/outcomes/${id}`, undefined, { 'x-api-key': TEST_KEYS.his })).body;

describe('a lost reply of a call that books nothing (1101, 2206)', () => {
  it('1101: the counter is told nothing was booked and to repeat; the record is final; the work list stays empty', async () => {
    const t0 = new Date().toISOString();
    await fault(mock.control, { kind: 'http_500', infno: '1101', count: 1 });
    const q = { mdtrt_cert_type: '01', mdtrt_cert_no: JILIN.token };
    const lost = await api(gw.url, 'POST', '/v1/persons/query', q);
    expect(lost.status).toBe(502);
    expect(lost.body.error.code).toBe('GW_SYS_PLATFORM_NO_REPLY_NOTHING_BOOKED');
    expect(lost.body.error.message).toMatch(/可直接重新发起/);
    expect(lost.body.error.message).not.toMatch(/冲正/);
    const id = lost.body.error.transaction_id as string;
    expect(await outcome(id)).toMatchObject({ final: true });
    expect((await transaction(gw.url, id)).resolution).toMatchObject({ state: 'not_booked' });
    expect(await workList(t0)).toEqual([]);
    // and repeating it simply works
    const again = await api(gw.url, 'POST', '/v1/persons/query', q);
    expect(again.status).toBe(200);
  });

  it('2206: the quote is lost, the visit is not blocked, the next quote and the settlement go through', async () => {
    const t0 = new Date().toISOString();
    const v = await readyVisit(gw.url);
    await fault(mock.control, { kind: 'drop_reply', infno: '2206', after_booking: true, count: 1 });
    const body = { medfee_sumamt: 20, acct_used_flag: '0' };
    const lost = await api(gw.url, 'POST', `/v1/outpatient/visits/${v.id}/pre-settlement`, body);
    expect([lost.status, lost.body.error.code]).toEqual([502, 'GW_SYS_PLATFORM_NO_REPLY_NOTHING_BOOKED']);
    expect(await outcome(lost.body.error.transaction_id)).toMatchObject({ final: true });
    expect(await workList(t0)).toEqual([]);
    const quote = await api(gw.url, 'POST', `/v1/outpatient/visits/${v.id}/pre-settlement`, body);
    expect(quote.status, quote.text).toBe(200);
    expect((await settle(gw.url, v.id)).status).toBe(201);
  });
});

describe('a 2601 the platform refuses as not reversible', () => {
  it('goes to staff at once with the platform words: one 2601, no retry storm, the visit stays blocked', async () => {
    const v = await readyVisit(gw.url);
    const calls2601 = async () => ((await api(mock.control, 'GET', '/calls?infno=2601')).body as unknown[]).length;
    const before = await calls2601();
    await fault(mock.control, { kind: 'drop_reply', infno: '2207', after_booking: true, count: 1 });
    await fault(mock.control, { kind: 'reject', infno: '2601', err_msg: '该交易不支持冲正', count: 5 });
    const lost = await settle(gw.url, v.id);
    expect(lost.body.error.code).toBe('GW_SYS_PLATFORM_OUTCOME_UNKNOWN');
    const id = lost.body.error.transaction_id as string;
    const t = await until('the refusal to reach staff', async () => {
      const x = await transaction(gw.url, id);
      return x.resolution?.state === 'needs_manual' ? x : undefined;
    });
    expect(t.resolution.attempts).toBe(1);
    expect(t.resolution.last_error).toContain('该交易不支持冲正');
    // needs_manual is not worked on again by the worker: one 2601 was all it took
    expect(t.resolution.reversal_ids).toHaveLength(1);
    expect((await calls2601()) - before).toBe(1);
    // still booked at the platform, and the gateway does not let it be settled a second time
    expect((await ledger(mock.control)).find((e) => e.msgid === id)?.status).toBe('booked');
    expect((await settle(gw.url, v.id)).body.error.code).toBe('GW_BIZ_OUTCOME_UNKNOWN_PENDING');
  });
});

describe('an admission (2401, on the reversible list) whose reply was lost after the platform took it', () => {
  it('is reversed with 2601; the stay is failed and the same 住院号 is admitted again, once', async () => {
    const body = admissionBody(P.jilin.token, '2026-11-10 08:00:00');
    await fault(mock.control, { kind: 'drop_reply', infno: '2401', after_booking: true, count: 1 });
    const lost = await api(gw.url, 'POST', '/v1/inpatient/admissions', body);
    expect([lost.status, lost.body.error.code]).toEqual([502, 'GW_SYS_PLATFORM_OUTCOME_UNKNOWN']);
    const id = lost.body.error.transaction_id as string;
    const t = await until('the 2401 to be reversed', async () => {
      const x = await transaction(gw.url, id);
      return x.resolution?.state !== 'reversing' && x.resolution?.encounter_released ? x : undefined;
    });
    expect(t.resolution).toMatchObject({ state: 'reversed', attempts: 1 });
    const again = await api(gw.url, 'POST', '/v1/inpatient/admissions', body);
    expect(again.status, again.text).toBe(201);
    expect(again.body.admission.status).toBe('admitted');
  });
});

describe('a 2601 that finds nothing to reverse is confirmed by an inquiry before the booking is called not booked', () => {
  it('the platform says 原交易不存在 but 5204 shows the lines settled: staff decide, with the setl_id the gateway never learnt', async () => {
    const v = await readyVisit(gw.url);
    await fault(mock.control, { kind: 'drop_reply', infno: '2207', after_booking: true, count: 1 });
    await fault(mock.control, { kind: 'reject', infno: '2601', err_msg: '原交易不存在', count: 1 });
    const lost = await settle(gw.url, v.id);
    const id = lost.body.error.transaction_id as string;
    const t = await until('the confirmation to reach staff', async () => {
      const x = await transaction(gw.url, id);
      return x.resolution?.state === 'needs_manual' ? x : undefined;
    });
    const booked = (await ledger(mock.control)).find((e) => e.msgid === id);
    expect(booked?.status).toBe('booked');
    expect(t.resolution.last_error).toContain(`setl_id ${booked!.setl_id}`);
    // the visit is not released: it is never settled a second time
    expect((await settle(gw.url, v.id)).body.error.code).toBe('GW_BIZ_OUTCOME_UNKNOWN_PENDING');
  });

  it('nothing was booked (infcode -1 before booking): 5204 agrees, not_booked, and the visit settles', async () => {
    const v = await readyVisit(gw.url);
    await fault(mock.control, { kind: 'infcode_-1', infno: '2207', booked: false, count: 1 });
    const lost = await settle(gw.url, v.id);
    const id = lost.body.error.transaction_id as string;
    const t = await until('the reversal to end', async () => {
      const x = await transaction(gw.url, id);
      return x.resolution?.state !== 'reversing' && x.resolution?.encounter_released ? x : undefined;
    });
    expect(t.resolution.state).toBe('not_booked');
    const inquiries = (await api(gw.url, 'GET', '/v1/transactions?infno=5204', undefined, {}, { auth: 'staff' })).body.items as Array<{
      parent_id?: string;
    }>;
    expect(inquiries.some((x) => x.parent_id === id)).toBe(true);
    expect((await settle(gw.url, v.id)).status).toBe(201);
  });
});
