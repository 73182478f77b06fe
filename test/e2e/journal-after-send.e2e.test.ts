/**
 * The journal store fails after the platform had the message (the outcome write): the HIS is told
 * what an unknown outcome of that transaction means, never "nothing was sent", and the write-ahead
 * record stays in the journal for recovery. A real lmdb store, with its outcome writes refused while
 * `failing` is set (fault injection around the real store, not a fake of it).
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LmdbStore } from '../../gateway/store/lmdb-store.js';
import type { Store, TransactionRecord } from '../../gateway/store/store.js';
import { api, startGateway, startMock, type TestGateway, tmpDir } from '../helpers/harness.js';
import { JILIN } from './fixtures.js';
import { readyVisit, settle } from './resilience-fixtures.js';

let mock: Awaited<ReturnType<typeof startMock>>;
let gw: TestGateway;
let failing = false;
/** how each journal record reached the store: on its own (putTransaction) or with its encounter step's write */
const writes: Array<{ via: 'put' | 'encounter'; id: string; outcome: string }> = [];
const dir = tmpDir('journal-after-send');
const real = new LmdbStore(dir);
const store = new Proxy(real, {
  get(target, prop, receiver) {
    if (prop === 'putTransaction')
      return async (t: TransactionRecord) => {
        if (failing && t.outcome !== 'pending') throw new Error('disk full (injected)');
        writes.push({ via: 'put', id: t.id, outcome: t.outcome });
        return target.putTransaction(t);
      };
    // an encounter step writes its calls' outcomes with the encounter (engine/deferred-outcomes.ts): refused the same way
    if (prop === 'saveEncounter')
      return async (...a: Parameters<Store['saveEncounter']>) => {
        if (failing && a[3]?.some((t) => t.outcome !== 'pending')) throw new Error('disk full (injected)');
        for (const t of a[3] ?? []) writes.push({ via: 'encounter', id: t.id, outcome: t.outcome });
        return target.saveEncounter(...a);
      };
    const v = Reflect.get(target, prop, receiver);
    return typeof v === 'function' ? v.bind(target) : v;
  },
}) as Store;

beforeAll(async () => {
  mock = await startMock();
  gw = await startGateway(mock.url, { DATA_DIR: dir }, { store });
});
afterAll(async () => {
  await gw?.stop();
  await mock?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the journal fails after the platform had the message', () => {
  it('a query: nothing booked, safe to repeat; a settlement: an unknown outcome, not to be repeated; the write-ahead record stays', async () => {
    const v = await readyVisit(gw.url);
    failing = true;
    const q = await api(gw.url, 'POST', '/v1/persons/query', { mdtrt_cert_type: '01', mdtrt_cert_no: JILIN.token });
    const s = await settle(gw.url, v.id);
    failing = false;
    expect([q.status, q.body.error.code]).toEqual([502, 'GW_SYS_PLATFORM_NO_REPLY_NOTHING_BOOKED']);
    expect([s.status, s.body.error.code]).toEqual([502, 'GW_SYS_PLATFORM_OUTCOME_UNKNOWN']);
    expect(s.body.error.details.reason_en).toMatch(/journal store failed/);
    // the platform did book it, and the journal still has the call (pending: recovery resolves it)
    const booked = (await api(mock.control, 'GET', '/ledger')).body as Array<{ msgid: string; status: string }>;
    expect(booked.find((e) => e.msgid === s.body.error.transaction_id)?.status).toBe('booked');
    expect((await store.getTransaction(s.body.error.transaction_id))?.outcome).toBe('pending');
  });

  it("when the store works, a settlement's outcome is written with the visit it settles (one write), after its write-ahead record on its own", async () => {
    const v = await readyVisit(gw.url);
    writes.length = 0;
    const s = await settle(gw.url, v.id);
    expect(s.status).toBe(201);
    const id = s.body.transaction_id as string;
    expect(writes.filter((w) => w.id === id)).toEqual([
      { via: 'put', id, outcome: 'pending' },
      { via: 'encounter', id, outcome: 'succeeded' },
    ]);
  });
});
