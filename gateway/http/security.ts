import type { NextFunction, Request, Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import helmet from 'helmet';
import { GatewayError } from '../errors/errors.js';

/** helmet's defaults: a JSON API needs nothing beyond them (nosniff, no framing, HSTS, default CSP). */
export function securityHeaders() {
  return helmet();
}

/**
 * Requests per client per minute (the client's `rate_limit_per_minute`, else RATE_LIMIT_PER_MINUTE).
 * Counted in this process: behind a load balancer each replica allows the limit on its own.
 */
export function rateLimitPerClient(defaultPerMinute: number) {
  const limitOf = (req: Request) => req.client?.rateLimitPerMinute ?? defaultPerMinute;
  return rateLimit({
    windowMs: 60_000,
    limit: limitOf,
    keyGenerator: (req) => req.client!.id,
    skip: (req) => !req.client, // only /healthz has no client
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    handler: (req: Request, _res: Response, next: NextFunction) => {
      next(new GatewayError('GW_SEC_RATE_LIMITED', { details: { limit_per_minute: limitOf(req) } }));
    },
  });
}
