import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, type Reply, startGateway, startMock, type TestGateway, type TestMock } from '../helpers/harness.js';
import { JILIN, visitBody } from './fixtures.js';
import { readyVisit, until } from './resilience-fixtures.js';

/**
 * Issue 13 item 7: Redis goes away under a running gateway. Every request then answers 503
 * GW_SYS_STORE_UNAVAILABLE (promptly: the requests complete, and the suite's timeout bounds them;
 * before, ioredis queued each call for 6-8 s and the answer was a 500), nothing reaches the platform
 * while the journal cannot be written, /readyz says 503, and the gateway serves again once Redis is back.
 * The Redis is this test's own, on a free port, without persistence.
 */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  await until(
    `redis-server on port ${port}`,
    async () => {
      const r = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
      r.on('error', () => {});
      try {
        await r.connect();
        return (await r.ping()) === 'PONG';
      } catch {
        return false;
      } finally {
        r.disconnect();
      }
    },
    10_000,
  );
  return child;
}

async function kill(child: ChildProcess) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

let port: number;
let redis: ChildProcess;
let mock: TestMock;
let gw: TestGateway;

beforeAll(async () => {
  port = await freePort();
  redis = await startRedis(port);
  mock = await startMock();
  gw = await startGateway(mock.url, {
    STORE_BACKEND: 'redis',
    REDIS_URL: `redis://127.0.0.1:${port}`,
    REDIS_KEY_PREFIX: 'yidi-test:down:',
  });
});
afterAll(async () => {
  await gw?.stop();
  await mock?.close();
  if (redis) await kill(redis);
});

const platformCalls = async () => ((await api(mock.control, 'GET', '/calls')).body as unknown[]).length;

describe('Redis down under a running gateway (issue 13, item 7)', () => {
  it('answers 503 GW_SYS_STORE_UNAVAILABLE (never 500), sends nothing to the platform, /readyz 503; serves again once Redis is back', async () => {
    const base = gw.url;
    const { id } = await readyVisit(base);

    await kill(redis);
    const before = await platformCalls();

    const requests: Array<() => Promise<Reply>> = [
      () => api(base, 'POST', `/v1/outpatient/visits/${id}/settlement`, { medfee_sumamt: 20, acct_used_flag: '0' }),
      () =>
        api(
          base,
          'POST',
          `/v1/outpatient/visits/${id}/settlement`,
          { medfee_sumamt: 20, acct_used_flag: '0' },
          { 'idempotency-key': 'k-down-1' },
        ),
      () => api(base, 'POST', '/v1/persons/query', { mdtrt_cert_type: '01', mdtrt_cert_no: JILIN.token }),
      () => api(base, 'POST', '/v1/outpatient/visits', visitBody({ mdtrt_cert_type: '01', mdtrt_cert_no: JILIN.token })),
      () => api(base, 'GET', `/v1/outpatient/visits/${id}`),
      () => api(base, 'GET', '/v1/transactions?limit=5', undefined, {}, { auth: 'staff' }),
    ];
    // the first request may meet the connection still closing: a bounded number of rounds, every answer a 503
    for (let round = 0; round < 3; round++) {
      for (const send of requests) {
        const r = await send();
        expect([r.status, r.body?.error?.code], r.text.slice(0, 300)).toEqual([503, 'GW_SYS_STORE_UNAVAILABLE']);
        expect(r.body.error).toMatchObject({ category: 'system_fault' });
      }
    }
    const ready = await api(base, 'GET', '/readyz', undefined, {}, { auth: 'staff' });
    expect([ready.status, ready.body.checks.store]).toEqual([503, 'unreachable']);
    expect(await platformCalls()).toBe(before);
    expect(gw.logs.text).not.toContain('MaxRetriesPerRequestError');

    // Redis is back (empty: this one keeps nothing): the gateway reconnects by itself
    redis = await startRedis(port);
    await until(
      'the gateway to reach Redis again',
      async () => (await api(base, 'GET', '/readyz', undefined, {}, { auth: 'staff' })).body.checks.store === 'ok',
      20_000,
    );
    // (a new visit would reuse msgids this Redis forgot, and the platform refuses those: AOF, README)
    const list = await api(base, 'GET', '/v1/transactions?limit=5', undefined, {}, { auth: 'staff' });
    expect(list.status, list.text).toBe(200);
  });
});
