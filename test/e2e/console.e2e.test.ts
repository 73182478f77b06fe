import { describe, expect, it } from 'vitest';
import { api } from '../helpers/harness.js';
import { mockAndGateway } from '../helpers/suite.js';
import { JILIN } from './fixtures.js';
import { FAST_REVERSAL, fault, ledger, readyVisit, settle, transaction, until } from './resilience-fixtures.js';

const sys = mockAndGateway({ ...FAST_REVERSAL, REVERSAL_MAX_ATTEMPTS: '1', PLATFORM_TIMEOUT_MS: '800' });

const staff = (m: string, p: string, b?: unknown) => api(sys.gw.url, m, p, b, {}, { auth: 'staff' });
const admin = (m: string, p: string, b?: unknown) => api(sys.gw.url, m, p, b, {}, { auth: 'admin' });
const ids = (r: { body: { items: Array<{ id: string }> } }) => r.body.items.map((i) => i.id).sort();

/** A visit whose 2207 was booked but timed out, and whose one reversal attempt failed: needs_manual. */
async function needsManual() {
  const v = await readyVisit(sys.gw.url);
  await fault(sys.mock.control, { kind: 'timeout_after_booking', infno: '2207', hold_ms: 1500, count: 1 });
  await fault(sys.mock.control, { kind: 'http_500', infno: '2601', count: 1 });
  const s = await settle(sys.gw.url, v.id);
  expect(s.status).toBe(502);
  const txid = s.body.error.transaction_id as string;
  await until('needs_manual', async () => (await transaction(sys.gw.url, txid)).resolution?.state === 'needs_manual');
  return { ...v, txid };
}

describe('failed-transaction console (staff)', () => {
  it('filters, masks personal fields (unmasked only for admin), acts one by one and in bulk, and audits every view and action', async () => {
    const t0 = new Date().toISOString();
    const a = await needsManual();
    const b = await needsManual();
    const c = await needsManual();
    // a stand-alone person query the platform refused (nothing booked, no visit): the one kind staff may retry
    await fault(sys.mock.control, { kind: 'infcode_-2', infno: '1101', err_msg: '模拟：服务繁忙', count: 1 });
    const q = await api(sys.gw.url, 'POST', '/v1/persons/query', { mdtrt_cert_type: '01', mdtrt_cert_no: JILIN.token });
    expect(q.status).toBe(422);
    const rejectedQuery = q.body.error.transaction_id as string;

    // ---- filters ----
    expect(ids(await staff('GET', '/v1/console/transactions?status=needs_manual'))).toEqual([a.txid, b.txid, c.txid].sort());
    expect(ids(await staff('GET', `/v1/console/transactions?status=needs_manual&visit_id=${b.id}`))).toEqual([b.txid]);
    expect(ids(await staff('GET', `/v1/console/transactions?mdtrt_id=${c.mdtrt_id}&status=unknown&infno=2207`))).toEqual([c.txid]);
    expect(ids(await staff('GET', `/v1/console/transactions?msgid=${a.txid}`))).toEqual([a.txid]);
    expect(ids(await staff('GET', `/v1/console/transactions?status=needs_manual&psn_no=${JILIN.psn_no}`))).toEqual(
      [a.txid, b.txid, c.txid].sort(),
    );
    expect(ids(await staff('GET', '/v1/console/transactions?status=needs_manual&psn_no=44000000000000000006'))).toEqual([]);
    expect(ids(await staff('GET', '/v1/console/transactions?status=rejected&infno=1101'))).toEqual([rejectedQuery]);
    expect(ids(await staff('GET', '/v1/console/transactions?category=business&infno=1101'))).toEqual([rejectedQuery]);
    expect(
      ids(
        await staff('GET', `/v1/console/transactions?error_code=GW_SYS_PLATFORM_OUTCOME_UNKNOWN&infno=2207&from=${encodeURIComponent(t0)}`),
      ),
    ).toEqual([a.txid, b.txid, c.txid].sort());
    expect(
      ids(
        await staff(
          'GET',
          `/v1/console/transactions?status=needs_manual&from=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`,
        ),
      ),
    ).toEqual([]);
    const badFilter = await staff('GET', '/v1/console/transactions?status=lost');
    expect([badFilter.status, badFilter.body.error.code]).toEqual([400, 'GW_VAL_UNKNOWN_CODE']);
    const his = await api(sys.gw.url, 'GET', '/v1/console/transactions', undefined, {}, { auth: 'his' });
    expect([his.status, his.body.error.code]).toEqual([403, 'GW_SEC_FORBIDDEN']);

    // ---- detail: every stage, personal fields masked; only admin sees them, audited ----
    const detail = await staff('GET', `/v1/console/transactions/${rejectedQuery}`);
    expect(detail.status, detail.text).toBe(200);
    for (const stage of ['message', 'envelope', 'reply']) expect(detail.body.stages).toHaveProperty(stage);
    expect(detail.body.stages.reply.err_msg).toBe('模拟：服务繁忙');
    expect(detail.text).not.toContain(JILIN.token);
    expect(detail.body.retry_allowed).toBe(true);
    const staffUnmasked = await staff('GET', `/v1/console/transactions/${rejectedQuery}?unmasked=true`);
    expect([staffUnmasked.status, staffUnmasked.body.error.code]).toEqual([403, 'GW_SEC_FORBIDDEN']);
    const adminUnmasked = await admin('GET', `/v1/console/transactions/${rejectedQuery}?unmasked=true`);
    expect(adminUnmasked.status).toBe(200);
    expect(adminUnmasked.text).toContain(JILIN.token);
    const manualDetail = await staff('GET', `/v1/console/transactions/${a.txid}`);
    expect(manualDetail.body).toMatchObject({
      status: 'needs_manual',
      retry_allowed: false,
      resolution: { state: 'needs_manual', attempts: 1 },
    });
    expect(manualDetail.body.reversals).toHaveLength(1);
    expect(manualDetail.body.reversals[0]).toMatchObject({ infno: '2601', outcome: 'unknown', reverses: a.txid });

    // ---- actions ----
    const retryBooking = await staff('POST', `/v1/console/transactions/${a.txid}/retry`);
    expect([retryBooking.status, retryBooking.body.error.code]).toEqual([409, 'GW_BIZ_CONSOLE_ACTION_NOT_ALLOWED']);
    const retried = await staff('POST', `/v1/console/transactions/${rejectedQuery}/retry`);
    expect(retried.status, retried.text).toBe(200);
    expect(retried.body).toMatchObject({ retried: rejectedQuery, outcome: 'succeeded' });
    expect((await transaction(sys.gw.url, retried.body.transaction_id)).parent_id).toBe(rejectedQuery);

    // reverse now: the platform answers this time; the visit is released and settles
    const rev = await staff('POST', `/v1/console/transactions/${a.txid}/reverse`);
    expect(rev.status, rev.text).toBe(202);
    await until('the reversal of a', async () => (await transaction(sys.gw.url, a.txid)).resolution?.encounter_released === true);
    expect((await ledger(sys.mock.control)).find((e) => e.msgid === a.txid)?.status).toBe('reversed');
    expect((await settle(sys.gw.url, a.id)).status).toBe(201);

    // resolve needs a reason; bulk resolve by filter: the platform DID book them (confirmed), the visits stay blocked
    const noReason = await staff('POST', `/v1/console/transactions/${b.txid}/resolve`, { booked: true });
    expect([noReason.status, noReason.body.error.code]).toEqual([400, 'GW_VAL_SCHEMA']);
    const bulk = await staff('POST', '/v1/console/bulk/resolve', {
      filter: { status: 'needs_manual', infno: '2207' },
      reason: '平台已确认入账，对账补录',
      booked: true,
    });
    expect(bulk.status, bulk.text).toBe(200);
    expect(bulk.body.done.sort()).toEqual([b.txid, c.txid].sort());
    expect((await transaction(sys.gw.url, b.txid)).resolution).toMatchObject({
      state: 'confirmed',
      resolved_by: 'test-staff',
      reason: '平台已确认入账，对账补录',
    });
    expect((await settle(sys.gw.url, b.id)).body.error.code).toBe('GW_BIZ_OUTCOME_UNKNOWN_PENDING');
    // a second bulk on what is already resolved changes nothing
    const again = await staff('POST', '/v1/console/bulk/reverse', { filter: { status: 'confirmed' } });
    expect(again.body.done).toEqual([]);
    expect(again.body.skipped.map((s: { code: string }) => s.code)).toEqual([
      'GW_BIZ_CONSOLE_ACTION_NOT_ALLOWED',
      'GW_BIZ_CONSOLE_ACTION_NOT_ALLOWED',
    ]);
    expect((await staff('POST', '/v1/console/bulk/reverse', { filter: {} })).status).toBe(400);

    // ---- the audit log: who, when, what, which filter ----
    const log = (await staff('GET', '/v1/console/audit?limit=1000')).body.items as Array<{
      actor: string;
      action: string;
      targets: string[];
      filter?: Record<string, unknown>;
      reason?: string;
      at: string;
    }>;
    const actions = log.map((e) => `${e.actor}:${e.action}`);
    for (const x of [
      'test-staff:view_list',
      'test-staff:view_detail',
      'test-admin:view_personal',
      'test-staff:retry',
      'test-staff:reverse',
      'test-staff:bulk_resolve',
      'test-staff:bulk_reverse',
    ])
      expect(actions).toContain(x);
    const bulkEntry = log.find((e) => e.action === 'bulk_resolve')!;
    expect(bulkEntry).toMatchObject({ filter: { status: 'needs_manual', infno: '2207' }, reason: '平台已确认入账，对账补录' });
    expect(bulkEntry.targets.sort()).toEqual([b.txid, c.txid].sort());
    expect(log.find((e) => e.action === 'view_personal')!.targets).toEqual([rejectedQuery]);
    expect(log.find((e) => e.action === 'view_list')!.filter).toBeDefined();
    // newest first
    expect([...log.map((e) => e.at)].sort().reverse()).toEqual(log.map((e) => e.at));
    const onlyAdmin = (await staff('GET', '/v1/console/audit?actor=test-admin')).body.items as Array<{ actor: string }>;
    expect(new Set(onlyAdmin.map((e) => e.actor))).toEqual(new Set(['test-admin']));
  });
});
