/** Shared steps of the issue-5 suites (reversal, console, chaos): a visit ready to settle, polling, the mock's ledger. */
import { api, type Reply } from '../helpers/harness.js';
import { CODES, diagnosesBody, JILIN, line, visitBody } from './fixtures.js';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * PLATFORM_TIMEOUT_MS of the e2e gateways whose calls are made unknown on purpose (issue 15 point 7:
 * no verdict depends on the machine's speed). A normal settlement through the in-process mock took
 * 11 ms (p50), 44 ms at most over 40 at load average 6 on 2 cores; 37 ms and 200 ms with three busy
 * loops beside it. At 800–1000 ms a machine stalled for a second turned a normal call unknown and
 * failed the test; 3 s is far beyond any stall seen, and still short: the first 2601 (or inquiry) of
 * an unknown outcome waits for the call's send time + this + REVERSAL_FIRST_DELAY_MS
 * (platform-client.ts firstReversalAt), so every reversal a test waits for costs about this much.
 */
export const TEST_PLATFORM_TIMEOUT_MS = 3_000;

/** hold_ms of a timeout_after_booking fault: the reply comes well after the gateway stopped waiting for it. */
export const HOLD_PAST_TIMEOUT_MS = TEST_PLATFORM_TIMEOUT_MS + 2_000;

/** Fast reversal worker settings for tests, with the platform timeout their schedule is counted from. */
export const FAST_REVERSAL = {
  PLATFORM_TIMEOUT_MS: String(TEST_PLATFORM_TIMEOUT_MS),
  REVERSAL_INTERVAL_MS: '100',
  REVERSAL_FIRST_DELAY_MS: '400',
  REVERSAL_BACKOFF_MS: '150',
  REVERSAL_BACKOFF_MAX_MS: '600',
  SELF_PAY_INTERVAL_MS: '100',
};

/**
 * How long a gateway with FAST_REVERSAL may take to make an unknown outcome final by itself in
 * `attempts` attempts (2601 or inquiry, the same worker): the first no earlier than the call's send
 * time + the platform timeout + the first delay; each attempt at most one platform timeout, then
 * the backoff cap and a worker tick. Twice that: a hang guard, never a speed limit.
 */
export function finalWithinMs(attempts: number, timeoutMs = TEST_PLATFORM_TIMEOUT_MS): number {
  const n = (k: keyof typeof FAST_REVERSAL) => Number(FAST_REVERSAL[k]);
  const first = timeoutMs + n('REVERSAL_FIRST_DELAY_MS');
  const each = timeoutMs + n('REVERSAL_BACKOFF_MAX_MS') + n('REVERSAL_INTERVAL_MS');
  return 2 * (first + attempts * each);
}

/**
 * Polls `fn` until it gives a value. The default ceiling is that of a reversal in two attempts
 * (finalWithinMs), the longest thing most waits of the resilience suites wait for; a wait for more
 * names its own, derived from what it waits for.
 */
export async function until<T>(what: string, fn: () => Promise<T | undefined | false>, ms = finalWithinMs(2)): Promise<T> {
  const end = Date.now() + ms;
  // quick at first, then at most two polls a second: a long wait must not spend the test client's
  // per-minute request limit (600; a fast machine polled a 20 s wait into 429s)
  for (let pause = 50; ; pause = Math.min(500, pause * 1.5)) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(pause);
  }
}

export interface LedgerEntry {
  setl_id: string;
  kind: 'settlement' | 'cancellation';
  msgid: string;
  infno: string;
  mdtrt_id: string;
  status: 'booked' | 'cancelled' | 'reversed';
  reversal_msgid?: string;
}

export const ledger = async (control: string) => (await api(control, 'GET', '/ledger')).body as LedgerEntry[];
export const fault = async (control: string, f: Record<string, unknown>) => {
  const r = await api(control, 'POST', '/faults', f);
  if (r.status !== 201) throw new Error(`fault refused: ${r.text}`);
  return r.body;
};

/**
 * A registered, diagnosed visit of `cred` with one 20.00 consultation line: ready to settle for 20.
 * `opts.visit`: more fields of the registration (begntime, emergency ...); `opts.lines`: other fee lines
 * (then settle for the returned `total`).
 */
export async function readyVisit(
  base: string,
  cred: { mdtrt_cert_type: string; mdtrt_cert_no: string } = { mdtrt_cert_type: '01', mdtrt_cert_no: JILIN.token },
  opts: { visit?: Record<string, unknown>; lines?: unknown[]; med_type?: string } = {},
) {
  const reg = await api(base, 'POST', '/v1/outpatient/visits', visitBody(cred, opts.visit));
  if (reg.status !== 201) throw new Error(`registration failed: ${reg.text}`);
  const id = reg.body.visit.visit_id as string;
  const mdtrt_id = reg.body.visit.mdtrt_id as string;
  const dx = await api(base, 'POST', `/v1/outpatient/visits/${id}/diagnoses`, diagnosesBody(opts.med_type));
  if (dx.status !== 200) throw new Error(`diagnoses failed: ${dx.text}`);
  const lines = opts.lines ?? [line('1', CODES.consult, 1, 20)];
  const fees = await api(base, 'POST', `/v1/outpatient/visits/${id}/fees`, { chrg_bchno: 'B1', lines });
  if (fees.status !== 201) throw new Error(`fees failed: ${fees.text}`);
  return { id, mdtrt_id, visit: reg.body.visit as Record<string, any>, total: fees.body.totals.medfee_sumamt as number };
}

export const settle = (base: string, id: string, medfee_sumamt: number | string = 20): Promise<Reply> =>
  api(base, 'POST', `/v1/outpatient/visits/${id}/settlement`, { medfee_sumamt, acct_used_flag: '0' });
export const transaction = async (base: string, id: string) => (await api(base, 'GET', `/v1/transactions/${id}`)).body;
