import { beforeEach, describe, expect, it } from 'vitest';
import { api } from '../helpers/harness.js';
import { mockAndGateway } from '../helpers/suite.js';
import { JILIN, visitBody } from './fixtures.js';
import { admissionBody, P } from './inpatient-fixtures.js';
import { FAST_REVERSAL, fault, readyVisit, settle, transaction, until } from './resilience-fixtures.js';

const sys = mockAndGateway({ ...FAST_REVERSAL, REVERSAL_MAX_ATTEMPTS: '4' });
const staff = (p: string) => api(sys.gw.url, 'GET', p, undefined, {}, { auth: 'staff' });
const admin = (p: string) => api(sys.gw.url, 'GET', p, undefined, {}, { auth: 'admin' });
beforeEach(async () => {
  await api(sys.mock.control, 'DELETE', '/faults');
});

/** What the platform says about the patient, in its own words (issue 13, finding 6). */
const QUOTING = `冲正失败：参保人${JILIN.psn_name}(${JILIN.certno})信息核验失败`;

describe('personal data in the platform’s words and in the staff views (issue 13)', () => {
  it('a 2601 refused with an err_msg that quotes the patient: no log line carries the name or the ID number; staff see the words redacted, the journal keeps them', async () => {
    const v = await readyVisit(sys.gw.url);
    await fault(sys.mock.control, { kind: 'drop_reply', infno: '2207', after_booking: true, count: 1 });
    await fault(sys.mock.control, { kind: 'reject', infno: '2601', err_msg: QUOTING, count: 1 });
    const from = sys.gw.logs.lines.length;
    const first = await settle(sys.gw.url, v.id);
    expect(first.status, first.text).toBe(502);
    const txid = first.body.error.transaction_id as string;

    // the first 2601 is refused with the quoting text, the second reverses
    const t = await until('the reversal', async () => {
      const x = await transaction(sys.gw.url, txid);
      return x.resolution?.state === 'reversed' && x.resolution.encounter_released ? x : undefined;
    });
    expect(t.resolution.attempts).toBe(2);
    const lines = sys.gw.logs.lines.slice(from);
    const attempts = lines.filter((l) => l.includes('reversal attempt (2601)'));
    expect(attempts.length).toBe(2);
    // the platform's words are still there for the operator, with the patient taken out
    const redacted = /冲正失败：参保人\[redacted\]\(\[redacted[^\]]*\]\)信息核验失败/;
    expect(attempts[0]).toMatch(redacted);
    for (const l of lines) {
      expect(l).not.toContain(JILIN.certno);
      expect(l).not.toContain(JILIN.psn_name);
    }

    // staff: the refused 2601 under the original, and on its own, redacted too
    const refused = t.resolution.reversal_ids[0] as string;
    const detail = await staff(`/v1/console/transactions/${txid}`);
    expect(detail.status, detail.text).toBe(200);
    expect(detail.text).toContain('信息核验失败');
    expect(detail.text).not.toContain(JILIN.certno);
    expect(detail.text).not.toContain(JILIN.psn_name);
    const own = await staff(`/v1/transactions/${refused}`);
    expect(own.body.error.platform_err_msg).toMatch(redacted);
    const listed = await staff('/v1/transactions?infno=2601');
    expect(listed.text).not.toContain(JILIN.certno);
    // the insurance office's own record keeps the platform's words (admin, audited)
    const unmasked = await admin(`/v1/console/transactions/${refused}?unmasked=true`);
    expect(unmasked.body.error.platform_err_msg).toBe(QUOTING);
  });

  it('a 2401 admission seen by staff: the contact’s name and phone are masked, in the console and the journal view', async () => {
    const coner = { coner_name: '吉小红', tel: '13943210987' };
    const adm = await api(sys.gw.url, 'POST', '/v1/inpatient/admissions', admissionBody(P.jilin.token, '2026-11-20 08:00:00', coner));
    expect(adm.status, adm.text).toBe(201);
    const list = await staff('/v1/transactions?infno=2401');
    const id = list.body.items.at(-1)?.transaction_id as string;
    expect(id).toBeTruthy();
    for (const path of [`/v1/console/transactions/${id}`, `/v1/transactions/${id}`]) {
      const r = await staff(path);
      expect(r.status, r.text).toBe(200);
      expect(JSON.stringify(r.body.stages)).toContain('coner_name'); // the field is there, its value is not
      for (const secret of [coner.coner_name, coner.tel, P.jilin.token]) expect(r.text, `${path} shows ${secret}`).not.toContain(secret);
    }
    const unmasked = await admin(`/v1/console/transactions/${id}?unmasked=true`);
    expect(unmasked.text).toContain(coner.tel);
  });

  it('LOG_LEVEL=debug: every step of one request and of the reversal worker is logged at debug, none with the patient’s name or ID', async () => {
    const from = sys.gw.logs.lines.length;
    const rid = 'debug-trace-1';
    const body = visitBody(
      { mdtrt_cert_type: '02', mdtrt_cert_no: JILIN.certno },
      { counter_person: { psn_name: JILIN.psn_name, certno: JILIN.certno } },
    );
    const reg = await api(sys.gw.url, 'POST', '/v1/outpatient/visits', body, {
      'x-request-id': rid,
      'idempotency-key': 'debug-trace-key-1',
    });
    expect(reg.status, reg.text).toBe(201);
    const again = await api(sys.gw.url, 'POST', '/v1/outpatient/visits', body, {
      'x-request-id': `${rid}-again`,
      'idempotency-key': 'debug-trace-key-1',
    });
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const lines = sys.gw.logs.lines.slice(from).map((l) => JSON.parse(l) as Record<string, unknown>);
    const debug = lines.filter((l) => l.level === 20);
    const mine = debug.filter((l) => l.request_id === rid);
    expect(mine.map((l) => l.step ?? l.msg)).toEqual(
      expect.arrayContaining([
        'authenticated',
        'authorized',
        'body read',
        'signature',
        'idempotency',
        'route',
        'journal write-ahead done; sending',
      ]),
    );
    expect(mine.find((l) => l.step === 'idempotency')?.decision).toBe('claimed: first run of this key');
    expect(mine.find((l) => l.step === 'route')?.route).toBe('/v1/outpatient/visits');
    expect(debug.some((l) => l.msg === 'platform reply classified')).toBe(true);
    expect(debug.find((l) => l.request_id === `${rid}-again` && l.step === 'idempotency')?.decision).toBe('replayed');

    // a worker's steps: a reversal scan and its step
    const v = await readyVisit(sys.gw.url);
    await fault(sys.mock.control, { kind: 'drop_reply', infno: '2207', after_booking: true, count: 1 });
    const lost = await settle(sys.gw.url, v.id);
    const txid = lost.body.error.transaction_id as string;
    await until('the reversal', async () => (await transaction(sys.gw.url, txid)).resolution?.state === 'reversed');
    const workerDebug = sys.gw.logs.lines.slice(from).filter((l) => l.includes('"level":20'));
    expect(workerDebug.some((l) => l.includes('"msg":"reversal scan"'))).toBe(true);
    expect(workerDebug.some((l) => l.includes('"msg":"reversal step"') && l.includes(txid))).toBe(true);

    for (const l of sys.gw.logs.lines.slice(from)) {
      for (const secret of [JILIN.psn_name, JILIN.certno, JILIN.token, 'debug-trace-key-1']) expect(l).not.toContain(secret);
    }
  });

  it('an ID number a client puts in a path stays out of the access log and the debug lines', async () => {
    const from = sys.gw.logs.lines.length;
    const r = await staff(`/v1/transactions/${JILIN.certno}`);
    expect(r.status).toBe(404);
    const lines = sys.gw.logs.lines.slice(from);
    expect(lines.some((l) => l.includes('"msg":"request"') && l.includes('/v1/transactions/[redacted id]'))).toBe(true);
    for (const l of lines) expect(l).not.toContain(JILIN.certno);
  });
});
