import { execFileSync } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LmdbStore } from '../../gateway/store/lmdb-store.js';
import { api, startMock, tmpDir } from '../helpers/harness.js';
import { spawnGateway, type GatewayProcess } from '../helpers/process.js';
import { FAST_REVERSAL, fault, readyVisit, settle, transaction, until } from './resilience-fixtures.js';

/**
 * Issue 11, retention: message bodies older than JOURNAL_HOT_DAYS leave the hot store for daily
 * gzip files; the record is still found by its keys and shown whole; open work is never archived.
 * JOURNAL_HOT_DAYS=0 here: everything finished is due at once.
 */
let mock: Awaited<ReturnType<typeof startMock>>;
let gw: GatewayProcess | undefined;
const dataDir = tmpDir('retention');
const archiveDir = join(dataDir, 'archive');

beforeAll(async () => {
  mock = await startMock();
  gw = await spawnGateway({
    PLATFORM_BASE_URL: mock.url,
    DATA_DIR: dataDir,
    JOURNAL_HOT_DAYS: '0',
    ARCHIVE_INTERVAL_MS: '300',
    // the clear archive format (zcat-able gzip JSON lines); sealed archives: test/store-crypto.test.ts
    STORE_KEYS: '',
    ...FAST_REVERSAL,
  });
});
afterAll(async () => {
  gw?.child.kill('SIGKILL');
  await gw?.exited;
  await mock?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('retention: archived bodies (issue 11)', () => {
  it('a finished settlement is archived to a daily gzip file, still found by its settlement id and shown whole; an open reversal stays hot', async () => {
    const base = gw!.url;
    const a = await readyVisit(base);
    const s = await settle(base, a.id);
    expect(s.status, s.text).toBe(201);
    const setl_id = s.body.setl_id as string;
    const txid = s.body.transaction_id as string;

    // open work: a booking whose reply was lost and whose 2601 the platform holds
    const b = await readyVisit(base);
    await fault(mock.control, { kind: 'drop_reply', infno: '2207', after_booking: true, count: 1 });
    await fault(mock.control, { kind: 'latency', infno: '2601', latency_ms: 60_000, count: 5 });
    const lost = await settle(base, b.id);
    expect(lost.status).toBe(502);
    const openId = lost.body.error.transaction_id as string;

    const archived = await until('the settlement to be archived', async () => {
      const t = await transaction(base, txid);
      return t.archived_in ? t : undefined;
    });
    expect(archived.archived_in).toMatch(/^journal-\d{4}-\d\d-\d\d\.jsonl\.gz$/);
    // shown whole: its stages come back from the archive
    expect(archived.stages.message.data.mdtrt_id).toBe(a.mdtrt_id);
    expect(archived.stages.reply.output.setlinfo.setl_id).toBe(setl_id);
    // found by its business key through the index, as before
    const found = await api(base, 'GET', `/v1/transactions?setl_id=${setl_id}`);
    expect(found.body.items.map((t: { transaction_id: string }) => t.transaction_id)).toContain(txid);
    const detail = await api(base, 'GET', `/v1/console/transactions/${txid}`, undefined, {}, { auth: 'staff' });
    expect(detail.status).toBe(200);
    expect(detail.body.stages.message.data.mdtrt_id).toBe(a.mdtrt_id);

    // the daily file is ordinary gzip JSON lines
    const files = readdirSync(archiveDir);
    expect(files).toContain(archived.archived_in);
    const lines = execFileSync('zcat', [join(archiveDir, archived.archived_in)], { encoding: 'utf8' })
      .trim()
      .split('\n');
    expect(lines.map((l) => JSON.parse(l).id)).toContain(txid);

    // open work is never archived
    const open = await transaction(base, openId);
    expect(open.resolution.state).toBe('reversing');
    expect(open.archived_in).toBeUndefined();
    expect(lines.map((l) => JSON.parse(l).id)).not.toContain(openId);

    // and the hot store holds the record without its body
    gw!.child.kill('SIGTERM');
    await gw!.exited;
    gw = undefined;
    const store = new LmdbStore(dataDir);
    const hot = await store.getTransaction(txid);
    expect(hot?.stages).toEqual({});
    expect(hot?.archived?.file).toBe(archived.archived_in);
    expect((await store.getTransaction(openId))?.stages.message).toBeDefined();
    await store.close();
  });
});
