import type { NextFunction, Request, Response } from 'express';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Clock } from '../adapters/platform/msgid.js';
import { accessRule } from './auth/access.js';
import type { BreakerState } from './resilience/circuit-breaker.js';
import { SELF_PAY_QUEUE } from './resilience/store-and-forward.js';
import { refundDecisionIds } from './engine/refund-op.js';
import type { ReconciliationStatus } from './resilience/reconciliation/service.js';
import { OPEN_WORK } from './store/query.js';
import type { Store } from './store/store.js';

/**
 * Prometheus metrics of one gateway instance, on its own registry (tests run several gateways in
 * one process; the global registry would mix them). Served at GET /metrics (admin role).
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  private readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  private readonly platformCalls: Counter<'infno' | 'outcome'>;
  private readonly platformDuration: Histogram<'infno'>;
  private readonly identityRefusals: Counter<'channel' | 'fields'>;

  private readonly reversalAttempts: Counter<'result'>;

  constructor(
    store: Store,
    private readonly clock: Clock,
  ) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    // promtool check metrics: a gauge must not end in _total. These three are the sums of the
    // nodejs_active_{handles,requests,resources}{type} gauges prom-client also exports, so dropping
    // them loses nothing (sum() gives them back); a prefix would not help, the suffix is the complaint.
    for (const name of FLAGGED_DEFAULT_METRICS) this.registry.removeSingleMetric(name);
    this.httpRequests = new Counter({
      name: 'yidi_http_requests_total',
      help: 'HTTP requests by method, route pattern and status',
      labelNames: ['method', 'route', 'status'],
      registers,
    });
    this.httpDuration = new Histogram({
      name: 'yidi_http_request_duration_seconds',
      help: 'HTTP request latency by method, route pattern and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.platformCalls = new Counter({
      name: 'yidi_platform_calls_total',
      help: 'Platform calls by infno and outcome (succeeded, rejected, unknown, not_sent)',
      labelNames: ['infno', 'outcome'],
      registers,
    });
    this.platformDuration = new Histogram({
      name: 'yidi_platform_call_duration_seconds',
      help: 'Platform call latency by infno',
      labelNames: ['infno'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 15, 30],
      registers,
    });
    this.identityRefusals = new Counter({
      name: 'yidi_identity_refusals_total',
      help: 'Refused 人卡一致 identity checks (JS 24) by channel (person_query, outpatient_registration, inpatient_admission, pharmacy_sale) and the fields that differed',
      labelNames: ['channel', 'fields'],
      registers,
    });
    this.reversalAttempts = new Counter({
      name: 'yidi_reversal_attempts_total',
      help: '2601 reversal (冲正) attempts by result: reversed, not_booked, done (held after all), needs_manual (given to staff), failed (tried again later), not_sent (platform down or breaker open)',
      labelNames: ['result'],
      registers,
    });
    this.watchOpenWorkAge(store);
    new Gauge({
      name: 'yidi_open_work',
      help: "Open work by kind, counted from the store's open-work indexes (0 when everything is done): pending (calls in flight), unresolved, reversing, inquiring, needs_manual, releasing (journal records still to be resolved), self_pay_pending, self_pay_rejected (uploads owed), refund_decisions (partial refunds refunded in full whose kept lines were not settled again)",
      labelNames: ['kind'],
      registers,
      async collect() {
        const [journal, uploads, refunds] = await Promise.all([
          store.countOpenWork(),
          store.countOutbox(SELF_PAY_QUEUE),
          refundDecisionIds(store),
        ]);
        for (const [kind, n] of Object.entries(journal)) this.set({ kind }, n);
        this.set({ kind: 'self_pay_pending' }, uploads.pending);
        this.set({ kind: 'self_pay_rejected' }, uploads.rejected);
        this.set({ kind: 'refund_decisions' }, refunds.length);
      },
    });
  }

  /** Work left open too long: the age of the oldest record in each open-work index (0: none open). */
  private watchOpenWorkAge(store: Store) {
    const clock = this.clock;
    new Gauge({
      name: 'yidi_open_work_oldest_age_seconds',
      help: "Age (since its call was made) of the oldest record of each open-work kind, from the store's open-work indexes; 0 when none is open",
      labelNames: ['kind'],
      registers: [this.registry],
      async collect() {
        const oldest = await store.oldestOpenWork();
        const now = clock.now().getTime();
        for (const kind of OPEN_WORK) {
          const at = oldest[kind];
          this.set({ kind }, at ? Math.max(0, (now - Date.parse(at)) / 1000) : 0);
        }
      },
    });
  }

  /**
   * The platform side: the circuit breaker's state (one series per state, 1 for the current one),
   * whether the gateway holds a sign-in, and seconds since the last successful 9001 sign-in (since
   * this process started while it has none yet).
   */
  watchPlatform(breaker: { state(): BreakerState }, platform: { readonly signedIn: boolean; readonly lastSignInAt: number | undefined }) {
    const registers = [this.registry];
    const clock = this.clock;
    const startedAt = clock.now().getTime();
    new Gauge({
      name: 'yidi_circuit_breaker_state',
      help: 'The platform circuit breaker: 1 for its current state (closed, half_open, open), 0 for the others',
      labelNames: ['state'],
      registers,
      collect() {
        const current = breaker.state();
        for (const state of BREAKER_STATES) this.set({ state }, state === current ? 1 : 0);
      },
    });
    new Gauge({
      name: 'yidi_platform_signed_in',
      help: '1 while the gateway holds a 9001 sign-in (sign_no), 0 otherwise (/readyz is then not ready)',
      registers,
      collect() {
        this.set(platform.signedIn ? 1 : 0);
      },
    });
    new Gauge({
      name: 'yidi_platform_sign_in_age_seconds',
      help: 'Seconds since the last successful 9001 sign-in (since the process started while there has been none)',
      registers,
      collect() {
        this.set(Math.max(0, (clock.now().getTime() - (platform.lastSignInAt ?? startedAt)) / 1000));
      },
    });
  }

  /**
   * Reconciliation (对账, issue 12), read from the day documents on each scrape: the last balanced
   * day, the open differences, the days open in the current month, and whether last month's close
   * is overdue (alert on it: JS 43 wants it by the 3rd).
   */
  watchReconciliation(status: () => Promise<ReconciliationStatus>) {
    const registers = [this.registry];
    let pending: Promise<ReconciliationStatus> | undefined;
    // one read of the documents per scrape, whichever gauge asks first
    const read = () => {
      pending ??= status().finally(() => setImmediate(() => (pending = undefined)));
      return pending;
    };
    const gauge = (name: string, help: string, pick: (s: ReconciliationStatus) => number) =>
      new Gauge({
        name,
        help,
        registers,
        async collect() {
          this.set(pick(await read()));
        },
      });
    gauge(
      'yidi_reconciliation_last_balanced_day_timestamp_seconds',
      'Local midnight of the latest balanced reconciliation day (0: none in this or the last month)',
      (s) => s.last_balanced_day_timestamp,
    );
    gauge(
      'yidi_reconciliation_open_differences',
      'Reconciliation differences (work items) not resolved, this and the last month',
      (s) => s.open_differences,
    );
    gauge(
      'yidi_reconciliation_unbalanced_dates_current_month',
      'Days of the current month before today that are not balanced (not run counts as open)',
      (s) => s.days_open_current_month,
    );
    gauge('yidi_reconciliation_previous_month_closed', '1 once the last month is closed (every day balanced)', (s) =>
      s.previous_month_closed ? 1 : 0,
    );
    gauge(
      'yidi_reconciliation_close_overdue',
      '1 while the last month is not closed after its closing day (RECON_CLOSE_BY_DAY, JS 43)',
      (s) => (s.close_overdue ? 1 : 0),
    );
  }

  /** ReversalWorker's `onAttempt` hook: one 2601 attempt and its result. */
  readonly countReversalAttempt = (result: string) => {
    this.reversalAttempts.inc({ result });
  };

  /** PlatformClient's `observe` hook. */
  readonly observePlatform = (infno: string, outcome: string, ms: number) => {
    this.platformCalls.inc({ infno, outcome });
    this.platformDuration.observe({ infno }, ms / 1000);
  };

  /** IdentityRefusals' hook: one refused 人卡一致 check (the fields sorted, so that the label set stays small). */
  readonly countIdentityRefusal = (r: { channel: string; fields: string[] }) => {
    this.identityRefusals.inc({ channel: r.channel, fields: [...r.fields].sort().join('+') });
  };

  /** Counts and times every request by its route pattern (never the raw path: ids would explode the labels). */
  httpMiddleware() {
    return (req: Request, res: Response, next: NextFunction) => {
      trackMatchedRoute(req);
      const end = this.httpDuration.startTimer();
      res.on('finish', () => {
        const labels = { method: req.method, route: routeLabel(req), status: String(res.statusCode) };
        this.httpRequests.inc(labels);
        end(labels);
      });
      next();
    };
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

const FLAGGED_DEFAULT_METRICS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];
const BREAKER_STATES: readonly BreakerState[] = ['closed', 'half_open', 'open'];

/** The route pattern a request matched, with its router's mount path, as it was when the route matched. */
const MATCHED = Symbol('matched route');
type Tracked = Request & { [MATCHED]?: string };

/**
 * Remembers the full pattern the moment Express assigns `req.route` (its router then sets
 * `req.baseUrl` to the mount path, e.g. /v1). An error raised inside a mounted router leaves it:
 * by `finish` the baseUrl is the app's again (''), so reading it there labelled every error
 * without its prefix (issue 15).
 */
function trackMatchedRoute(req: Tracked) {
  let route: unknown;
  Object.defineProperty(req, 'route', {
    configurable: true,
    enumerable: true,
    get: () => route,
    set(v: { path?: unknown } | undefined) {
      route = v;
      if (v?.path !== undefined) req[MATCHED] = `${req.baseUrl}${String(v.path)}`;
    },
  });
}

function routeLabel(req: Tracked): string {
  if (req[MATCHED]) return req[MATCHED];
  // refused before routing (401, 403, 413, 429) or no route at all: the endpoint group, else one label
  const { prefix } = accessRule(req.originalUrl.split('?')[0] ?? '/');
  return prefix ? `${prefix}/*` : 'unmatched';
}
