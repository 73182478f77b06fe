/**
 * The scenarios, as a table: each says what one iteration is, how to prepare it (unmeasured),
 * or why it cannot run against this build — then it reports `not_available` with the reason,
 * never an invented figure.
 */
import type { BenchConfig } from './config.js';
import { getJson } from './http.js';
import { BREAKER_EXPECTED, openBreaker } from './breaker-setup.js';
import { InpatientSetup } from './inpatient-setup.js';
import { RefundSetup } from './refund-setup.js';
import { startOwnSystem } from './system.js';
import { SettlementSetup, lookupWorkloads, type SideName, type Sides, type Workload } from './setup.js';

export type { SideName } from './setup.js';

export interface ScenarioContext {
  sides: Sides;
  /** headers of the gateway's operations client (/readyz, /openapi.json) */
  ops: Record<string, string>;
  connections: number;
  feeLines: number;
  /** the mock's fixed latency, for a scenario's own mock */
  platformLatencyMs: number;
}

export interface PreparedScenario {
  workload(side: SideName): Workload;
  /** Makes sure (unmeasured) at least `iterations` are ready for the side's next run; absent when iterations repeat. */
  topUp?(side: SideName, iterations: number): Promise<void>;
  /** the scenario's own processes, when it does not run against the run's gateway and baseline */
  sides?: Sides;
  /** pid of the scenario's own gateway, for its peak RSS */
  gatewayPid?: number;
  /** non-2xx statuses that are the expected answer on a side (not errors) */
  accept?: Partial<Record<SideName, number[]>>;
  /** how the scenario was set up, written into its results */
  notes?: Record<string, unknown>;
  /** stops the scenario's own processes */
  close?(): Promise<void>;
}

export interface Scenario {
  id: 'a' | 'b' | 'c' | 'd' | 'e';
  key: string;
  title: string;
  /** what one measured iteration sends on each side */
  iteration: string;
  /** 'request' (default): req/s and per-request latency; 'iteration': the sides differ in requests per iteration, so iterations/s and whole-iteration latency */
  unit?: 'request' | 'iteration';
  /** seconds per measured run */
  durationS?(c: BenchConfig): number;
  /** seconds of the warm-up run per side (default: config.warmupS) */
  warmupS?(c: BenchConfig): number;
  /** iterations per connection prepared for the warm-up (default 60) */
  warmupIterationsPerConnection?: number;
  /**
   * at most this many iterations per connection prepared for one measured run (a run that uses them
   * up stops early and says so: capped). For flows whose preparation costs far more than the
   * measured step, and whose platform work grows with what was prepared (the mock's ledger).
   */
  maxPreparedPerConnection?: number;
  /** the measured runs' order of sides (default: config.order) */
  order?(c: BenchConfig): SideName[];
  /** why the scenario cannot run against this build; undefined when it can */
  unavailable(ctx: ScenarioContext): Promise<string | undefined>;
  prepare?(ctx: ScenarioContext, c: BenchConfig): Promise<PreparedScenario>;
}

async function openApiPaths(ctx: ScenarioContext): Promise<string[]> {
  const r = await getJson<{ paths?: Record<string, unknown> }>(`${ctx.sides.gateway.url}/openapi.json`, ctx.ops);
  return Object.keys(r.body?.paths ?? {});
}

/** (d), (e): available when the gateway's OpenAPI document has the route. */
const routeMissing = (pattern: RegExp, what: string) => async (ctx: ScenarioContext) =>
  (await openApiPaths(ctx)).some((p) => pattern.test(p)) ? undefined : `the gateway has no ${what} API (no matching path in /openapi.json)`;

const OWN_SYSTEM_NOTE = {
  processes:
    "the scenario's own mock, gateway and baseline (bench/system.ts startOwnSystem), same configuration and platform latency as the run's: the mock walks a person's ledger on each inpatient settlement and each refund (annual cap, 隔笔退费 re-derivation), so on the run's mock, after (a), the mock itself would limit both sides",
};

type SetupWithQueues = { queues: Record<SideName, Workload>; prepare(side: SideName, n: number): Promise<void> };

/** Whole iterations per connection; what is left over from a run is used by the next. */
const topUpBy = (ctx: ScenarioContext, setup: SetupWithQueues) => async (side: SideName, iterations: number) => {
  const want = Math.ceil(iterations / ctx.connections) * ctx.connections;
  const missing = want - setup.queues[side].remaining();
  if (missing > 0) await setup.prepare(side, missing);
};

/** (c), (d), (e): the extra runs' duration, warm-up and order of sides. */
const EXTRA_RUNS = {
  durationS: (c: BenchConfig) => c.extraRunS,
  warmupS: (c: BenchConfig) => c.extraWarmupS,
  order: (c: BenchConfig) => c.extraOrder,
};

/**
 * (d), (e): a scenario on its own system (OWN_SYSTEM_NOTE), timed as the extra runs, available when
 * the gateway's OpenAPI document has `route`; its setup's iterations are topped up per run.
 */
const onOwnSystem = (route: RegExp, what: string, makeSetup: (sides: Sides) => SetupWithQueues & { init(): Promise<void> }) => ({
  ...EXTRA_RUNS,
  warmupIterationsPerConnection: 12,
  unavailable: routeMissing(route, what),
  async prepare(ctx: ScenarioContext): Promise<PreparedScenario> {
    const own = await startOwnSystem(ctx.platformLatencyMs);
    try {
      const setup = makeSetup(own.sides);
      await setup.init();
      return {
        workload: (side) => setup.queues[side],
        topUp: topUpBy(ctx, setup),
        sides: own.sides,
        gatewayPid: own.gateway.pid,
        notes: OWN_SYSTEM_NOTE,
        close: own.close,
      };
    } catch (e) {
      await own.close();
      throw e;
    }
  },
});

export const SCENARIOS: Scenario[] = [
  {
    id: 'a',
    key: 'outpatient_settle',
    title: 'outpatient settle (fee upload 2204 + settle 2207)',
    iteration:
      'gateway: POST /v1/outpatient/visits/{id}/fees (conditions.fee_lines lines) then POST .../settlement, each with its Idempotency-Key; baseline: POST /forward/2204 then /forward/2207 — 2 requests, 2 platform calls per side; visits registered and diagnosed beforehand, unmeasured',
    durationS: (c) => c.settleRunS,
    unavailable: async () => undefined,
    async prepare(ctx) {
      const setup = new SettlementSetup(ctx.sides, ctx.feeLines);
      await setup.init();
      return {
        workload: (side) => setup.queues[side],
        topUp: topUpBy(ctx, setup),
      };
    },
  },
  {
    id: 'b',
    key: 'person_lookup',
    title: 'person lookup (1101)',
    iteration:
      'gateway: POST /v1/persons/query; baseline: POST /forward/1101 — 1 request, 1 platform call per side; three persons round robin',
    durationS: (c) => c.lookupRunS,
    unavailable: async () => undefined,
    async prepare() {
      const w = lookupWorkloads();
      return { workload: (side) => w[side] };
    },
  },
  {
    id: 'c',
    key: 'breaker_open',
    title: 'person lookup (1101) with the breaker open',
    iteration:
      'gateway: POST /v1/persons/query answered at once with 503 GW_SYS_PLATFORM_CIRCUIT_OPEN (the breaker open, no platform call); baseline: POST /forward/1101, which has no breaker: it waits for the silent platform until its axios timeout (platform_timeout_ms), then 504 — 1 request per side; the 503 and 504 are the expected answers (expected_non2xx), not errors; a dedicated mock, gateway and baseline (see setup)',
    ...EXTRA_RUNS,
    async unavailable(ctx) {
      const r = await getJson<{ checks?: Record<string, string> }>(`${ctx.sides.gateway.url}/readyz`, ctx.ops);
      return r.body?.checks?.circuit_breaker === undefined ? 'the gateway has no circuit breaker (/readyz reports none)' : undefined;
    },
    async prepare(ctx, c) {
      const b = await openBreaker(c.breakerPlatformTimeoutMs, ctx.platformLatencyMs);
      const w = lookupWorkloads();
      return {
        workload: (side) => w[side],
        sides: b.sides,
        gatewayPid: b.gateway.pid,
        accept: BREAKER_EXPECTED,
        notes: b.notes,
        close: b.close,
      };
    },
  },
  {
    id: 'd',
    key: 'inpatient_settle',
    title: 'inpatient settle (1101 re-check + 2304), per settlement',
    unit: 'iteration',
    iteration:
      "gateway: POST /v1/inpatient/admissions/{id}/settlement (discharge settlement, mid_setl_flag 0) — 1 request, 2 platform calls: the gateway re-checks the filing with 1101 right before the 2304; baseline: POST /forward/1101 then /forward/2304 — 2 requests, the same 2 platform calls. Compared per settlement (settlements/s; p50/p99 of a whole settlement, the baseline's two requests summed). Stays admitted (2401), charged (2301, five lines, 3836.00) and discharged (2402) beforehand, unmeasured",
    maxPreparedPerConnection: 50,
    ...onOwnSystem(/^\/v1\/inpatient\/.*settlement/, 'inpatient settlement', (sides) => new InpatientSetup(sides)),
  },
  {
    id: 'e',
    key: 'refund',
    title: 'refund, full (2208)',
    iteration:
      "gateway: POST /v1/settlements/{setl_id}/refund { reason_code: patient_request } with its Idempotency-Key → 2208; baseline: POST /forward/2208 — 1 request, 1 platform call per side; outpatient settlements (one fee line) made beforehand, unmeasured, refunded newest first (the mock re-derives a person's later settlements of the year on each 2208, alike on both sides)",
    maxPreparedPerConnection: 30,
    ...onOwnSystem(/^\/v1\/settlements\/.*refund/, 'refund', (sides) => new RefundSetup(sides)),
  },
];
