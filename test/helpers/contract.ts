/**
 * The HIS vendor's contract, checked on every answer the e2e tests see (issue 14): api() hands each
 * response of a gateway here; it is matched to its operation of the served /openapi.json (method +
 * path) and its body validated against the schema the document declares for its status. A mismatch
 * throws, naming the path, the status and ajv's errors. Error bodies are also checked against their
 * catalog entry: every `details.<field>` an action names is in the details.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { decimalOk, isCalendarDate, isCalendarDateTime } from '../../gateway/validation.js';

const addFormats = addFormatsModule.default;

interface MediaType {
  schema?: unknown;
}
interface Operation {
  operationId: string;
  responses: Record<string, { $ref?: string; content?: Record<string, MediaType> }>;
}
export interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown>; responses: Record<string, { content?: Record<string, MediaType> }> };
}

const DOC_ID = 'https://yidi-gateway.local/openapi.json';

/** The document's schemas compiled once; operations found by method and path. */
export class Contract {
  private readonly ajv: Ajv2020;
  private readonly routes: Array<{ method: string; template: string; pattern: RegExp; op: Operation }>;
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(readonly doc: OpenApiDocument) {
    this.ajv = new Ajv2020({ strict: false, allErrors: true, allowUnionTypes: true, validateFormats: true });
    addFormats(this.ajv);
    this.ajv.addFormat('calendar-date', { type: 'string', validate: isCalendarDate });
    this.ajv.addFormat('calendar-datetime', { type: 'string', validate: isCalendarDateTime });
    this.ajv.addKeyword({ keyword: 'x-decimal', type: ['number', 'string'], schemaType: 'object', validate: decimalOk });
    this.ajv.addSchema({ $id: DOC_ID, components: doc.components });
    this.routes = Object.entries(doc.paths)
      .flatMap(([template, methods]) =>
        Object.entries(methods).map(([method, op]) => ({
          method: method.toUpperCase(),
          template,
          pattern: new RegExp(`^${template.replace(/[.]/g, '\\.').replace(/\{[^}]+\}/g, '[^/]+')}$`),
          op,
        })),
      )
      // literal paths before templated ones (/v1/pos/sales/quote before /v1/pos/sales/{receipt_no})
      .sort((a, b) => (a.template.match(/\{/g)?.length ?? 0) - (b.template.match(/\{/g)?.length ?? 0));
  }

  /** The operation a request reaches, or undefined for a path the document does not name. */
  operation(method: string, path: string) {
    const p = path.split('?')[0]!;
    return this.routes.find((r) => r.method === method.toUpperCase() && r.pattern.test(p));
  }

  /** The schema ($ref into the document) declared for this status, or a reason why there is none. */
  private declared(op: Operation, status: number): { schema?: unknown; text?: boolean; missing?: string } {
    let r = op.responses[String(status)] ?? op.responses.default;
    if (!r) return { missing: `status ${status} is not declared (declared: ${Object.keys(op.responses).join(', ')})` };
    if (r.$ref) r = this.doc.components.responses[r.$ref.replace('#/components/responses/', '')]!;
    const json = r.content?.['application/json'];
    if (!json) return { text: true };
    return { schema: json.schema };
  }

  private validator(schema: unknown): ValidateFunction {
    const key = JSON.stringify(schema);
    let v = this.compiled.get(key);
    if (!v) {
      v = this.ajv.compile(JSON.parse(key.replaceAll('"#/components/', `"${DOC_ID}#/components/`)) as object);
      this.compiled.set(key, v);
    }
    return v;
  }

  /** Problems of one answer, empty when it keeps the contract. */
  problems(method: string, path: string, status: number, body: unknown, contentType: string | null): string[] {
    const route = this.operation(method, path);
    if (!route) return [];
    const d = this.declared(route.op, status);
    if (d.missing) return [d.missing];
    if (d.text) return contentType?.startsWith('application/json') && status < 300 ? ['a JSON body where the document declares text'] : [];
    const v = this.validator(d.schema);
    const out = v(body) ? [] : (v.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`);
    if (status >= 400) out.push(...actionDetails(body));
    return out.map((p) => `${route.op.operationId}: ${p}`);
  }
}

/** Every `details.<field>` an error's action names is in its details (issue 14 point 6). */
export function actionDetails(body: unknown): string[] {
  const e = (body as { error?: { code?: string; action?: string; action_en?: string; details?: unknown } } | undefined)?.error;
  if (!e) return [];
  const named = new Set([...`${e.action ?? ''} ${e.action_en ?? ''}`.matchAll(/details\.([a-z_]+)/g)].map((m) => m[1]!));
  const details = (e.details ?? {}) as Record<string, unknown>;
  return [...named].filter((f) => details[f] === undefined).map((f) => `${e.code}: the action names details.${f}, the details have none`);
}

let contract: Promise<Contract> | undefined;

/** The contract of the first gateway that answers (one document per test process: every gateway serves the same). */
export async function contractOf(base: string, key: string): Promise<Contract | undefined> {
  if (!contract) {
    const attempt = fetch(`${base}/openapi.json`, { headers: { 'x-api-key': key } }).then(async (r) => {
      if (r.status !== 200) throw new Error(`GET /openapi.json: ${r.status}`);
      return new Contract((await r.json()) as OpenApiDocument);
    });
    contract = attempt;
    attempt.catch(() => {
      if (contract === attempt) contract = undefined;
    });
  }
  return contract.catch(() => undefined);
}

/** Throws when an answer of a gateway breaks the contract. */
export async function checkContract(
  base: string,
  key: string,
  req: { method: string; path: string; body?: unknown },
  res: { status: number; body: unknown; text?: string; headers: Headers },
): Promise<void> {
  if (!res.headers.get('x-request-id')) return; // not a gateway (the mock platform)
  const c = await contractOf(base, key);
  if (!c) return;
  const problems = c.problems(req.method, req.path, res.status, res.body, res.headers.get('content-type'));
  if (problems.length === 0 && process.env.YIDI_RECORD_EXAMPLES) recordExample(process.env.YIDI_RECORD_EXAMPLES, c, req, res);
  if (problems.length > 0) {
    throw new Error(
      `${req.method} ${req.path} → ${res.status} breaks the OpenAPI contract:\n  ${problems.join('\n  ')}\nbody: ${JSON.stringify(res.body)?.slice(0, 2000)}`,
    );
  }
}

/**
 * `npm run docs:examples` (scripts/record-examples.mjs): the first 2xx answer of each operation that
 * kept the contract, with its request, written to `dir`/<operationId>.json (first writer wins); the
 * document embeds them (gateway/http/openapi.ts).
 */
function recordExample(
  dir: string,
  c: Contract,
  req: { method: string; path: string; body?: unknown },
  res: { status: number; body: unknown; text?: string; headers: Headers },
): void {
  const route = c.operation(req.method, req.path);
  // a printable page (text/html) is recorded whole, as the text it is
  const html = res.headers.get('content-type')?.startsWith('text/html') ? res.text : undefined;
  const response = html ?? res.body;
  if (!route || res.status >= 300 || response === undefined) return;
  if (req.body !== undefined && (typeof req.body !== 'object' || req.body === null)) return;
  const file = path.join(dir, `${route.op.operationId}.json`);
  if (existsSync(file)) return;
  mkdirSync(dir, { recursive: true });
  const example = {
    operationId: route.op.operationId,
    method: req.method,
    path: req.path,
    request: req.body,
    status: res.status,
    response,
  };
  try {
    writeFileSync(file, `${JSON.stringify(example, null, 2)}\n`, { flag: 'wx' });
  } catch {
    // another test process recorded this operation first
  }
}
