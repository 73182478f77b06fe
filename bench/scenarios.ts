/**
 * The scenarios, as a table: each says what one iteration is, how to prepare it (unmeasured),
 * or why it cannot run yet. (c), (d) and (e) are rows already, so that when the breaker, the
 * inpatient API and refunds exist each needs only its `prepare`; until then they report
 * `not_available` with the reason — never an invented figure.
 */
import type { BenchConfig } from './config.js';
import { getJson } from './http.js';
import { SettlementSetup, lookupWorkloads, type SideName, type Sides, type Workload } from './setup.js';

export type { SideName } from './setup.js';

export interface ScenarioContext {
  sides: Sides;
  /** headers of the gateway's operations client (/readyz, /openapi.json) */
  ops: Record<string, string>;
  connections: number;
  feeLines: number;
}

export interface PreparedScenario {
  workload(side: SideName): Workload;
  /** Makes sure (unmeasured) at least `iterations` are ready for the side's next run; absent when iterations repeat. */
  topUp?(side: SideName, iterations: number): Promise<void>;
}

export interface Scenario {
  id: 'a' | 'b' | 'c' | 'd' | 'e';
  key: string;
  title: string;
  /** what one measured iteration sends on each side; each request is one platform call on either side */
  iteration: string;
  /** seconds per measured run */
  durationS?(c: BenchConfig): number;
  /** why the scenario cannot run against this build; undefined when it can */
  unavailable(ctx: ScenarioContext): Promise<string | undefined>;
  prepare?(ctx: ScenarioContext): Promise<PreparedScenario>;
}

async function openApiPaths(ctx: ScenarioContext): Promise<string[]> {
  const r = await getJson<{ paths?: Record<string, unknown> }>(`${ctx.sides.gateway.url}/openapi.json`, ctx.ops);
  return Object.keys(r.body?.paths ?? {});
}

/** (d), (e): available when the gateway's OpenAPI document has the route; the bench then still needs the scenario's prepare(). */
const routeMissing = (pattern: RegExp, what: string) => async (ctx: ScenarioContext) => {
  const found = (await openApiPaths(ctx)).filter((p) => pattern.test(p));
  const some = found.slice(0, 2).join(', ') + (found.length > 2 ? `, … (${found.length} paths)` : '');
  return found.length
    ? `the gateway now has ${some} but this bench has no ${what} scenario written yet`
    : `the gateway has no ${what} API yet (no matching path in /openapi.json)`;
};

export const SCENARIOS: Scenario[] = [
  {
    id: 'a',
    key: 'outpatient_settle',
    title: 'outpatient settle (2204 ×20 lines + 2207)',
    iteration:
      'gateway: POST /v1/outpatient/visits/{id}/fees (20 lines) then POST .../settlement; baseline: POST /forward/2204 then /forward/2207 — 2 requests, 2 platform calls per side; visits registered and diagnosed beforehand, unmeasured',
    durationS: (c) => c.settleRunS,
    unavailable: async () => undefined,
    async prepare(ctx) {
      const setup = new SettlementSetup(ctx.sides, ctx.feeLines);
      await setup.init();
      return {
        workload: (side) => setup.queues[side],
        async topUp(side, iterations) {
          // whole iterations per connection; what is left over from a run is used by the next
          const want = Math.ceil(iterations / ctx.connections) * ctx.connections;
          const missing = want - setup.queues[side].remaining();
          if (missing > 0) await setup.prepare(side, missing);
        },
      };
    },
  },
  {
    id: 'b',
    key: 'person_lookup',
    title: 'person lookup (1101)',
    iteration: 'gateway: POST /v1/persons/query; baseline: POST /forward/1101 — 1 request, 1 platform call per side; three persons round robin',
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
    title: 'calls while the breaker is open (fail-fast)',
    iteration: 'planned: person lookups while the platform is unreachable and the breaker open; the gateway should answer at once, the baseline waits for its connection error',
    async unavailable(ctx) {
      const r = await getJson<{ checks?: Record<string, string> }>(`${ctx.sides.gateway.url}/readyz`, ctx.ops);
      const state = r.body?.checks?.circuit_breaker;
      return state === undefined
        ? 'the gateway has no circuit breaker yet (/readyz reports none)'
        : `the gateway reports a circuit breaker (/readyz: ${state}) but this bench does not trip it yet: scenario still to be written (open it with a mock fault, then time lookups on both sides)`;
    },
  },
  {
    id: 'd',
    key: 'inpatient_settle',
    title: 'inpatient settle',
    iteration: 'planned: inpatient fee upload + settlement (2301-2304)',
    unavailable: routeMissing(/^\/v1\/inpatient\/.*settlement/, 'inpatient settlement'),
  },
  {
    id: 'e',
    key: 'refund',
    title: 'refund',
    iteration: 'planned: refund of a settled transaction',
    unavailable: routeMissing(/^\/v1\/(settlements|refunds)\/.*refund|^\/v1\/refunds/, 'refund'),
  },
];
