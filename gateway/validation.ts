import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { Decimal } from 'decimal.js';
import { projectPath } from './paths.js';
import { GatewayError } from './errors/errors.js';

const addFormats = addFormatsModule.default;

export interface CodeTable {
  title: string;
  values: Record<string, string>;
}

export interface DecimalRule {
  places: number;
  min?: number;
  exclusiveMin?: boolean;
}

function readJsonDir(dir: string): Array<{ file: string; json: Record<string, unknown> }> {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({ file, json: JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as Record<string, unknown> }));
}

/**
 * Every schema of schemas/ compiled once at start-up: the HIS-facing API bodies, the national
 * interface messages, and the code tables that `x-code-table` checks against.
 */
export class Schemas {
  readonly codes = new Map<string, CodeTable>();
  readonly api = new Map<string, Record<string, unknown>>();
  private readonly ajv: Ajv2020;
  private readonly replyAjv: Ajv2020;
  private readonly aliases: ReplyAlias[];
  private readonly compiled = new Map<string, ValidateFunction>();
  private readonly compiledReplies = new Map<string, ValidateFunction>();

  constructor(root = projectPath('schemas')) {
    for (const { file, json } of readJsonDir(path.join(root, 'codes'))) {
      this.codes.set(file.replace(/\.json$/, ''), { title: String(json.title), values: json.values as Record<string, string> });
    }
    this.ajv = this.newAjv({});
    // Replies are read tolerantly (design.md): a second instance of the same schemas whose validation
    // also coerces scalars to the type the schema names (ajv's own coerceTypes: "12.50" -> 12.5 where a
    // number is wanted, 3 -> "3" where a string is, a lone object where an array is).
    this.replyAjv = this.newAjv({ coerceTypes: 'array' });
    for (const dir of ['platform', 'api']) {
      for (const { file, json } of readJsonDir(path.join(root, dir))) {
        this.ajv.addSchema(json);
        if (dir === 'platform') this.replyAjv.addSchema(json);
        if (dir === 'api') this.api.set(file.replace(/\.json$/, ''), json);
      }
    }
    this.aliases = JSON.parse(readFileSync(path.join(root, 'reply-aliases.json'), 'utf8')).aliases as ReplyAlias[];
  }

  private newAjv(extra: { coerceTypes?: 'array' }): Ajv2020 {
    const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true, verbose: true, ...extra });
    addFormats(ajv);
    // the interface's own date forms, checked as real calendar dates and clock times (issue 13:
    // 2026-02-31 and 1900-02-29 are not days, 24:00:00 is not a time)
    ajv.addFormat('calendar-date', { type: 'string', validate: isCalendarDate });
    ajv.addFormat('calendar-datetime', { type: 'string', validate: isCalendarDateTime });
    ajv.addKeyword({
      keyword: 'x-code-table',
      type: 'string',
      schemaType: 'string',
      validate: (table: string, data: string) => this.codes.get(table)?.values[data] !== undefined,
    });
    ajv.addKeyword({ keyword: 'x-decimal', type: ['number', 'string'], schemaType: 'object', validate: decimalOk });
    ajv.addKeyword({ keyword: 'x-source' });
    ajv.addKeyword({ keyword: 'x-note' });
    return ajv;
  }

  private validator(id: string): ValidateFunction {
    let v = this.compiled.get(id);
    if (!v) {
      const fn = this.ajv.getSchema(id);
      if (!fn) throw new Error(`no schema ${id}`);
      v = fn;
      this.compiled.set(id, v);
    }
    return v;
  }

  /** Compile every schema now, so that a broken schema stops start-up rather than a request. */
  compileAll(): void {
    for (const id of Object.keys((this.ajv as unknown as { schemas: Record<string, unknown> }).schemas)) {
      if (id.startsWith('https://yidi-gateway.local/')) this.validator(id);
      const output = /\/platform\/(\d{4})\.output\.json$/.exec(id);
      if (output) this.replyValidator(output[1]!);
    }
  }

  /**
   * Reads a platform reply's `output` the way real platforms send it (design.md: tolerant where it
   * may be, strict where it must be): `null` means absent, the spelling variants of
   * schemas/reply-aliases.json are read under their canonical name, numbers and strings are taken
   * for each other where the schema names one of them, and extra fields stay. What the schema
   * requires must still be there. Returns the read copy (the original is left as it came, for the
   * journal) and the problems, empty when it fits.
   */
  readPlatformReply(
    infno: string,
    output: unknown,
  ): { value: Record<string, unknown>; problems: Array<{ field: string; problem: string }> } {
    const value = withoutNulls(output ?? {}) as Record<string, unknown>;
    if (typeof value !== 'object' || Array.isArray(value))
      return { value: {}, problems: [{ field: 'output', problem: 'must be an object' }] };
    applyAliases(
      value,
      this.aliases.filter((a) => a.infno === infno || a.infno === '*'),
    );
    const v = this.replyValidator(infno);
    return { value, problems: !v || v(value) ? [] : (v.errors ?? []).map(describe) };
  }

  private replyValidator(infno: string): ValidateFunction | undefined {
    let v = this.compiledReplies.get(infno);
    if (!v) {
      v = this.replyAjv.getSchema(platformId(`${infno}.output`));
      if (v) this.compiledReplies.set(infno, v);
    }
    return v;
  }

  hasPlatform(name: string): boolean {
    return this.ajv.getSchema(platformId(name)) !== undefined;
  }

  /** Validates an HIS request body; throws a 4xx GatewayError naming every problem. */
  checkApi<T>(name: string, body: unknown): T {
    const v = this.validator(`https://yidi-gateway.local/schemas/api/${name}.json`);
    if (v(body)) return body as T;
    const errors = (v.errors ?? []).map(describe);
    const unknownCode = errors.find((e) => e.keyword === 'x-code-table');
    const badAmount = errors.find((e) => e.keyword === 'x-decimal');
    const code = unknownCode ? 'GW_VAL_UNKNOWN_CODE' : badAmount ? 'GW_VAL_AMOUNT_FORMAT' : 'GW_VAL_SCHEMA';
    throw new GatewayError(code, {
      message: `Invalid request: ${errors.map((e) => `${e.field} ${e.problem}`).join('; ')}`,
      message_zh: `请求字段有误：${errors.map((e) => e.field).join('、')}（每个字段的问题见 details.errors）`,
      details: { errors },
    });
  }

  /** Validates a national-interface message; returns the problems (empty when valid). */
  checkPlatform(name: string, message: unknown): Array<{ field: string; problem: string }> {
    const v = this.validator(platformId(name));
    return v(message) ? [] : (v.errors ?? []).map(describe);
  }
}

/** A spelling variant a platform sends for a field (e.g. 2208 `pdn_cash_pay` for `psn_cash_pay`). */
interface ReplyAlias {
  infno: string;
  /** the object the field sits in, as a dotted path from `output` ("" = output itself) */
  at: string;
  variant: string;
  canonical: string;
  source: string;
}

/** A deep copy without `null` and `""`: both are how real platforms send an absent value (e.g. `"fund_payamt": ""`). */
function withoutNulls(v: unknown): unknown {
  const absent = (x: unknown) => x === null || x === '';
  if (Array.isArray(v)) return v.filter((x) => !absent(x)).map(withoutNulls);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (!absent(x)) out[k] = withoutNulls(x);
    return out;
  }
  return v;
}

function applyAliases(output: Record<string, unknown>, aliases: ReplyAlias[]) {
  for (const a of aliases) {
    const at = a.at ? a.at.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], output) : output;
    for (const obj of Array.isArray(at) ? at : [at]) {
      if (!obj || typeof obj !== 'object') continue;
      const o = obj as Record<string, unknown>;
      if (o[a.canonical] === undefined && o[a.variant] !== undefined) o[a.canonical] = o[a.variant];
    }
  }
}

/** `yyyy-MM-dd` naming a day that exists (Gregorian leap years: 2000 and 2024 have a 29 February, 1900 does not). */
export function isCalendarDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (mo < 1 || mo > 12 || d < 1) return false;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][mo - 1]!;
  return d <= days;
}

/** `yyyy-MM-dd HH:mm:ss` (hospital local time): a real day and a real clock time (no leap second, no 24:00). */
export function isCalendarDateTime(s: string): boolean {
  const m = /^(\d{4}-\d{2}-\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(s);
  return !!m && isCalendarDate(m[1]!) && Number(m[2]) < 24 && Number(m[3]) < 60 && Number(m[4]) < 60;
}

const platformId = (name: string) => `https://yidi-gateway.local/schemas/platform/${name}.json`;

export function decimalOk(rule: DecimalRule, data: number | string): boolean {
  if (typeof data === 'string' && !/^-?\d+(\.\d+)?$/.test(data)) return false;
  if (typeof data === 'number' && !Number.isFinite(data)) return false;
  const d = new Decimal(data);
  if (d.decimalPlaces() > rule.places) return false;
  if (rule.min !== undefined && (rule.exclusiveMin ? d.lte(rule.min) : d.lt(rule.min))) return false;
  return d.abs().lt('1e14');
}

function describe(e: ErrorObject) {
  const field = (e.instancePath || '/').replace(/^\//, '').replace(/\//g, '.') || '(body)';
  let problem = e.message ?? 'is invalid';
  if (e.keyword === 'required') problem = `is missing: ${(e.params as { missingProperty: string }).missingProperty}`;
  if (e.keyword === 'additionalProperties')
    problem = `has an unknown field: ${(e.params as { additionalProperty: string }).additionalProperty}`;
  if (e.keyword === 'x-code-table') problem = `is not a code of table ${String(e.schema)}`;
  if (e.keyword === 'x-decimal') {
    const r = e.schema as DecimalRule;
    problem = `must be a non-negative number with at most ${r.places} decimals`;
  }
  return { field, problem, keyword: e.keyword };
}
