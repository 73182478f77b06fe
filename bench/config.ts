/**
 * The bench's parameters. Defaults keep `npm run bench` well under five minutes on a 2-core
 * machine; each can be changed through the environment for a longer, steadier run.
 */
const num = (name: string, dflt: number) => {
  const v = process.env[name];
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative number, got "${v}"`);
  return n;
};

export const benchConfig = () => ({
  /** autocannon connections, the same on both sides */
  connections: num('BENCH_CONNECTIONS', 10),
  /** fixed latency the mock adds to every platform call, on both sides */
  platformLatencyMs: num('BENCH_PLATFORM_LATENCY_MS', 5),
  /** seconds per measured run of the settlement (a) and lookup (b) scenarios */
  settleRunS: num('BENCH_SETTLE_RUN_S', 4),
  lookupRunS: num('BENCH_LOOKUP_RUN_S', 3),
  /**
   * (c) breaker open, (d) inpatient settle, (e) refund: shorter runs in one ABBA round (their
   * iterations must be prepared one by one, unmeasured, and the five minutes are shared).
   */
  extraRunS: num('BENCH_EXTRA_RUN_S', 2.5),
  extraWarmupS: num('BENCH_EXTRA_WARMUP_S', 1),
  extraOrder: ['gateway', 'baseline', 'baseline', 'gateway'] as Array<'gateway' | 'baseline'>,
  /** (c): the platform timeout of the (c) gateway and baseline, so that the baseline's wait on a silent platform is bounded */
  breakerPlatformTimeoutMs: num('BENCH_BREAKER_PLATFORM_TIMEOUT_MS', 1_000),
  /** an unrecorded run per side before the measured ones (JIT, connection pools, store files) */
  warmupS: num('BENCH_WARMUP_S', 2),
  /** fee lines per upload in (a) and in the journal measurement */
  feeLines: num('BENCH_FEE_LINES', 20),
  /** settled transactions for the journal-bytes measurement, per store */
  journalSettlements: num('BENCH_JOURNAL_SETTLEMENTS', 200),
  /**
   * Alternation of sides, ABBA twice: a linear drift over the run (the mock's state grows, the
   * store fills) falls on both sides alike, and short alternating runs spread a shared machine's
   * bursts of other work over both sides rather than onto one.
   */
  order: ['gateway', 'baseline', 'baseline', 'gateway', 'gateway', 'baseline', 'baseline', 'gateway'] as Array<'gateway' | 'baseline'>,
  /** only these scenarios (comma-separated ids, e.g. "c,d"), for working on one; empty = all */
  only: (process.env.BENCH_SCENARIOS ?? '')
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean),
  /** the whole run is stopped (and fails) past this */
  budgetS: num('BENCH_BUDGET_S', 285),
});

export type BenchConfig = ReturnType<typeof benchConfig>;
