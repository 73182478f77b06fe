/**
 * `npm run bench:scale` (issue 11): does the gateway's cost stay flat as the journal grows?
 *
 * Per store kind (lmdb, then Redis on a redis-server of the bench's own), in one run, two gateways
 * side by side on two stores of that kind, each against a mock of its own:
 * - one store is filled through the Store port with BENCH_SCALE_RECORDS journal records shaped like
 *   the gateway's own (its 1101/2201/2203/2204/2207 records as templates, spread over the past year,
 *   50,000 persons, ~1 % rejected, some unknown ones reversed long ago); the other stays empty;
 * - both settle outpatient visits (scenario (a): fee upload 2204 + settle 2207, 10 connections, the
 *   mock's fixed latency) in alternating runs of BENCH_SCALE_RUN_S (ABBA twice), then staff search
 *   the console by key (a settlement id, then a person's failed calls), one at a time, alternating
 *   the two gateways.
 * Figures are ratios full / empty of the same run, and the full store's search p50/p99; memory is
 * each gateway's anonymous RSS and file-backed RSS (lmdb maps its file) apart, at the end.
 * Results: bench/results/scale-<time>.json and scale-latest.json. Nothing here asserts a time.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LmdbStore } from '../gateway/store/lmdb-store.js';
import { RedisStore } from '../gateway/store/redis-store.js';
import { parseKeyring, StoreCipher } from '../gateway/store/crypto.js';
import type { Store, TransactionRecord } from '../gateway/store/store.js';
import { stopAll } from './children.js';
import { getJson } from './http.js';
import { aggregate, type LoadRun, percentile, round, runLoad } from './load.js';
import { mib, procMemory } from './measure.js';
import { startRedisServer } from './redis.js';
import { loadAverageNow, machineConditions } from './report.js';
import { SettlementSetup } from './setup.js';
import {
  BENCH_STORE_KEYS,
  removeTempDirs,
  setPlatformLatency,
  startBaseline,
  startGateway,
  startMock,
  type GatewayHandle,
} from './system.js';

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

type Side = 'empty' | 'full';
const ORDER: Side[] = ['empty', 'full', 'full', 'empty', 'empty', 'full', 'full', 'empty'];

/** The gateway's own records (one per infno, from the setup's proof settlement): what the filled records are shaped like. */
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
  await store.sync();
}

/** Console key searches, one at a time, alternating the two gateways: a settlement id, then a person's failed calls. */
async function searches(gws: Record<Side, GatewayHandle>, target: Record<Side, () => { setl_id: string; psn_no: string }>) {
  const lat: Record<Side, number[]> = { empty: [], full: [] };
  let non2xx = 0;
  for (let i = 0; i < SEARCHES * 2; i++) {
    const side: Side = i % 2 ? 'full' : 'empty';
    const t = target[side]();
    const q = Math.floor(i / 2) % 2 ? `status=succeeded&setl_id=${t.setl_id}` : `status=failed&psn_no=${t.psn_no}`;
    const start = process.hrtime.bigint();
    const r = await getJson(`${gws[side].url}/v1/console/transactions?${q}&limit=50`, gws[side].ops);
    lat[side].push(Number(process.hrtime.bigint() - start) / 1e6);
    if (r.status !== 200) non2xx++;
  }
  const figures = (xs: number[]) => {
    const sorted = Float64Array.from(xs).sort();
    return { searches: xs.length, p50_ms: round(percentile(sorted, 0.5), 2), p99_ms: round(percentile(sorted, 0.99), 2) };
  };
  return { empty: figures(lat.empty), full: figures(lat.full), non2xx };
}

const memoryOf = (pid: number) => {
  const m = procMemory(pid)!;
  return { rss_mib: mib(m.rss)!, rss_anon_mib: mib(m.rss_anon)!, rss_file_mib: mib(m.rss_file)! };
};

/**
 * One store kind: two gateways side by side on two stores of that kind — one stays empty, one is
 * filled — measured in alternation (ABBA twice), so that a shared machine's other work falls on
 * both alike.
 */
async function oneStore(kind: string, mockUrls: Record<Side, string>, baselineUrl: string) {
  const redis = kind === 'redis' ? await startRedisServer() : undefined;
  if (redis && 'reason' in redis) return { status: 'not_available', reason: redis.reason };
  const url = redis && 'url' in redis ? redis.url : undefined;
  const dirs: Record<Side, string> = {
    empty: path.join(tmpdir(), `yidi-bench-scale-${process.pid}-empty`),
    full: path.join(tmpdir(), `yidi-bench-scale-${process.pid}-full`),
  };
  const envOf = (side: Side): Record<string, string> =>
    url ? { STORE_BACKEND: 'redis', REDIS_URL: url, REDIS_KEY_PREFIX: `scale-${side}:` } : { DATA_DIR: dirs[side] };
  const openStore = async (side: Side): Promise<Store> =>
    url ? new RedisStore({ url, keyPrefix: `scale-${side}:`, timeoutMs: 30_000, cipher }).connect() : new LmdbStore(dirs[side], { cipher });
  // the gateways seal their stores with the bench's key; the filling opens them the same way
  const cipher = new StoreCipher(parseKeyring(BENCH_STORE_KEYS));
  const gws: Partial<Record<Side, GatewayHandle>> = {};
  // both sides are gateways (empty store, full store): the setup's baseline side is never prepared here
  const onlyGateway = (gw: GatewayHandle) => ({ gateway: { url: gw.url, headers: gw.his }, baseline: { url: baselineUrl, headers: {} } });
  try {
    // the full side first settles one visit of its own (SettlementSetup.init's proof): its records are the templates
    progress(`${kind}: templates`);
    gws.full = await startGateway(mockUrls.full, envOf('full'));
    await new SettlementSetup(onlyGateway(gws.full), FEE_LINES).init();
    await gws.full.stop();
    const store = await openStore('full');
    const tpl = await templates(store);
    progress(`${kind}: filling one store with ${RECORDS.toLocaleString('en-US')} records through the Store port`);
    const fillStart = Date.now();
    await fill(store, tpl, RECORDS);
    const fillS = (Date.now() - fillStart) / 1000;
    await store.close();

    gws.full = await startGateway(mockUrls.full, envOf('full'));
    gws.empty = await startGateway(mockUrls.empty, envOf('empty'));
    const g = gws as Record<Side, GatewayHandle>;
    const setups = Object.fromEntries(
      (['empty', 'full'] as const).map((side) => [side, new SettlementSetup(onlyGateway(g[side]), FEE_LINES)]),
    ) as Record<Side, SettlementSetup>;
    const runs: Record<Side, LoadRun[]> = { empty: [], full: [] };
    const run = async (side: Side, durationS: number) =>
      runLoad({ side, url: g[side].url, headers: g[side].his, connections: CONNECTIONS, durationS, workload: setups[side].queues.gateway });
    let perRun = 0;
    for (const side of ['empty', 'full'] as const) {
      await setups[side].init();
      await setups[side].prepare('gateway', CONNECTIONS * 20);
      progress(`${kind}: warm-up ${side}`);
      const w = await run(side, 2);
      perRun = Math.max(perRun, Math.ceil(((w.result.iterations / w.result.duration_s) * RUN_S * 1.5) / CONNECTIONS) * CONNECTIONS);
    }
    progress(`${kind}: preparing ${perRun} settlements per run and side`);
    for (const side of ['empty', 'full'] as const) await setups[side].prepare('gateway', (perRun * ORDER.length) / 2);
    for (const side of ORDER) {
      progress(`${kind}: measured run, ${side} store`);
      runs[side].push(await run(side, RUN_S));
    }
    const visits = Math.floor(RECORDS / 5);
    const emptySetl = await getJson<{ items: Array<{ setl_id?: string; keys?: { setl_id?: string; psn_no?: string } }> }>(
      `${g.empty.url}/v1/transactions?infno=2207&outcome=succeeded&limit=100`,
      g.empty.ops,
    );
    const known = (emptySetl.body.items ?? []).map((t) => ({ setl_id: t.keys?.setl_id ?? 'none', psn_no: t.keys?.psn_no ?? 'none' }));
    const search = await searches(g, {
      empty: () => known[Math.floor(Math.random() * known.length)] ?? { setl_id: 'none', psn_no: 'none' },
      full: () => {
        const v = Math.floor(Math.random() * visits);
        return { setl_id: `SS${v}`, psn_no: `SP${String(v % PERSONS).padStart(18, '0')}` };
      },
    });
    const settle = { empty: aggregate(runs.empty, 'iteration'), full: aggregate(runs.full, 'iteration') };
    const memory = { empty: memoryOf(g.empty.pid), full: memoryOf(g.full.pid) };
    return {
      status: 'measured',
      records_in_full_store: RECORDS,
      fill_records_per_s: round(RECORDS / fillS, 0),
      settle,
      key_search: search,
      memory_after: memory,
      settle_throughput_ratio_full_vs_empty: round(settle.full.rps / settle.empty.rps, 3),
      key_search_p99_ms_full: search.full.p99_ms,
      anon_rss_ratio_full_vs_empty: round(memory.full.rss_anon_mib / memory.empty.rss_anon_mib, 3),
    };
  } finally {
    for (const gw of Object.values(gws)) await gw?.stop().catch(() => undefined);
    if (redis && 'stop' in redis) await redis.stop().catch(() => undefined);
    for (const d of Object.values(dirs)) rmSync(d, { recursive: true, force: true });
  }
}

async function main() {
  // one mock per side: the two gateways' visits never meet, and each mock's state grows alike
  const mocks = { empty: await startMock(), full: await startMock() };
  for (const m of Object.values(mocks)) await setPlatformLatency(m.control, LATENCY_MS);
  const baseline = await startBaseline(mocks.empty.url);
  const results: Record<string, unknown> = {};
  try {
    for (const kind of STORES) results[kind] = await oneStore(kind, { empty: mocks.empty.url, full: mocks.full.url }, baseline.url);
  } finally {
    await baseline.stop();
    for (const m of Object.values(mocks)) await m.stop();
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
