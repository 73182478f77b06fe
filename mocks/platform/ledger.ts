/** The settlement ledger (结算台账): booked settlements, cancellations, and the year totals derived from them. */
import type { Decimal } from 'decimal.js';
import { yearOf } from './time.js';
import type { FeeLine, LedgerEntry, PersonRecord, SettlementAmounts, SettlementResult, Visit, YearAccumulation } from './types.js';

export interface SettlementBooking {
  setl_id: string;
  msgid: string;
  infno: string;
  visit: Visit;
  person: PersonRecord;
  med_type: string;
  chrg_bchno: string;
  lines: readonly FeeLine[];
  setl_time: string;
  result: SettlementResult;
}

export function findLedgerEntry(ledger: readonly LedgerEntry[], setlId: string): LedgerEntry | undefined {
  return ledger.find((e) => e.setl_id === setlId);
}

/** The booked (not cancelled) settlement of a visit, if any. */
export function liveSettlementOf(ledger: readonly LedgerEntry[], mdtrtId: string): LedgerEntry | undefined {
  return ledger.find((e) => e.kind === 'settlement' && e.status === 'booked' && e.mdtrt_id === mdtrtId);
}

/** Books a settlement: appends the ledger entry and marks its fee lines settled. */
export function bookSettlement(ledger: LedgerEntry[], booking: SettlementBooking): LedgerEntry {
  const entry: LedgerEntry = {
    setl_id: booking.setl_id,
    kind: 'settlement',
    orig_setl_id: null,
    cancel_setl_id: null,
    msgid: booking.msgid,
    infno: booking.infno,
    mdtrt_id: booking.visit.mdtrt_id,
    psn_no: booking.person.psn_no,
    insuplc_admdvs: booking.person.insuplc_admdvs,
    insutype: booking.visit.insutype,
    med_type: booking.med_type,
    chrg_bchno: booking.chrg_bchno,
    feedetl_sns: booking.lines.map((l) => l.feedetl_sn),
    setl_time: booking.setl_time,
    amounts: booking.result.amounts,
    setldetail: booking.result.setldetail,
    status: 'booked',
  };
  for (const line of booking.lines) line.setl_id = entry.setl_id;
  ledger.push(entry);
  return entry;
}

/** Marks a booked settlement cancelled and makes its fee lines unsettled again. */
export function markCancelled(entry: LedgerEntry, visit: Visit | undefined, cancelSetlId: string): void {
  entry.status = 'cancelled';
  entry.cancel_setl_id = cancelSetlId;
  for (const line of visit?.lines ?? []) {
    if (line.setl_id === entry.setl_id) line.setl_id = null;
  }
}

export interface CancellationRecord {
  setl_id: string;
  msgid: string;
  infno: string;
  setl_time: string;
  result: SettlementResult;
}

/** Appends the cancellation record (its own setl_id, negated amounts) of a cancelled settlement. */
export function appendCancellation(ledger: LedgerEntry[], original: LedgerEntry, record: CancellationRecord): LedgerEntry {
  const entry: LedgerEntry = {
    ...original,
    feedetl_sns: [...original.feedetl_sns],
    setl_id: record.setl_id,
    kind: 'cancellation',
    orig_setl_id: original.setl_id,
    cancel_setl_id: null,
    msgid: record.msgid,
    infno: record.infno,
    setl_time: record.setl_time,
    amounts: record.result.amounts,
    setldetail: record.result.setldetail,
    status: 'booked',
  };
  ledger.push(entry);
  return entry;
}

function addToYear(accumulations: Map<number, YearAccumulation>, year: number, amounts: SettlementAmounts): void {
  const current = accumulations.get(year);
  accumulations.set(year, {
    dedc_used: current ? current.dedc_used.plus(amounts.act_pay_dedc) : amounts.act_pay_dedc,
    pool_paid: current ? current.pool_paid.plus(amounts.hifp_pay) : amounts.hifp_pay,
  });
}

/**
 * Recomputes a person's year accumulations and account balance from the booked settlements, in
 * booking order, so that cancelling any settlement (not only the latest) restores them exactly.
 */
export function recomputePersonTotals(person: PersonRecord, ledger: readonly LedgerEntry[]): void {
  const accumulations = new Map<number, YearAccumulation>();
  let balance: Decimal = person.seed_balance;
  for (const entry of ledger) {
    if (entry.kind !== 'settlement' || entry.status !== 'booked' || entry.psn_no !== person.psn_no) continue;
    addToYear(accumulations, yearOf(entry.setl_time), entry.amounts);
    balance = balance.minus(entry.amounts.acct_pay);
  }
  person.accumulations = accumulations;
  person.balance = balance;
}
