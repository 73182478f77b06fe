/**
 * Which of the HIS's input fields the platform keeps for its inquiries: those named like a field of
 * the 5201 mdtrtinfo (visits, stays) or of the 5204 fee detail (fee lines). The names are read from
 * the output schemas (data/schemas/5201.output.json and 5204.output.json, which carry the field
 * list of /work/shared/spec/spec-fields-more.json), so the list lives once.
 */
import { outputSchemaDocument } from './schemas.js';
import type { HisFields } from './types.js';

type Node = { properties?: Record<string, Node>; items?: Node };

function itemFieldNames(infno: string, node: string): ReadonlySet<string> {
  const doc = outputSchemaDocument(infno) as Node | undefined;
  return new Set(Object.keys(doc?.properties?.[node]?.items?.properties ?? {}));
}

let cached: { mdtrtinfo: ReadonlySet<string>; feedetail: ReadonlySet<string> } | null = null;

function names() {
  cached ??= { mdtrtinfo: itemFieldNames('5201', 'mdtrtinfo'), feedetail: itemFieldNames('5204', 'feedetail') };
  return cached;
}

/** The string and number fields of `input` that the inquiry `kind` answers with. */
export function hisFields(kind: 'mdtrtinfo' | 'feedetail', input: object): HisFields {
  const wanted = names()[kind];
  const kept: HisFields = {};
  for (const [key, value] of Object.entries(input)) {
    if (wanted.has(key) && (typeof value === 'string' || typeof value === 'number')) kept[key] = value;
  }
  return kept;
}
