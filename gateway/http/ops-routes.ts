import { Router } from 'express';
import { GatewayError } from '../errors/errors.js';
import type { AppDeps } from './deps.js';
import type { HealthResponse } from '../generated/api/health.response.js';
import { handle } from './handler.js';

export function opsRoutes(d: AppDeps, openapi: Promise<unknown>) {
  const r = Router({ caseSensitive: true });
  r.get(
    '/healthz',
    handle(200, 'health.response', async () => ({ status: 'ok', mode: d.mode })),
  );
  // The two readiness answers keep their own sender: 200 or 503 with the same body (handle() has one
  // status); the body is still typed from health.response.
  // for a load balancer: ready or not, without a key and without the details /readyz gives staff
  r.get('/healthz/ready', async (_req, res) => {
    const { ready } = await readiness(d);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not_ready' } satisfies HealthResponse);
  });
  r.get('/readyz', async (_req, res) => {
    const { ready, checks } = await readiness(d);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not_ready', mode: d.mode, checks } satisfies HealthResponse);
  });
  r.get('/metrics', async (_req, res, next) => {
    try {
      const m = await d.metrics.render();
      res.setHeader('content-type', m.contentType);
      res.send(m.body);
    } catch (e) {
      next(e);
    }
  });
  r.get('/openapi.json', async (_req, res) => {
    res.json(await openapi);
  });
  r.get(
    '/v1/codes/:table',
    handle(200, 'code-table.response', async (req) => {
      const t = d.schemas.codes.get(req.params.table as string);
      if (!t) throw new GatewayError('GW_VAL_UNKNOWN_CODE', { details: { table: req.params.table, tables: [...d.schemas.codes.keys()] } });
      return t;
    }),
  );
  return r;
}

/** Store reachable, platform signed in, breaker not open, not draining. */
async function readiness(d: AppDeps) {
  const checks: Record<string, string> = {};
  try {
    await d.store.ping();
    checks.store = 'ok';
  } catch {
    checks.store = 'unreachable';
  }
  checks.platform = d.platform.signedIn ? 'signed_in' : 'not_signed_in';
  checks.circuit_breaker = d.breaker.state();
  if (d.lifecycle.draining) checks.shutdown = 'draining';
  const ready = checks.store === 'ok' && checks.platform === 'signed_in' && checks.circuit_breaker !== 'open' && !d.lifecycle.draining;
  return { ready, checks };
}
