import { createHash } from 'node:crypto';
import type { PersonSearch, TransactionRecord } from './store.js';

/**
 * What the console searches a journal record by that is not a business key (issue 15): the
 * patient's name and ID number, and the settlement amount. Both backends derive them when a record
 * is written (putTransaction), from the record's own stages, and keep them on the record, so they
 * outlive the stages when these go to the archive.
 *
 * The name and the ID number are kept ONLY as keyed hashes of their normalised form (the store's
 * index key through `hash`, then SHA-256, so even a store without STORE_KEYS holds no clear value in
 * an index name or in these fields): a search is an exact match of the normalised value, never a
 * prefix or a pattern, and the clear value is never stored.
 */

/** The store's keyed hash (query.ts KeyHash; not imported from there, which imports this file). */
type KeyHash = (value: string) => string;

/** The stage fields that carry the person's name and ID number (1101 input and reply, registrations). */
const PERSON_FIELDS: Record<PersonSearch, string> = { psn_name: 'psn_name', certno: 'certno' };

/** Full-width forms folded (NFKC), every blank removed, the middle dots of transliterated names made one. */
export function normalisePerson(kind: PersonSearch, value: string): string {
  const v = value.normalize('NFKC').replace(/\s+/g, '');
  return kind === 'certno' ? v.toUpperCase() : v.replace(/[·•・‧∙⋅]/g, '·');
}

/** The keyed hash a normalised name or ID number is kept and indexed as. */
export const personHash = (hash: KeyHash, kind: PersonSearch, value: string) =>
  createHash('sha256')
    .update(hash(`person:${kind}:${normalisePerson(kind, value)}`))
    .digest('base64url')
    .slice(0, 22);

/** Every value of the fields `want` names anywhere in `v` (objects and arrays walked once), by kind. */
function valuesOf(v: unknown, want: ReadonlyMap<string, PersonSearch>, out: Map<PersonSearch, Set<string>>, depth = 0) {
  if (depth > 8 || v === null || typeof v !== 'object') return;
  if (Array.isArray(v)) {
    for (const x of v) valuesOf(x, want, out, depth + 1);
    return;
  }
  for (const k in v as Record<string, unknown>) {
    const x = (v as Record<string, unknown>)[k];
    const kind = want.get(k);
    if (kind && typeof x === 'string' && x.trim() !== '') out.get(kind)!.add(x);
    else if (x !== null && typeof x === 'object') valuesOf(x, want, out, depth + 1);
  }
}

const FIELD_KINDS: ReadonlyMap<string, PersonSearch> = new Map(
  (Object.entries(PERSON_FIELDS) as Array<[PersonSearch, string]>).map(([kind, field]) => [field, kind]),
);

/** The settlement amount (医疗费总额): the platform's reply when it gave one, else what was sent. */
export function amountOf(stages: TransactionRecord['stages']): string | undefined {
  const reply = stages.reply as { output?: { setlinfo?: { medfee_sumamt?: unknown } } } | undefined;
  const message = stages.message as { data?: { medfee_sumamt?: unknown }; setlinfo?: { medfee_sumamt?: unknown } } | undefined;
  for (const v of [reply?.output?.setlinfo?.medfee_sumamt, message?.setlinfo?.medfee_sumamt, message?.data?.medfee_sumamt]) {
    if ((typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v)) || (typeof v === 'number' && Number.isFinite(v))) return String(v);
  }
  return undefined;
}

/** The record as it is stored: its search facts derived from its stages, merged with those it had. */
export function withSearchFacts(rec: TransactionRecord, hash: KeyHash): TransactionRecord {
  const values = new Map<PersonSearch, Set<string>>([...FIELD_KINDS.values()].map((kind) => [kind, new Set<string>()]));
  for (const stage of [rec.stages.his_input, rec.stages.message, rec.stages.reply]) valuesOf(stage, FIELD_KINDS, values);
  const person: Partial<Record<PersonSearch, string[]>> = {};
  for (const [kind, found] of values) {
    const hashes = new Set(rec.person?.[kind] ?? []);
    for (const v of found) hashes.add(personHash(hash, kind, v));
    if (hashes.size) person[kind] = [...hashes].sort();
  }
  const amount = rec.medfee_sumamt ?? amountOf(rec.stages);
  const out: TransactionRecord = { ...rec };
  if (Object.keys(person).length) out.person = person;
  if (amount !== undefined) out.medfee_sumamt = amount;
  return out;
}
