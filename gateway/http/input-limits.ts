import type { NextFunction, Request, Response } from 'express';
import { GatewayError } from '../errors/errors.js';

/**
 * Limits every input meets before any route, store or recursive code sees it (issue 13): however
 * the request was built, too much of it is a 400 GW_VAL_SCHEMA naming what was too long or too deep,
 * never a stack overflow or a store key that does not fit.
 */

/**
 * The longest path segment or query value: every identifier the API takes (visit, admission,
 * settlement, transaction, refund, receipt, form ids, msgid, business keys) is far shorter (the
 * platform's own ids are ≤ 30 characters), and 128 characters of UTF-8 (≤ 512 bytes) stay well
 * inside lmdb's key limit (1,978 bytes) once prefixed. A longer one names nothing: it is refused
 * here, as a schema error, rather than looked up.
 */
export const MAX_IDENTIFIER_CHARS = 128;
/** How deep a JSON body may nest: the deepest API body (a fee line's exp_content) is 4 levels deep. */
export const MAX_JSON_DEPTH = 64;

function refuse(field: string, problem: string): GatewayError {
  return new GatewayError('GW_VAL_SCHEMA', {
    message: `Invalid request: ${field} ${problem}`,
    message_zh: `请求字段超出限制：${field}（见 details.errors）`,
    details: { errors: [{ field, problem, keyword: 'limit' }] },
  });
}

/** Path segments and query values under /v1: none longer than MAX_IDENTIFIER_CHARS. */
export function boundedIdentifiers(req: Request, _res: Response, next: NextFunction) {
  const segments = req.path.split('/');
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i]!;
    if (s.length <= MAX_IDENTIFIER_CHARS) continue;
    let decoded = s;
    try {
      decoded = decodeURIComponent(s);
    } catch {
      // left as sent: its length is what counts
    }
    if (decoded.length > MAX_IDENTIFIER_CHARS) {
      return next(refuse('path', `segment ${i} is longer than ${MAX_IDENTIFIER_CHARS} characters: no identifier is that long`));
    }
  }
  for (const [k, v] of Object.entries((req.query ?? {}) as Record<string, unknown>)) {
    if (k.length > MAX_IDENTIFIER_CHARS)
      return next(refuse('query', `has a parameter name longer than ${MAX_IDENTIFIER_CHARS} characters`));
    const values = Array.isArray(v) ? v : [v];
    if (values.some((x) => typeof x !== 'string' || x.length > MAX_IDENTIFIER_CHARS)) {
      return next(refuse(k.slice(0, 64), `must be one value of at most ${MAX_IDENTIFIER_CHARS} characters`));
    }
  }
  next();
}

/** A parsed JSON body nested deeper than MAX_JSON_DEPTH is refused; measured without recursion. */
export function boundedJsonDepth(req: Request, _res: Response, next: NextFunction) {
  if (jsonDepthExceeds(req.body, MAX_JSON_DEPTH)) {
    return next(refuse('(body)', `is nested deeper than ${MAX_JSON_DEPTH} levels`));
  }
  next();
}

/** True when `v` nests objects or arrays more than `max` deep (a scalar is depth 0). */
export function jsonDepthExceeds(v: unknown, max: number): boolean {
  const todo: Array<[unknown, number]> = [[v, 0]];
  while (todo.length) {
    const [x, depth] = todo.pop()!;
    if (!x || typeof x !== 'object') continue;
    if (depth + 1 > max) return true;
    for (const y of Array.isArray(x) ? x : Object.values(x)) if (y && typeof y === 'object') todo.push([y, depth + 1]);
  }
  return false;
}
