import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startMock, tmpDir } from '../helpers/harness.js';
import { spawnGateway } from '../helpers/process.js';
import { JILIN } from './fixtures.js';
import { readyVisit, until } from './resilience-fixtures.js';

/**
 * Issue 13 item 6: kill -9 while requests with an Idempotency-Key are in flight. The restarted
 * gateway releases the dead process's claims at start-up (they name its boot id), so the HIS's
 * retry under the same key is answered from the journal at once — the unknown settlement outcome, or
 * a fresh run of a query that books nothing — not 409 GW_BIZ_IDEMPOTENCY_IN_FLIGHT until the
 * 5-minute lease lapses.
 */
let mock: Awaited<ReturnType<typeof startMock>>;
const dataDir = tmpDir('crash-idem');

beforeAll(async () => {
  mock = await startMock();
});
afterAll(async () => {
  await mock?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const calls = async (infno: string) => ((await api(mock.control, 'GET', `/calls?infno=${infno}`)).body as unknown[]).length;

/** The visit's settlement under one Idempotency-Key (what the HIS resends after a crash). */
const settleWithKey = (base: string, id: string, key: string) =>
  api(base, 'POST', `/v1/outpatient/visits/${id}/settlement`, { medfee_sumamt: 20, acct_used_flag: '0' }, { 'idempotency-key': key });

describe('kill -9 with Idempotency-Key requests in flight (embedded store)', () => {
  it('the same-key retries after the restart get the journal’s answer, never 409 IN_FLIGHT; the settlement is not sent again', async () => {
    // a short wait for a key's first request: a claim left standing would show as a quick 409 IN_FLIGHT
    const env = { PLATFORM_BASE_URL: mock.url, DATA_DIR: dataDir, PLATFORM_TIMEOUT_MS: '30000', IDEMPOTENCY_WAIT_MS: '1000' };
    const first = await spawnGateway(env);
    const { id } = await readyVisit(first.url);

    // the platform books the settlement but holds its reply; a person query (books nothing) hangs too
    await api(mock.control, 'POST', '/faults', { infno: '2207', latency_ms: 20_000, after_booking: true, count: 1 });
    await api(mock.control, 'POST', '/faults', { infno: '1101', latency_ms: 20_000, count: 1 });
    const settle = (base: string) => settleWithKey(base, id, 'crash-setl-1');
    const query = (base: string) =>
      api(base, 'POST', '/v1/persons/query', { mdtrt_cert_type: '01', mdtrt_cert_no: JILIN.token }, { 'idempotency-key': 'crash-query-1' });
    const queriesBefore = await calls('1101');
    const inFlight = [settle(first.url).catch((e: Error) => e), query(first.url).catch((e: Error) => e)];
    await until(
      'the platform to receive 2207 and 1101',
      async () => (await calls('2207')) > 0 && (await calls('1101')) > queriesBefore,
      10_000,
    );
    first.child.kill('SIGKILL');
    await first.exited;
    for (const r of await Promise.all(inFlight)) expect(r).toBeInstanceOf(Error); // no answer at all
    await api(mock.control, 'DELETE', '/faults');

    const second = await spawnGateway(env);
    try {
      // the release runs before the gateway listens, but its log line may reach stdout after the port
      // line: pino's default destination writes asynchronously (sonic-boom, fs.write on libuv's pool)
      // while the port line is written at once — seen under load (issue 15: the one failure of this
      // test read the output once, at the port line, and found the release not yet logged)
      await until('the release of the dead claims to be logged', async () =>
        /Idempotency-Key claims left by a stopped process were released/.test(second.output()),
      );
      // the booking: its outcome is unknown (being resolved), and the retry says so instead of sending it again
      for (let i = 0; i < 2; i++) {
        const retry = await settle(second.url);
        expect([retry.status, retry.body.error?.code], retry.text.slice(0, 300)).toEqual([409, 'GW_BIZ_OUTCOME_UNKNOWN_PENDING']);
      }
      expect(await calls('2207')).toBe(1);
      // the query booked nothing: the retry runs it again and gets its answer
      const q = await query(second.url);
      expect(q.status, q.text.slice(0, 300)).toBe(200);
      expect(await calls('1101')).toBe(queriesBefore + 2);
      const replay = await query(second.url);
      expect([replay.status, replay.headers.get('idempotent-replayed')]).toEqual([200, 'true']);
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
    }
  });
});

describe('kill -9 of one replica with an Idempotency-Key request in flight (Redis store)', () => {
  it('another process releases the dead replica’s claim once its alive mark lapses: the retry is answered, the settlement not sent again', async () => {
    const prefix = `yidi-test:crash-idem:${randomUUID()}:`;
    const env = {
      PLATFORM_BASE_URL: mock.url,
      STORE_BACKEND: 'redis',
      REDIS_URL: 'redis://127.0.0.1:6379',
      REDIS_KEY_PREFIX: prefix,
      PLATFORM_TIMEOUT_MS: '30000',
      IDEMPOTENCY_WAIT_MS: '500',
    };
    const first = await spawnGateway(env);
    let second: Awaited<ReturnType<typeof spawnGateway>> | undefined;
    try {
      const { id } = await readyVisit(first.url);
      const settlementsBefore = await calls('2207');
      await api(mock.control, 'POST', '/faults', { infno: '2207', latency_ms: 20_000, after_booking: true, count: 1 });
      const settle = (base: string) => settleWithKey(base, id, 'crash-setl-r');
      const inFlight = settle(first.url).catch((e: Error) => e);
      await until('the platform to receive 2207', async () => (await calls('2207')) > settlementsBefore, 10_000);
      first.child.kill('SIGKILL');
      await first.exited;
      expect(await inFlight).toBeInstanceOf(Error);
      await api(mock.control, 'DELETE', '/faults');

      second = await spawnGateway(env);
      const s = second;
      // within the alive mark's 15 s and the 15 s sweep: never the 5-minute lease
      const answer = await until(
        'the claim of the dead replica to be released',
        async () => {
          const r = await settle(s.url);
          return r.body?.error?.code === 'GW_BIZ_IDEMPOTENCY_IN_FLIGHT' ? undefined : r;
        },
        45_000,
      );
      expect(answer.status, answer.text.slice(0, 300)).toBe(409);
      expect(['GW_BIZ_OUTCOME_UNKNOWN_PENDING', 'GW_BIZ_VISIT_BUSY']).toContain(answer.body.error.code);
      expect(await calls('2207')).toBe(settlementsBefore + 1);
    } finally {
      if (first.child.exitCode === null && first.child.signalCode === null) first.child.kill('SIGKILL');
      if (second) {
        second.child.kill('SIGTERM');
        await second.exited;
      }
      const r = new Redis('redis://127.0.0.1:6379');
      const keys = await r.keys(`${prefix}*`);
      if (keys.length) await r.del(...keys);
      await r.quit();
    }
  });
});
