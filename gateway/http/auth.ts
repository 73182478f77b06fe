import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { NextFunction, Request, Response } from 'express';
import type { Clock } from '../../adapters/platform/msgid.js';
import { accessRule } from '../auth/access.js';
import type { ApiClients } from '../auth/clients.js';
import type { StaffSessions } from '../auth/sessions.js';
import { checkSignature, NONCE_TTL_SECONDS, SIGNATURE_HEADERS } from '../auth/signature.js';
import { GatewayError } from '../errors/errors.js';
import type { Store } from '../store/store.js';

declare module 'express-serve-static-core' {
  interface Request {
    /** the request body exactly as received (for HMAC signatures), captured by express.json's verify */
    rawBody?: Buffer;
  }
}

const REALM = 'realm="yidi-gateway"';

/**
 * The credential: `x-api-key: <key>` or `Authorization: Bearer <key>`; at the national-format door
 * also `apikey: <key>`, the header an HIS's national-interface code already sends (openhis ClassHelper).
 */
function presentedKey(req: Request): string | undefined {
  const header = req.get('x-api-key') ?? (req.path.startsWith('/national/') ? req.get('apikey') : undefined);
  if (header) return header.trim();
  const m = /^Bearer\s+(\S+)\s*$/i.exec(req.get('authorization') ?? '');
  return m?.[1];
}

/** The TLS client certificate the caller presented (mutual TLS, issue 20), when the listener is TLS. */
function presentedCertificate(req: Request): { fingerprint256: string; trusted: boolean } | undefined {
  const socket = req.socket as Partial<TLSSocket>;
  if (typeof socket.getPeerCertificate !== 'function') return undefined;
  const cert = socket.getPeerCertificate();
  if (!cert?.fingerprint256) return undefined;
  return { fingerprint256: cert.fingerprint256, trusted: socket.authorized === true };
}

/** The staff session cookie (POST /v1/session sets it) and the header its CSRF token comes back in. */
export const SESSION_COOKIE = 'yidi_session';
export const CSRF_HEADER = 'x-csrf-token';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The session token of the request's Cookie header, if any. */
export function sessionToken(req: Request): string | undefined {
  for (const part of (req.get('cookie') ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === SESSION_COOKIE) return part.slice(eq + 1).trim() || undefined;
  }
  return undefined;
}

/**
 * Sets `req.client` from a registered client certificate (over TLS; a certificate no client pins —
 * or, with TLS_CLIENT_CA_FILE, one not from that CA — is refused unless an API key comes with it),
 * a valid API key, or from a staff session cookie (a person signed in with
 * POST /v1/session: id `staff:<username>`, the account's role), or refuses with 401
 * GW_SEC_UNAUTHENTICATED. A request with the cookie that changes something must send the session's
 * CSRF token in x-csrf-token (double submit: a page of another site sends the cookie but cannot
 * know the token), else 403 GW_SEC_CSRF_INVALID. An API key, when sent, wins over a cookie.
 * /healthz needs nothing.
 */
export function authenticate(
  clients: ApiClients,
  clock: Clock,
  opts: { requireTrustedCertificate?: boolean; sessions?: StaffSessions } = {},
) {
  const sessions = opts.sessions;
  return (req: Request, res: Response, next: NextFunction) => {
    if (accessRule(req.path).roles === 'public') return next();
    const cert = presentedCertificate(req);
    const key = presentedKey(req);
    if (cert && (cert.trusted || !opts.requireTrustedCertificate)) {
      const byCert = clients.authenticateCertificate(cert.fingerprint256);
      if (byCert.ok) {
        req.client = byCert.client;
        return next();
      }
    }
    if (cert && !key) return next(new GatewayError('GW_SEC_UNAUTHENTICATED', { details: { reason: 'unknown_certificate' } }));
    const token = key ? undefined : sessionToken(req);
    if (token && sessions) {
      sessions.check(token).then((r) => {
        if (!r.ok) return next(new GatewayError('GW_SEC_UNAUTHENTICATED', { details: { reason: r.reason } }));
        if (!SAFE_METHODS.has(req.method) && !sessions.csrfMatches(r.session, req.get(CSRF_HEADER)))
          return next(new GatewayError('GW_SEC_CSRF_INVALID', { details: { header: CSRF_HEADER } }));
        const s = r.session;
        req.client = { id: `staff:${s.username}`, role: s.role, key_id: 'session', staff: { username: s.username, name: s.name } };
        next();
      }, next);
      return;
    }
    if (!key) {
      res.setHeader('www-authenticate', `Bearer ${REALM}`);
      return next(new GatewayError('GW_SEC_UNAUTHENTICATED', { details: { reason: 'missing_credentials' } }));
    }
    const r = clients.authenticate(key, clock.now());
    if (!r.ok) {
      res.setHeader('www-authenticate', `Bearer ${REALM}, error="invalid_token"`);
      return next(new GatewayError('GW_SEC_UNAUTHENTICATED', { details: { reason: r.reason } }));
    }
    req.client = r.client;
    next();
  };
}

/** The role table (gateway/auth/access.ts) by path: 403 GW_SEC_FORBIDDEN for a role not in the row. */
export function authorize() {
  return (req: Request, _res: Response, next: NextFunction) => {
    const rule = accessRule(req.path);
    if (rule.roles === 'public' || rule.roles === 'any' || (req.client && rule.roles.includes(req.client.role))) return next();
    next(new GatewayError('GW_SEC_FORBIDDEN', { details: { role: req.client?.role ?? null, endpoint_group: rule.prefix } }));
  };
}

/** express.json's `verify`: keeps the raw bytes, which the signature covers. */
export function keepRawBody(req: IncomingMessage, _res: unknown, buf: Buffer) {
  (req as Request).rawBody = buf;
}

/**
 * HMAC request signing (gateway/auth/signature.ts), after the body is read: required for a client
 * with `require_signature`, checked whenever a client with a secret sends signature headers.
 * A nonce is accepted once: the store's counter `nonce:<client>:<nonce>` is 1 only the first time.
 */
export function verifySignature(clients: ApiClients, store: Store, clock: Clock) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const client = req.client;
    if (!client) return next();
    const secret = clients.hmacSecret(client.id);
    const headers = {
      timestamp: req.get(SIGNATURE_HEADERS.timestamp),
      nonce: req.get(SIGNATURE_HEADERS.nonce),
      signature: req.get(SIGNATURE_HEADERS.signature),
    };
    const signed = headers.timestamp !== undefined || headers.nonce !== undefined || headers.signature !== undefined;
    if (!secret || (!signed && !clients.requiresSignature(client.id))) return next();
    const refuse = (reason: string) => {
      res.setHeader('www-authenticate', `YIDI-HMAC-SHA256 ${REALM}, headers="${Object.values(SIGNATURE_HEADERS).join(' ')}"`);
      next(new GatewayError('GW_SEC_SIGNATURE_INVALID', { details: { reason } }));
    };
    const problem = checkSignature(
      secret,
      headers,
      { method: req.method, target: req.originalUrl, body: req.rawBody ?? '' },
      clock.now().getTime(),
    );
    if (problem) return refuse(problem);
    try {
      const seen = await store.nextSequence(`nonce:${client.id}:${headers.nonce}`, NONCE_TTL_SECONDS);
      if (seen !== 1) return refuse('nonce_replayed');
    } catch (e) {
      return next(e);
    }
    next();
  };
}
