import { createHash } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { GatewayError } from '../errors/errors.js';
import type { Logger } from '../logger.js';
import type { Store, StoredResponse } from '../store/store.js';

export interface IdempotencyOptions {
  store: Store;
  logger: Logger;
  /** how long a finished key's response is kept (≥ 24 h in production) */
  ttlSeconds: number;
  /** how long a duplicate waits for the first request with its key to finish */
  waitMs: number;
  /** this process's boot id, written into each claim: recovery at the next start knows whose claims are dead */
  holder?: string;
}

/**
 * An in-flight claim lapses after this long; longer than any request may run. A crashed holder's
 * claims are released sooner, by the next start-up's recovery (gateway/server.ts, by boot id).
 */
const LEASE_SECONDS = 300;
const POLL_MS = 50;
const KEY_FORMAT = /^[\x21-\x7e]{1,128}$/;
const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Errors that leave nothing behind and go away by themselves: the HIS may send the same key again. */
const TRANSIENT = new Set([
  'GW_BIZ_VISIT_BUSY',
  'GW_BIZ_OUTCOME_UNKNOWN_PENDING',
  'GW_SYS_PLATFORM_UNAVAILABLE',
  'GW_SYS_PLATFORM_CIRCUIT_OPEN',
  // a lost reply of a call that books nothing: the same request, under the same key, may run again
  'GW_SYS_PLATFORM_NO_REPLY_NOTHING_BOOKED',
]);

/**
 * Idempotency-Key (幂等键) on every mutating /v1 request: the HIS retries on every timeout, and a
 * retry must not book a second settlement. Per client and key:
 * - first request: claims the key, runs, and its answer is stored (see `keeps`) before it is sent;
 * - same key, same body, after that: the stored status, body and x-transaction-id, marked
 *   `idempotent-replayed: true`;
 * - same key, same body, while the first still runs: waits for its answer (up to waitMs), else 409
 *   GW_BIZ_IDEMPOTENCY_IN_FLIGHT;
 * - same key, another body: 422 GW_VAL_IDEMPOTENCY_KEY_REUSED.
 * The claim is atomic in the store, so this holds across replicas sharing one Redis.
 */
export function idempotency(o: IdempotencyOptions) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const key = req.get('idempotency-key');
    // a staff sign-in or sign-out is never replayed: a stored answer would hold a CSRF token (and no cookie)
    if (key === undefined || !MUTATING.has(req.method) || !req.path.startsWith('/v1/') || req.path === '/v1/session') return next();
    try {
      if (!KEY_FORMAT.test(key)) {
        throw new GatewayError('GW_VAL_SCHEMA', {
          message: 'The Idempotency-Key header must be 1 to 128 visible ASCII characters.',
          message_zh: '幂等键（Idempotency-Key 请求头）须为1至128个可见ASCII字符（不含空格）',
          details: { header: 'Idempotency-Key', problem: 'must be 1-128 visible ASCII characters (no spaces)' },
        });
      }
      const client = (req as { client?: { id?: string } }).client?.id ?? 'anonymous';
      const scope = `${client}:${key}`;
      const fingerprint = fingerprintOf(req);
      const deadline = Date.now() + o.waitMs;
      for (;;) {
        const c = await o.store.claimIdempotency(scope, fingerprint, LEASE_SECONDS, o.holder);
        if (c.state === 'mismatch') throw new GatewayError('GW_VAL_IDEMPOTENCY_KEY_REUSED', { details: { idempotency_key: key } });
        if (c.state === 'done') return replay(res, c.response);
        if (c.state === 'claimed') {
          captureResponse(res, (stored) => settle(o, scope, c.token, stored, req.id));
          return next();
        }
        if (Date.now() >= deadline) throw new GatewayError('GW_BIZ_IDEMPOTENCY_IN_FLIGHT', { details: { idempotency_key: key } });
        await new Promise((r) => setTimeout(r, POLL_MS));
      }
    } catch (e) {
      next(e);
    }
  };
}

/** SHA-256 of method, path and the body as canonical JSON (key order does not matter). */
export function fingerprintOf(req: Request): string {
  const path = req.originalUrl.split('?')[0];
  return createHash('sha256')
    .update(`${req.method}\n${path}\n${canonicalJson(req.body ?? null)}`)
    .digest('hex');
}

/**
 * Key order does not matter; `undefined` members are left out (as in JSON.stringify). Iterative, so
 * that a body nested thousands deep cannot overflow the stack (issue 13): it is refused later, by
 * the input limits or its schema, as a 400.
 */
export function canonicalJson(v: unknown): string {
  const out: string[] = [];
  // work list, last first: a value still to write, or text (a bracket, a comma, a key) to write as it is
  const todo: Array<{ value: unknown } | string> = [{ value: v }];
  while (todo.length) {
    const t = todo.pop()!;
    if (typeof t === 'string') {
      out.push(t);
      continue;
    }
    const x = t.value;
    if (Array.isArray(x)) {
      todo.push(']');
      for (let i = x.length - 1; i >= 0; i--) todo.push({ value: x[i] }, ...(i > 0 ? [','] : []));
      out.push('[');
    } else if (x && typeof x === 'object') {
      const entries = Object.entries(x as Record<string, unknown>).filter(([, y]) => y !== undefined);
      entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      todo.push('}');
      for (let i = entries.length - 1; i >= 0; i--) {
        const [k, y] = entries[i]!;
        todo.push({ value: y }, `${i > 0 ? ',' : ''}${JSON.stringify(k)}:`);
      }
      out.push('{');
    } else {
      out.push(JSON.stringify(x) ?? 'null');
    }
  }
  return out.join('');
}

/**
 * Which answers a key keeps (README "Idempotency-Key"): every 2xx; every error once execution
 * began (a platform call happened: the error carries a transaction_id); business refusals (409 /
 * 422 GW_BIZ_*). Everything else — a validation error before execution, a fault before anything
 * was sent, a busy visit — releases the key, so the HIS can correct or wait and send it again.
 */
export function keeps(r: StoredResponse): boolean {
  if (r.status >= 200 && r.status < 300) return true;
  let code: string | undefined;
  let transactionId: string | undefined;
  try {
    const e = (JSON.parse(r.body) as { error?: { code?: string; transaction_id?: string } }).error;
    code = e?.code;
    transactionId = e?.transaction_id;
  } catch {
    return false;
  }
  if (code && TRANSIENT.has(code)) return false;
  if (transactionId) return true;
  return (r.status === 409 || r.status === 422) && !!code?.startsWith('GW_BIZ_');
}

async function settle(o: IdempotencyOptions, scope: string, token: string, r: StoredResponse, requestId: string) {
  try {
    if (keeps(r)) {
      if (!(await o.store.completeIdempotency(scope, token, r, o.ttlSeconds))) {
        o.logger.warn({ request_id: requestId }, 'idempotency claim lapsed before the answer was stored');
      }
    } else {
      await o.store.releaseIdempotency(scope, token);
    }
  } catch (e) {
    // the answer still goes out; the claim lapses after its lease
    o.logger.error({ request_id: requestId, err: (e as Error)?.message }, 'could not store the idempotency record');
  }
}

/**
 * Stores the answer under its key before it leaves, so that a duplicate waiting on the key gets
 * exactly this answer. The record's write is issued here and the answer handed on at once: the
 * answer's last bytes wait for store.sync() (durable-answers.ts, mounted before this), which waits
 * for every write issued before it — this one included — so the answer still never leaves before
 * its record is stored, and the request waits for one commit fewer (issue 11). Every JSON answer
 * (routes and the error handler) leaves through res.send.
 */
function captureResponse(res: Response, store: (r: StoredResponse) => Promise<void>) {
  const send = res.send.bind(res);
  let done = false;
  res.send = ((body?: unknown) => {
    if (done) return send(body as never);
    done = true;
    const text = typeof body === 'string' ? body : Buffer.isBuffer(body) ? body.toString('utf8') : JSON.stringify(body ?? null);
    const tx = res.getHeader('x-transaction-id');
    void store({ status: res.statusCode, body: text, ...(typeof tx === 'string' ? { transaction_id: tx } : {}) });
    return send(body as never);
  }) as Response['send'];
}

function replay(res: Response, r: StoredResponse) {
  if (r.transaction_id) res.setHeader('x-transaction-id', r.transaction_id);
  res.setHeader('idempotent-replayed', 'true');
  res.status(r.status).type('application/json; charset=utf-8').send(r.body);
}
