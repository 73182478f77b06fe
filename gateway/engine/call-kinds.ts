import { readFileSync } from 'node:fs';
import { projectPath } from '../paths.js';

/**
 * What an unknown outcome of a platform call means, by infno (data: call-kinds.json):
 * - reversible: a booking that 2601 undoes (冲正) — the reversal worker's queue;
 * - no_booking: a query or quote — final at once, safe to repeat, never staff's work;
 * - reversal: 2601 itself — its word is kept on the original's resolution;
 * - inquiry: another write — what the platform holds decides (5201/5203/5204), else staff.
 * An infno the file does not name is `inquiry`: a write nobody classified is never taken as harmless.
 */
export type CallKind = 'reversible' | 'no_booking' | 'reversal' | 'inquiry';

interface CallKindsFile {
  kinds: Record<CallKind, { infnos: string[] }>;
  default_kind: CallKind;
}

const file = JSON.parse(readFileSync(projectPath('gateway/engine/call-kinds.json'), 'utf8')) as CallKindsFile;
const byInfno = new Map<string, CallKind>();
for (const [kind, { infnos }] of Object.entries(file.kinds) as Array<[CallKind, { infnos: string[] }]>) {
  for (const infno of infnos) {
    if (byInfno.has(infno)) throw new Error(`call-kinds.json names ${infno} twice`);
    byInfno.set(infno, kind);
  }
}

export function callKind(infno: string): CallKind {
  return byInfno.get(infno) ?? file.default_kind;
}

/** A booking on the public reversible list: its unknown outcome is reversed with 2601. */
export const isReversible = (infno: string) => callKind(infno) === 'reversible';

/** A call that books nothing: a lost reply is final at once and the call may simply be repeated. */
export const booksNothing = (infno: string) => callKind(infno) === 'no_booking';

/** An unknown outcome of `infno` keeps its encounter waiting until it is resolved (reversed or inquired). */
export const waitsOnUnknown = (infno: string) => ['reversible', 'inquiry'].includes(callKind(infno));

/** The infnos call-kinds.json names for `kind`. */
export const infnosOfKind = (kind: CallKind): readonly string[] => file.kinds[kind].infnos;
