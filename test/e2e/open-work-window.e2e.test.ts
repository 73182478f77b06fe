import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LmdbStore } from '../../gateway/store/lmdb-store.js';
import type { TransactionRecord } from '../../gateway/store/store.js';
import { api, startMock, testStoreCipher, tmpDir } from '../helpers/harness.js';
import { spawnGateway, type GatewayProcess } from '../helpers/process.js';
import { FAST_REVERSAL, fault, ledger, readyVisit, settle, transaction, until } from './resilience-fixtures.js';

/**
 * Issue 11: the reversal worker reads the open work from its own index, never a window of the newest
 * records. Before, it read the newest 5,000 `unknown` records — and resolved ones, and every failed
 * 2601 attempt, stay `unknown` — so an older reversal behind 5,000 newer unknowns was never seen again.
 */
let mock: Awaited<ReturnType<typeof startMock>>;
let gw: GatewayProcess | undefined;
const dataDir = tmpDir('open-work-window');
const RESOLVED = 20_000;

beforeAll(async () => {
  mock = await startMock();
});
afterAll(async () => {
  gw?.child.kill('SIGKILL');
  await gw?.exited;
  await mock?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** `n` journal records newer than `open`, resolved long ago: reversed, their visits released; every tenth a failed 2601 attempt. */
async function fillWithResolved(store: LmdbStore, open: TransactionRecord, n: number) {
  const at = new Date(Date.parse(open.created_at) + 1000).toISOString();
  for (let i = 0; i < n; i += 1000) {
    await Promise.all(
      Array.from({ length: Math.min(1000, n - i) }, (_, j) => {
        const k = i + j;
        const id = `${open.id.slice(0, 12)}9${String(k).padStart(17, '0')}`;
        const rec: TransactionRecord =
          k % 10 === 9
            ? { id, infno: '2601', outcome: 'unknown', created_at: at, updated_at: at, keys: open.keys, stages: {}, reverses: `${id}x` }
            : {
                ...open,
                id,
                created_at: at,
                updated_at: at,
                encounter_id: `V-${k}`,
                resolution: { state: 'reversed', attempts: 1, next_at: at, reversal_ids: [], encounter_released: true, resolved_at: at },
              };
        return store.putTransaction(rec);
      }),
    );
  }
}

describe('open work is never lost from sight (issue 11)', () => {
  it(`one old open reversal behind ${RESOLVED} newer resolved unknown records (and failed 2601 attempts) is still reversed`, async () => {
    const env = { PLATFORM_BASE_URL: mock.url, DATA_DIR: dataDir, ...FAST_REVERSAL };
    // first run: the settlement is booked, its reply lost; its first 2601 is not due before this gateway stops
    gw = await spawnGateway({ ...env, REVERSAL_FIRST_DELAY_MS: '3600000' });
    const v = await readyVisit(gw.url);
    await fault(mock.control, { kind: 'drop_reply', infno: '2207', after_booking: true, count: 1 });
    const s = await settle(gw.url, v.id);
    expect(s.status).toBe(502);
    const txid = s.body.error.transaction_id as string;
    expect((await transaction(gw.url, txid)).resolution).toMatchObject({ state: 'reversing', attempts: 0 });
    gw.child.kill('SIGTERM');
    await gw.exited;
    gw = undefined;

    // meanwhile a year of traffic: many newer unknown records, all resolved; the old one is now due
    const store = new LmdbStore(dataDir, { cipher: testStoreCipher() });
    const open = (await store.getTransaction(txid))!;
    await fillWithResolved(store, open, RESOLVED);
    open.resolution = { ...open.resolution!, next_at: new Date().toISOString() };
    await store.putTransaction(open);
    expect(await store.countOpenWork()).toMatchObject({ reversing: 1, releasing: 0, pending: 0 });
    await store.close();

    gw = await spawnGateway(env);
    const done = await until(
      'the old reversal to complete',
      async () => {
        const t = await transaction(gw!.url, txid);
        return t.resolution?.state === 'reversed' && t.resolution.encounter_released ? t : undefined;
      },
      120_000,
    );
    expect(done.resolution.attempts).toBe(1);
    expect((await ledger(mock.control)).find((e) => e.msgid === txid)?.status).toBe('reversed');
    // and the work list is empty again
    const list = await api(gw.url, 'GET', '/v1/console/transactions?status=open', undefined, {}, { auth: 'staff' });
    expect(list.body.items).toEqual([]);
  });
});
