/**
 * Journal bytes per settled transaction, per store: K whole outpatient transactions (register
 * 1101+2201, diagnoses 2203, 20-line fees 2204, settle 2207 — five journal records) through the
 * gateway's HIS API, with the store measured before and after by its own accounting; nothing
 * else runs meanwhile.
 *
 * - lmdb: the data directory opened read-only beside the gateway (lmdb allows other readers).
 *   journal = key + value bytes of the journal records written during the phase (msgids are
 *   time-ordered keys: they are the keys after the last one seen before); store = growth of the
 *   pages in use over every database of the environment (journal, visits, indexes,
 *   idempotency records, ...) × page size — what the disk holds.
 * - Redis: MEMORY USAGE summed over the gateway's keys (its key prefix): journal = the journal
 *   records (`<prefix>tx:*`) and their index (`<prefix>tx-index`), store = every key.
 */
import { open } from 'lmdb';
import { Redis } from 'ioredis';
import { expectStatus, pool, postJson } from './http.js';
import { round } from './load.js';
import { CHRG_BCHNO, DIAGNOSES, feeTotal, hisFeeLines, visitRequest } from './workload.js';

export interface StoreFigure {
  status: 'measured';
  settlements: number;
  journal_bytes_per_settlement: number | null;
  store_bytes_per_settlement: number;
  method: string;
}
export interface NotAvailable {
  status: 'not_available';
  reason: string;
}

export interface HisClient {
  url: string;
  his: Record<string, string>;
}

const CONCURRENCY = 10;
let idemSeq = 0;

/** One complete outpatient transaction through the HIS API, each mutating request with its Idempotency-Key; fails on a refusal. */
export async function settleOne(gw: HisClient, i: number, fees: object, settle: object, tag: 'J' | 'M') {
  const h = (what: string) => ({ ...gw.his, 'idempotency-key': `bench-${tag}-${process.pid}-${(idemSeq++).toString(36)}-${what}` });
  const reg = expectStatus('registration', await postJson(`${gw.url}/v1/outpatient/visits`, visitRequest(i, tag), h('reg')), 201);
  const v = `${gw.url}/v1/outpatient/visits/${reg.visit.visit_id as string}`;
  expectStatus('diagnoses', await postJson(`${v}/diagnoses`, DIAGNOSES, h('dx')), 200);
  expectStatus('fees', await postJson(`${v}/fees`, fees, h('fees')), 201);
  expectStatus('settlement', await postJson(`${v}/settlement`, settle, h('setl')), 201);
}

export function settlementBodies(feeLines: number) {
  const lines = hisFeeLines(feeLines);
  return { fees: { chrg_bchno: CHRG_BCHNO, lines }, settle: { medfee_sumamt: feeTotal(lines), acct_used_flag: '1' } };
}

/** K complete outpatient transactions, CONCURRENCY at a time. */
export async function settleVisits(gw: HisClient, k: number, feeLines: number) {
  const { fees, settle } = settlementBodies(feeLines);
  await pool(k, CONCURRENCY, (i) => settleOne(gw, i, fees, settle, 'J'));
}

// ---- lmdb ---------------------------------------------------------------------------------------

interface DbStats {
  pageSize: number;
  treeBranchPageCount: number;
  treeLeafPageCount: number;
  overflowPages: number;
}

interface LmdbSnapshot {
  pagesInUse: number;
  pageSize: number;
  databases: string[];
  lastJournalKey?: Buffer;
}

function withLmdb<T>(dir: string, fn: (env: ReturnType<typeof open>) => T): T {
  const env = open({ path: dir, readOnly: true, maxDbs: 32 });
  try {
    return fn(env);
  } finally {
    void env.close();
  }
}

/** The named databases of the environment: the root database's keys (the store adds databases as it grows features). */
function databaseNames(env: ReturnType<typeof open>): string[] {
  const names: string[] = [];
  for (const key of env.getKeys()) if (typeof key === 'string') names.push(key);
  return names;
}

function lmdbSnapshot(dir: string): LmdbSnapshot {
  return withLmdb(dir, (env) => {
    const root = env.getStats() as DbStats;
    let pages = root.treeBranchPageCount + root.treeLeafPageCount + root.overflowPages;
    const databases = databaseNames(env);
    for (const name of databases) {
      const s = env.openDB({ name, encoding: 'binary', keyEncoding: 'binary' }).getStats() as DbStats;
      pages += s.treeBranchPageCount + s.treeLeafPageCount + s.overflowPages;
    }
    const txns = env.openDB<Buffer, Buffer>({ name: 'transactions', encoding: 'binary', keyEncoding: 'binary' });
    let lastJournalKey: Buffer | undefined;
    for (const key of txns.getKeys({ reverse: true, limit: 1 })) lastJournalKey = Buffer.from(key);
    return { pagesInUse: pages, pageSize: root.pageSize, databases, lastJournalKey };
  });
}

function lmdbJournalBytesAfter(dir: string, after: Buffer | undefined): { bytes: number; records: number } {
  return withLmdb(dir, (env) => {
    const txns = env.openDB<Buffer, Buffer>({ name: 'transactions', encoding: 'binary', keyEncoding: 'binary' });
    let bytes = 0;
    let records = 0;
    for (const { key, value } of txns.getRange(after ? { start: after } : {})) {
      if (after && Buffer.compare(key, after) === 0) continue;
      bytes += key.length + value.length;
      records++;
    }
    return { bytes, records };
  });
}

export async function measureLmdb(gw: HisClient & { dataDir: string }, k: number, feeLines: number) {
  const before = lmdbSnapshot(gw.dataDir);
  await settleVisits(gw, k, feeLines);
  const after = lmdbSnapshot(gw.dataDir);
  const journal = lmdbJournalBytesAfter(gw.dataDir, before.lastJournalKey);
  return {
    status: 'measured' as const,
    settlements: k,
    journal_bytes_per_settlement: Math.round(journal.bytes / k),
    journal_records_per_settlement: round(journal.records / k, 2),
    store_bytes_per_settlement: Math.round(((after.pagesInUse - before.pagesInUse) * after.pageSize) / k),
    databases: after.databases,
    method:
      'lmdb opened read-only beside the gateway: journal = key+value bytes of the journal records written; store = growth of the pages in use over all databases × page size',
  };
}

// ---- Redis --------------------------------------------------------------------------------------

async function redisBytes(redis: Redis, prefix: string) {
  let all = 0;
  let journal = 0;
  let keys = 0;
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    for (const key of batch) {
      const n = Number((await redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0')) ?? 0);
      all += n;
      if (key.startsWith(`${prefix}tx:`) || key === `${prefix}tx-index`) journal += n;
      keys++;
    }
  } while (cursor !== '0');
  return { all, journal, keys };
}

export async function measureRedis(gw: HisClient, redisUrl: string, prefix: string, k: number, feeLines: number) {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 }).on('error', () => undefined);
  await redis.connect();
  try {
    const before = await redisBytes(redis, prefix);
    await settleVisits(gw, k, feeLines);
    const after = await redisBytes(redis, prefix);
    return {
      status: 'measured' as const,
      settlements: k,
      // no tx: keys at all means the store's key layout changed: say "unknown" rather than 0
      journal_bytes_per_settlement: after.journal > 0 ? Math.round((after.journal - before.journal) / k) : null,
      store_bytes_per_settlement: Math.round((after.all - before.all) / k),
      keys_per_settlement: round((after.keys - before.keys) / k, 2),
      method: `MEMORY USAGE summed over the gateway's keys (prefix ${prefix}): journal = ${prefix}tx:* and ${prefix}tx-index, store = all its keys`,
    };
  } finally {
    redis.disconnect();
  }
}
