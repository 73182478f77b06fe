import { readFileSync } from 'node:fs';
import { projectPath } from '../paths.js';
import type { Schemas } from '../validation.js';

const version = (JSON.parse(readFileSync(projectPath('package.json'), 'utf8')) as { version: string }).version;

/** Schema files -> OpenAPI components: refs rewritten into the document, code tables spelled out as enums. */
function toComponent(schemas: Schemas, node: unknown): unknown {
  if (Array.isArray(node)) return node.map((n) => toComponent(schemas, n));
  if (!node || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === '$id' || k === '$schema') continue;
    if (k === '$ref' && typeof v === 'string') {
      const [file, pointer = ''] = v.split('#');
      out.$ref = `#/components/schemas/${file!.replace(/\.json$/, '')}${pointer}`;
      continue;
    }
    if (k === 'x-code-table' && typeof v === 'string') {
      out[k] = v;
      out.enum = Object.keys(schemas.codes.get(v)?.values ?? {});
      continue;
    }
    out[k] = toComponent(schemas, v);
  }
  return out;
}

/** One documented operation; each route module exports its own (see RouteModule in app.ts). */
export interface Op {
  summary: string;
  infno?: string;
  body?: string;
  status: number;
  response?: string;
  params?: string[];
}

export type Ops = Record<string, Record<string, Op>>;

const opsOps: Ops = {
  '/v1/codes/{table}': { get: { summary: 'A code table (med_type, insutype, mdtrt_cert_type, ...)', status: 200, params: ['table'] } },
  '/healthz': { get: { summary: 'Liveness', status: 200 } },
  '/healthz/ready': {
    get: { summary: 'Readiness for a load balancer, without a key: 200 ready or 503 not_ready, no details', status: 200 },
  },
  '/readyz': { get: { summary: 'Readiness: store reachable, platform signed in', status: 200 } },
};

/** gateway/http/idempotency.ts; README "Idempotency-Key". */
const IDEMPOTENCY_KEY_PARAM = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description:
    'Send one with every request that changes something: new for each new request, the same when resending it. Same key + same request after it finished: the stored answer (status, body, x-transaction-id) with `idempotent-replayed: true`, nothing sent again; while the first still runs: its answer once ready, else 409 GW_BIZ_IDEMPOTENCY_IN_FLIGHT; same key + another request: 422 GW_VAL_IDEMPOTENCY_KEY_REUSED. A validation error before anything ran does not use the key up. Kept at least 24 hours, per API client.',
  schema: { type: 'string', minLength: 1, maxLength: 128, pattern: '^[\\x21-\\x7e]+$' },
};

export function buildOpenApi(schemas: Schemas, routeOps: Ops[]) {
  const ops: Ops = Object.assign({}, opsOps, ...routeOps);
  const components: Record<string, unknown> = {};
  for (const [name, s] of schemas.api) components[name] = toComponent(schemas, s);
  const paths: Record<string, unknown> = {};
  for (const [path, methods] of Object.entries(ops)) {
    paths[path] = Object.fromEntries(
      Object.entries(methods).map(([method, op]) => [
        method,
        {
          summary: op.summary,
          ...(path === '/healthz' || path === '/healthz/ready' ? { security: [] } : {}),
          ...(op.infno ? { 'x-infno': op.infno } : {}),
          parameters: [
            ...(op.params ?? []).map((p) => ({ name: p, in: 'path', required: true, schema: { type: 'string' } })),
            ...(method === 'post' ? [IDEMPOTENCY_KEY_PARAM] : []),
          ],
          ...(op.body
            ? { requestBody: { required: true, content: { 'application/json': { schema: { $ref: `#/components/schemas/${op.body}` } } } } }
            : {}),
          responses: {
            [op.status]: {
              description: 'OK',
              content: {
                'application/json': { schema: op.response ? { $ref: `#/components/schemas/${op.response}` } : { type: 'object' } },
              },
            },
            default: {
              description: 'A catalog error (docs/errors.md)',
              content: { 'application/json': { schema: { $ref: '#/components/schemas/error.response' } } },
            },
          },
        },
      ]),
    );
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Yidi Gateway — cross-region direct settlement (异地结算网关) HIS API',
      version,
      description:
        'Fields use the national interface names (psn_no, med_type, medfee_sumamt, ...). Money: yuan, at most two decimals in; two-decimal numbers out.',
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    paths,
    // Every operation but liveness needs a client credential (gateway/auth/access.ts); HIS clients
    // may also be required to sign requests (README "Authentication and roles").
    security: [{ apiKey: [] }, { bearer: [] }],
    components: {
      schemas: components,
      securitySchemes: {
        apiKey: {
          type: 'apiKey',
          in: 'header',
          name: 'x-api-key',
          description: "The client's API key; its role decides which endpoints it may call.",
        },
        bearer: { type: 'http', scheme: 'bearer', description: 'The same API key as a bearer token (for Prometheus and proxies).' },
      },
    },
  };
}
