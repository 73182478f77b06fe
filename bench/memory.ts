/**
 * `npm run bench:memory`: 50,000 outpatient settlements in a row against one gateway, and its
 * memory after the first 5,000 versus at the end — a leak shows as growth. Too long for the five
 * minutes of `npm run bench` on a 2-core machine, hence its own command.
 *
 * Each settlement is as cheap as the API allows: register (1101 + 2201), diagnoses (2203), one
 * fee line (2204), settle (2207) — four requests, driven by autocannon (each connection works
 * through whole settlements; the visit id comes from the registration's reply). The mock adds no
 * latency here: only memory is of interest, and the run is shorter for it.
 *
 * Samples are taken the moment the settled count crosses each 5,000, under load, all the same
 * way: VmRSS (what the issue asks for), split into anonymous and file-backed (lmdb maps its data
 * file, so file pages grow with the data and are no leak), and the V8 heap after a full GC.
 */
import autocannon from 'autocannon';
import { stopAll } from './children.js';
import { round } from './load.js';
import { mib, procCpuSeconds, procMemory } from './measure.js';
import { loadAverageNow, resultsHead, renderMemoryCheck, writeResults } from './report.js';
import { settlementBodies } from './journal.js';
import { removeTempDirs, startGateway, startMock, type GatewayHandle } from './system.js';
import { DIAGNOSES, visitRequest } from './workload.js';

const num = (name: string, dflt: number) => Number(process.env[name] ?? dflt);
const SETTLEMENTS = num('BENCH_MEMORY_SETTLEMENTS', 50_000);
const FIRST = num('BENCH_MEMORY_FIRST', 5_000);
const CONNECTIONS = num('BENCH_MEMORY_CONNECTIONS', 16);
/**
 * Past this many seconds (or on SIGTERM / SIGINT) the load stops and the figures are written for
 * the settlements done so far, marked stopped_early — a time-limited run still reports honestly
 * instead of dying with nothing.
 */
const TIME_LIMIT_S = num('BENCH_MEMORY_TIME_LIMIT_S', 1_500);
const STEPS = 4;

const t0 = Date.now();
const loadAtStart = loadAverageNow();
const elapsed = () => round((Date.now() - t0) / 1000, 1);
const progress = (m: string) => process.stderr.write(`[bench:memory ${elapsed().toFixed(1).padStart(6)} s] ${m}\n`);

interface Sample {
  settlements: number;
  elapsed_s: number;
  rss_mib: number;
  rss_anon_mib: number;
  rss_file_mib: number;
  heap_used_after_gc_mib: number;
  /** CPU seconds used so far by the gateway and by the mock: where the time of a slower window goes */
  gateway_cpu_s: number;
  mock_cpu_s: number;
}

async function sample(gw: GatewayHandle, mockPid: number, settlements: number, started: number): Promise<Sample> {
  const m = procMemory(gw.pid)!; // before the GC, which changes RSS
  const gatewayCpu = procCpuSeconds(gw.pid) ?? Number.NaN;
  const mockCpu = procCpuSeconds(mockPid) ?? Number.NaN;
  const heap = await gw.ask<{ heapUsed: number }>({ type: 'memory' });
  return {
    settlements,
    gateway_cpu_s: round(gatewayCpu, 2),
    mock_cpu_s: round(mockCpu, 2),
    elapsed_s: round((Date.now() - started) / 1000, 1),
    rss_mib: mib(m.rss)!,
    rss_anon_mib: mib(m.rss_anon)!,
    rss_file_mib: mib(m.rss_file)!,
    heap_used_after_gc_mib: mib(heap.heapUsed)!,
  };
}

/**
 * Per window between two samples: settlements per second, and the CPU milliseconds per settlement
 * of the gateway and of the mock — a window that runs slower says which of the two it is in.
 */
function windows(samples: Sample[]) {
  return samples.slice(1).map((b, i) => {
    const a = samples[i]!;
    const n = b.settlements - a.settlements;
    return {
      settlements: `${a.settlements}-${b.settlements}`,
      per_s: round(n / (b.elapsed_s - a.elapsed_s), 1),
      gateway_cpu_ms_per_settlement: round(((b.gateway_cpu_s - a.gateway_cpu_s) * 1000) / n, 2),
      mock_cpu_ms_per_settlement: round(((b.mock_cpu_s - a.mock_cpu_s) * 1000) / n, 2),
    };
  });
}

/** The last window's rate against the first's (issue 11: ≥ 0.9 over 50,000 settlements). */
function windowRatio(samples: Sample[]) {
  const w = windows(samples);
  return w.length >= 2 ? round(w[w.length - 1]!.per_s / w[0]!.per_s, 3) : undefined;
}

async function main() {
  progress('starting the mock platform and the gateway');
  const mock = await startMock();
  const gw = await startGateway(mock.url);
  const { fees, settle } = settlementBodies(1);
  const feesBody = JSON.stringify(fees);
  const settleBody = JSON.stringify(settle);
  const headers = { 'content-type': 'application/json', ...gw.his };

  let settled = 0;
  let failed = 0;
  let n = 0;
  const samples: Array<Promise<Sample>> = [];
  const started = Date.now();
  type Ctx = { visit?: string; n?: number };
  const withKey = (ctx: Ctx, what: string) => ({ ...headers, 'idempotency-key': `bench-M-${process.pid}-${ctx.n}-${what}` });
  const visitPath = (ctx: Ctx, rest: string) => `/v1/outpatient/visits/${ctx.visit ?? 'none'}${rest}`;

  const requests: autocannon.Request[] = [
    {
      method: 'POST',
      setupRequest: (req, context) => {
        const ctx = context as Ctx;
        ctx.n = n++;
        return { ...req, path: '/v1/outpatient/visits', headers: withKey(ctx, 'reg'), body: JSON.stringify(visitRequest(ctx.n, 'M')) };
      },
      onResponse: (status, body, context) => {
        const ctx = context as Ctx;
        ctx.visit = status === 201 ? (JSON.parse(body) as { visit: { visit_id: string } }).visit.visit_id : undefined;
      },
    },
    {
      method: 'POST',
      setupRequest: (req, context) => ({
        ...req,
        path: visitPath(context as Ctx, '/diagnoses'),
        headers: withKey(context as Ctx, 'dx'),
        body: JSON.stringify(DIAGNOSES),
      }),
    },
    {
      method: 'POST',
      setupRequest: (req, context) => ({
        ...req,
        path: visitPath(context as Ctx, '/fees'),
        headers: withKey(context as Ctx, 'fees'),
        body: feesBody,
      }),
    },
    {
      method: 'POST',
      setupRequest: (req, context) => ({
        ...req,
        path: visitPath(context as Ctx, '/settlement'),
        headers: withKey(context as Ctx, 'setl'),
        body: settleBody,
      }),
      onResponse: (status) => {
        if (status !== 201) return;
        settled++;
        if (settled % FIRST === 0) {
          samples.push(sample(gw, mock.pid, settled, started));
          progress(`${settled.toLocaleString('en-US')} settled`);
        }
      },
    },
  ];

  progress(`${SETTLEMENTS.toLocaleString('en-US')} settlements, ${CONNECTIONS} connections, at most ${TIME_LIMIT_S} s`);
  let stoppedEarly: string | undefined;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      { url: gw.url, connections: CONNECTIONS, pipelining: 1, amount: SETTLEMENTS * STEPS, timeout: 60, requests },
      (err, res) => (err ? reject(err) : resolve(res)),
    );
    instance.on('response', (_c, status) => {
      if (status >= 300) failed++;
    });
    const stop = (why: string) => {
      if (stoppedEarly) return;
      stoppedEarly = why;
      progress(`stopping the load: ${why}`);
      instance.stop();
    };
    const limit = setTimeout(() => stop(`time limit of ${TIME_LIMIT_S} s (BENCH_MEMORY_TIME_LIMIT_S) reached`), TIME_LIMIT_S * 1000);
    limit.unref();
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
    instance.on('done', () => clearTimeout(limit));
  });
  const duration = (Date.now() - started) / 1000;
  const taken = await Promise.all(samples);
  const idle = await sample(gw, mock.pid, settled, started);
  const hwm = procMemory(gw.pid)?.hwm;
  await gw.stop();
  await mock.stop();

  if (taken.length < 2)
    throw new Error(
      `only ${settled} settlements succeeded (${failed} failed responses, ${result.errors} errors): no memory comparison possible`,
    );
  const first = taken[0]!;
  // the end is the end of the load: the sample taken once it stopped, unless no settlement came after the last periodic one
  const lastPeriodic = taken[taken.length - 1]!;
  const end = idle.settlements > lastPeriodic.settlements ? idle : lastPeriodic;
  const doc = {
    ...resultsHead('memory_check', t0, elapsed(), loadAtStart, {
      concurrency: CONNECTIONS,
      platform_latency_ms: 0,
      fee_lines: 1,
      load_average_at_end: loadAverageNow(),
      request_unit: 'a settlement = 4 requests: register (1101+2201), diagnoses (2203), one fee line (2204), settle (2207)',
      gateway:
        'bench/gateway-process.ts under tsx: NODE_ENV=production configuration, lmdb in a fresh temp directory, LOG_LEVEL=info written to /dev/null',
      baseline: 'none (memory check of the gateway alone)',
    }),
    memory_check: {
      status: 'measured' as const,
      settlements_planned: SETTLEMENTS,
      ...(stoppedEarly ? { stopped_early: `after ${settled} of ${SETTLEMENTS} settlements: ${stoppedEarly}` } : {}),
      settlements: settled,
      errors: failed + result.errors,
      duration_s: round(duration, 1),
      settlements_per_s: round(settled / duration, 1),
      after_first: first,
      at_end: end,
      windows: windows(taken),
      last_vs_first_window_rate: windowRatio(taken),
      rss_growth_ratio: round(end.rss_mib / first.rss_mib, 3),
      rss_anon_growth_ratio: round(end.rss_anon_mib / first.rss_anon_mib, 3),
      heap_growth_ratio: round(end.heap_used_after_gc_mib / first.heap_used_after_gc_mib, 3),
      peak_rss_mib: mib(hwm) ?? 0,
      idle_after_run: idle,
      samples: taken,
    },
  };
  process.stdout.write(`\n${renderMemoryCheck(doc.memory_check)}\n  peak RSS (VmHWM) ${doc.memory_check.peak_rss_mib} MiB\n\n`);
  const file = writeResults(doc, 'memory-');
  process.stdout.write(`results: ${file} (and bench/results/memory-latest.json), valid against bench/results.schema.json\n`);
}

try {
  await main();
} catch (e) {
  process.exitCode = 1;
  process.stderr.write(`bench:memory failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
} finally {
  await stopAll();
  removeTempDirs();
}
