/**
 * Scenario (c), calls while the breaker is open: a platform that has stopped answering (every call
 * held at the mock far past the timeout), a gateway whose breaker that silence has opened, and the
 * baseline against the same silent platform.
 *
 * Its own processes — a mock, a gateway and a baseline (startOwnSystem) — rather than the run's:
 * - the run's gateway must keep a closed breaker for (d), (e) and the journal measurement; once
 *   open, it would only close after BREAKER_RESET_MS and a successful 9001 probe;
 * - the fault lives on a mock nobody else uses, so it cannot leak into another scenario;
 * - PLATFORM_TIMEOUT_MS is short (config.breakerPlatformTimeoutMs, same on both sides) so that the
 *   baseline's wait is bounded and a run of a few seconds gets enough of its answers; the
 *   gateway's BREAKER_RESET_MS is ten minutes, so the breaker stays open for the whole scenario
 *   (no half-open probe in the middle of a measured run).
 *
 * What each side answers, and what counts as its expected answer rather than an error:
 * - gateway: 503 GW_SYS_PLATFORM_CIRCUIT_OPEN at once, without touching the network;
 * - baseline (no breaker): axios waits the whole platform timeout, then 504.
 */
import { expectStatus, getJson, pool, postJson, waitFor } from './http.js';
import type { Sides } from './setup.js';
import { startOwnSystem, type GatewayHandle } from './system.js';
import { personQuery1101 } from '../adapters/platform/outpatient-messages.js';
import { credential, forwardBody } from './workload.js';

/** BREAKER_RESET_MS of the (c) gateway: longer than the scenario, so it never half-opens during it. */
const RESET_MS = 600_000;
/** How long the mock holds every call: the mock's maximum, far past any timeout — a silent platform. */
const HOLD_MS = 600_000;
/** Sequential lookups timed once the breaker is open (one caller, no queueing). */
const SERIAL_PROBES = 50;
/** Lookups per tripping round: more than the breaker's minimum volume (BREAKER_MIN_CALLS, default 10). */
const TRIP_CALLS = 12;

export interface BreakerSetup {
  sides: Sides;
  gateway: GatewayHandle;
  /** what was done to open the breaker, for the results */
  notes: Record<string, unknown>;
  close(): Promise<void>;
}

export async function openBreaker(platformTimeoutMs: number, latencyMs: number): Promise<BreakerSetup> {
  const env = { PLATFORM_TIMEOUT_MS: String(platformTimeoutMs) };
  const own = await startOwnSystem(latencyMs, { ...env, BREAKER_RESET_MS: String(RESET_MS) }, env);
  const { mock, gateway: gw, close } = own;
  const base = { url: own.sides.baseline.url };
  try {
    const readyz = async () =>
      (await getJson<{ checks?: Record<string, string> }>(`${gw.url}/readyz`, gw.ops)).body?.checks?.circuit_breaker;
    const before = await readyz();
    if (before !== 'closed') throw new Error(`(c): the fresh gateway's breaker is ${String(before)}, not closed`);

    // the platform stops answering (both have signed in already: 9001 is done)
    const control = mock.control;
    expectStatus('mock silent-platform fault', await postJson(`${control}/faults`, { latency_ms: HOLD_MS }), 201);

    // trip it: lookups that each time out (an unknown outcome counts as a platform failure)
    const lookup = (i: number) => postJson(`${gw.url}/v1/persons/query`, credential(i), gw.his);
    const tripStatuses: number[] = [];
    let rounds = 0;
    await waitFor(
      '(c) the gateway breaker to open',
      async () => {
        if ((await readyz()) === 'open') return true;
        rounds++;
        await pool(TRIP_CALLS, TRIP_CALLS, async (i) => {
          tripStatuses.push((await lookup(i)).status);
        });
        return (await readyz()) === 'open';
      },
      Math.max(30_000, platformTimeoutMs * 10),
    );
    // the answer the measured runs will see: refused at once, with the catalog code
    const probe = await lookup(0);
    const code = (probe.body as { error?: { code?: string } })?.error?.code;
    if (probe.status !== 503 || code !== 'GW_SYS_PLATFORM_CIRCUIT_OPEN')
      throw new Error(`(c): a lookup with the breaker open answered ${probe.status} ${JSON.stringify(probe.body).slice(0, 300)}`);
    const baseProbe = await postJson(`${base.url}/forward/1101`, forwardBody(personQuery1101(credential(0))), gw.his);
    if (baseProbe.status !== 504)
      throw new Error(`(c): the baseline against the silent platform answered ${baseProbe.status}, not its 504 after the timeout`);

    // one caller alone, for scale: the answer's time without queueing behind the other connections
    const serial: number[] = [];
    for (let i = 0; i < SERIAL_PROBES; i++) {
      const t = performance.now();
      await lookup(i);
      serial.push(performance.now() - t);
    }
    serial.sort((x, y) => x - y);

    return {
      sides: own.sides,
      gateway: gw,
      notes: {
        platform: `a dedicated mock holding every call ${HOLD_MS / 1000} s (a latency fault far past the timeout): the platform accepts the connection and never answers`,
        platform_timeout_ms: platformTimeoutMs,
        breaker: `a dedicated gateway (BREAKER_RESET_MS=${RESET_MS}, other BREAKER_* at their defaults), opened by ${rounds} round(s) of ${TRIP_CALLS} concurrent lookups that timed out (answers ${[...new Set(tripStatuses)].join(', ')}); /readyz checks.circuit_breaker = open before the runs`,
        expected_answers: {
          gateway: '503 GW_SYS_PLATFORM_CIRCUIT_OPEN, at once (no network call)',
          baseline: '504 after waiting its platform timeout (axios timeout; it has no breaker)',
        },
        errors: 'only answers other than these count as errors; the expected ones are in expected_non2xx',
        serial_fail_fast_ms: {
          what: `${SERIAL_PROBES} lookups one after another on one connection (fetch), before the runs: the fail-fast time without queueing`,
          p50: Math.round(serial[Math.floor(serial.length / 2)]! * 100) / 100,
          max: Math.round(serial[serial.length - 1]! * 100) / 100,
        },
      },
      close,
    };
  } catch (e) {
    await close();
    throw e;
  }
}

/** The statuses that are (c)'s expected answers, per side. */
export const BREAKER_EXPECTED = { gateway: [503], baseline: [504] };
