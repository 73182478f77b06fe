import type { NextFunction, Request, Response } from 'express';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { accessRule } from './auth/access.js';
import type { Store } from './store/store.js';

/** Journal backlog is counted up to this many records per outcome on each scrape (a bounded query). */
export const BACKLOG_SCAN_LIMIT = 10_000;

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
      name: 'yidi_journal_backlog',
      help: `Journaled platform calls not yet resolved, by outcome (counted up to ${BACKLOG_SCAN_LIMIT})`,
      labelNames: ['outcome'],
      registers,
      async collect() {
        for (const outcome of ['unknown', 'pending'] as const) {
          this.set({ outcome }, (await store.listTransactions({ outcome, limit: BACKLOG_SCAN_LIMIT })).length);
        }
      },
    });
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
