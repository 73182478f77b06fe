/**
 * Issue 12, point 4: a reconciliation run is durable and resumable, and one per day at a time.
 * - kill -9 of the gateway in the middle of a run (embedded store): the restarted gateway resumes it
 *   at start where it stopped — the 3201 already answered is not asked again;
 * - two replicas on one Redis: a run started through both at once is one run; a replica killed in
 *   the middle of one is taken over by the other once its lease lapses.
 */
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startMock, tmpDir } from '../helpers/harness.js';
import { type GatewayProcess, spawnGateway } from '../helpers/process.js';
import { callCount, chinaDay, dayReaches, RECON_TEST, reconDay } from './reconciliation-fixtures.js';
import { fault, until } from './resilience-fixtures.js';

let mock: Awaited<ReturnType<typeof startMock>>;
const running: GatewayProcess[] = [];
const dirs: string[] = [];
const keyPrefix = `yidi-test:recon-replicas:${randomUUID()}:`;
// two groups every day is asked about (JILIN's and JIANGSU's insured areas): two 3201 per run
const GROUPS = '310:11:220100,310:11:320100';

beforeAll(async () => {
  mock = await startMock();
});
afterAll(async () => {
  for (const g of running) g.child.kill('SIGKILL');
  await Promise.all(running.map((g) => g.exited));
  await mock?.close();
  const r = new Redis('redis://127.0.0.1:6379');
  const keys = await r.keys(`${keyPrefix}*`);
  if (keys.length) await r.del(...keys);
  await r.quit();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function spawn(env: Record<string, string>) {
  const g = await spawnGateway({ PLATFORM_BASE_URL: mock.url, ...RECON_TEST, RECON_GROUPS: GROUPS, ...env });
  running.push(g);
  return g;
}
const dir = (name: string) => {
  const d = tmpDir(name);
  dirs.push(d);
  return d;
};
const run = (base: string, day: string) =>
  api(base, 'POST', `/v1/console/reconciliation/days/${day}/run`, undefined, {}, { auth: 'staff' });
const calls3201 = () => callCount(mock.control, '3201');

describe('kill -9 during a run (embedded store)', () => {
  it('the restarted gateway resumes the run at start where it stopped: only the 3201 left unanswered is sent again', async () => {
    const day = chinaDay(Date.now() - 2 * 86_400_000);
    const env = { DATA_DIR: dir('recon-crash') };
    const first = await spawn(env);
    const before = await calls3201();
    // the first 3201 answers after a moment; the second is held far longer than the test waits
    await fault(mock.control, { kind: 'latency', infno: '3201', latency_ms: 2500, count: 1 });
    expect((await run(first.url, day)).status).toBe(202);
    await until('the first 3201', async () => (await calls3201()) === before + 1);
    await fault(mock.control, { kind: 'latency', infno: '3201', latency_ms: 60_000, count: 1 });
    await until('the second 3201', async () => (await calls3201()) === before + 2);
    const mid = await reconDay(first.url, day);
    expect(mid.status).toBe('running');
    expect(mid.groups.filter((g: { stmt_rslt?: string }) => g.stmt_rslt === '0')).toHaveLength(1);
    first.child.kill('SIGKILL');
    await first.exited;

    const second = await spawn(env);
    const d = await dayReaches(second.url, day, ['balanced']);
    expect(await calls3201()).toBe(before + 3);
    expect(d.run_count).toBe(1);
    expect(d.runs).toHaveLength(1);
    expect(d.runs[0]).toMatchObject({ no: 1, trigger: 'staff', resumed: 1, result: 'balanced', groups: 2 });
    expect(d.groups.map((g: { stmt_rslt: string }) => g.stmt_rslt)).toEqual(['0', '0']);
    // the 3201 the dead process had in flight is in the journal: outcome unknown, final at once (it books nothing)
    const journal = (await api(second.url, 'GET', '/v1/transactions?infno=3201&limit=100', undefined, {}, { auth: 'staff' })).body
      .items as Array<{ outcome: string; resolution?: { state: string } }>;
    expect(journal.filter((t) => t.outcome === 'unknown').map((t) => t.resolution?.state)).toEqual(['not_booked']);
    second.child.kill('SIGTERM');
    await second.exited;
  });
});

describe('two replicas on one Redis', () => {
  let a: GatewayProcess;
  let b: GatewayProcess;
  beforeAll(async () => {
    const env = (d: string) => ({
      STORE_BACKEND: 'redis',
      REDIS_URL: 'redis://127.0.0.1:6379',
      REDIS_KEY_PREFIX: keyPrefix,
      DATA_DIR: d,
      RECON_LEASE_MS: '3000',
    });
    [a, b] = await Promise.all([spawn(env(dir('recon-a'))), spawn(env(dir('recon-b')))]);
  });

  it('a run asked of both at once is one run: one 202, one 409 GW_BIZ_RECON_RUN_IN_PROGRESS, each group asked once', async () => {
    const day = chinaDay(Date.now() - 3 * 86_400_000);
    const before = await calls3201();
    await fault(mock.control, { kind: 'latency', infno: '3201', latency_ms: 2000, count: 1 });
    const replies = await Promise.all([run(a.url, day), run(b.url, day)]);
    expect(replies.map((r) => r.status).sort(), replies.map((r) => r.text).join('\n')).toEqual([202, 409]);
    expect(replies.find((r) => r.status === 409)!.body.error.code).toBe('GW_BIZ_RECON_RUN_IN_PROGRESS');
    const d = await dayReaches(b.url, day, ['balanced']);
    expect(d.run_count).toBe(1);
    expect(await calls3201()).toBe(before + 2);
    // both replicas see the one run
    expect((await reconDay(a.url, day)).runs).toEqual(d.runs);
  });

  it('a replica killed in the middle of a run: the other takes it over once its lease lapses, and finishes it', async () => {
    const day = chinaDay(Date.now() - 4 * 86_400_000);
    const before = await calls3201();
    await fault(mock.control, { kind: 'latency', infno: '3201', latency_ms: 60_000, count: 1 });
    expect((await run(a.url, day)).status).toBe(202);
    await until('the first 3201', async () => (await calls3201()) === before + 1);
    a.child.kill('SIGKILL');
    await a.exited;
    const d = await dayReaches(b.url, day, ['balanced'], 30_000);
    expect(d.runs[0]).toMatchObject({ no: 1, resumed: 1, result: 'balanced' });
    expect(await calls3201()).toBe(before + 3);
  });
});
