import { randomUUID } from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { AuthenticatedClient } from '../auth/clients.js';
import type { AppDeps } from './deps.js';
import { GatewayError } from '../errors/errors.js';
import type { Logger } from '../logger.js';
import type { Schemas } from '../validation.js';
import { consoleOps, consoleRoutes } from './console-routes.js';
import { selfPayOps, selfPayRoutes } from './self-pay-routes.js';
import { sessionOps, sessionRoutes } from './session-routes.js';
import { buildOpenApi, type Ops } from './openapi.js';
import { outpatientOps, outpatientRoutes } from './outpatient-routes.js';
import { inpatientOps, inpatientRoutes } from './inpatient-routes.js';
import { opsRoutes } from './ops-routes.js';
import { consolePage } from './console-page.js';
import { personOps, personRoutes } from './person-routes.js';
import { pharmacyOps, pharmacyRoutes } from './pharmacy-routes.js';
import { posOps, posRoutes } from './pos-routes.js';
import { reconciliationOps, reconciliationRoutes } from './reconciliation-routes.js';
import { printOps, printRoutes } from './print-routes.js';
import { refundOps, refundRoutes } from './refund-routes.js';
import { sendJson } from './money-json.js';
import { durableAnswers } from './durable-answers.js';
import { outcomeOps, outcomeRoutes, transactionOps, transactionRoutes } from './transaction-routes.js';
import { boundedIdentifiers, boundedJsonDepth } from './input-limits.js';
import { idempotency } from './idempotency.js';
import { NATIONAL_PREFIX, nationalDoor, nationalOps } from './national-door.js';
import { authenticate, authorize, keepRawBody, verifySignature } from './auth.js';
import { SIGNATURE_HEADERS } from '../auth/signature.js';
import { redactText } from '../privacy.js';
import { rateLimitPerClient, securityHeaders } from './security.js';

/**
 * The request path, in order (cf. OpenHIM's koaMiddleware): request id, access log and metrics ->
 * security headers -> authenticate (API key -> req.client) -> rate limit per client -> authorize
 * (role by path, gateway/auth/access.ts) -> JSON body (content type, size limit, raw bytes kept) ->
 * HMAC signature (HIS clients that sign; before a malformed body is refused) -> input limits (identifier length, JSON depth) -> Idempotency-Key (mutating /v1 requests) -> route (schema validation inside each handler; under /national the national-format door, national-door.ts, with its own msgid idempotency and national replies) -> engine
 * -> response; every error, whatever threw it, leaves through errorHandler as a catalog error body.
 */
export function createApp(d: AppDeps) {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  // Paths are matched case-sensitively everywhere (this app and every Router({ caseSensitive: true })):
  // the Idempotency-Key middleware reserves keys for paths starting with exactly `/v1/`, so the
  // routes that run must be exactly those; `/V1/...` meets the 404, never an unguarded route.
  app.set('case sensitive routing', true);
  app.use(requestId);
  app.use(durableAnswers(d.store, d.logger));
  app.use(requestLogger(d.logger));
  app.use(accessLog(d.logger));
  app.use(d.metrics.httpMiddleware());
  app.use(closeWhileDraining(d.lifecycle));
  app.use(securityHeaders());
  app.use(authenticate(d.auth.clients, d.clock, { requireTrustedCertificate: d.auth.requireTrustedCertificate, sessions: d.staff }));
  app.use(step('authenticated', (req) => ({ client: req.client?.id, role: req.client?.role })));
  app.use(rateLimitPerClient(d.auth.rateLimitPerMinute));
  app.use(authorize());
  app.use(step('authorized', (req) => ({ role: req.client?.role })));
  app.use(requireJsonBody);
  // a client that must sign is refused for a bad signature before it learns whether its JSON parses:
  // a parse error waits (the raw bytes are kept) until the signature has been checked
  app.use(deferParseError(express.json({ limit: d.bodyLimitBytes, strict: false, verify: keepRawBody })));
  // the national-format door also reads the JSON envelope sent as text/plain (nhis-web sends every call so)
  app.use(
    NATIONAL_PREFIX,
    deferParseError(express.json({ limit: d.bodyLimitBytes, strict: false, type: 'text/plain', verify: keepRawBody })),
  );
  app.use(verifySignature(d.auth.clients, d.store, d.clock));
  app.use(step('signature', (req) => ({ signed: req.get(SIGNATURE_HEADERS.signature) !== undefined })));
  app.use(raiseDeferredParseError);
  app.use(step('body read', (req) => ({ bytes: Number(req.get('content-length') ?? 0) || undefined })));
  // input limits (issue 13): no identifier longer than a store key may be, no body nested deeper than 64
  app.use('/v1', boundedIdentifiers);
  app.use(boundedJsonDepth);
  // Idempotency-Key: after auth (the key is scoped by client) and the body (it is fingerprinted)
  app.use(idempotencyTrace);
  app.use(idempotency({ store: d.store, logger: d.logger, ...d.idempotency }));
  app.use(step('idempotency', idempotencyDecision));

  // Route modules: each brings its router (mounted under /v1) and its OpenAPI operations (ROUTE_MODULES).
  const modules = ROUTE_MODULES.map(([routes, ops]) => ({ router: routes(d), ops }));
  // bundled once, asynchronously (json-schema-ref-parser); GET /openapi.json waits for it
  const openapi = apiDocument(d.schemas);
  openapi.catch((e: unknown) => d.logger.error({ err: String(e) }, 'the OpenAPI document could not be bundled'));
  app.use(opsRoutes(d, openapi));
  // the insurance office's console page: static files, public (no data); its data comes from /v1/console
  app.use(consolePage());
  for (const m of modules) app.use('/v1', m.router);
  // the national-format door (issue 19): the national envelope in, the national reply out
  app.use(NATIONAL_PREFIX, nationalDoor(d));

  app.use((req: Request) => {
    throw new GatewayError('GW_VAL_ROUTE_NOT_FOUND', { details: { method: req.method, path: req.path } });
  });
  app.use(errorHandler(d.logger));
  return app;
}

/**
 * Debug lines of the request path (LOG_LEVEL=debug): one per step a request passed, with the request
 * id and what the step decided — never a body, a header value or a path parameter beyond the route.
 * A refused request leaves the path through errorHandler, which logs why (warn).
 */
function step(name: string, fields: (req: Request) => Record<string, unknown>) {
  return (req: Request, _res: Response, next: NextFunction) => {
    if (req.log.isLevelEnabled('debug')) req.log.debug({ step: name, ...fields(req) }, `request step: ${name}`);
    next();
  };
}

/** The idempotency decision as the middleware took it: a stored answer replayed is seen on the response. */
function idempotencyTrace(req: Request, res: Response, next: NextFunction) {
  if (req.get('idempotency-key') !== undefined && req.log.isLevelEnabled('debug')) {
    res.on('finish', () => {
      if (res.getHeader('idempotent-replayed') === 'true')
        req.log.debug({ step: 'idempotency', decision: 'replayed', status: res.statusCode }, 'request step: idempotency');
    });
  }
  next();
}

/** what the idempotency middleware decided, for a request it let through (a replay answers before this) */
function idempotencyDecision(req: Request) {
  if (req.get('idempotency-key') === undefined) return { decision: 'no key' };
  if (!['POST', 'PUT', 'PATCH', 'DELETE'].includes(req.method) || !req.path.startsWith('/v1/')) return { decision: 'not applicable' };
  return { decision: 'claimed: first run of this key' };
}

function requestLogger(logger: Logger) {
  return (req: Request, _res: Response, next: NextFunction) => {
    req.log = logger.child({ request_id: req.id });
    next();
  };
}

/** Each route module: its router and its documented operations. A new flow (inpatient, pharmacy, console ...) adds one line here. */
const ROUTE_MODULES: Array<[(d: AppDeps) => express.Router, Ops]> = [
  [personRoutes, personOps],
  [outpatientRoutes, outpatientOps],
  [inpatientRoutes, inpatientOps],
  [transactionRoutes, transactionOps],
  [outcomeRoutes, outcomeOps],
  [pharmacyRoutes, pharmacyOps],
  [posRoutes, posOps],
  [refundRoutes, refundOps],
  [printRoutes, printOps],
  [consoleRoutes, consoleOps],
  [reconciliationRoutes, reconciliationOps],
  [selfPayRoutes, selfPayOps],
  [sessionRoutes, sessionOps],
];

/** The HIS-facing OpenAPI document (GET /openapi.json; scripts/gen-client.ts writes the typed client and the collection from it). */
export function apiDocument(schemas: Schemas) {
  return buildOpenApi(schemas, [...ROUTE_MODULES.map(([, ops]) => ops), nationalOps]);
}

declare module 'express-serve-static-core' {
  interface Request {
    id: string;
    /** the authenticated caller (gateway/http/auth.ts); absent only on /healthz */
    client?: AuthenticatedClient;
    /** the gateway's logger with this request's id (debug lines of the request path) */
    log: Logger;
  }
}

/** While draining for shutdown, every response closes its connection so keep-alive clients move on. */
function closeWhileDraining(lifecycle: { draining: boolean }) {
  return (_req: Request, res: Response, next: NextFunction) => {
    if (lifecycle.draining) res.setHeader('connection', 'close');
    next();
  };
}

function requestId(req: Request, res: Response, next: NextFunction) {
  const given = req.get('x-request-id');
  req.id = given && /^[\w.-]{1,64}$/.test(given) ? given : randomUUID();
  res.setHeader('x-request-id', req.id);
  next();
}

function accessLog(logger: Logger) {
  return (req: Request, res: Response, next: NextFunction) => {
    const start = process.hrtime.bigint();
    res.on('finish', () => {
      // method, route and status only: paths carry visit and settlement ids, never personal data
      logger.info(
        {
          request_id: req.id,
          client: req.client?.id,
          method: req.method,
          // a path could carry anything a client put in it (an ID number as a visit id): its patterns are redacted
          path: redactText(req.originalUrl.split('?')[0]),
          status: res.statusCode,
          ms: Math.round(Number(process.hrtime.bigint() - start) / 1e6),
        },
        'request',
      );
    });
    next();
  };
}

type Middleware = (req: Request, res: Response, next: NextFunction) => void;
const PARSE_ERROR = Symbol('json parse error');

/** Runs body-parser, holding back a malformed-JSON error (its raw bytes are already in req.rawBody). */
function deferParseError(parse: Middleware): Middleware {
  return (req, res, next) =>
    parse(req, res, (err?: unknown) => {
      if ((err as { type?: string } | undefined)?.type === 'entity.parse.failed') {
        (req as unknown as Record<symbol, unknown>)[PARSE_ERROR] = err;
        return next();
      }
      next(err as Error);
    });
}

function raiseDeferredParseError(req: Request, _res: Response, next: NextFunction) {
  next((req as unknown as Record<symbol, unknown>)[PARSE_ERROR]);
}

function requireJsonBody(req: Request, _res: Response, next: NextFunction) {
  const hasBody = Number(req.get('content-length') ?? 0) > 0 || req.get('transfer-encoding') !== undefined;
  const national = req.path.startsWith(`${NATIONAL_PREFIX}/`) && req.is('text/plain');
  if (hasBody && !req.is('application/json') && !national) {
    return next(new GatewayError('GW_VAL_UNSUPPORTED_MEDIA_TYPE', { details: { content_type: req.get('content-type') ?? null } }));
  }
  next();
}

/** Maps everything to the catalog: body-parser's errors, GatewayErrors, and anything unexpected (500, no stack). */
function errorHandler(logger: Logger) {
  // express recognises an error handler by its four parameters
  return (err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const ge = toGatewayError(err);
    if (ge.status >= 500) {
      logger.error(
        {
          request_id: req.id,
          code: ge.code,
          transaction_id: ge.transaction_id,
          err: ge.code === 'GW_SYS_INTERNAL' ? describeInternal(err) : undefined,
        },
        'request failed',
      );
    } else {
      logger.warn({ request_id: req.id, code: ge.code, transaction_id: ge.transaction_id }, 'request refused');
    }
    if (ge.transaction_id) res.setHeader('x-transaction-id', ge.transaction_id);
    sendJson(res, ge.status, ge.body(req.id));
  };
}

function toGatewayError(err: unknown): GatewayError {
  if (err instanceof GatewayError) return err;
  const e = err as { type?: string; status?: number };
  if (e?.type === 'entity.too.large') return new GatewayError('GW_VAL_BODY_TOO_LARGE');
  if (e?.type === 'entity.parse.failed') return new GatewayError('GW_VAL_MALFORMED_JSON');
  if (e?.type === 'charset.unsupported' || e?.type === 'encoding.unsupported') return new GatewayError('GW_VAL_UNSUPPORTED_MEDIA_TYPE');
  if (e?.type === 'request.aborted')
    return new GatewayError('GW_VAL_MALFORMED_JSON', {
      message: 'The request was aborted while its body was read.',
      message_zh: '读取请求体时请求被中断',
    });
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500)
    return new GatewayError('GW_VAL_MALFORMED_JSON', { message: 'The request could not be read.', message_zh: '无法读取请求体' });
  return new GatewayError('GW_SYS_INTERNAL', { cause: err });
}

function describeInternal(err: unknown) {
  // name and message only: a message could quote input, but never a body; the stack stays in the log, not the response
  const e = err as Error;
  return { name: e?.name, message: e?.message, stack: e?.stack };
}
