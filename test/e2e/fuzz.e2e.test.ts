/**
 * Issue 13, "bad input gets a 4xx with a catalog code, never a 5xx, a crash or a hang" (design.md
 * invariants), tried on every operation the served /openapi.json names: for each, FUZZ_RUNS
 * generated requests (fast-check, fixed seed, so a failure replays) built from the operation's own
 * request schema and then spoilt — bad JSON, deep nesting, wrong types, huge strings, impossible
 * dates, missing and unknown fields, odd path parameters, odd casing of the path, odd headers —
 * sent with the key of a role that may call it. Asserted: no 5xx, every non-2xx carries the catalog
 * body, every request is answered in time, and the gateway answers /healthz at the end.
 *
 * `npm test` runs 100 per operation (≈ 15 s); `npm run fuzz` (FUZZ_RUNS=1000) is the bench machine's long run.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { api, defaultKeyFor } from '../helpers/harness.js';
import { mockAndGateway } from '../helpers/suite.js';
import { CODES, diagnosesBody, JILIN, line, visitBody } from './fixtures.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 100);
const SEED = Number(process.env.FUZZ_SEED ?? 20261301);
/** a request not answered within this is a hang */
const ANSWER_WITHIN_MS = 15_000;

const sys = mockAndGateway({ RATE_LIMIT_PER_MINUTE: '1000000' });

type Json = any;
interface Operation {
  method: string;
  path: string;
  params: string[];
  bodySchema?: Json;
}

let doc: Json;
let operations: Operation[] = [];
/** a registered visit, so that spoilt requests on its endpoints reach the engine and the platform too */
let visitId = 'X';
beforeAll(async () => {
  const reg = await api(sys.gw.url, 'POST', '/v1/outpatient/visits', visitBody({ mdtrt_cert_type: '01', mdtrt_cert_no: JILIN.token }));
  expect(reg.status, reg.text).toBe(201);
  visitId = reg.body.visit.visit_id;
  const r = await api(sys.gw.url, 'GET', '/openapi.json');
  expect(r.status).toBe(200);
  doc = r.body;
  operations = Object.entries(doc.paths as Record<string, Record<string, Json>>).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({
      method: method.toUpperCase(),
      path,
      params: ((op.parameters ?? []) as Json[]).filter((p) => p.in === 'path').map((p) => p.name as string),
      bodySchema: op.requestBody?.content?.['application/json']?.schema,
    })),
  );
});

// ---- a plausible body from a schema (refs resolved in the served document) ----

/** Resolves `#/components/schemas/<name>/<pointer>`; a ref without a name (`schemas//$defs/x`) is local to `within`. */
function resolve(ref: string, within: string): { node: Json; within: string } {
  const parts = ref.replace(/^#\//, '').split('/');
  const name = parts[2] || within;
  let node: Json = doc.components.schemas[name];
  for (const p of parts.slice(3)) node = node?.[p.replace(/~1/g, '/').replace(/~0/g, '~')];
  return { node: node ?? {}, within: name };
}

function sample(schema: Json, within: string, depth = 0): Json {
  if (!schema || typeof schema !== 'object' || depth > 12) return null;
  if (schema.$ref) {
    const r = resolve(schema.$ref, within);
    return sample({ ...r.node, ...schema, $ref: undefined }, r.within, depth + 1);
  }
  if (schema.const !== undefined) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length) return schema.enum[0];
  if (Array.isArray(schema.oneOf ?? schema.anyOf)) return sample((schema.oneOf ?? schema.anyOf)[0], within, depth + 1);
  if (Array.isArray(schema.allOf)) return Object.assign({}, ...schema.allOf.map((s: Json) => sample(s, within, depth + 1) ?? {}));
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type ?? (schema.properties ? 'object' : 'string')) {
    case 'object': {
      const out: Record<string, Json> = {};
      for (const k of (schema.required ?? []) as string[]) out[k] = sample(schema.properties?.[k] ?? {}, within, depth + 1);
      return out;
    }
    case 'array':
      return Array.from({ length: Math.max(1, schema.minItems ?? 1) }, () => sample(schema.items ?? {}, within, depth + 1));
    case 'number':
    case 'integer':
      return Math.max(1, schema.minimum ?? 1);
    case 'boolean':
      return false;
    case 'null':
      return null;
    default:
      if (schema.format === 'calendar-datetime') return '2026-11-23 09:00:00';
      if (schema.format === 'calendar-date') return '2026-11-23';
      if (schema.pattern === '^[0-9]{6}$') return '220100';
      if (schema.pattern === '^[0-9]{4}$') return '2204';
      return 'A'.repeat(Math.max(1, schema.minLength ?? 1));
  }
}

/** Every path to a value inside `v` (objects and arrays), the root first. */
function pathsOf(v: Json, at: Array<string | number> = []): Array<Array<string | number>> {
  const out = [at];
  if (v && typeof v === 'object')
    for (const [k, x] of Object.entries(v)) out.push(...pathsOf(x, [...at, Array.isArray(v) ? Number(k) : k]));
  return out;
}

function setAt(v: Json, at: Array<string | number>, value: Json, remove = false): Json {
  if (!at.length) return value;
  const copy = structuredClone(v);
  let o = copy;
  for (const k of at.slice(0, -1)) o = o[k];
  if (remove) {
    if (Array.isArray(o)) o.splice(Number(at.at(-1)), 1);
    else delete o[at.at(-1)!];
  } else o[at.at(-1)!] = value;
  return copy;
}

// ---- what goes wrong ----

const nested = (depth: number, open: string, close: string, inner = '1') => `${open.repeat(depth)}${inner}${close.repeat(depth)}`;

const badValue: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom(
    null,
    true,
    0,
    -1,
    -0.001,
    1e308,
    123456789012345.67,
    '',
    ' ',
    '0',
    '-1',
    '1e999',
    'NaN',
    '1.234',
    '１２',
    {},
    [],
    [null],
  ),
  fc.constantFrom(
    '2026-02-31 09:00:00',
    '2026-02-29 09:00:00',
    '2026-11-31 09:00:00',
    '1900-02-29 09:00:00',
    '2026-11-23 24:00:00',
    '2026-02-31',
    '2026-11-23T09:00:00Z',
  ),
  fc.integer({ min: 129, max: 200_000 }).map((n) => 'X'.repeat(n)),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('../../etc/passwd', '<script>alert(1)</script>', "' OR 1=1 --", '\u0000', '\ud800', '吉长青', '𠮷'.repeat(60)),
  fc.integer({ min: 2, max: 200 }).map((d) => JSON.parse(nested(d, '{"a":', '}'))),
  fc.array(fc.integer(), { maxLength: 600 }),
);

type Body = { json: Json } | { raw: string } | undefined;

/** Valid bodies of the outpatient flow, the start of their mutations (the schema's sample is for the rest). */
const VALID: Record<string, () => Json> = {
  'POST /v1/persons/query': () => ({ mdtrt_cert_type: '01', mdtrt_cert_no: JILIN.token }),
  'POST /v1/outpatient/visits': () => visitBody({ mdtrt_cert_type: '01', mdtrt_cert_no: JILIN.token }),
  'POST /v1/outpatient/visits/{id}/diagnoses': () => diagnosesBody(),
  'POST /v1/outpatient/visits/{id}/fees': () => ({ chrg_bchno: 'F1', lines: [line('1', CODES.consult, 1, 20, { prd_days: 3 })] }),
  'POST /v1/outpatient/visits/{id}/pre-settlement': () => ({ medfee_sumamt: 20, acct_used_flag: '0' }),
};

function bodyArb(op: Operation): fc.Arbitrary<Body> {
  const valid = VALID[`${op.method} ${op.path}`];
  const base = valid ? valid() : op.bodySchema ? sample(op.bodySchema, '') : {};
  const paths = pathsOf(base);
  return fc.oneof(
    { weight: 1, arbitrary: fc.constant({ json: base }) },
    { weight: 1, arbitrary: fc.constant(undefined) },
    {
      weight: 2,
      arbitrary: fc
        .constantFrom(
          '{',
          '{"a":',
          'nul',
          '[1,]',
          '{"a":1}}',
          '"a string"',
          '123',
          'true',
          'null',
          '[]',
          '{"__proto__":{"polluted":1}}',
          '{"constructor":{"prototype":{"polluted":1}}}',
          '\ufeff{}',
          '{"a":"\\ud800"}',
        )
        .map((raw) => ({ raw })),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(fc.integer({ min: 65, max: 20_000 }), fc.boolean())
        .map(([d, arr]) => ({ raw: arr ? nested(d, '[', ']') : nested(d, '{"a":', '}') })),
    },
    { weight: 6, arbitrary: fc.tuple(fc.constantFrom(...paths), badValue).map(([at, v]) => ({ json: setAt(base, at, v) })) },
    {
      weight: 2,
      arbitrary: fc
        .constantFrom(...paths.filter((p) => p.length), [])
        .map((at) => ({ json: at.length ? setAt(base, at, undefined, true) : {} })),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.string({ maxLength: 20 }), badValue)
        .map(([k, v]) => ({ json: base && typeof base === 'object' && !Array.isArray(base) ? { ...base, [k]: v } : { [k]: v } })),
    },
  );
}

/** stands for the registered visit's id (known only once beforeAll ran) */
const REAL_ID = '\u0000real';
const paramValue = fc.oneof(
  fc.constant(REAL_ID),
  fc.constantFrom('X', '0', '-1', 'null', 'undefined', '..', '.', '%2e%2e', '%00', '%ZZ', '%C0%AE', 'a%2Fb', '__proto__', 'constructor'),
  fc.constantFrom('2026-02-31', '吉长青', '𠮷'.repeat(40)).map(encodeURIComponent),
  fc.stringMatching(/^[A-Za-z0-9_-]{1,40}$/),
  fc.integer({ min: 100, max: 6_000 }).map((n) => 'X'.repeat(n)),
);

const headerArb = fc.record(
  {
    idempotency: fc.oneof(fc.constant(undefined), fc.stringMatching(/^[A-Za-z0-9-]{1,40}$/), fc.constantFrom(' ', 'é', 'k'.repeat(300))),
    contentType: fc.oneof(
      { weight: 8, arbitrary: fc.constant('application/json') },
      { weight: 1, arbitrary: fc.constantFrom('text/plain', 'application/json; charset=latin1', 'application/x-www-form-urlencoded', '') },
    ),
    upperCase: fc.oneof({ weight: 8, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
  },
  { requiredKeys: ['contentType', 'upperCase'] },
);

type HeaderChoice = { idempotency?: string | undefined; contentType: string; upperCase: boolean };

interface Sent {
  method: string;
  path: string;
  status: number;
  text: string;
}

async function send(op: Operation, params: string[], body: Body, h: HeaderChoice): Promise<Sent> {
  let path = op.path;
  op.params.forEach((p, i) => {
    const v = params[i] ?? 'X';
    path = path.replace(`{${p}}`, v === REAL_ID ? visitId : v);
  });
  const key = defaultKeyFor(op.path);
  if (h.upperCase) path = path.replace(/^\/v1\//, '/V1/');
  const headers: Record<string, string> = { 'x-api-key': key };
  if (h.idempotency !== undefined) headers['idempotency-key'] = h.idempotency;
  const payload = body === undefined ? undefined : 'raw' in body ? body.raw : JSON.stringify(body.json);
  if (payload !== undefined && h.contentType) headers['content-type'] = h.contentType;
  const res = await fetch(sys.gw.url + path, {
    method: op.method,
    headers,
    body: op.method === 'GET' ? undefined : payload,
    signal: AbortSignal.timeout(ANSWER_WITHIN_MS),
  });
  return { method: op.method, path: path.slice(0, 200), status: res.status, text: await res.text() };
}

function problemOf(r: Sent): string | undefined {
  if (r.status >= 500) return `${r.status}: ${r.text.slice(0, 300)}`;
  if (r.status < 300) return undefined;
  let e: Json;
  try {
    e = JSON.parse(r.text)?.error;
  } catch {
    return `${r.status} without a JSON body: ${r.text.slice(0, 200)}`;
  }
  if (typeof e?.code !== 'string' || !e.code.startsWith('GW_') || typeof e.message !== 'string' || typeof e.message_en !== 'string')
    return `${r.status} without the catalog body: ${r.text.slice(0, 200)}`;
  return undefined;
}

describe('fuzz: every operation of /openapi.json', () => {
  it(
    `answers ${RUNS} generated bad requests per operation with 2xx or a 4xx catalog body, never a 5xx or a hang`,
    async () => {
      expect(operations.length).toBeGreaterThan(40);
      const failures: string[] = [];
      const statuses = new Map<number, number>();
      for (const [i, op] of operations.entries()) {
        const arb = fc.tuple(fc.array(paramValue, { minLength: op.params.length, maxLength: op.params.length }), bodyArb(op), headerArb);
        await fc.assert(
          fc.asyncProperty(arb, async ([params, body, h]) => {
            let r: Sent;
            try {
              r = await send(op, params, body, h);
            } catch (e) {
              failures.push(`${op.method} ${op.path}: no answer (${(e as Error).name}: ${(e as Error).message})`);
              return;
            }
            statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
            const p = problemOf(r);
            if (p) failures.push(`${r.method} ${r.path}: ${p}`);
          }),
          { numRuns: RUNS, seed: SEED + i, endOnFailure: true },
        );
      }
      if (process.env.FUZZ_VERBOSE) console.log(JSON.stringify([...statuses]));
      expect(failures.slice(0, 20), `${failures.length} failures; statuses ${JSON.stringify([...statuses])}`).toEqual([]);
      // the generator reached past validation too, not only the 400s
      expect([...statuses.keys()].some((s) => s < 300)).toBe(true);
    },
    Math.max(600_000, RUNS * 2_000),
  );

  it('leaves the gateway alive and answering', async () => {
    const r = await api(sys.gw.url, 'GET', '/healthz');
    expect(r.status).toBe(200);
    expect(sys.gw.logs.text).not.toContain('Maximum call stack');
  });
});
