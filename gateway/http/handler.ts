import type { NextFunction, Request, Response } from 'express';
import type { Schemas } from '../validation.js';
import { sendJson } from './money-json.js';

/** Wraps an async route: its result is sent as JSON with the given status; a thrown error goes to the error handler. */
export function handle(status: number, fn: (req: Request) => Promise<unknown>) {
  return (req: Request, res: Response, next: NextFunction) => {
    // the route that runs, as declared (path parameters not filled in: they are visit and settlement ids)
    req.log?.debug({ step: 'route', method: req.method, route: `${req.baseUrl}${req.route?.path ?? ''}` }, 'request step: route');
    fn(req).then((body) => {
      const tx = (body as { transaction_id?: unknown } | undefined)?.transaction_id;
      if (typeof tx === 'string') res.setHeader('x-transaction-id', tx);
      sendJson(res, status, body);
    }, next);
  };
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
