/**
 * The route handlers are typed from the generated response types (issue 14 point 2): each JSON route
 * is written handle(status, '<schema>', fn), fn's result typed from that schema. This checks the name
 * each route hands handle() against the operation it serves: the routes the gateway really mounts
 * (its express router, walked with each mount path) and the operation tables of the route modules
 * (the OpenAPI document is built from them), matched by method and path. A route that names another
 * schema than its operation declares, a JSON operation served without handle(), or a handle()d route
 * no operation declares fails here.
 */
import { describe, expect, it } from 'vitest';
import { routeOps } from '../gateway/http/app.js';
import { type Op, opsOps } from '../gateway/http/openapi.js';
import { mockAndGateway } from './helpers/suite.js';

interface Layer {
  handle: ((...a: unknown[]) => unknown) & { stack?: Layer[]; response?: string };
  rawPath?: string;
  route?: { path: string; methods: Record<string, boolean>; stack: Layer[] };
}
interface Mounted {
  method: string;
  path: string;
  response: string | undefined;
}

/** Every route under `stack`, with its full path (mount paths joined) and the schema its handle() names. */
function mountedRoutes(stack: Layer[], prefix = ''): Mounted[] {
  return stack.flatMap((layer): Mounted[] => {
    if (layer.route) {
      const path = `${prefix}${layer.route.path}`.replace(/:(\w+)/g, '{$1}');
      const named = layer.route.stack.map((l) => l.handle.response).find((n) => n !== undefined);
      return Object.keys(layer.route.methods).map((method) => ({ method, path, response: named }));
    }
    // a router mounted at the top has the mount path '/'
    if (layer.handle.stack) return mountedRoutes(layer.handle.stack, `${prefix}${(layer.rawPath ?? '').replace(/\/$/, '')}`);
    return [];
  });
}

/**
 * The JSON operations answered by their own sender, not handle(): the readiness answers (200 or 503,
 * the same body; typed with `satisfies` in ops-routes.ts) and the national-format door (the national
 * reply, national-door.ts). CSV and HTML operations (`produces`) keep their own senders too.
 */
const OWN_SENDER = new Set(['get /healthz/ready', 'get /readyz', 'post /national/{infno}', 'post /national/fsi/api/{service}/{method}']);

describe('route handlers name the response schema their operation declares', () => {
  const sys = mockAndGateway();
  const operations = new Map<string, Op>();
  for (const table of [opsOps, ...routeOps()])
    for (const [path, methods] of Object.entries(table))
      for (const [method, op] of Object.entries(methods)) operations.set(`${method} ${path}`, op);
  const routes = () => mountedRoutes((sys.gw.gw.app as unknown as { router: { stack: Layer[] } }).router.stack);

  it('finds the routes: the gateway mounts handle()d routes under /v1 and at the top', () => {
    const named = routes().filter((r) => r.response !== undefined);
    expect(named.map((r) => `${r.method} ${r.path}`)).toEqual(
      expect.arrayContaining(['get /v1/outpatient/visits/{id}', 'post /v1/pos/sales', 'get /v1/codes/{table}', 'get /healthz']),
    );
  });

  it('every handle()d route names the response schema of the operation of its method and path', () => {
    const wrong = routes()
      .filter((r) => r.response !== undefined)
      .map((r) => ({ route: `${r.method} ${r.path}`, handles: r.response, declared: operations.get(`${r.method} ${r.path}`)?.response }))
      .filter((x) => x.handles !== x.declared);
    expect(wrong).toEqual([]);
  });

  it('every JSON operation is served by a handle()d route, except the few with their own sender', () => {
    const served = new Map(routes().map((r) => [`${r.method} ${r.path}`, r]));
    const untyped = [...operations]
      .filter(([key, op]) => !op.produces && !OWN_SENDER.has(key))
      .filter(([key]) => served.get(key)?.response === undefined)
      .map(([key]) => key);
    expect(untyped).toEqual([]);
    // the own-sender list names routes that exist and are JSON operations
    for (const key of OWN_SENDER) {
      expect(served.has(key), key).toBe(true);
      expect(operations.get(key)?.produces, key).toBeUndefined();
    }
  });
});
