import { describe, expect, it } from 'vitest';
import { api, TEST_KEYS } from '../helpers/harness.js';
import { mockAndGateway } from '../helpers/suite.js';
import { maskValue } from '../../gateway/privacy.js';
import { JILIN, JILIN_UNFILED, selfPayUploadBody, visitBody } from './fixtures.js';
import { FAST_REVERSAL, fault, HOLD_PAST_TIMEOUT_MS, ledger, readyVisit, settle, transaction, until } from './resilience-fixtures.js';

const sys = mockAndGateway({ ...FAST_REVERSAL, REVERSAL_MAX_ATTEMPTS: '1', SELF_PAY_INTERVAL_MS: '200' });

const staff = (m: string, p: string, b?: unknown) => api(sys.gw.url, m, p, b, {}, { auth: 'staff' });
const admin = (m: string, p: string, b?: unknown) => api(sys.gw.url, m, p, b, {}, { auth: 'admin' });
const ids = (r: { body: { items: Array<{ id: string }> } }) => r.body.items.map((i) => i.id).sort();

/** A visit whose 2207 was booked but timed out, and whose one reversal attempt failed: needs_manual. */
async function needsManual() {
  const v = await readyVisit(sys.gw.url);
  await fault(sys.mock.control, { kind: 'timeout_after_booking', infno: '2207', hold_ms: HOLD_PAST_TIMEOUT_MS, count: 1 });
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

  it('the work queue (issue 15): needs a person only, 2601 attempts under their original, search by 门诊号, name and ID number (exact, audited without the value), amounts, CSV, the count', async () => {
    const before = (await staff('GET', '/v1/console/work-count')).body;
    const m = await needsManual();
    // a self-pay upload the platform refuses (a definite refusal: set aside for staff)
    const reg = await api(sys.gw.url, 'POST', '/v1/outpatient/visits', visitBody({ mdtrt_cert_type: '01', mdtrt_cert_no: JILIN.token }));
    expect(reg.status, reg.text).toBe(201);
    await fault(sys.mock.control, { kind: 'infcode_-2', infno: '4201', err_msg: '模拟：自费数据不符', count: 1 });
    const v = reg.body.visit;
    const up = await api(sys.gw.url, 'POST', '/v1/self-pay-uploads', selfPayUploadBody(v), {}, { auth: 'his' });
    expect(up.status, up.text).toBe(202);
    await until('the upload to be refused', async () =>
      ((await staff('GET', '/v1/console/self-pay-uploads?state=rejected')).body.items as Array<{ id: string }>).some(
        (u) => u.id === up.body.upload_id,
      ),
    );

    // ---- the default view of the page: what needs a person, nothing else ----
    const work = await staff('GET', '/v1/console/transactions?status=needs_person');
    expect(work.status, work.text).toBe(200);
    const items = work.body.items as Array<Record<string, any>>;
    expect(items.map((x) => x.id)).toContain(m.txid);
    expect(items.map((x) => x.id)).toContain(up.body.upload_id);
    expect(items.filter((x) => x.type === 'transaction').every((x) => ['needs_manual', 'inquiring'].includes(x.status))).toBe(true);
    // the one failed 2601 is under its original, never a row of its own (in any view)
    const row = items.find((x) => x.id === m.txid)!;
    expect(row).toMatchObject({ reversal_attempts: 1, medfee_sumamt: 20, resolution: { state: 'needs_manual', attempts: 1 } });
    expect(work.text).toContain('"medfee_sumamt":20.00,"reversal_attempts":1'); // money: two decimals
    const attempt = (await transaction(sys.gw.url, m.txid)).resolution.reversal_ids[0] as string;
    for (const status of ['needs_person', 'failed', 'unknown', 'open'])
      expect(ids(await staff('GET', `/v1/console/transactions?status=${status}&limit=1000`)), status).not.toContain(attempt);
    expect(ids(await staff('GET', `/v1/console/transactions?msgid=${attempt}`))).toEqual([attempt]); // still found by its own id

    // ---- search: 门诊号, settlement fields, amounts ----
    const visitOtp = (await staff('GET', `/v1/console/transactions/${m.txid}`)).body.keys.ipt_otp_no as string;
    expect(visitOtp).toBeTruthy();
    expect(ids(await staff('GET', `/v1/console/transactions?status=needs_person&ipt_otp_no=${visitOtp}`))).toEqual([m.txid]);
    expect(ids(await staff('GET', `/v1/console/transactions?status=needs_person&amount_min=19.99&amount_max=20.00`))).toContain(m.txid);
    expect(ids(await staff('GET', `/v1/console/transactions?status=needs_person&amount_min=20.01`))).not.toContain(m.txid);
    const badAmount = await staff('GET', '/v1/console/transactions?amount_min=20元');
    expect([badAmount.status, badAmount.body.error.code]).toEqual([400, 'GW_VAL_SCHEMA']);
    const reversed = await staff('GET', '/v1/console/transactions?amount_min=30&amount_max=20');
    expect([reversed.status, reversed.body.error.details.field]).toEqual([400, 'amount_min']);

    // ---- by name and by ID number: exact, the value shown masked, audited without it ----
    const byName = await staff('GET', `/v1/console/transactions?status=needs_person&psn_name=${encodeURIComponent(JILIN.psn_name)}`);
    expect(byName.status, byName.text).toBe(200);
    expect(ids(byName)).toEqual([m.txid]);
    expect(byName.body.filter.psn_name).toBe(maskValue(JILIN.psn_name));
    expect(byName.text).not.toContain(JILIN.psn_name);
    const byCertno = await staff('GET', `/v1/console/transactions?status=needs_person&certno=${encodeURIComponent(` ${JILIN.certno} `)}`);
    expect(ids(byCertno)).toEqual([m.txid]);
    expect(byCertno.text).not.toContain(JILIN.certno);
    expect(ids(await staff('GET', `/v1/console/transactions?status=needs_person&certno=${JILIN.certno.slice(0, 12)}`))).toEqual([]);
    expect(
      ids(await staff('GET', `/v1/console/transactions?status=needs_person&psn_name=${encodeURIComponent(JILIN_UNFILED.psn_name)}`)),
    ).toEqual([]);
    // both together: the records that named both
    expect(
      ids(
        await staff(
          'GET',
          `/v1/console/transactions?status=needs_person&certno=${JILIN.certno}&psn_name=${encodeURIComponent(JILIN.psn_name)}`,
        ),
      ),
    ).toEqual([m.txid]);
    const log = (await staff('GET', '/v1/console/audit?action=search_person&limit=10')).body.items as Array<Record<string, any>>;
    expect(log.length).toBeGreaterThanOrEqual(4);
    expect(log.map((e) => e.filter.kinds)).toContainEqual(['certno']);
    expect(log.map((e) => e.filter.kinds)).toContainEqual(['psn_name']);
    // with the records it found, by whom; the JILIN_UNFILED name found nothing
    const byNameEntries = log.filter((e) => e.actor === 'test-staff' && e.filter.kinds.join() === 'psn_name');
    expect(byNameEntries.map((e) => e.targets)).toEqual([[], [m.txid]]);
    const lists = (await staff('GET', '/v1/console/audit?action=view_list&limit=20')).body.items as Array<Record<string, any>>;
    expect(lists.map((e) => e.filter.person_search)).toContainEqual(['psn_name']);
    const wholeLog = JSON.stringify((await staff('GET', '/v1/console/audit?limit=1000')).body);
    expect(wholeLog).not.toContain(JILIN.psn_name);
    expect(wholeLog).not.toContain(JILIN.certno);

    // ---- CSV of the current filter: for Excel, masked, audited ----
    const csv = await fetch(`${sys.gw.url}/v1/console/transactions.csv?status=needs_person`, {
      headers: { 'x-api-key': TEST_KEYS.staff },
    });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(csv.headers.get('content-disposition')).toMatch(/^attachment; filename="work-queue-\d{4}-\d{2}-\d{2}\.csv"$/);
    const bytes = new Uint8Array(await csv.arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = new TextDecoder().decode(bytes);
    const lines = text.trim().split('\r\n');
    expect(lines[0]).toContain('医疗费总额 medfee_sumamt');
    expect(lines.find((l) => l.includes(m.txid))).toContain(',20.00,');
    expect(lines.some((l) => l.includes(up.body.upload_id))).toBe(true);
    for (const personal of [JILIN.psn_name, JILIN.certno, JILIN.token]) expect(text).not.toContain(personal);
    const exported = (await staff('GET', '/v1/console/audit?action=export_list&limit=1')).body.items[0];
    expect(exported).toMatchObject({ actor: 'test-staff', filter: { status: 'needs_person' } });
    expect(exported.targets).toContain(m.txid);

    // ---- the count the page polls: falls when the work is done ----
    const during = (await staff('GET', '/v1/console/work-count')).body;
    expect(during.needs_manual).toBe(before.needs_manual + 1);
    expect(during.rejected_uploads).toBe(before.rejected_uploads + 1);
    expect(during.total).toBe(
      during.needs_manual + during.inquiring + during.rejected_uploads + during.reconciliation_differences + during.refund_decisions,
    );
    const done = await staff('POST', `/v1/console/transactions/${m.txid}/resolve`, { reason: '柜台核实：平台无此笔', booked: false });
    expect(done.status, done.text).toBe(200);
    expect((await staff('GET', '/v1/console/work-count')).body.needs_manual).toBe(before.needs_manual);
    expect(ids(await staff('GET', '/v1/console/transactions?status=needs_person'))).not.toContain(m.txid);
  });
});
