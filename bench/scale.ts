/**
 * `npm run bench:scale` (issue 11): does the gateway's cost stay flat as the journal grows?
 *
 * Per store (lmdb, then Redis on a redis-server of the bench's own), in one run:
 * 1. empty store: the gateway settles outpatient visits (scenario (a): fee upload 2204 + settle
 *    2207, 10 connections, the mock's fixed latency) for BENCH_SCALE_RUN_S, then staff search the
 *    console by key (a settlement id, then a person's failed calls, alternately; one at a time);
 * 2. the gateway stops, the store is filled through the Store port with BENCH_SCALE_RECORDS
 *    journal records shaped like the ones it just wrote (its own 1101/2201/2203/2204/2207 records
 *    as templates, spread over the past year, 50,000 persons, ~1 % rejected, some unknown ones
 *    reversed long ago);
 * 3. the gateway starts on the full store and the same is measured again.
 * Figures are ratios full / empty of the same run, and the full store's search p50/p99; memory is
 * the gateway's anonymous RSS and file-backed RSS (lmdb maps its file) apart, after each phase.
 * Results: bench/results/scale-<time>.json and scale-latest.json. Nothing here asserts a time.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LmdbStore } from '../gateway/store/lmdb-store.js';
import { RedisStore } from '../gateway/store/redis-store.js';
import type { Store, TransactionRecord } from '../gateway/store/store.js';
import { stopAll } from './children.js';
import { getJson } from './http.js';
import { percentile, round, runLoad } from './load.js';
import { mib, procMemory } from './measure.js';
import { startRedisServer } from './redis.js';
import { loadAverageNow, machineConditions } from './report.js';
import { SettlementSetup } from './setup.js';
import { removeTempDirs, setPlatformLatency, startBaseline, startGateway, startMock, type GatewayHandle } from './system.js';

const num = (name: string, dflt: number) => Number(process.env[name] ?? dflt);
const RECORDS = num('BENCH_SCALE_RECORDS', 1_000_000);
const RUN_S = num('BENCH_SCALE_RUN_S', 6);
const SEARCHES = num('BENCH_SCALE_SEARCHES', 300);
const CONNECTIONS = num('BENCH_CONNECTIONS', 10);
const LATENCY_MS = num('BENCH_PLATFORM_LATENCY_MS', 5);
const FEE_LINES = num('BENCH_FEE_LINES', 20);
const PERSONS = 50_000;
const FILL_BATCH = 2_000;
const STORES = (process.env.BENCH_SCALE_STORES ?? 'lmdb,redis').split(',').map((s) => s.trim());

const t0 = Date.now();
const progress = (m: string) => process.stderr.write(`[bench:scale ${((Date.now() - t0) / 1000).toFixed(1).padStart(6)} s] ${m}\n`);

interface Phase {
  records_in_store: number;
  settle: { iterations_per_s: number; requests_per_s: number; p50_ms: number; p99_ms: number; errors: number; non2xx: number };
  key_search: { searches: number; p50_ms: number; p99_ms: number; non2xx: number };
  memory_after: { rss_mib: number; rss_anon_mib: number; rss_file_mib: number };
}

/** Settlements for RUN_S (after a warm-up), then SEARCHES console searches, then the gateway's memory. */
async function measure(gw: GatewayHandle, baselineUrl: string, targets: () => { setl_id: string; psn_no: string }, records: number) {
  const sides = { gateway: { url: gw.url, headers: gw.his }, baseline: { url: baselineUrl, headers: {} } };
  const setup = new SettlementSetup(sides, FEE_LINES);
  await setup.init();
  await setup.prepare('gateway', CONNECTIONS * 20);
  const warm = await runLoad({
    side: 'gateway',
    url: gw.url,
    headers: gw.his,
    connections: CONNECTIONS,
    durationS: 2,
    workload: setup.queues.gateway,
  });
  const rate = warm.result.iterations / warm.result.duration_s;
  await setup.prepare('gateway', Math.ceil((rate * RUN_S * 1.5) / CONNECTIONS) * CONNECTIONS);
  const run = await runLoad({
    side: 'gateway',
    url: gw.url,
    headers: gw.his,
    connections: CONNECTIONS,
    durationS: RUN_S,
    workload: setup.queues.gateway,
  });

  const latencies: number[] = [];
  let non2xx = 0;
  for (let i = 0; i < SEARCHES; i++) {
    const t = targets();
    const q = i % 2 ? `status=succeeded&setl_id=${t.setl_id}` : `status=failed&psn_no=${t.psn_no}`;
    const start = process.hrtime.bigint();
    const r = await getJson(`${gw.url}/v1/console/transactions?${q}&limit=50`, gw.ops);
    latencies.push(Number(process.hrtime.bigint() - start) / 1e6);
    if (r.status !== 200) non2xx++;
  }
  const sorted = Float64Array.from(latencies).sort();
  const m = procMemory(gw.pid)!;
  const phase: Phase = {
    records_in_store: records,
    settle: {
      iterations_per_s: round(run.result.iterations / run.result.duration_s, 1),
      requests_per_s: round(run.result.rps, 1),
      p50_ms: run.result.p50_ms,
      p99_ms: run.result.p99_ms,
      errors: run.result.errors,
      non2xx: run.result.non2xx,
    },
    key_search: { searches: SEARCHES, p50_ms: round(percentile(sorted, 0.5), 2), p99_ms: round(percentile(sorted, 0.99), 2), non2xx },
    memory_after: { rss_mib: mib(m.rss)!, rss_anon_mib: mib(m.rss_anon)!, rss_file_mib: mib(m.rss_file)! },
  };
  return phase;
}

/** The gateway's own records of the empty phase, one per infno: what the filled records are shaped like. */
async function templates(store: Store): Promise<TransactionRecord[]> {
  const out: TransactionRecord[] = [];
  for (const infno of ['1101', '2201', '2203', '2204', '2207']) {
    const [r] = await store.listTransactions({ outcome: 'succeeded', infno, limit: 1 });
    if (!r) throw new Error(`no ${infno} record to copy`);
    out.push(r);
  }
  return out;
}

const compact = (iso: string) => iso.slice(0, 19).replace(/\D/g, '');

/** `n` records through the Store port: five per settlement (1101, 2201, 2203, 2204, 2207), over the past year. */
async function fill(store: Store, tpl: TransactionRecord[], n: number) {
  const yearMs = 365 * 86_400_000;
  const start = Date.now() - yearMs - 3_600_000;
  for (let i = 0; i < n; i += FILL_BATCH) {
    const batch: Array<Promise<void>> = [];
    for (let k = i; k < Math.min(n, i + FILL_BATCH); k++) {
      const visit = Math.floor(k / 5);
      const t = tpl[k % 5]!;
      const at = new Date(start + Math.floor((k / n) * yearMs)).toISOString();
      const rec: TransactionRecord = {
        ...t,
        id: `H44030500001${compact(at)}${String(k).padStart(8, '0')}`,
        created_at: at,
        updated_at: at,
        encounter_id: `scale-${visit}`,
        keys: {
          psn_no: `SP${String(visit % PERSONS).padStart(18, '0')}`,
          ...(k % 5 >= 1 ? { mdtrt_id: `SM${visit}`, ipt_otp_no: `SO${visit}` } : {}),
          ...(k % 5 === 4 ? { setl_id: `SS${visit}` } : {}),
        },
      };
      if (k % 97 === 3) Object.assign(rec, { outcome: 'rejected', error: { code: 'GW_BIZ_PLATFORM_REJECTED', reason: 'bench' } });
      if (k % 5 === 4 && visit % 500 === 7)
        Object.assign(rec, {
          outcome: 'unknown',
          resolution: { state: 'reversed', attempts: 1, next_at: at, reversal_ids: [], encounter_released: true, resolved_at: at },
        });
      batch.push(store.putTransaction(rec));
    }
    await Promise.all(batch);
    if ((i / FILL_BATCH) % 50 === 0)
      progress(`  ${(i + batch.length).toLocaleString('en-US')} of ${n.toLocaleString('en-US')} records written`);
  }
}

async function oneStore(kind: string, mockUrl: string, baselineUrl: string) {
  const redis = kind === 'redis' ? await startRedisServer() : undefined;
  if (redis && 'reason' in redis) return { status: 'not_available', reason: redis.reason };
  const prefix = 'yidi-bench-scale:';
  const dataDir = path.join(process.env.TMPDIR ?? '/tmp', `yidi-bench-scale-${process.pid}`);
  const env: Record<string, string> =
    redis && 'url' in redis ? { STORE_BACKEND: 'redis', REDIS_URL: redis.url, REDIS_KEY_PREFIX: prefix } : { DATA_DIR: dataDir };
  const openStore = async (): Promise<Store> =>
    redis && 'url' in redis ? new RedisStore({ url: redis.url, keyPrefix: prefix, timeoutMs: 30_000 }).connect() : new LmdbStore(dataDir);
  try {
    progress(`${kind}: empty store`);
    let gw = await startGateway(mockUrl, env);
    const emptyTargets: Array<{ setl_id: string; psn_no: string }> = [];
    let empty: Phase;
    try {
      empty = await measure(
        gw,
        baselineUrl,
        () => emptyTargets[Math.floor(Math.random() * emptyTargets.length)] ?? { setl_id: 'none', psn_no: 'none' },
        0,
      );
    } finally {
      await gw.stop();
    }
    let store = await openStore();
    const tpl = await templates(store);
    // the empty phase's searches looked for these (a real settlement id, a person): re-run them now for the record
    progress(`${kind}: filling the store with ${RECORDS.toLocaleString('en-US')} records through the Store port`);
    const fillStart = Date.now();
    await fill(store, tpl, RECORDS);
    const fillS = (Date.now() - fillStart) / 1000;
    await store.close();
    progress(`${kind}: full store (${round(RECORDS / fillS, 0)} records/s written)`);
    gw = await startGateway(mockUrl, env);
    const visits = Math.floor(RECORDS / 5);
    let full: Phase;
    try {
      full = await measure(
        gw,
        baselineUrl,
        () => {
          const v = Math.floor(Math.random() * visits);
          return { setl_id: `SS${v}`, psn_no: `SP${String(v % PERSONS).padStart(18, '0')}` };
        },
        RECORDS,
      );
    } finally {
      await gw.stop();
    }
    store = await openStore();
    await store.close();
    return {
      status: 'measured',
      fill_records_per_s: round(RECORDS / fillS, 0),
      empty,
      full,
      settle_throughput_ratio_full_vs_empty: round(full.settle.iterations_per_s / empty.settle.iterations_per_s, 3),
      key_search_p99_ms_full: full.key_search.p99_ms,
      anon_rss_ratio_full_vs_empty: round(full.memory_after.rss_anon_mib / empty.memory_after.rss_anon_mib, 3),
    };
  } finally {
    if (redis && 'stop' in redis) await redis.stop().catch(() => undefined);
    (await import('node:fs')).rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main() {
  const mock = await startMock();
  await setPlatformLatency(mock.control, LATENCY_MS);
  const baseline = await startBaseline(mock.url);
  const results: Record<string, unknown> = {};
  try {
    for (const kind of STORES) results[kind] = await oneStore(kind, mock.url, baseline.url);
  } finally {
    await baseline.stop();
    await mock.stop();
  }
  const doc = {
    kind: 'scale',
    generated_at: new Date().toISOString(),
    duration_s: round((Date.now() - t0) / 1000, 1),
    conditions: {
      ...machineConditions(),
      load_average_at_end: loadAverageNow(),
      records: RECORDS,
      connections: CONNECTIONS,
      platform_latency_ms: LATENCY_MS,
      fee_lines: FEE_LINES,
      settle_run_s: RUN_S,
      searches: SEARCHES,
      search:
        'GET /v1/console/transactions?status=succeeded&setl_id=<one settlement> and ?status=failed&psn_no=<one person>, alternately, one at a time, limit=50',
    },
    stores: results,
  };
  const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results');
  const file = path.join(dir, `scale-${doc.generated_at.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`);
  writeFileSync(path.join(dir, 'scale-latest.json'), `${JSON.stringify(doc, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(results, null, 2)}\nresults: ${file}\n`);
}

try {
  await main();
} catch (e) {
  process.exitCode = 1;
  process.stderr.write(`bench:scale failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
} finally {
  await stopAll();
  removeTempDirs();
}
