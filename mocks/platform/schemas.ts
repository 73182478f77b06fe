/**
 * JSON Schema validation of the national interface messages (schemas/platform, draft 2020-12).
 * Every schema file is loaded and compiled once per process, on first use. The mock's own files
 * (data/schemas: the inquiries 5201/5203/5204) win over schemas/platform where both have one: the
 * gateway's files say what the gateway sends (every field the record requires), the mock's what the
 * mock accepts (psn_no and any filter).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Ajv2020 from 'ajv/dist/2020.js';
import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

const SCHEMA_ID_BASE = 'https://yidi-gateway.local/schemas/platform/';
const MOCK_SCHEMA_ID_BASE = 'https://yidi-gateway.local/mocks/platform/data/schemas/';

/** Source tree (tsx / vitest) first, then the layout of a `tsc` build (dist/mocks/platform → schemas/platform). */
const SCHEMA_DIR_CANDIDATES = [new URL('../../schemas/platform/', import.meta.url), new URL('../../../schemas/platform/', import.meta.url)];
const MOCK_SCHEMA_DIR_CANDIDATES = [
  new URL('./data/schemas/', import.meta.url),
  new URL('../../../mocks/platform/data/schemas/', import.meta.url),
];

export interface SchemaValidators {
  envelopeRequest: ValidateFunction;
  byFile: Map<string, ValidateFunction>;
  /** the schema documents by file name, as read (for walking an output's shape: reply-style.ts) */
  documents: Map<string, Record<string, unknown>>;
}

let cached: SchemaValidators | null = null;

function firstDirectory(candidates: readonly URL[], what: string): string {
  const found = candidates.map((url) => fileURLToPath(url)).find((dir) => existsSync(dir));
  if (!found) throw new Error(`${what} not found (looked in ${candidates.join(', ')})`);
  return found;
}

export function schemaDirectory(): string {
  return firstDirectory(SCHEMA_DIR_CANDIDATES, 'schemas/platform');
}

function readSchemaFiles(dir: string): Array<{ file: string; schema: Record<string, unknown> }> {
  return readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => ({ file, schema: JSON.parse(readFileSync(`${dir}${file}`, 'utf8')) as Record<string, unknown> }));
}

function compileAll(): SchemaValidators {
  const ajv = new Ajv2020.default({ allErrors: false, strict: true, logger: false });
  addFormats.default(ajv);
  const own = readSchemaFiles(firstDirectory(MOCK_SCHEMA_DIR_CANDIDATES, 'mocks/platform/data/schemas')).map((f) => ({
    ...f,
    base: MOCK_SCHEMA_ID_BASE,
  }));
  const taken = new Set(own.map((f) => f.file));
  const platform = readSchemaFiles(schemaDirectory())
    .filter((f) => !taken.has(f.file))
    .map((f) => ({ ...f, base: SCHEMA_ID_BASE }));
  const files = [...platform, ...own];
  for (const { schema } of files) ajv.addSchema(schema);
  const byFile = new Map<string, ValidateFunction>();
  const documents = new Map<string, Record<string, unknown>>();
  for (const { file, schema, base } of files) {
    const validate = ajv.getSchema(`${base}${file}`);
    if (!validate) throw new Error(`schema ${file} has no $id under ${base}`);
    byFile.set(file, validate);
    documents.set(file, schema);
  }
  const envelopeRequest = byFile.get('envelope.request.json');
  if (!envelopeRequest) throw new Error('envelope.request.json missing');
  return { envelopeRequest, byFile, documents };
}

export function validators(): SchemaValidators {
  cached ??= compileAll();
  return cached;
}

function describeErrors(errors: ErrorObject[] | null | undefined, dataVar: string): string {
  if (!errors || errors.length === 0) return 'unknown error';
  return errors
    .map((e) => {
      const extra = e.keyword === 'additionalProperties' ? ` '${String(e.params.additionalProperty)}'` : '';
      return `${dataVar}${e.instancePath} ${e.message ?? e.keyword}${extra}`;
    })
    .join('; ');
}

/** null when valid, else a readable ajv message. */
function check(validate: ValidateFunction | undefined, data: unknown, dataVar: string): string | null {
  if (!validate) return null;
  return validate(data) ? null : describeErrors(validate.errors, dataVar);
}

export function checkRequestEnvelope(body: unknown): string | null {
  return check(validators().envelopeRequest, body, 'body');
}

export function hasInputSchema(infno: string): boolean {
  return validators().byFile.has(`${infno}.input.json`);
}

export function checkInput(infno: string, input: unknown): string | null {
  return check(validators().byFile.get(`${infno}.input.json`), input, 'input');
}

export function hasOutputSchema(infno: string): boolean {
  return validators().byFile.has(`${infno}.output.json`);
}

/** Checks a reply's output against <infno>.output.json; null when valid or when no such schema exists. */
export function checkOutput(infno: string, output: unknown): string | null {
  return check(validators().byFile.get(`${infno}.output.json`), output, 'output');
}

export function checkReplyEnvelope(reply: unknown): string | null {
  return check(validators().byFile.get('envelope.reply.json'), reply, 'reply');
}

/** The output schema document of an infno (<infno>.output.json), if there is one. */
export function outputSchemaDocument(infno: string): Record<string, unknown> | undefined {
  return validators().documents.get(`${infno}.output.json`);
}
