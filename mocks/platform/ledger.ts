/** The settlement ledger (结算台账): booked settlements, cancellations, and the year totals derived from them. */
import type { Decimal } from 'decimal.js';
import { dec, sumOf, ZERO } from './money.js';
import { deductiblePaid, negateSettlement, pooledFundPays, remainingCap } from './policy-engine.js';
import { yearOf } from './time.js';
import type {
  FeeLine,
  LedgerEntry,
  OutpatientPolicy,
  PersonRecord,
  SettlementAmounts,
  SettlementResult,
  Visit,
  YearAccumulation,
} from './types.js';
import { entriesOfVisit, entryBySetlId } from './ledger-index.js';

export interface SettlementBooking {
  setl_id: string;
  msgid: string;
  infno: string;
  /** an outpatient visit or an inpatient admission: what the ledger keeps of it */
  visit: Pick<Visit, 'mdtrt_id' | 'insutype'>;
  person: PersonRecord;
  med_type: string;
  chrg_bchno: string;
  lines: readonly FeeLine[];
  setl_time: string;
  result: SettlementResult;
}

export function findLedgerEntry(ledger: readonly LedgerEntry[], setlId: string): LedgerEntry | undefined {
  return entryBySetlId(ledger, setlId);
}

/** The booked (not cancelled) settlement of a visit, if any. */
export function liveSettlementOf(ledger: readonly LedgerEntry[], mdtrtId: string): LedgerEntry | undefined {
  return entriesOfVisit(ledger, mdtrtId).find((e) => e.kind === 'settlement' && e.status === 'booked');
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
    adjusted: null,
    adjustments: [],
    cleared_month: null,
    after_clearing: false,
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
    adjusted: null,
    adjustments: [],
    cleared_month: null,
    after_clearing: original.cleared_month !== null,
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
 * A settlement just appended to the ledger changes the person's totals by itself alone — the same
 * result as recomputePersonTotals, without walking every earlier entry (which made each booking
 * cost grow with the ledger: a 50,000-settlement run went quadratic). Refunds and reversals,
 * which change earlier entries, still recompute.
 */
export function applyNewBooking(person: PersonRecord, entry: LedgerEntry): void {
  person.balance = person.balance.minus(entry.amounts.acct_pay);
  if (entry.kind === 'settlement' && entry.status === 'booked' && entry.encounter !== 'inpatient') {
    addToYear(person.accumulations, yearOf(entry.setl_time), currentAmounts(entry));
  }
}

/** What the insured area counts of a settlement now: its re-derived benefits, else what was booked. */
export function currentAmounts(entry: LedgerEntry): SettlementAmounts {
  return entry.adjusted ?? entry.amounts;
}

/**
 * Recomputes a person's year accumulations and account balance from the ledger, in booking order,
 * so that cancelling any settlement (not only the latest) restores them exactly. Accumulations
 * count the booked settlements' current benefits (re-derived after 隔笔退费); the balance counts
 * every account movement (a settlement's acct_pay, a cancellation's negative acct_pay).
 */
export function recomputePersonTotals(person: PersonRecord, ledger: readonly LedgerEntry[]): void {
  const accumulations = new Map<number, YearAccumulation>();
  let balance: Decimal = person.seed_balance;
  for (const entry of ledger) {
    if (entry.psn_no !== person.psn_no) continue;
    balance = balance.minus(entry.amounts.acct_pay);
    // inpatient stays have their own deductible and cap (inpatient-engine.ts): not in these year totals
    if (entry.kind !== 'settlement' || entry.status !== 'booked' || entry.encounter === 'inpatient') continue;
    addToYear(accumulations, yearOf(entry.setl_time), currentAmounts(entry));
  }
  person.accumulations = accumulations;
  person.balance = balance;
}

/** The outpatient policy a settlement was computed under (pharmacy purchases use it too). */
export type PolicyOf = (entry: LedgerEntry) => OutpatientPolicy | undefined;

interface Change {
  entry: LedgerEntry;
  act_pay_dedc_delta: Decimal;
  fund_pay_delta: Decimal;
}

/**
 * 隔笔退费 (LN 54, JS 45, HN 52): after a settlement of `year` is refunded, the insured area
 * re-derives the benefits of the person's remaining settlements of that year, in booking order,
 * from their in-scope amounts (deductible, then ratio, then the annual cap). Account payments stay
 * as they happened; what moves is the deductible taken, the pooled fund's share and so the
 * person's part. Returns the settlements whose benefits moved. Accumulations are by the
 * settlement's own year, so a January refund of a December settlement moves December's year.
 */
export function rederiveYear(
  person: PersonRecord,
  ledger: readonly LedgerEntry[],
  year: number,
  policyOf: PolicyOf,
  refundSetlId: string,
): Change[] {
  let dedcUsed = ZERO;
  let poolPaid = ZERO;
  const changes: Change[] = [];
  for (const entry of ledger) {
    if (
      entry.kind !== 'settlement' ||
      entry.status !== 'booked' ||
      entry.encounter === 'inpatient' ||
      entry.psn_no !== person.psn_no ||
      yearOf(entry.setl_time) !== year
    )
      continue;
    const current = currentAmounts(entry);
    const policy = policyOf(entry);
    if (policy) {
      const inscp = entry.amounts.inscp_scp_amt;
      const dedc = deductiblePaid(inscp, dec(policy.deductible), dedcUsed);
      const hifp = pooledFundPays(inscp, dedc, dec(policy.ratio), remainingCap(dec(policy.annual_cap), poolPaid));
      if (!dedc.equals(current.act_pay_dedc) || !hifp.equals(current.hifp_pay)) {
        const fund = sumOf([
          hifp,
          current.cvlserv_pay,
          current.hifes_pay,
          current.hifmi_pay,
          current.hifob_pay,
          current.maf_pay,
          current.oth_pay,
        ]);
        const psnPart = current.medfee_sumamt.minus(fund);
        const next: SettlementAmounts = {
          ...current,
          act_pay_dedc: dedc,
          hifp_pay: hifp,
          fund_pay_sumamt: fund,
          psn_part_amt: psnPart,
          psn_cash_pay: psnPart.minus(current.acct_pay),
        };
        const change = { entry, act_pay_dedc_delta: dedc.minus(current.act_pay_dedc), fund_pay_delta: hifp.minus(current.hifp_pay) };
        changes.push(change);
        entry.adjustments.push({
          refund_setl_id: refundSetlId,
          act_pay_dedc_delta: change.act_pay_dedc_delta,
          fund_pay_delta: change.fund_pay_delta,
        });
        entry.adjusted = next.act_pay_dedc.equals(entry.amounts.act_pay_dedc) && next.hifp_pay.equals(entry.amounts.hifp_pay) ? null : next;
      }
    }
    const counted = currentAmounts(entry);
    dedcUsed = dedcUsed.plus(counted.act_pay_dedc);
    poolPaid = poolPaid.plus(counted.hifp_pay);
  }
  return changes;
}

export interface RefundRecord {
  setl_id: string;
  msgid: string;
  infno: string;
  setl_time: string;
}

/**
 * Refunds (撤销) a booked settlement, earlier or latest: marks it cancelled, re-derives the later
 * settlements of its year, and appends the cancellation record. The refund amounts are the
 * settlement's current benefits negated, less what the later settlements' re-derivation takes back
 * (LN 54: 在退费当笔重新计算相关待遇，并据此扣减相应退费额度): the fund recovers its share of the
 * refunded settlement plus whatever it paid too much on the later ones; the person gets back the
 * rest. A cleared settlement may be refunded too (清算后退费); the record says so.
 */
export function refundBooked(
  ledger: LedgerEntry[],
  person: PersonRecord,
  entry: LedgerEntry,
  visit: Visit | undefined,
  record: RefundRecord,
  policyOf: PolicyOf,
): LedgerEntry {
  const policy = policyOf(entry);
  const year = yearOf(entry.setl_time);
  const capLeftBefore = policy ? remainingCap(dec(policy.annual_cap), accumulationOf(person, year).pool_paid) : ZERO;
  const base = currentAmounts(entry);
  markCancelled(entry, visit, record.setl_id);
  const changes = rederiveYear(person, ledger, year, policyOf, record.setl_id);
  const dedcBack = sumOf(changes.map((c) => c.act_pay_dedc_delta));
  const fundBack = sumOf(changes.map((c) => c.fund_pay_delta));
  const reversal = negateSettlement({ amounts: base, setldetail: entry.setldetail }, ZERO, capLeftBefore);
  const a = reversal.amounts;
  a.act_pay_dedc = a.act_pay_dedc.plus(dedcBack);
  a.hifp_pay = a.hifp_pay.plus(fundBack);
  a.fund_pay_sumamt = a.fund_pay_sumamt.plus(fundBack);
  a.psn_part_amt = a.medfee_sumamt.minus(a.fund_pay_sumamt);
  a.psn_cash_pay = a.psn_part_amt.minus(a.acct_pay);
  // the pooled fund's row (the only fund this mock pays) carries what the pooled fund recovers
  const pooled = reversal.setldetail[0];
  if (pooled) pooled.fund_payamt = base.hifp_pay.negated().plus(fundBack);
  const cancellation = appendCancellation(ledger, entry, { ...record, result: reversal });
  // the balance counts the cancellation's account refund, so it is recomputed after appending
  recomputePersonTotals(person, ledger);
  cancellation.amounts.balc = person.balance;
  return cancellation;
}

function accumulationOf(person: PersonRecord, year: number): YearAccumulation {
  return person.accumulations.get(year) ?? { dedc_used: ZERO, pool_paid: ZERO };
}

/** Monthly clearing (清算) between areas: marks the month's entries cleared; returns how many. */
export function clearMonth(ledger: LedgerEntry[], month: string): number {
  let n = 0;
  for (const entry of ledger) {
    if (entry.cleared_month === null && entry.setl_time.slice(0, 7) === month) {
      entry.cleared_month = month;
      n += 1;
    }
  }
  return n;
}
