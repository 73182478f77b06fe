import type { LedgerEntry } from './types.js';

/**
 * Lookups into the mock's ledger by visit (mdtrt_id), settlement id and msgid, without walking
 * the whole ledger: each booking used to `find` over every entry before it, so the mock's cost per
 * settlement grew with everything it had booked (bench:memory: its CPU per settlement tripled over
 * 30,000). The ledger only grows by push and an entry's ids never change, so the index catches up
 * with the entries appended since it last looked; a reset starts a new ledger array, and with it a
 * new index.
 */
interface Index {
  seen: number;
  byMdtrt: Map<string, LedgerEntry[]>;
  bySetl: Map<string, LedgerEntry>;
  byMsgid: Map<string, LedgerEntry>;
}

const indexes = new WeakMap<readonly LedgerEntry[], Index>();

function indexOf(ledger: readonly LedgerEntry[]): Index {
  let ix = indexes.get(ledger);
  if (!ix) {
    ix = { seen: 0, byMdtrt: new Map(), bySetl: new Map(), byMsgid: new Map() };
    indexes.set(ledger, ix);
  }
  for (; ix.seen < ledger.length; ix.seen++) {
    const e = ledger[ix.seen]!;
    const list = ix.byMdtrt.get(e.mdtrt_id);
    if (list) list.push(e);
    else ix.byMdtrt.set(e.mdtrt_id, [e]);
    // the first entry of an id wins, as Array.find did
    if (!ix.bySetl.has(e.setl_id)) ix.bySetl.set(e.setl_id, e);
    if (!ix.byMsgid.has(e.msgid)) ix.byMsgid.set(e.msgid, e);
  }
  return ix;
}

/** The entries of one visit or stay, in ledger order. */
export const entriesOfVisit = (ledger: readonly LedgerEntry[], mdtrtId: string): readonly LedgerEntry[] =>
  indexOf(ledger).byMdtrt.get(mdtrtId) ?? [];

export const entryBySetlId = (ledger: readonly LedgerEntry[], setlId: string) => indexOf(ledger).bySetl.get(setlId);

export const entryByMsgid = (ledger: readonly LedgerEntry[], msgid: string) => indexOf(ledger).byMsgid.get(msgid);
