/**
 * The gateway's side of a day, read from its journal: the succeeded records of each settlement and
 * cancellation infno around the day (Store.listTransactions by infno, outcome and time), read as
 * their replies were (Schemas.readPlatformReply), kept when their setl_time falls on the day; and
 * the groups to ask 3201 about although nothing of them is counted — those of the day's bookings
 * whose outcome the gateway never learnt (where an orphan would sit), and the configured ones.
 */
import type { Store, TransactionRecord } from '../../store/store.js';
import type { Schemas } from '../../validation.js';
import { dayBounds } from './calendar.js';
import type { AdoptedEntry, GroupKey } from './documents.js';
import {
  adoptedEntry,
  CANCELS,
  cancelledSetlId,
  entryOf,
  groupOfMessage,
  isCancellation,
  type OriginalFacts,
  RECONCILED_INFNOS,
  type ReconEntry,
} from './gateway-side.js';

/** A call answered a little before midnight may carry a setl_time after it (two clocks): the records are read this much either side. */
const MARGIN_MS = 2 * 3600_000;
const LIMIT = 500_000;

export interface GatewaySide {
  entries: ReconEntry[];
  /** records left out, and why (shown on the day) */
  problems: string[];
  alsoAsk: GroupKey[];
}

const obj = (v: unknown) => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);

export async function loadGatewaySide(
  store: Store,
  schemas: Schemas,
  day: string,
  offsetMinutes: number,
  adopted: readonly AdoptedEntry[],
  configured: readonly GroupKey[],
): Promise<GatewaySide> {
  const { from, to } = dayBounds(day, offsetMinutes);
  const wide = { from: new Date(Date.parse(from) - MARGIN_MS).toISOString(), to: new Date(Date.parse(to) + MARGIN_MS).toISOString() };
  const entries: ReconEntry[] = [];
  const problems: string[] = [];
  for (const infno of RECONCILED_INFNOS) {
    const records = await store.listTransactions({ infno, outcome: 'succeeded', ...wide, limit: LIMIT });
    for (const rec of records) {
      const output = schemas.readPlatformReply(infno, obj(obj(rec.stages.reply)?.output) ?? {}).value;
      const original = isCancellation(infno) ? await originalFacts(store, schemas, rec, output) : {};
      const r = entryOf(rec, output, offsetMinutes, original);
      if ('problem' in r) problems.push(r.problem);
      else if (r.entry.day === day) entries.push(r.entry);
    }
  }
  for (const a of adopted) entries.push(adoptedEntry(a, day));
  const unknown = await store.listTransactions({ outcome: 'unknown', from, to, limit: LIMIT });
  const alsoAsk = [...unknown.filter((t) => RECONCILED_INFNOS.includes(t.infno)).flatMap((t) => groupOfMessage(t) ?? []), ...configured];
  return { entries, problems, alsoAsk };
}

/** A cancellation's reply may not name its group: the settlement it cancels does (found by its setl_id). */
async function originalFacts(
  store: Store,
  schemas: Schemas,
  rec: TransactionRecord,
  output: Record<string, unknown>,
): Promise<OriginalFacts> {
  const s = obj(output.setlinfo) ?? {};
  if (s.insutype && s.clr_type && (s.clr_optins || s.setl_optins)) return {};
  const setl_id = cancelledSetlId(rec);
  if (!setl_id) return {};
  const [orig] = await store.listTransactions({
    infno: CANCELS[rec.infno],
    outcome: 'succeeded',
    key: { name: 'setl_id', value: setl_id },
    limit: 1,
  });
  if (!orig) return {};
  const o = obj(schemas.readPlatformReply(orig.infno, obj(obj(orig.stages.reply)?.output) ?? {}).value.setlinfo) ?? {};
  const fromMessage = groupOfMessage(orig);
  const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
  return {
    insutype: str(o.insutype) ?? fromMessage?.insutype,
    clr_type: str(o.clr_type) ?? fromMessage?.clr_type,
    setl_optins: str(o.clr_optins) ?? str(o.setl_optins) ?? fromMessage?.setl_optins,
  };
}
