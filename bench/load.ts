/**
 * One measured run: autocannon, in this process, against one side, for a fixed duration, each
 * connection working through whole iterations (e.g. fee upload then settle) taken from a
 * workload. Latencies are collected per response so that runs of the same side can be merged
 * into one distribution (percentiles of percentiles would be wrong).
 *
 * A "request" is one HTTP request answered by the side under test; it is the same unit on both
 * sides because every request, on either side, is exactly one platform call.
 */
import autocannon from 'autocannon';
import type { Workload } from './setup.js';

export interface RunResult {
  side: string;
  duration_s: number;
  /** responses received (any status) */
  requests: number;
  /** whole iterations = responses / steps per iteration */
  iterations: number;
  rps: number;
  p50_ms: number;
  p99_ms: number;
  /** connection errors and timeouts */
  errors: number;
  /** answered with a status other than 2xx and other than the expected answers (`accept`) */
  non2xx: number;
  /** answered with one of the expected non-2xx statuses (`accept`, e.g. the breaker's 503): not errors */
  expected_non2xx: number;
  /** stopped before its duration because the prepared iterations ran out (it then ran shorter) */
  capped: boolean;
  /** CPU seconds the side's process and the mock platform's used during the run (run.ts), when known */
  cpu_s?: { side: number; platform: number };
}

export interface RunOptions {
  side: string;
  url: string;
  /** sent with every request (the API key), before the step's own */
  headers: Record<string, string>;
  connections: number;
  durationS: number;
  workload: Workload;
  /** at most this many iterations (the run's share of what was prepared) */
  maxIterations?: number;
  /** non-2xx statuses that are the scenario's expected answer (fail-fast 503), counted apart from errors */
  accept?: number[];
}

const EXHAUSTED: autocannon.Request = { method: 'GET', path: '/__bench/prepared-iterations-exhausted' };

export interface LoadRun {
  result: RunResult;
  latencies: number[];
  iterationLatencies: number[];
}

export async function runLoad(o: RunOptions): Promise<LoadRun> {
  const steps = o.workload.stepsPerIteration;
  const remaining = Math.min(o.workload.remaining(), o.maxIterations ?? Infinity);
  // Never ask for more iterations than were prepared: each connection stops after its share.
  // Whole iterations per connection, so no connection ends between a fee upload and its settle.
  const perConnection = Number.isFinite(remaining) ? Math.floor(remaining / o.connections) : Infinity;
  if (perConnection < 1) throw new Error(`${o.side}: only ${remaining} iterations prepared for ${o.connections} connections`);
  const maxOverallRequests = Number.isFinite(perConnection) ? perConnection * steps * o.connections : undefined;

  type Ctx = { it?: ReturnType<Workload['next']> };
  const headers = { 'content-type': 'application/json', ...o.headers };
  const requests: autocannon.Request[] = Array.from({ length: steps }, (_, i) => ({
    method: 'POST',
    headers,
    setupRequest: (req: autocannon.Request, context: object) => {
      const ctx = context as Ctx;
      if (i === 0) ctx.it = o.workload.next();
      const step = ctx.it?.[i];
      if (!step) return { ...req, ...EXHAUSTED };
      return { ...req, path: step.path, body: step.body, headers: step.headers ? { ...headers, ...step.headers } : headers };
    },
  }));

  const latencies: number[] = [];
  // per whole iteration: the sum of its steps' response times on one connection (pipelining 1, so
  // a connection's responses come in step order); what a caller of a multi-step flow waits for
  const iterationLatencies: number[] = [];
  const partial = new Map<object, { step: number; sum: number }>();
  const accept = new Set(o.accept ?? []);
  let expected = 0;
  let unexpected = 0;
  // The run's own clock: autocannon notices the end of a capped run only at its next 1-second
  // tick, so its `duration` would understate a short run's throughput.
  const startedAt = performance.now();
  let lastResponseAt = startedAt;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: o.url,
        connections: o.connections,
        pipelining: 1,
        duration: o.durationS,
        timeout: 30,
        requests,
        ...(maxOverallRequests ? { maxOverallRequests } : {}),
      },
      (err, res) => (err ? reject(err) : resolve(res)),
    );
    instance.on('response', (client, status, _bytes, responseTime) => {
      latencies.push(responseTime);
      lastResponseAt = performance.now();
      if (status < 200 || status > 299) {
        if (accept.has(status)) expected++;
        else unexpected++;
      }
      const p = partial.get(client) ?? { step: 0, sum: 0 };
      p.sum += responseTime;
      if (++p.step === steps) {
        iterationLatencies.push(p.sum);
        p.step = 0;
        p.sum = 0;
      }
      partial.set(client, p);
    });
  });
  const sorted = Float64Array.from(latencies).sort();
  const count = latencies.length;
  const duration = count ? round((lastResponseAt - startedAt) / 1000, 3) : result.duration;
  return {
    latencies,
    iterationLatencies,
    result: {
      side: o.side,
      duration_s: duration,
      requests: count,
      iterations: Math.floor(count / steps),
      rps: round(count / duration, 1),
      p50_ms: round(percentile(sorted, 0.5), 2),
      p99_ms: round(percentile(sorted, 0.99), 2),
      errors: result.errors,
      non2xx: unexpected,
      expected_non2xx: expected,
      capped: o.maxIterations !== undefined && duration < o.durationS * 0.95,
    },
  };
}

export function percentile(sorted: Float64Array, q: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

export const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

/**
 * The figures of one side over all its runs: throughput over the summed time, percentiles over all
 * responses — or, with unit 'iteration' (a flow that takes a different number of requests on the
 * two sides), iterations per second and percentiles of whole iterations.
 */
export function aggregate(runs: LoadRun[], unit: 'request' | 'iteration' = 'request') {
  const all = Float64Array.from(runs.flatMap((r) => (unit === 'iteration' ? r.iterationLatencies : r.latencies))).sort();
  const time = runs.reduce((s, r) => s + r.result.duration_s, 0);
  const requests = runs.reduce((s, r) => s + r.result.requests, 0);
  const iterations = runs.reduce((s, r) => s + r.result.iterations, 0);
  return {
    runs: runs.length,
    duration_s: round(time, 2),
    requests,
    iterations,
    rps: round((unit === 'iteration' ? iterations : requests) / time, 1),
    p50_ms: round(percentile(all, 0.5), 2),
    p99_ms: round(percentile(all, 0.99), 2),
    errors: runs.reduce((s, r) => s + r.result.errors + r.result.non2xx, 0),
    expected_non2xx: runs.reduce((s, r) => s + r.result.expected_non2xx, 0),
    ...cpuPerRequest(runs, requests),
  };
}

/**
 * CPU milliseconds per request of the side's process and of the mock platform over the runs — what
 * a request costs, read apart from how the two cores were shared (throughput on this 2-core
 * machine is bounded by the CPU of all three processes together).
 */
function cpuPerRequest(runs: LoadRun[], requests: number) {
  if (!requests || runs.some((r) => !r.result.cpu_s)) return {};
  const per = (k: 'side' | 'platform') => round((runs.reduce((s, r) => s + r.result.cpu_s![k], 0) * 1000) / requests, 2);
  return { cpu_ms_per_request: per('side'), platform_cpu_ms_per_request: per('platform') };
}
