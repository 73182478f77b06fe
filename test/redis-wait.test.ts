import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { RedisStore, StoreNotReplicatedError } from '../gateway/store/redis-store.js';
import type { TransactionRecord } from '../gateway/store/store.js';
import { api, startGateway, startMock } from './helpers/harness.js';
import { JILIN, visitBody } from './e2e/fixtures.js';
import { ask, freePort, kill9, type RedisProcess, startRedis, stopAndRemove, waitFor } from './helpers/redis-sentinel.js';

/**
 * WAIT (REDIS_WAIT_REPLICAS): a write counts only once a replica holds it. The Redis at
 * 127.0.0.1:6379 has no replica, so a store that waits for one must refuse every write, promptly;
 * a master with a replica of its own (child processes) acknowledges them until the replica dies.
 * The Sentinel failover suite (test/e2e/sentinel-failover.e2e.test.ts) shows what it is for.
 */
const URL = 'redis://127.0.0.1:6379';
const keyPrefix = `yidi-test:wait:${randomUUID()}:`;
const opened: RedisStore[] = [];
const open = async (waitReplicas: number) => {
  const s = await new RedisStore({ url: URL, keyPrefix, waitReplicas, waitTimeoutMs: 100 }).connect();
  opened.push(s);
  return s;
};

/**
 * The StoreNotReplicatedError a write was refused with (the store may hand it on as the `cause` of
 * its 503 GW_SYS_STORE_UNAVAILABLE).
 */
async function refusal(write: Promise<unknown>): Promise<Error | undefined> {
  const e = await write.then(
    () => undefined,
    (x: unknown) => x as Error & { cause?: unknown },
  );
  return e instanceof StoreNotReplicatedError ? e : ((e as { cause?: Error } | undefined)?.cause ?? e);
}

const tx = (id: string): TransactionRecord => ({
  id,
  infno: '2207',
  outcome: 'pending',
  created_at: '2026-11-23T01:00:00.000Z',
  updated_at: '2026-11-23T01:00:00.000Z',
  keys: {},
  stages: {},
});

afterAll(async () => {
  const s = await open(0);
  const keys = await s.redis.keys(`${keyPrefix}*`);
  if (keys.length) await s.redis.del(...keys);
  for (const o of opened) await o.close();
});

describe('RedisStore with waitReplicas', () => {
  it('fails a journal write that no replica acknowledged within the timeout, and every other kind of write too', async () => {
    const s = await open(1);
    const journal = await refusal(s.putTransaction(tx('T1')));
    expect(journal).toBeInstanceOf(StoreNotReplicatedError);
    expect(journal?.message).toBe('0 of 1 Redis replicas acknowledged the write within 100 ms');
    expect(await refusal(s.saveEncounter({ id: 'E1', kind: 'outpatient' }, null))).toBeInstanceOf(StoreNotReplicatedError);
    expect(await refusal(s.claimIdempotency('K1', 'f', 60))).toBeInstanceOf(StoreNotReplicatedError);
    expect(await refusal(s.appendAudit({ at: '2026-11-23T01:00:00.000Z', actor: 'a', action: 'x' } as never))).toBeInstanceOf(
      StoreNotReplicatedError,
    );
    expect(await refusal(s.appendOutbox({ queue: 'q', state: 'queued' } as never))).toBeInstanceOf(StoreNotReplicatedError);
  });

  it('without waitReplicas the same writes are acknowledged as before (Redis applied the refused ones all the same)', async () => {
    const s = await open(0);
    await s.putTransaction(tx('T2'));
    expect((await s.getTransaction('T2'))?.id).toBe('T2');
    // what WAIT refused was written on the master: it may or may not survive a failover, so the caller was told it failed
    expect((await s.getTransaction('T1'))?.id).toBe('T1');
  });
});

describe('a gateway whose journal write-ahead is not replicated', () => {
  it('answers 503 GW_SYS_STORE_UNAVAILABLE and sends nothing to the platform', async () => {
    const mock = await startMock();
    const gw = await startGateway(mock.url, {
      STORE_BACKEND: 'redis',
      REDIS_URL: URL,
      // a prefix of its own: the records refused above are pending, and start-up recovery would write them
      REDIS_KEY_PREFIX: `${keyPrefix}gw:`,
      REDIS_WAIT_REPLICAS: '1',
      REDIS_WAIT_TIMEOUT_MS: '100',
    });
    try {
      const r = await api(gw.url, 'POST', '/v1/outpatient/visits', visitBody({ mdtrt_cert_type: '01', mdtrt_cert_no: JILIN.token }));
      expect(r.status, r.text).toBe(503);
      expect(r.body.error.code).toBe('GW_SYS_STORE_UNAVAILABLE');
      const calls = (await api(mock.control, 'GET', '/calls')).body as Array<{ infno: string }>;
      // not even the sign-in (9001): its write-ahead is refused like every other
      expect(calls.map((c) => c.infno)).toEqual([]);
    } finally {
      await gw.stop();
      await mock.close();
    }
  });
});

describe('RedisStore with waitReplicas on a master with a replica', () => {
  let master: RedisProcess | undefined;
  let replica: RedisProcess | undefined;
  afterAll(async () => {
    await stopAndRemove(replica);
    await stopAndRemove(master);
  });

  it('acknowledges writes the replica holds; once the replica is gone, refuses them within the timeout', async () => {
    const [pm, pr] = await Promise.all([freePort(), freePort()]);
    master = await startRedis(pm);
    replica = await startRedis(pr, pm);
    await waitFor('the replica in sync', async () => /master_link_status:up/.test(await ask<string>(pr, 'INFO', 'replication')));
    const s = await new RedisStore({ url: `redis://127.0.0.1:${pm}`, keyPrefix, waitReplicas: 1, waitTimeoutMs: 300 }).connect();
    opened.push(s);
    expect(await s.connectedReplicas()).toBe(1);

    await s.putTransaction(tx('R1'));
    expect(await s.saveEncounter({ id: 'E1', kind: 'outpatient' }, null)).toBe(true);
    // what was acknowledged is on the replica already, not only on its way there
    expect(await ask(pr, 'GET', `${keyPrefix}tx:R1`)).toContain('"id":"R1"');
    expect(await ask(pr, 'HGET', `${keyPrefix}enc:E1`, 'v')).toBe('1');

    await kill9(replica);
    await waitFor('the master to miss its replica', async () => (await s.connectedReplicas()) === 0);
    expect(await refusal(s.putTransaction(tx('R2')))).toBeInstanceOf(StoreNotReplicatedError);
  });
});
