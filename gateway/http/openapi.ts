import { existsSync, readdirSync, readFileSync } from 'node:fs';
import $RefParser from '@apidevtools/json-schema-ref-parser';
import { projectPath } from '../paths.js';
import { catalog } from '../errors/errors.js';
import type { Schemas } from '../validation.js';

const version = (JSON.parse(readFileSync(projectPath('package.json'), 'utf8')) as { version: string }).version;

/**
 * Schema files -> OpenAPI components, bundled by json-schema-ref-parser (issue 14): a root whose
 * components point at each file of schemas/api; the bundler inlines each file once and turns every
 * cross-file and same-file `$ref` into a pointer inside the document. Code tables are then spelled out
 * as enums and `$id`/`$schema` dropped (the document's dialect is 2020-12).
 */
async function bundleComponents(schemas: Schemas): Promise<Record<string, unknown>> {
  const root = { components: { schemas: Object.fromEntries([...schemas.api.keys()].map((name) => [name, { $ref: `./${name}.json` }])) } };
  const bundled = (await $RefParser.bundle(projectPath('schemas/api/openapi-root.json'), root, {
    resolve: { external: true, http: false },
  })) as { components: { schemas: Record<string, unknown> } };
  return toComponent(schemas, bundled.components.schemas) as Record<string, unknown>;
}

function toComponent(schemas: Schemas, node: unknown): unknown {
  if (Array.isArray(node)) return node.map((n) => toComponent(schemas, n));
  if (!node || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === '$id' || k === '$schema') continue;
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
  /** operationId: what a generated client names the call */
  id: string;
  /** the flow it belongs to (one OpenAPI tag each, see TAGS) */
  tag: Tag;
  /** 中文摘要: the counter's words */
  zh: string;
  /** the English summary (the longer description of the operation) */
  summary: string;
  infno?: string;
  body?: string;
  status: number;
  /** the schema (schemas/api/<name>.json) of the 2xx body */
  response: string;
  /** a body other than JSON (CSV reports, printable pages) */
  produces?: 'text/csv' | 'text/html';
  params?: string[];
  /** query parameters (a printable page's `paper`) */
  query?: Array<{ name: string; description: string; schema: Record<string, unknown> }>;
}

export type Ops = Record<string, Record<string, Op>>;

/** One tag per flow; the HIS vendor's document groups the operations by these. */
export const TAGS = {
  operations: '运维 Operations: liveness, readiness, code tables',
  person: '人员 Person lookup (1101, 人卡一致)',
  outpatient: '门诊 Outpatient: registration, diagnoses, fees, settlement',
  inpatient: '住院 Inpatient: admission, fees, outside forms, discharge, settlement',
  pharmacy: '药店 Pharmacy settlement and refund',
  pos: '收银 POS basket sales',
  refunds: '退费 Refunds (隔笔退费, partial refunds)',
  outcomes: '结果 Transactions and outcomes of platform calls',
  console: '医保办 Insurance-office console: failed transactions, audit',
  reconciliation: '对账 Reconciliation (3201/3202)',
  self_pay: '自费 Self-pay uploads (store-and-forward)',
  national: '国家接口格式入口 National-format door: the national envelope in, the national reply out',
} as const;
export type Tag = keyof typeof TAGS;

/** The gateway's own operations (codes, liveness, readiness), served by ops-routes.ts. */
export const opsOps: Ops = {
  '/v1/codes/{table}': {
    get: {
      id: 'getCodeTable',
      tag: 'operations',
      zh: '查询代码表',
      summary: 'A code table (med_type, insutype, mdtrt_cert_type, ...)',
      status: 200,
      response: 'code-table.response',
      params: ['table'],
    },
  },
  '/healthz': {
    get: { id: 'getHealth', tag: 'operations', zh: '存活检查', summary: 'Liveness', status: 200, response: 'health.response' },
  },
  '/healthz/ready': {
    get: {
      id: 'getLoadBalancerReadiness',
      tag: 'operations',
      zh: '负载均衡就绪检查（无需密钥、无细节）',
      summary: 'Readiness for a load balancer, without a key: 200 ready or 503 not_ready, no details',
      status: 200,
      response: 'health.response',
    },
  },
  '/readyz': {
    get: {
      id: 'getReadiness',
      tag: 'operations',
      zh: '就绪检查：存储可用、已签到医保平台',
      summary: 'Readiness: store reachable, platform signed in (503 with the same body when not ready)',
      status: 200,
      response: 'health.response',
    },
  },
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

/** Every status the catalog answers with, each a response component naming its codes (docs/errors.md). */
function errorResponses(): Record<string, unknown> {
  const byStatus = new Map<number, string[]>();
  for (const e of catalog.values()) byStatus.set(e.status, [...(byStatus.get(e.status) ?? []), e.code]);
  return Object.fromEntries(
    [...byStatus.entries()]
      .sort(([a], [b]) => a - b)
      .map(([status, codes]) => [
        `error${status}`,
        {
          description: `A catalog error (docs/errors.md): ${codes.join(', ')}`,
          content: { 'application/json': { schema: { $ref: '#/components/schemas/error.response' } } },
        },
      ]),
  );
}

/** The error statuses an operation may answer with: every catalog status (any request may meet auth, limits, faults). */
function errorRefs(responses: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.keys(responses).map((name) => [name.replace(/^error/, ''), { $ref: `#/components/responses/${name}` }]));
}

function okContent(op: Op, example: Record<string, unknown> = {}): Record<string, unknown> {
  if (op.produces) return { [op.produces]: { schema: { type: 'string' }, ...example } };
  return { 'application/json': { schema: { $ref: `#/components/schemas/${op.response}` }, ...example } };
}

/** One request and its answer, recorded from a run against the mock platform (npm run docs:examples). */
export interface RecordedExample {
  operationId: string;
  method: string;
  path: string;
  request?: unknown;
  status: number;
  response: unknown;
}

/** docs/examples/<operationId>.json, by operationId (none before the first recording); the guide and the examples test read them here too. */
export function recordedExamples(): Map<string, RecordedExample> {
  const dir = projectPath('docs/examples');
  if (!existsSync(dir)) return new Map();
  return new Map(
    readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .sort()
      .map((f) => JSON.parse(readFileSync(`${dir}/${f}`, 'utf8')) as RecordedExample)
      .map((e) => [e.operationId, e]),
  );
}

const exampleOf = (e: RecordedExample, value: unknown) => ({
  recorded: { summary: `${e.method} ${e.path} (recorded against the mock platform: npm run docs:examples)`, value },
});

/** The served OpenAPI 3.1 document of the HIS-facing API (GET /openapi.json). */
export async function buildOpenApi(schemas: Schemas, routeOps: Ops[]) {
  const ops: Ops = Object.assign({}, opsOps, ...routeOps);
  const components = await bundleComponents(schemas);
  const responses = errorResponses();
  const errors = errorRefs(responses);
  const examples = recordedExamples();
  const paths: Record<string, unknown> = {};
  for (const [path, methods] of Object.entries(ops)) {
    paths[path] = Object.fromEntries(
      Object.entries(methods).map(([method, op]) => {
        const ex = examples.get(op.id);
        // a text answer (a printable page) carries its example only where one was recorded as text
        const recordedOk = ex && ex.status === op.status && (!op.produces || typeof ex.response === 'string');
        const okExample = recordedOk ? { examples: exampleOf(ex, ex.response) } : {};
        const bodyExample = ex?.request !== undefined && op.body ? { examples: exampleOf(ex, ex.request) } : {};
        return [
          method,
          {
            operationId: op.id,
            tags: [op.tag],
            summary: op.zh,
            description: op.infno ? `${op.summary} (infno ${op.infno})` : op.summary,
            'x-summary-en': op.summary,
            ...(path === '/healthz' || path === '/healthz/ready' ? { security: [] } : {}),
            ...(op.infno ? { 'x-infno': op.infno } : {}),
            parameters: [
              ...(op.params ?? []).map((p) => ({ name: p, in: 'path', required: true, schema: { type: 'string' } })),
              ...(op.query ?? []).map((q) => ({ ...q, in: 'query', required: false })),
              // the national-format door's idempotency key is the HIS's msgid (national-door.ts), not this header
              ...(method === 'post' && path.startsWith('/v1/') ? [IDEMPOTENCY_KEY_PARAM] : []),
            ],
            ...(op.body
              ? {
                  requestBody: {
                    required: true,
                    content: { 'application/json': { schema: { $ref: `#/components/schemas/${op.body}` }, ...bodyExample } },
                  },
                }
              : {}),
            responses: {
              [op.status]: { description: 'OK', content: okContent(op, okExample) },
              ...errors,
              // readiness answers 503 with its own body (which check failed), not a catalog error
              ...(path === '/readyz' ? { 503: { description: 'Not ready: the checks say which part', content: okContent(op) } } : {}),
            },
          },
        ];
      }),
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
    servers: [{ url: '/', description: 'This gateway (the host that served this document)' }],
    tags: Object.entries(TAGS).map(([name, description]) => ({ name, description })),
    paths,
    // Every operation but liveness needs a client credential (gateway/auth/access.ts); HIS clients
    // may also be required to sign requests (README "Authentication and roles").
    security: [{ apiKey: [] }, { bearer: [] }],
    components: {
      schemas: components,
      responses,
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
