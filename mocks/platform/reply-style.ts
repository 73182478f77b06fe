/**
 * How the mock's replies look on the wire: the last step before a reply envelope is sent, for
 * every JSON reply (business replies, refusals, fault replies, signature errors).
 *
 * - strict (default): as built — absent values left out, amounts as JSON numbers, infcode a number
 *   (a string when the infcodeAsString option is set).
 * - real: as real platforms answer (design.md: "null = absent, number or string"): every field the
 *   infno's output schema names but the reply lacks is present as null; an amount (a field the
 *   schema types decimal_out) is a numeric string ("69.20") or a number, and infcode is "0" or 0.
 *   Which one is decided by a hash of the infno and the field name, so a given transaction's given
 *   field always comes the same way and a test run can be repeated.
 */
import { outputSchemaDocument } from './schemas.js';

export type ReplyStyle = 'strict' | 'real';

export const REPLY_STYLES: readonly ReplyStyle[] = ['strict', 'real'];

/** MOCK_REPLY_STYLE (strict | real); undefined when unset; an unknown value is an error. */
export function replyStyleFromEnv(env: Record<string, string | undefined>): ReplyStyle | undefined {
  const value = env.MOCK_REPLY_STYLE;
  if (value === undefined || value === '') return undefined;
  if (!(REPLY_STYLES as readonly string[]).includes(value))
    throw new Error(`MOCK_REPLY_STYLE must be one of ${REPLY_STYLES.join(', ')}: ${value}`);
  return value as ReplyStyle;
}

export interface ShapeOptions {
  style: ReplyStyle;
  /** infcode always as a string ("0", "-2"), whatever the style */
  infcodeAsString: boolean;
}

/** FNV-1a over the text, then a murmur3 finaliser so that every bit depends on every character. */
function stableHash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/** real style: does this (infno, name) come as a string? About half of them do, the same on every run. */
export function sentAsString(infno: string, name: string): boolean {
  return (stableHash(`${infno}:${name}`) & 1) === 1;
}

/** "69.20" for an amount with at most two decimals, else the number's own digits ("27.415"). */
function numericString(value: number): string {
  return Number(value.toFixed(2)) === value ? value.toFixed(2) : String(value);
}

interface SchemaNode {
  $ref?: string;
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
}

const isDecimal = (node: SchemaNode | undefined): boolean => node?.$ref?.endsWith('#/$defs/decimal_out') === true;
const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

/** The value as a real platform sends it, by its schema node: nulls for absent fields, some amounts as strings. */
function shapeValue(infno: string, value: unknown, node: SchemaNode | undefined): unknown {
  if (Array.isArray(value)) return value.map((item) => shapeValue(infno, item, node?.items));
  if (!isObject(value) || !node?.properties) return value;
  const shaped: Record<string, unknown> = {};
  for (const [name, child] of Object.entries(value)) {
    const childNode = node.properties[name];
    shaped[name] =
      typeof child === 'number' && isDecimal(childNode) && sentAsString(infno, name)
        ? numericString(child)
        : shapeValue(infno, child, childNode);
  }
  for (const name of Object.keys(node.properties)) if (!(name in shaped)) shaped[name] = null;
  return shaped;
}

/** The reply envelope as it goes on the wire, for this infno and style. The input is not changed. */
export function shapeReply(reply: object, infno: string, opts: ShapeOptions): Record<string, unknown> {
  const shaped: Record<string, unknown> = { ...reply };
  const stringInfcode = opts.infcodeAsString || (opts.style === 'real' && sentAsString(infno, 'infcode'));
  if (typeof shaped.infcode === 'number' && stringInfcode) shaped.infcode = String(shaped.infcode);
  if (opts.style === 'real' && isObject(shaped.output)) {
    shaped.output = shapeValue(infno, shaped.output, outputSchemaDocument(infno) as SchemaNode | undefined);
  }
  return shaped;
}
