import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LmdbStore } from '../../gateway/store/lmdb-store.js';
import { STORE_SCHEMA_VERSION } from '../../gateway/store/schema-version.js';
import { startMock, TEST_STORE_KEYS, testStoreCipher, tmpDir } from '../helpers/harness.js';
import { type GatewayProcess, spawnGateway } from '../helpers/process.js';
import { readyVisit, settle, transaction } from './resilience-fixtures.js';

/**
 * Issue 15 (backup, restore): `npm run store -- backup` copies the embedded store while the gateway
 * settles; the copy, restored, holds every settlement answered before the backup began, whole, and
 * a gateway starts on it.
 */
const run = promisify(execFile);
// the tool opens the store with the gateway's keyring (the test gateways seal with TEST_STORE_KEYS)
const store = (...args: string[]) =>
  run(process.execPath, ['--import', 'tsx', path.resolve('gateway/cli/store.ts'), ...args], {
    timeout: 120_000,
    env: { ...process.env, STORE_KEYS: TEST_STORE_KEYS },
  });

let mock: Awaited<ReturnType<typeof startMock>>;
const gws: GatewayProcess[] = [];
const root = tmpDir('backup');
const dataDir = path.join(root, 'data');
const backupDir = path.join(root, 'backup');
const restoredDir = path.join(root, 'restored');

beforeAll(async () => {
  mock = await startMock();
});
afterAll(async () => {
  for (const g of gws) {
    g.child.kill('SIGKILL');
    await g.exited;
  }
  await mock?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('backup and restore of the embedded store', () => {
  it('a backup taken during settlements, restored, holds every settlement answered before it began, and a gateway runs on it', async () => {
    const gw = await spawnGateway({ PLATFORM_BASE_URL: mock.url, DATA_DIR: dataDir });
    gws.push(gw);
    const answered: Array<{ txid: string; setl_id: string; at: number }> = [];
    let stop = false;
    const settling = (async () => {
      while (!stop) {
        const v = await readyVisit(gw.url);
        const s = await settle(gw.url, v.id);
        if (s.status !== 201) throw new Error(`settlement failed: ${s.text}`);
        answered.push({ txid: s.body.transaction_id, setl_id: s.body.setl_id, at: Date.now() });
      }
    })();
    while (answered.length < 3) await new Promise((r) => setTimeout(r, 50));

    const before = Date.now();
    const backedUp = answered.filter((a) => a.at < before);
    const b = await store('backup', '--data-dir', dataDir, '--to', backupDir);
    expect(JSON.parse(b.stdout)).toMatchObject({ kind: 'yidi-gateway lmdb backup', schema_version: STORE_SCHEMA_VERSION });
    // the settlements go on after the backup
    const after = answered.length;
    while (answered.length < after + 2) await new Promise((r) => setTimeout(r, 50));
    stop = true;
    await settling;

    const r = await store('restore', '--from', backupDir, '--data-dir', restoredDir);
    expect(JSON.parse(r.stdout)).toMatchObject({ schema_version: STORE_SCHEMA_VERSION });
    // a restore never overwrites a store
    await expect(store('restore', '--from', backupDir, '--data-dir', restoredDir)).rejects.toMatchObject({ code: 2 });

    const restored = new LmdbStore(restoredDir, { cipher: testStoreCipher() });
    try {
      for (const a of backedUp) {
        const t = await restored.getTransaction(a.txid);
        expect(t, a.txid).toMatchObject({ infno: '2207', outcome: 'succeeded', keys: { setl_id: a.setl_id } });
        expect((t!.stages.reply as { output?: { setlinfo?: { setl_id?: string } } }).output?.setlinfo?.setl_id).toBe(a.setl_id);
        // and its indexes came along with it
        expect((await restored.listTransactions({ key: { name: 'setl_id', value: a.setl_id } })).map((x) => x.id)).toContain(a.txid);
      }
      // nothing after the copy began is in it... except what was already committed then: never more than was answered
      const settled = await restored.listTransactions({ outcome: 'succeeded', infno: '2207', limit: 1000 });
      expect(settled.length).toBeGreaterThanOrEqual(backedUp.length);
      expect(settled.length).toBeLessThanOrEqual(answered.length);
    } finally {
      await restored.close();
    }

    // a gateway starts on the restored store and answers from its journal
    const again = await spawnGateway({ PLATFORM_BASE_URL: mock.url, DATA_DIR: restoredDir });
    gws.push(again);
    expect(await transaction(again.url, backedUp[0]!.txid)).toMatchObject({ outcome: 'succeeded', infno: '2207' });
  }, 300_000);
});
