import type { NextFunction, Request, Response } from 'express';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { accessRule } from './auth/access.js';
import { SELF_PAY_QUEUE } from './resilience/store-and-forward.js';
import type { ReconciliationStatus } from './resilience/reconciliation/service.js';
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

  constructor(store: Store) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
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
    new Gauge({
      name: 'yidi_open_work',
      help: "Open work by kind, counted from the store's open-work indexes (0 when everything is done): pending (calls in flight), unresolved, reversing, inquiring, needs_manual, releasing (journal records still to be resolved), self_pay_pending, self_pay_rejected (uploads owed)",
      labelNames: ['kind'],
      registers,
      async collect() {
        const [journal, uploads] = await Promise.all([store.countOpenWork(), store.countOutbox(SELF_PAY_QUEUE)]);
        for (const [kind, n] of Object.entries(journal)) this.set({ kind }, n);
        this.set({ kind: 'self_pay_pending' }, uploads.pending);
        this.set({ kind: 'self_pay_rejected' }, uploads.rejected);
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
      'yidi_reconciliation_days_open_current_month',
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

function routeLabel(req: Request): string {
  if (req.route?.path) return `${req.baseUrl}${String(req.route.path)}`;
  // refused before routing (401, 403, 413, 429) or no route at all: the endpoint group, else one label
  const { prefix } = accessRule(req.originalUrl.split('?')[0] ?? '/');
  return prefix ? `${prefix}/*` : 'unmatched';
}
