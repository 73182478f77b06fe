import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { api } from '../helpers/harness.js';
import { mockAndGateway } from '../helpers/suite.js';
import { CODES, diagnosesBody, JILIN, JILIN_UNFILED, line, visitBody } from './fixtures.js';
import { until } from './resilience-fixtures.js';

/**
 * Idempotency-Key over real HTTP, on both stores: the HIS retries on every timeout, and a retry
 * (or 50 of them at once) books one settlement and gets the first answer back.
 */
const SETTLE = { medfee_sumamt: 20, acct_used_flag: '0' };
const WAIT_MS = 4000;

async function readyToSettle(base: string, token = JILIN.token): Promise<string> {
  const reg = await api(base, 'POST', '/v1/outpatient/visits', visitBody({ mdtrt_cert_type: '01', mdtrt_cert_no: token }));
  expect(reg.status, reg.text).toBe(201);
  const id = reg.body.visit.visit_id as string;
  const dx = await api(base, 'POST', `/v1/outpatient/visits/${id}/diagnoses`, diagnosesBody());
  expect(dx.status, dx.text).toBe(200);
  const fees = await api(base, 'POST', `/v1/outpatient/visits/${id}/fees`, { chrg_bchno: 'K1', lines: [line('1', CODES.consult, 1, 20)] });
  expect(fees.status, fees.text).toBe(201);
  return id;
}

const backends: Array<[string, () => Record<string, string>]> = [
  ['lmdb', () => ({})],
  ['redis', () => ({ STORE_BACKEND: 'redis', REDIS_URL: 'redis://127.0.0.1:6379', REDIS_KEY_PREFIX: `yidi-test:idem:${randomUUID()}:` })],
];

describe.each(backends)('Idempotency-Key on the %s store', (backend, envOf) => {
  const env: Record<string, string> = { ...envOf(), IDEMPOTENCY_WAIT_MS: String(WAIT_MS), PLATFORM_TIMEOUT_MS: '15000' };
  // one mock platform per suite: two gateways with separate stores keep separate msgid counters
  // (a real platform would refuse their colliding msgids; replicas share Redis for that reason)
  const sys = mockAndGateway(env, {
    async afterStop() {
      if (env.REDIS_KEY_PREFIX) {
        const r = new Redis('redis://127.0.0.1:6379');
        const keys = await r.keys(`${env.REDIS_KEY_PREFIX}*`);
        if (keys.length) await r.del(...keys);
        await r.quit();
      }
    },
  });
  const settle = (id: string, key: string | undefined, body: unknown = SETTLE) =>
    api(sys.gw.url, 'POST', `/v1/outpatient/visits/${id}/settlement`, body, key === undefined ? {} : { 'idempotency-key': key });
  const settlementCalls = async (): Promise<number> => ((await api(sys.mock.control, 'GET', '/calls?infno=2207')).body as unknown[]).length;

  it('50 concurrent identical settlements with one key: one 2207 reaches the platform, and every caller gets the same answer', async () => {
    const id = await readyToSettle(sys.gw.url);
    const before = await settlementCalls();
    const key = `setl-${randomUUID()}`;
    const replies = await Promise.all(Array.from({ length: 50 }, () => settle(id, key)));

    expect(await settlementCalls()).toBe(before + 1);
    expect(new Set(replies.map((r) => r.status))).toEqual(new Set([201]));
    const setlIds = new Set(replies.map((r) => r.body.setl_id));
    expect(setlIds.size).toBe(1);
    expect([...setlIds][0]).toMatch(/\S/);
    expect(new Set(replies.map((r) => r.text)).size).toBe(1); // byte for byte, slip included
    expect(new Set(replies.map((r) => r.headers.get('x-transaction-id'))).size).toBe(1);
    // one of them ran; the others were answered from the stored response
    expect(replies.filter((r) => r.headers.get('idempotent-replayed') === 'true')).toHaveLength(49);

    const visit = await api(sys.gw.url, 'GET', `/v1/outpatient/visits/${id}`);
    expect(visit.body.settlements).toHaveLength(1);
  });

  it('a replay after completion returns the stored status, body and x-transaction-id, marked idempotent-replayed', async () => {
    const id = await readyToSettle(sys.gw.url);
    const key = randomUUID();
    const first = await settle(id, key);
    expect(first.status, first.text).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const before = await settlementCalls();

    const again = await settle(id, key, { acct_used_flag: '0', medfee_sumamt: 20 }); // same JSON, other key order
    expect(again.status).toBe(201);
    expect(again.text).toBe(first.text);
    expect(again.headers.get('x-transaction-id')).toBe(first.headers.get('x-transaction-id'));
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await settlementCalls()).toBe(before);
  });

  it('the same key with another body is refused with 422 GW_VAL_IDEMPOTENCY_KEY_REUSED, and nothing is sent', async () => {
    const id = await readyToSettle(sys.gw.url);
    const key = randomUUID();
    expect((await settle(id, key)).status).toBe(201);
    const before = await settlementCalls();
    const reused = await settle(id, key, { ...SETTLE, invono: 'INV-OTHER' });
    expect([reused.status, reused.body.error.code]).toEqual([422, 'GW_VAL_IDEMPOTENCY_KEY_REUSED']);
    expect(reused.body.error.category).toBe('validation');
    // another endpoint with the same key is another request too
    const other = await api(sys.gw.url, 'POST', `/v1/outpatient/visits/${id}/pre-settlement`, SETTLE, { 'idempotency-key': key });
    expect([other.status, other.body.error?.code]).toEqual([422, 'GW_VAL_IDEMPOTENCY_KEY_REUSED']);
    expect(await settlementCalls()).toBe(before);
  });

  it('a validation error before execution does not burn the key: the corrected request with the same key settles', async () => {
    const id = await readyToSettle(sys.gw.url);
    const key = randomUUID();
    const before = await settlementCalls();
    const schema = await settle(id, key, { acct_used_flag: '0' }); // medfee_sumamt missing
    expect([schema.status, schema.body.error.code]).toEqual([400, 'GW_VAL_SCHEMA']);
    const total = await settle(id, key, { ...SETTLE, medfee_sumamt: 25 }); // not the uploaded total
    expect([total.status, total.body.error.code]).toEqual([422, 'GW_VAL_TOTAL_MISMATCH']);
    const ok = await settle(id, key);
    expect(ok.status, ok.text).toBe(201);
    expect(ok.headers.get('idempotent-replayed')).toBeNull();
    expect(await settlementCalls()).toBe(before + 1);
  });

  it('an error once execution began is kept: the retry gets the platform refusal again, without a second call', async () => {
    // unfiled cross-region patient: the platform refuses 2207 (nothing booked)
    const id = await readyToSettle(sys.gw.url, JILIN_UNFILED.token);
    const key = randomUUID();
    const before = await settlementCalls();
    const first = await settle(id, key);
    expect(first.status).toBeGreaterThanOrEqual(400);
    expect(first.body.error.transaction_id).toMatch(/^H44030500001/);
    const again = await settle(id, key);
    expect([again.status, again.text]).toEqual([first.status, first.text]);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await settlementCalls()).toBe(before + 1);
  });

  it('a business refusal is kept too: settling a settled visit with a new key is 409, and its retry replays the 409', async () => {
    const id = await readyToSettle(sys.gw.url);
    expect((await settle(id, randomUUID())).status).toBe(201);
    const key = randomUUID();
    const refused = await settle(id, key);
    expect([refused.status, refused.body.error.code]).toEqual([409, 'GW_BIZ_VISIT_ALREADY_SETTLED']);
    const again = await settle(id, key);
    expect([again.status, again.text, again.headers.get('idempotent-replayed')]).toEqual([409, refused.text, 'true']);
  });

  it('a duplicate waits for the first request and gets its answer; past IDEMPOTENCY_WAIT_MS it gets 409 GW_BIZ_IDEMPOTENCY_IN_FLIGHT', async () => {
    const id = await readyToSettle(sys.gw.url);
    const key = randomUUID();
    // the platform holds its 2207 reply longer than a duplicate waits, with room for a loaded machine
    // between the first going in flight and the duplicate arriving
    await api(sys.mock.control, 'POST', '/faults', { infno: '2207', latency_ms: WAIT_MS + 5000, count: 1 });
    try {
      const first = settle(id, key);
      await until('the first settlement in flight', async () => (await api(sys.gw.url, 'GET', `/v1/outpatient/visits/${id}`)).body.pending);
      const dup = await settle(id, key);
      expect([dup.status, dup.body.error.code]).toEqual([409, 'GW_BIZ_IDEMPOTENCY_IN_FLIGHT']);
      const done = await first;
      expect(done.status, done.text).toBe(201);
      const later = await settle(id, key);
      expect([later.status, later.body.setl_id, later.headers.get('idempotent-replayed')]).toEqual([201, done.body.setl_id, 'true']);
    } finally {
      await api(sys.mock.control, 'DELETE', '/faults');
    }
  });

  it('a malformed key is a 400 GW_VAL_SCHEMA, before anything runs', async () => {
    const id = await readyToSettle(sys.gw.url);
    for (const key of ['has space', 'x'.repeat(129), 'caf\u00e9']) {
      const r = await api(sys.gw.url, 'POST', `/v1/outpatient/visits/${id}/settlement`, SETTLE, { 'idempotency-key': key });
      expect([r.status, r.body?.error?.code], key).toEqual([400, 'GW_VAL_SCHEMA']);
    }
    const visit = await api(sys.gw.url, 'GET', `/v1/outpatient/visits/${id}`);
    expect(visit.body.settlements).toHaveLength(0);
  });

  if (backend === 'redis') {
    it('warns loudly at start-up that Redis persistence (AOF) is off, when it is', async () => {
      const r = new Redis('redis://127.0.0.1:6379');
      const appendonly = ((await r.call('CONFIG', 'GET', 'appendonly')) as string[])[1];
      await r.quit();
      const warnings = sys.gw.logs.lines
        .map((l) => JSON.parse(l) as { level: number; msg: string })
        .filter((l) => l.level === 40 && /PERSISTENCE IS OFF/.test(l.msg));
      expect(warnings).toHaveLength(appendonly === 'no' ? 1 : 0);
    });
  }
});
