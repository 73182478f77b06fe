/**
 * `npm run bench`: the gateway's cost against a bare pass-through, measured in one run.
 *
 * 1. the mock platform (fixed latency on every call), the gateway and the baseline, each in its
 *    own process; autocannon runs here;
 * 2. every available scenario: a warm-up run per side, unmeasured preparation, then measured
 *    runs alternating gateway and baseline (ABBA twice), same connections and duration;
 * 3. journal bytes per settled transaction on lmdb (this gateway) and Redis (a second gateway);
 * 4. a table on stdout, and bench/results/<timestamp>.json + latest.json, validated first.
 * Figures are ratios and differences against the baseline of the same run; nothing here asserts
 * an absolute time. The 50,000-settlement memory check is `npm run bench:memory` (memory.ts).
 */
import { readFileSync } from 'node:fs';
import { stopAll } from './children.js';
import { benchConfig, type BenchConfig } from './config.js';
import { measureLmdb } from './journal.js';
import { aggregate, round, runLoad, type LoadRun } from './load.js';
import { mib, procCpuSeconds, procMemory, RssSampler } from './measure.js';
import { redisJournal } from './redis.js';
import { loadAverageNow, resultsHead, renderTable, writeResults } from './report.js';
import { SCENARIOS, type Scenario, type ScenarioContext, type SideName } from './scenarios.js';
import { removeTempDirs, setPlatformLatency, sidesOf, startBaseline, startGateway, startMock } from './system.js';

const config = benchConfig();
const t0 = Date.now();
const loadAtStart = loadAverageNow();
const elapsed = () => round((Date.now() - t0) / 1000, 1);
const progress = (m: string) => process.stderr.write(`[bench ${elapsed().toFixed(1).padStart(5)} s] ${m}\n`);
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Between runs: in-flight requests of a stopped run finish, and the side is idle when the next starts. */
const SETTLE_MS = 1_000;
/** The warm-up's iterations per connection for a scenario with prepared ones; its rate sizes the measured runs. */
const WARMUP_ITERATIONS_PER_CONNECTION = 60;
/** Iterations prepared per measured run = the warm-up's rate × duration × this margin. */
const PREPARE_MARGIN = 1.4;

async function measureScenario(s: Scenario, ctx: ScenarioContext, sampler: RssSampler) {
  const durationS = s.durationS!(config);
  const warmupS = s.warmupS?.(config) ?? config.warmupS;
  const order = s.order?.(config) ?? config.order;
  const unit = s.unit ?? 'request';
  progress(`(${s.id}) ${s.title}: preparing`);
  const prepared = await s.prepare!(ctx, config);
  try {
    const sides = prepared.sides ?? ctx.sides;
    const rssName = prepared.gatewayPid ? `gateway-${s.id}` : 'gateway';
    if (prepared.gatewayPid) sampler.watch(rssName, prepared.gatewayPid);
    const run = async (side: SideName, seconds: number, maxIterations?: number) => {
      const pids = sides[side].pids;
      const cpu = () => (pids ? { side: procCpuSeconds(pids.side), platform: procCpuSeconds(pids.platform) } : undefined);
      const before = cpu();
      const r = await runLoad({
        side,
        ...sides[side],
        connections: ctx.connections,
        durationS: seconds,
        workload: prepared.workload(side),
        maxIterations,
        accept: prepared.accept?.[side],
      });
      const after = cpu();
      if (before?.side !== undefined && before.platform !== undefined && after?.side !== undefined && after.platform !== undefined)
        r.result.cpu_s = { side: round(after.side - before.side, 2), platform: round(after.platform - before.platform, 2) };
      await pause(SETTLE_MS);
      return r;
    };

    // warm-up (JIT, connection pools, store files), unrecorded; its rate sizes the preparation
    const perRun: Partial<Record<SideName, number>> = {};
    const warmupIterations = (s.warmupIterationsPerConnection ?? WARMUP_ITERATIONS_PER_CONNECTION) * ctx.connections;
    for (const side of ['gateway', 'baseline'] as const) {
      if (prepared.topUp) await prepared.topUp(side, warmupIterations);
      progress(`(${s.id}) warm-up ${side}`);
      const w = await run(side, warmupS);
      const rate = w.result.iterations / w.result.duration_s;
      perRun[side] =
        Math.min(Math.ceil((rate * durationS * PREPARE_MARGIN) / ctx.connections), s.maxPreparedPerConnection ?? Infinity) *
        ctx.connections;
    }
    if (prepared.topUp) {
      // both sides at once: unmeasured, and the measured runs then follow one another closely
      const runsOf = (side: SideName) => order.filter((x) => x === side).length;
      progress(`(${s.id}) preparing ${perRun.gateway} + ${perRun.baseline} iterations per run (gateway + baseline), unmeasured`);
      await Promise.all((['gateway', 'baseline'] as const).map((side) => prepared.topUp!(side, perRun[side]! * runsOf(side))));
      await pause(SETTLE_MS);
    }

    sampler.takePeak(rssName); // the scenario's window starts now
    const runs: LoadRun[] = [];
    for (const side of order) {
      progress(`(${s.id}) measured run ${runs.length + 1}/${order.length}: ${side}`);
      const r = await run(side, durationS, prepared.topUp ? perRun[side] : undefined);
      const expected = r.result.expected_non2xx ? `, expected non-2xx ${r.result.expected_non2xx}` : '';
      progress(
        `(${s.id})   ${side}: ${r.result.rps} req/s, p50 ${r.result.p50_ms} ms, p99 ${r.result.p99_ms} ms, errors ${r.result.errors + r.result.non2xx}${expected}${r.result.capped ? ' (used up its prepared iterations: a shorter run)' : ''}`,
      );
      runs.push(r);
    }
    const g = aggregate(
      runs.filter((r) => r.result.side === 'gateway'),
      unit,
    );
    const b = aggregate(
      runs.filter((r) => r.result.side === 'baseline'),
      unit,
    );
    const peak = mib(sampler.takePeak(rssName)) ?? 0;
    if (prepared.gatewayPid) sampler.unwatch(rssName);
    return {
      id: s.id,
      key: s.key,
      title: s.title,
      status: 'measured' as const,
      iteration: s.iteration,
      unit,
      duration_s_per_run: durationS,
      ...(s.maxPreparedPerConnection
        ? { prepared_per_run: perRun, prepared_cap_per_run: s.maxPreparedPerConnection * ctx.connections }
        : {}),
      warmup_s: warmupS,
      order,
      ...(prepared.notes ? { setup: prepared.notes } : {}),
      gateway: g,
      baseline: b,
      throughput_ratio: round(g.rps / b.rps, 3),
      p50_diff_ms: round(g.p50_ms - b.p50_ms, 2),
      p99_diff_ms: round(g.p99_ms - b.p99_ms, 2),
      gateway_peak_rss_mib: peak,
      ...(prepared.gatewayPid ? { gateway_peak_rss_of: "the scenario's own gateway process" } : {}),
      runs: runs.map((r) => r.result),
    };
  } finally {
    await prepared.close?.();
  }
}

/** The figures of the last `npm run bench:memory` (its own run, not this one), when there is one. */
function lastMemoryCheck() {
  try {
    const d = JSON.parse(readFileSync(new URL('./results/memory-latest.json', import.meta.url), 'utf8')) as {
      generated_at: string;
      memory_check: Record<string, unknown>;
    };
    const m = d.memory_check;
    const keys = [
      'settlements',
      'settlements_planned',
      'stopped_early',
      'duration_s',
      'rss_growth_ratio',
      'rss_anon_growth_ratio',
      'heap_growth_ratio',
      'peak_rss_mib',
    ];
    return {
      last_run: {
        file: 'bench/results/memory-latest.json',
        generated_at: d.generated_at,
        ...Object.fromEntries(keys.filter((k) => m[k] !== undefined).map((k) => [k, m[k]])),
      },
    };
  } catch {
    return {};
  }
}

async function main(c: BenchConfig) {
  progress('starting the mock platform, the gateway and the baseline');
  const mock = await startMock();
  await setPlatformLatency(mock.control, c.platformLatencyMs);
  const [gw, base] = await Promise.all([startGateway(mock.url), startBaseline(mock.url)]);
  const sampler = new RssSampler(
    new Map([
      ['gateway', gw.pid],
      ['baseline', base.pid],
    ]),
  ).start();
  try {
    const ctx: ScenarioContext = {
      sides: sidesOf(gw, base, mock),
      ops: gw.ops,
      connections: c.connections,
      feeLines: c.feeLines,
      platformLatencyMs: c.platformLatencyMs,
    };
    const scenarios = [];
    for (const s of SCENARIOS) {
      if (c.only.length && !c.only.includes(s.id)) {
        scenarios.push({
          id: s.id,
          key: s.key,
          title: s.title,
          status: 'not_available' as const,
          reason: `left out of this run (BENCH_SCENARIOS=${c.only.join(',')})`,
        });
        continue;
      }
      const reason = await s.unavailable(ctx);
      if (reason) {
        progress(`(${s.id}) ${s.title}: not available — ${reason}`);
        scenarios.push({ id: s.id, key: s.key, title: s.title, status: 'not_available' as const, reason });
        continue;
      }
      scenarios.push(await measureScenario(s, ctx, sampler));
    }

    progress(`journal bytes, lmdb: ${c.journalSettlements} settled transactions`);
    const lmdb = await measureLmdb(gw, c.journalSettlements, c.feeLines);

    // memory at the end, before anything is stopped; the GC'd heap last, as the GC changes RSS
    const end = procMemory(gw.pid)!;
    const heap = await gw.ask<{ heapUsed: number; gc: boolean }>({ type: 'memory' });
    const baseEnd = procMemory(base.pid);
    sampler.stop();
    await Promise.all([gw.stop(), base.stop()]);

    progress(`journal bytes, Redis: ${c.journalSettlements} settled transactions (if the gateway supports it)`);
    const redis = await redisJournal(mock.url, c.journalSettlements, c.feeLines);

    const doc = {
      ...resultsHead('overhead', t0, elapsed(), loadAtStart, {
        concurrency: c.connections,
        platform_latency_ms: c.platformLatencyMs,
        order: c.order,
        warmup_s: c.warmupS,
        run_s: { settle: c.settleRunS, lookup: c.lookupRunS, breaker_inpatient_refund: c.extraRunS },
        order_c_d_e: c.extraOrder,
        warmup_s_c_d_e: c.extraWarmupS,
        load_average_at_end: loadAverageNow(),
        fee_lines: c.feeLines,
        request_unit:
          'one HTTP request answered by the side under test; in (a), (b), (c), (e) each request is exactly one platform call on both sides (gateway API call = baseline /forward call); req/s counts every response, errors are counted apart; (d) is per settlement (unit iteration: settlements/s and whole-settlement latency) because the gateway makes its two calls in one request',
        gateway:
          'bench/gateway-process.ts under tsx: NODE_ENV=production configuration, lmdb in a fresh temp directory, LOG_LEVEL=info written to /dev/null',
        baseline: 'bench/baseline-server.ts under tsx: express + axios pass-through building the same envelope (adapters/platform), no log',
      }),
      scenarios,
      gateway_memory: {
        peak_rss_mib: mib(end.hwm)!,
        rss_end_mib: mib(end.rss)!,
        rss_anon_end_mib: mib(end.rss_anon)!,
        rss_file_end_mib: mib(end.rss_file)!,
        ...(heap.gc ? { heap_used_after_gc_mib: mib(heap.heapUsed)! } : {}),
        baseline_peak_rss_mib: mib(baseEnd?.hwm) ?? 0,
      },
      journal: { lmdb, redis },
      memory_check: {
        status: 'not_run' as const,
        reason: '50,000 settlements take longer than the five minutes of npm run bench on a 2-core machine',
        command: 'npm run bench:memory',
        ...lastMemoryCheck(),
      },
    };
    process.stdout.write(`\n${renderTable(doc)}\n\n`);
    const file = writeResults(doc);
    process.stdout.write(`results: ${file} (and bench/results/latest.json), valid against bench/results.schema.json\n`);
  } finally {
    sampler.stop();
  }
}

const watchdog = setTimeout(() => {
  progress(`over the ${config.budgetS} s budget: stopping`);
  void stopAll().finally(() => process.exit(2));
}, config.budgetS * 1000);
watchdog.unref();

try {
  await main(config);
} catch (e) {
  process.exitCode = 1;
  process.stderr.write(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
} finally {
  await stopAll();
  removeTempDirs();
  clearTimeout(watchdog);
}
