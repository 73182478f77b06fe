/**
 * JSON Schema validation of the national interface messages (schemas/platform, draft 2020-12).
 * Every schema file is loaded and compiled once per process, on first use.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Ajv2020 from 'ajv/dist/2020.js';
import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

const SCHEMA_ID_BASE = 'https://yidi-gateway.local/schemas/platform/';

/** Source tree (tsx / vitest) first, then the layout of a `tsc` build (dist/mocks/platform → schemas/platform). */
const SCHEMA_DIR_CANDIDATES = [new URL('../../schemas/platform/', import.meta.url), new URL('../../../schemas/platform/', import.meta.url)];

export interface SchemaValidators {
  envelopeRequest: ValidateFunction;
  byFile: Map<string, ValidateFunction>;
}

let cached: SchemaValidators | null = null;

export function schemaDirectory(): string {
  const found = SCHEMA_DIR_CANDIDATES.map((url) => fileURLToPath(url)).find((dir) => existsSync(dir));
  if (!found) throw new Error(`schemas/platform not found (looked in ${SCHEMA_DIR_CANDIDATES.join(', ')})`);
  return found;
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
  const files = readSchemaFiles(schemaDirectory());
  for (const { schema } of files) ajv.addSchema(schema);
  const byFile = new Map<string, ValidateFunction>();
  for (const { file } of files) {
    const validate = ajv.getSchema(`${SCHEMA_ID_BASE}${file}`);
    if (!validate) throw new Error(`schema ${file} has no $id under ${SCHEMA_ID_BASE}`);
    byFile.set(file, validate);
  }
  const envelopeRequest = byFile.get('envelope.request.json');
  if (!envelopeRequest) throw new Error('envelope.request.json missing');
  return { envelopeRequest, byFile };
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
