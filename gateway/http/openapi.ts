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

interface Op {
  summary: string;
  infno?: string;
  body?: string;
  status: number;
  response?: string;
  params?: string[];
}

const ops: Record<string, Record<string, Op>> = {
  '/v1/persons/query': { post: { summary: 'Person lookup with insurance, cross-region scope and filing status; 人卡一致 check', infno: '1101', body: 'person-query.request', status: 200 } },
  '/v1/outpatient/visits': { post: { summary: 'Register an outpatient visit (1101 + 2201); the emergency flag is required', infno: '2201', body: 'visit-create.request', status: 201 } },
  '/v1/outpatient/visits/{id}': { get: { summary: 'A visit and its state', status: 200, params: ['id'] } },
  '/v1/outpatient/visits/{id}/cancel': { post: { summary: 'Cancel the registration (2202)', infno: '2202', status: 200, params: ['id'] } },
  '/v1/outpatient/visits/{id}/diagnoses': { post: { summary: 'Visit information and diagnoses (2203)', infno: '2203', body: 'visit-diagnoses.request', status: 200, params: ['id'] } },
  '/v1/outpatient/visits/{id}/fees': { post: { summary: 'Upload fee lines (2204); returns the platform classification of each line', infno: '2204', body: 'fees-upload.request', status: 201, params: ['id'] } },
  '/v1/outpatient/visits/{id}/fees/cancel': { post: { summary: 'Cancel unsettled fee lines of a batch (2205); "0000" = all', infno: '2205', body: 'fees-cancel.request', status: 200, params: ['id'] } },
  '/v1/outpatient/visits/{id}/pre-settlement': { post: { summary: 'Pre-settlement quote (2206): nothing is booked', infno: '2206', body: 'settlement.request', status: 200, response: 'slip.response', params: ['id'] } },
  '/v1/outpatient/visits/{id}/settlement': { post: { summary: 'Settle (2207): books the settlement, returns the slip', infno: '2207', body: 'settlement.request', status: 201, response: 'slip.response', params: ['id'] } },
  '/v1/settlements/{setl_id}': { get: { summary: 'A settlement and its slip', status: 200, response: 'slip.response', params: ['setl_id'] } },
  '/v1/settlements/{setl_id}/cancel': { post: { summary: 'Cancel a settlement (2208), at most once', infno: '2208', body: 'settlement-cancel.request', status: 200, response: 'slip.response', params: ['setl_id'] } },
  '/v1/transactions': { get: { summary: 'Journal search: outcome, infno, from, to, psn_no, mdtrt_id, setl_id, ipt_otp_no, invono, limit', status: 200 } },
  '/v1/transactions/{id}': { get: { summary: 'One journaled platform call with its stages (personal fields masked)', status: 200, params: ['id'] } },
  '/v1/codes/{table}': { get: { summary: 'A code table (med_type, insutype, mdtrt_cert_type, ...)', status: 200, params: ['table'] } },
  '/healthz': { get: { summary: 'Liveness', status: 200 } },
  '/readyz': { get: { summary: 'Readiness: store reachable, platform signed in', status: 200 } },
};

export function buildOpenApi(schemas: Schemas) {
  const components: Record<string, unknown> = {};
  for (const [name, s] of schemas.api) components[name] = toComponent(schemas, s);
  const paths: Record<string, unknown> = {};
  for (const [path, methods] of Object.entries(ops)) {
    paths[path] = Object.fromEntries(
      Object.entries(methods).map(([method, op]) => [
        method,
        {
          summary: op.summary,
          ...(op.infno ? { 'x-infno': op.infno } : {}),
          parameters: [
            ...(op.params ?? []).map((p) => ({ name: p, in: 'path', required: true, schema: { type: 'string' } })),
            ...(method === 'post' ? [{ name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', maxLength: 128 } }] : []),
          ],
          ...(op.body ? { requestBody: { required: true, content: { 'application/json': { schema: { $ref: `#/components/schemas/${op.body}` } } } } } : {}),
          responses: {
            [op.status]: {
              description: 'OK',
              content: { 'application/json': { schema: op.response ? { $ref: `#/components/schemas/${op.response}` } : { type: 'object' } } },
            },
            default: { description: 'A catalog error (docs/errors.md)', content: { 'application/json': { schema: { $ref: '#/components/schemas/error.response' } } } },
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
      description: 'Fields use the national interface names (psn_no, med_type, medfee_sumamt, ...). Money: yuan, at most two decimals in; two-decimal numbers out.',
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    paths,
    components: { schemas: components },
  };
}
