import type { Decimal } from 'decimal.js';
import type { NextFunction, Request, Response } from 'express';
import type { ApiResponses } from '../generated/api/responses.js';
import type { Schemas } from '../validation.js';
import { sendJson } from './money-json.js';

/**
 * A response type as a route may hand it over: wherever the schema says number, a decimal.js Decimal is
 * accepted too (money leaves as a Decimal; money-json.ts prints it with two decimals), through objects and
 * arrays. Nothing else is loosened.
 */
export type Wire<T> = T extends number
  ? T | Decimal
  : T extends Decimal
    ? T
    : T extends ReadonlyArray<infer U>
      ? Array<Wire<U>>
      : T extends object
        ? { [K in keyof T]: Wire<T[K]> }
        : T;

/** The name of a response schema (schemas/api/<name>.json), as an operation's `response` names it. */
export type ResponseName = keyof ApiResponses;

/** A route wrapped by handle(): it carries the response schema it answers with (test/route-types.test.ts reads it). */
export type Handled = ((req: Request, res: Response, next: NextFunction) => void) & { readonly response: ResponseName };

/**
 * Wraps an async route: its result is sent as JSON with the given status; a thrown error goes to the error handler.
 * `res` is there for headers only (a cookie, cache-control); the body is what fn returns.
 * The result is typed from the response schema the operation declares (gateway/generated/api/responses.ts), so a
 * route cannot drift from it (test/route-types.test.ts checks each route names its operation's schema).
 * Answers that keep their own senders: the printable pages (print-routes.ts, the outside form's print in
 * inpatient-routes.ts: HTML), the CSV exports (reconciliation-routes.ts report.csv, console-routes.ts
 * identity-refusals.csv), the readiness answers (ops-routes.ts: 200 or 503, body typed with `satisfies`),
 * /metrics and /openapi.json, and the national-format door (national-door.ts: the national reply).
 */
export function handle<N extends ResponseName>(
  status: number,
  response: N,
  fn: (req: Request, res: Response) => Promise<Wire<ApiResponses[N]>>,
): Handled {
  const route = (req: Request, res: Response, next: NextFunction) => {
    // the route that runs, as declared (path parameters not filled in: they are visit and settlement ids)
    req.log?.debug({ step: 'route', method: req.method, route: `${req.baseUrl}${req.route?.path ?? ''}` }, 'request step: route');
    fn(req, res).then((body) => {
      const tx = (body as { transaction_id?: unknown } | undefined)?.transaction_id;
      if (typeof tx === 'string') res.setHeader('x-transaction-id', tx);
      sendJson(res, status, body);
    }, next);
  };
  return Object.assign(route, { response });
}

/** What the engine keeps of the request: its id, and the API client that sent it (kept with a refused 人卡一致 check). */
export const meta = (req: Request) => ({ request_id: req.id, client_id: req.client?.id, client_role: req.client?.role });

/** Who did it, for an audit entry: the API client, or the signed-in person (actor `staff:<username>` and their name). */
export const auditActor = (req: Request) => ({
  actor: req.client?.id ?? 'anonymous',
  ...(req.client?.staff ? { actor_name: req.client.staff.name } : {}),
  role: req.client?.role ?? 'none',
});

/** A request body checked against its API schema (schemas/api/<name>.json); an absent body is checked as `{}`. */
export const apiBody =
  (schemas: Schemas) =>
  <T>(name: string, b: unknown): T =>
    schemas.checkApi<T>(name, b ?? {});
