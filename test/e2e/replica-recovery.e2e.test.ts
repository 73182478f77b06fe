import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisStore } from '../../gateway/store/redis-store.js';
import type { TransactionRecord } from '../../gateway/store/store.js';
import { api, startGateway, startMock, type TestGateway, testStoreCipher } from '../helpers/harness.js';

/**
 * A replica starting on a shared Redis must not declare another live replica's call dead: only
 * pending records older than the longest a call can take are turned into unknown outcomes.
 */
const keyPrefix = `yidi-test:replica-recovery:${randomUUID()}:`;
let mock: Awaited<ReturnType<typeof startMock>>;
let store: RedisStore;
let gw: TestGateway | undefined;

const record = (id: string, minutesAgo: number): TransactionRecord => {
  const at = new Date(Date.now() - minutesAgo * 60_000).toISOString();
  return { id, infno: '1101', outcome: 'pending', created_at: at, updated_at: at, keys: {}, stages: {} };
};

beforeAll(async () => {
  mock = await startMock();
  store = await new RedisStore({ url: 'redis://127.0.0.1:6379', keyPrefix, cipher: testStoreCipher() }).connect();
});
afterAll(async () => {
  await gw?.stop();
  await store.close();
  await mock.close();
  const r = new Redis('redis://127.0.0.1:6379');
  const keys = await r.keys(`${keyPrefix}*`);
  if (keys.length) await r.del(...keys);
  await r.quit();
});

describe('start-up recovery on a shared Redis', () => {
  it("turns a dead replica's old pending call into unknown, and leaves a live replica's fresh one alone", async () => {
    await store.putTransaction(record('H44030500001202601010000000001', 10)); // 10 minutes: its process is gone
    await store.putTransaction(record('H44030500001209912310000000001', 0)); // just sent by a live replica
    gw = await startGateway(mock.url, {
      STORE_BACKEND: 'redis',
      REDIS_URL: 'redis://127.0.0.1:6379',
      REDIS_KEY_PREFIX: keyPrefix,
      PLATFORM_TIMEOUT_MS: '5000',
    });
    const old = await api(gw.url, 'GET', '/v1/transactions/H44030500001202601010000000001');
    const fresh = await api(gw.url, 'GET', '/v1/transactions/H44030500001209912310000000001');
    // a 1101 books nothing: its lost answer is final at once (issue 10), nobody's work
    expect(old.body).toMatchObject({
      outcome: 'unknown',
      error: { code: 'GW_SYS_PLATFORM_NO_REPLY_NOTHING_BOOKED' },
      resolution: { state: 'not_booked' },
    });
    expect(fresh.body.outcome).toBe('pending');
  });
});
