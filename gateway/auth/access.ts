import type { Role } from './clients.js';

/**
 * Who may call what: one row per endpoint group, matched by path prefix (the longest wins). A new
 * flow adds its row here; README.md ("Authentication and roles") shows the same matrix.
 * 'public' needs no credential; 'any' needs one of any role. A path no row matches needs a
 * credential of any role and then meets the usual 404.
 * A public row is public only for exactly the paths it lists (`only`, case and all): anything else
 * under it (`/healthz/x`, `/console/nothing-here`) needs a credential like any unknown path, so an
 * anonymous caller learns nothing from a 404 there (401 first).
 */
export const ACCESS: ReadonlyArray<{ prefix: string; roles: 'public' | 'any' | readonly Role[]; only?: readonly string[] }> = [
  { prefix: '/healthz', roles: 'public', only: ['/healthz', '/healthz/ready'] },
  // the console page's static files hold no data; the page calls /v1/console with the staff member's key
  {
    prefix: '/console',
    roles: 'public',
    only: [
      '/console',
      '/console/console.js',
      '/console/work-queue.js',
      '/console/console.css',
      '/console/error-catalog.json',
      '/console/index.html',
      // the component library (Preact with htm, issue 15), served from node_modules: nothing comes from outside the gateway
      '/console/vendor/htm-preact.js',
    ],
  },
  // staff sign-in (POST), who am I (GET), sign-out (DELETE): the route checks the session cookie itself
  { prefix: '/v1/session', roles: 'public', only: ['/v1/session'] },
  { prefix: '/readyz', roles: ['staff', 'admin'] },
  { prefix: '/metrics', roles: ['admin'] },
  { prefix: '/openapi.json', roles: 'any' },
  { prefix: '/v1/codes', roles: 'any' },
  { prefix: '/v1/persons', roles: ['his', 'admin'] },
  { prefix: '/v1/outpatient', roles: ['his', 'admin'] },
  { prefix: '/v1/inpatient', roles: ['his', 'admin'] },
  { prefix: '/v1/settlements', roles: ['his', 'admin'] },
  { prefix: '/v1/refunds', roles: ['his', 'admin'] },
  { prefix: '/v1/pharmacy', roles: ['pos', 'his'] },
  { prefix: '/v1/pos', roles: ['pos'] },
  { prefix: '/v1/transactions', roles: ['staff', 'admin'] },
  { prefix: '/v1/outcomes', roles: ['his', 'pos', 'staff', 'admin'] },
  { prefix: '/v1/self-pay-uploads', roles: ['his', 'admin'] },
  // the national-format door (issue 19): HIS clients only
  { prefix: '/national', roles: ['his'] },
  { prefix: '/v1/console', roles: ['staff', 'admin'] },
  { prefix: '/v1/audit', roles: ['staff', 'admin'] },
  { prefix: '/v1/admin', roles: ['admin'] },
];

const rows = [...ACCESS].sort((a, b) => b.prefix.length - a.prefix.length);

/**
 * Routes match case-sensitively (gateway/http/app.ts) and repeated slashes do not route; the
 * restricting rows are matched on the lower-cased path with slashes collapsed all the same (the
 * stricter reading: `/V1/Persons/query` asks for the persons group's roles before its 404).
 */
export function normalisePath(path: string): string {
  return path.toLowerCase().replace(/\/{2,}/g, '/');
}

export function accessRule(path: string): { prefix?: string; roles: 'public' | 'any' | readonly Role[] } {
  const p = normalisePath(path);
  for (const r of rows) {
    if (!(p === r.prefix || p.startsWith(`${r.prefix}/`))) continue;
    // a public row: only its listed paths, exactly as sent; the rest of its prefix is an unknown path
    if (r.only && !r.only.includes(path)) return { roles: 'any' };
    return r;
  }
  return { roles: 'any' };
}

export function roleMayCall(role: Role, path: string): boolean {
  const { roles } = accessRule(path);
  return roles === 'public' || roles === 'any' || roles.includes(role);
}
