/**
 * A partial refund that needs a decision (issue 15 point 3): the settlement was refunded in full and
 * the kept lines could not be settled again (resettle_failed). It is open work of the console's
 * queue — shown with what happened and what to do, counted by the page's poll and the open-work
 * gauge — until a named member of staff marks it handled (audited with the person's name), or the
 * counter settles the visit's kept lines again. Real HTTP, the mock platform refusing the re-settlement.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../gateway/auth/staff.js';
import { api, tmpDir } from '../helpers/harness.js';
import { mockAndGateway } from '../helpers/suite.js';
import { CODES, diagnosesBody, JILIN, line, uniq, visitBody } from './fixtures.js';

const STAFF_FILE = path.join(tmpDir('refund-decision-staff'), 'staff-accounts.json');
const PASSWORD = 'refund decision password 15';
beforeAll(async () => {
  const password_hash = await hashPassword(PASSWORD);
  writeFileSync(STAFF_FILE, JSON.stringify([{ username: 'wang.li', name: '王丽', role: 'staff', password_hash }]), { mode: 0o600 });
});
const sys = mockAndGateway({ STAFF_ACCOUNTS_FILE: STAFF_FILE });

const call = (method: string, p: string, body?: unknown) => api(sys.gw.url, method, p, body);
const staff = (method: string, p: string, body?: unknown) => api(sys.gw.url, method, p, body, {}, { auth: 'staff' });
const fault = async (body: unknown) => expect((await api(sys.mock.control, 'POST', '/faults', body)).status).toBeLessThan(300);

/** 阿莫西林 10 × 30.00 (kept) and 4 × 25.00 (returned): settled, then refunded in part with every re-settlement refused. */
async function resettleFailed() {
  const reg = await call(
    'POST',
    '/v1/outpatient/visits',
    visitBody({ mdtrt_cert_type: '01', mdtrt_cert_no: JILIN.token }, { ipt_otp_no: uniq('MZ') }),
  );
  expect(reg.status, reg.text).toBe(201);
  const visit_id = reg.body.visit.visit_id as string;
  expect((await call('POST', `/v1/outpatient/visits/${visit_id}/diagnoses`, diagnosesBody())).status).toBe(200);
  const lines = [line('1', CODES.amoxicillin, 10, 30), line('2', CODES.amoxicillin, 4, 25)];
  const fees = await call('POST', `/v1/outpatient/visits/${visit_id}/fees`, { chrg_bchno: 'B1', lines });
  expect(fees.status, fees.text).toBe(201);
  const setl = await call('POST', `/v1/outpatient/visits/${visit_id}/settlement`, {
    medfee_sumamt: fees.body.totals.medfee_sumamt,
    acct_used_flag: '0',
  });
  expect(setl.status, setl.text).toBe(201);
  await fault({ kind: 'reject', infno: '2207', err_msg: '参保人待遇暂停', count: 3 });
  const r = await call('POST', `/v1/settlements/${setl.body.setl_id}/refund`, { reason_code: 'fee_error', line_ids: ['2'] });
  expect([r.status, r.body.error?.code], r.text).toEqual([422, 'GW_BIZ_REFUND_RESETTLE_FAILED']);
  return { visit_id, setl_id: setl.body.setl_id as string, refund_id: r.body.error.details.refund_id as string };
}

const queue = async () => (await staff('GET', '/v1/console/transactions?status=needs_person')).body.items as Array<Record<string, any>>;
const count = async () => (await staff('GET', '/v1/console/work-count')).body as Record<string, number>;
const gauge = async () => {
  const text = (await api(sys.gw.url, 'GET', '/metrics', undefined, {}, { auth: 'admin' })).text;
  return Number(text.match(/^yidi_open_work\{kind="refund_decisions"\} (\d+)$/m)?.[1]);
};

describe('a refund that needs a decision is open work of the console', () => {
  it('is in the needs-a-person view with what happened and what to do; a named staff member marks it handled (audited), and it leaves', async () => {
    const f = await resettleFailed();
    const row = (await queue()).find((x) => x.id === f.refund_id);
    expect(row).toMatchObject({
      type: 'refund',
      status: 'refund_resettle_failed',
      keys: { setl_id: f.setl_id },
      encounter_id: f.visit_id,
      kept_line_ids: ['1'],
      medfee_sumamt: 300,
      error: { platform_err_msg: '参保人待遇暂停' },
    });
    expect(`${row!.what}，${row!.todo}`).toContain('保留明细未能重新结算，已全额退费，请重新结算保留的明细');
    // the page's poll and the gauge count it; the list's filters find it by settlement, not by another visit
    expect(await count()).toMatchObject({ refund_decisions: 1, total: 1 });
    expect(await gauge()).toBe(1);
    const bySetl = (await staff('GET', `/v1/console/transactions?status=needs_person&setl_id=${f.setl_id}`)).body.items;
    expect(bySetl.map((x: { id: string }) => x.id)).toEqual([f.refund_id]);
    expect((await staff('GET', '/v1/console/transactions?status=needs_person&visit_id=V-OTHER')).body.items).toEqual([]);
    // a bulk action is not its way out: skipped, with where to go
    const bulk = await staff('POST', '/v1/console/bulk/retry', { filter: { status: 'needs_person', setl_id: f.setl_id } });
    expect(bulk.body.skipped).toEqual([expect.objectContaining({ id: f.refund_id, code: 'GW_BIZ_CONSOLE_ACTION_NOT_ALLOWED' })]);

    // a signed-in member of the insurance office decides, with a reason
    const signIn = await api(sys.gw.url, 'POST', '/v1/session', { username: 'wang.li', password: PASSWORD }, {}, { auth: false });
    expect(signIn.status, signIn.text).toBe(200);
    const session = {
      cookie: signIn.headers.get('set-cookie')!.split(';')[0]!,
      [signIn.body.csrf_header as string]: signIn.body.csrf_token as string,
    };
    const asWang = (p: string, body?: unknown) => api(sys.gw.url, 'POST', p, body, session, { auth: false });
    const noReason = await asWang(`/v1/console/refunds/${f.refund_id}/handled`, {});
    expect([noReason.status, noReason.body.error.code]).toEqual([400, 'GW_VAL_SCHEMA']);
    const done = await asWang(`/v1/console/refunds/${f.refund_id}/handled`, { reason: '保留明细已按自费收取，收据 0042' });
    expect(done.status, done.text).toBe(200);
    expect(done.body).toMatchObject({
      refund_id: f.refund_id,
      status: 'resettle_failed',
      decision: { by: 'staff', actor: 'staff:wang.li', actor_name: '王丽', reason: '保留明细已按自费收取，收据 0042' },
    });

    // it left the queue, the count and the gauge; the operation keeps the decision
    expect((await queue()).map((x) => x.id)).not.toContain(f.refund_id);
    expect(await count()).toMatchObject({ refund_decisions: 0, total: 0 });
    expect(await gauge()).toBe(0);
    expect((await call('GET', `/v1/refunds/${f.refund_id}`)).body.decision).toMatchObject({ by: 'staff', actor_name: '王丽' });
    // the audit log names the person, the refund and its settlement, and why
    const audit = (await staff('GET', '/v1/console/audit?action=refund_handled')).body.items;
    expect(audit).toEqual([
      expect.objectContaining({
        actor: 'staff:wang.li',
        actor_name: '王丽',
        action: 'refund_handled',
        targets: [f.refund_id, f.setl_id],
        reason: '保留明细已按自费收取，收据 0042',
      }),
    ]);
    // decided once: a second press is refused and changes nothing
    const again = await asWang(`/v1/console/refunds/${f.refund_id}/handled`, { reason: '再点一次' });
    expect([again.status, again.body.error.code]).toEqual([409, 'GW_BIZ_CONSOLE_ACTION_NOT_ALLOWED']);
    const unknown = await staff('POST', '/v1/console/refunds/R0000/handled', { reason: '没有这笔' });
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'GW_BIZ_REFUND_NOT_FOUND']);
  });

  it('leaves the queue by itself once the counter settles the kept lines again', async () => {
    const f = await resettleFailed();
    expect((await queue()).map((x) => x.id)).toContain(f.refund_id);
    // the kept line (300.00) is still on the visit, unsettled: the counter settles it
    const again = await call('POST', `/v1/outpatient/visits/${f.visit_id}/settlement`, { medfee_sumamt: '300.00', acct_used_flag: '0' });
    expect(again.status, again.text).toBe(201);
    // decided at the settlement itself: the count and the gauge (which read no operation) know it at once
    expect(await count()).toMatchObject({ refund_decisions: 0 });
    expect(await gauge()).toBe(0);
    expect((await queue()).map((x) => x.id)).not.toContain(f.refund_id);
    expect((await call('GET', `/v1/refunds/${f.refund_id}`)).body.decision).toMatchObject({ by: 'resettled', setl_id: again.body.setl_id });
    // nobody marked it: no audit entry for it
    const audit = (await staff('GET', '/v1/console/audit?action=refund_handled')).body.items as Array<{ targets: string[] }>;
    expect(audit.filter((e) => e.targets.includes(f.refund_id))).toEqual([]);
  });
});
