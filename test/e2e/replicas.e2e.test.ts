import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startMock, tmpDir } from '../helpers/harness.js';
import { spawnGateway, type GatewayProcess } from '../helpers/process.js';
import { CODES, diagnosesBody, JILIN, line, visitBody } from './fixtures.js';

/**
 * Two gateway replicas (two OS processes, each with its own DATA_DIR) behind an imagined load
 * balancer, sharing one Redis: the same request arriving at both at the same moment books once.
 */
const SETTLE = { medfee_sumamt: 20, acct_used_flag: '0' };
const keyPrefix = `yidi-test:replicas:${randomUUID()}:`;
const dirs = [tmpDir('replica-a'), tmpDir('replica-b')];

let mock: Awaited<ReturnType<typeof startMock>>;
let a: GatewayProcess;
let b: GatewayProcess;

beforeAll(async () => {
  mock = await startMock();
  const env = (dir: string) => ({
    PLATFORM_BASE_URL: mock.url,
    STORE_BACKEND: 'redis',
    REDIS_URL: 'redis://127.0.0.1:6379',
    REDIS_KEY_PREFIX: keyPrefix,
    DATA_DIR: dir,
  });
  [a, b] = await Promise.all([spawnGateway(env(dirs[0]!)), spawnGateway(env(dirs[1]!))]);
});

afterAll(async () => {
  for (const g of [a, b]) {
    if (!g) continue;
    g.child.kill('SIGTERM');
    await g.exited;
  }
  await mock?.close();
  const r = new Redis('redis://127.0.0.1:6379');
  const keys = await r.keys(`${keyPrefix}*`);
  if (keys.length) await r.del(...keys);
  await r.quit();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const calls = async (infno: string) => ((await api(mock.control, 'GET', `/calls?infno=${infno}`)).body as unknown[]).length;

/** Registered through replica A, diagnosed and charged through replica B: one visit, wherever it lands. */
async function readyToSettle(): Promise<string> {
  const reg = await api(a.url, 'POST', '/v1/outpatient/visits', visitBody({ mdtrt_cert_type: '01', mdtrt_cert_no: JILIN.token }));
  expect(reg.status, reg.text).toBe(201);
  const id = reg.body.visit.visit_id as string;
  const dx = await api(b.url, 'POST', `/v1/outpatient/visits/${id}/diagnoses`, diagnosesBody());
  expect(dx.status, dx.text).toBe(200);
  const fees = await api(a.url, 'POST', `/v1/outpatient/visits/${id}/fees`, { chrg_bchno: 'K1', lines: [line('1', CODES.consult, 1, 20)] });
  expect(fees.status, fees.text).toBe(201);
  return id;
}

describe('two gateway processes on one Redis', () => {
  it('concurrent identical settlements with one Idempotency-Key through both: one 2207, and both callers get the same answer', async () => {
    const id = await readyToSettle();
    const before = await calls('2207');
    const key = randomUUID();
    const path = `/v1/outpatient/visits/${id}/settlement`;
    const [ra, rb] = await Promise.all([
      api(a.url, 'POST', path, SETTLE, { 'idempotency-key': key }),
      api(b.url, 'POST', path, SETTLE, { 'idempotency-key': key }),
    ]);

    expect(await calls('2207')).toBe(before + 1);
    expect([ra.status, rb.status], `${ra.text}\n${rb.text}`).toEqual([201, 201]);
    expect(ra.body.setl_id).toBeTruthy();
    expect(rb.body.setl_id).toBe(ra.body.setl_id);
    expect(rb.text).toBe(ra.text);
    expect([ra, rb].filter((r) => r.headers.get('idempotent-replayed') === 'true')).toHaveLength(1);
  });

  it('without a key: still exactly one 2207; the other caller gets a 409 catalog error', async () => {
    const id = await readyToSettle();
    const before = await calls('2207');
    const path = `/v1/outpatient/visits/${id}/settlement`;
    const replies = await Promise.all([api(a.url, 'POST', path, SETTLE), api(b.url, 'POST', path, SETTLE)]);

    expect(await calls('2207')).toBe(before + 1);
    const ok = replies.filter((r) => r.status === 201);
    const refused = replies.filter((r) => r.status !== 201);
    expect(ok, replies.map((r) => r.text).join('\n')).toHaveLength(1);
    expect(refused).toHaveLength(1);
    expect(refused[0]!.status).toBe(409);
    expect(['GW_BIZ_VISIT_BUSY', 'GW_BIZ_VISIT_ALREADY_SETTLED']).toContain(refused[0]!.body.error.code);
    // both replicas see the one settlement
    for (const g of [a, b]) {
      const s = await api(g.url, 'GET', `/v1/settlements/${ok[0]!.body.setl_id}`);
      expect(s.status, s.text).toBe(200);
    }
  });

  it('two concurrent registrations of one outpatient number through both: one visit, the other a 409 GW_BIZ_DUPLICATE_VISIT', async () => {
    const body = visitBody({ mdtrt_cert_type: '01', mdtrt_cert_no: JILIN.token });
    const before = await calls('2201');
    const replies = await Promise.all([
      api(a.url, 'POST', '/v1/outpatient/visits', body),
      api(b.url, 'POST', '/v1/outpatient/visits', body),
    ]);
    const statuses = replies.map((r) => r.status).sort();
    expect(statuses, replies.map((r) => r.text).join('\n')).toEqual([201, 409]);
    expect(replies.find((r) => r.status === 409)!.body.error.code).toBe('GW_BIZ_DUPLICATE_VISIT');
    expect(await calls('2201')).toBe(before + 1);
  });

  it('the journal is shared: a transaction made through one replica is found through the other', async () => {
    const id = await readyToSettle();
    const list = await api(b.url, 'GET', `/v1/transactions?limit=1000`);
    expect(list.status, list.text).toBe(200);
    const mine = (list.body.items as Array<{ encounter_id?: string; infno: string }>)
      .filter((t) => t.encounter_id === id)
      .map((t) => t.infno);
    expect(mine.sort()).toEqual(['2201', '2203', '2204']);
  });
});
