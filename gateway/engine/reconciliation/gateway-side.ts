/**
 * The gateway's side of a day (对账): every settlement and cancellation that succeeded, read from
 * its journal record, counted on the natural day of its setl_time (a refund on the day it happens,
 * LN 53), grouped as 3201 groups them. Pure: the runner finds the records, this reads them.
 */
import type { TransactionRecord } from '../../store/store.js';
import { infnosOfKind } from '../call-kinds.js';
import { Decimal, sumOf } from '../money.js';
import { dayOfSetlTime, localDay } from './calendar.js';
import type { AdoptedEntry, GroupCheck, GroupKey } from './documents.js';

/** The bookings that move money, with the 清算类别 their settlement is cleared under (schemas/codes/clr_type.json). */
export const SETTLEMENT_CLR_TYPE: Readonly<Record<string, string>> = { '2207': '11', '2304': '21', '2102': '41' };
/** Each cancellation, and the settlement it cancels. */
export const CANCELS: Readonly<Record<string, string>> = { '2208': '2207', '2305': '2304', '2103': '2102' };
/**
 * Every booking call-kinds.json calls reversible books or unbooks money, except 2401 (an admission:
 * nothing to pay). A reversible infno this table does not place fails the start, so that a new
 * booking cannot be left out of the day's totals unnoticed.
 */
const NO_MONEY = new Set(['2401']);
for (const infno of infnosOfKind('reversible')) {
  if (!(infno in SETTLEMENT_CLR_TYPE) && !(infno in CANCELS) && !NO_MONEY.has(infno))
    throw new Error(`reconciliation does not know whether reversible ${infno} settles or cancels`);
}
/** The infnos whose succeeded records make the gateway's side. */
export const RECONCILED_INFNOS: readonly string[] = [...Object.keys(SETTLEMENT_CLR_TYPE), ...Object.keys(CANCELS)];
export const isCancellation = (infno: string) => infno in CANCELS;
const settlementOf = (infno: string) => CANCELS[infno] ?? infno;

/** The funds a slip names (the sums per fund of the report). */
export const FUND_FIELDS = ['hifp_pay', 'cvlserv_pay', 'hifes_pay', 'hifmi_pay', 'hifob_pay', 'maf_pay', 'oth_pay'] as const;

/** One settlement or cancellation as the day counts it. */
export interface ReconEntry extends GroupKey {
  setl_id: string;
  mdtrt_id: string;
  psn_no: string;
  /** the msgid of the call that booked it (the journal record's id) */
  msgid: string;
  infno: string;
  /** 0 a settlement, 1 a cancellation (negative amounts) */
  refd_setl_flag: '0' | '1';
  setl_time: string;
  day: string;
  medfee_sumamt: Decimal;
  fund_pay_sumamt: Decimal;
  acct_pay: Decimal;
  cash_payamt: Decimal;
  funds: Record<string, Decimal>;
  encounter_id?: string;
  /** adopted by staff from the platform's side */
  adopted?: boolean;
}

/** What a cancellation's reply may not say, taken from the settlement it cancels. */
export type OriginalFacts = Partial<GroupKey>;

const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined);
const obj = (v: unknown) => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);

/** The message's own business fields: data (2207, 2304, 2208 ...), druginfo (2102). */
function messageFields(rec: TransactionRecord): Record<string, unknown> {
  const m = obj(rec.stages.message) ?? {};
  return { ...(obj(m.druginfo) ?? {}), ...(obj(m.data) ?? {}) };
}

/** The setl_id a cancellation message cancels. */
export function cancelledSetlId(rec: TransactionRecord): string | undefined {
  return isCancellation(rec.infno) ? (str(messageFields(rec).setl_id) ?? rec.keys.setl_id) : undefined;
}

/** 参保地 as the record's envelope named it (the settlement's 经办机构 when the reply does not say). */
function insuredArea(rec: TransactionRecord): string | undefined {
  return str(obj(rec.stages.envelope)?.insuplc_admdvs);
}

function amount(v: unknown): Decimal | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return new Decimal(v);
  if (typeof v === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(v)) return new Decimal(v.trim());
  return undefined;
}

/**
 * The entry a succeeded settlement or cancellation record makes, from its reply's `output` as read
 * (Schemas.readPlatformReply), else the problem that keeps it out (staff see it on the day).
 * `original`: the cancelled settlement's group, where the cancellation's reply does not name it.
 */
export function entryOf(
  rec: TransactionRecord,
  output: Record<string, unknown>,
  offsetMinutes: number,
  original: OriginalFacts = {},
): { entry: ReconEntry } | { problem: string } {
  const s = obj(output.setlinfo) ?? {};
  const m = messageFields(rec);
  const setl_id = str(s.setl_id);
  if (!setl_id) return { problem: `${rec.infno} ${rec.id}: the reply names no setl_id` };
  const cancel = isCancellation(rec.infno);
  const sign = (d: Decimal) => (cancel ? d.abs().neg() : d);
  const medfee = amount(s.medfee_sumamt);
  const fund = amount(s.fund_pay_sumamt);
  const acct = amount(s.acct_pay) ?? new Decimal(0);
  if (!medfee || !fund) return { problem: `${rec.infno} ${rec.id}: the reply's medfee_sumamt or fund_pay_sumamt is not an amount` };
  const cash = amount(s.psn_cash_pay) ?? amount(s.cash_payamt) ?? amount(s.pdn_cash_pay) ?? medfee.minus(fund).minus(acct);
  const setl_time = str(s.setl_time) ?? '';
  const day = dayOfSetlTime(setl_time) ?? localDay(new Date(rec.updated_at), offsetMinutes);
  const insutype = str(s.insutype) ?? str(m.insutype) ?? original.insutype;
  const setl_optins = str(s.clr_optins) ?? str(s.setl_optins) ?? original.setl_optins ?? insuredArea(rec);
  const clr_type = str(s.clr_type) ?? original.clr_type ?? SETTLEMENT_CLR_TYPE[settlementOf(rec.infno)];
  if (!insutype || !setl_optins || !clr_type)
    return { problem: `${rec.infno} ${rec.id}: its group (insutype, clr_type, setl_optins) is not known` };
  const funds: Record<string, Decimal> = {};
  for (const f of FUND_FIELDS) {
    const v = amount(s[f]);
    if (v) funds[f] = sign(v);
  }
  return {
    entry: {
      setl_id,
      mdtrt_id: str(s.mdtrt_id) ?? rec.keys.mdtrt_id ?? str(m.mdtrt_id) ?? '',
      psn_no: str(s.psn_no) ?? rec.keys.psn_no ?? str(m.psn_no) ?? '',
      msgid: rec.id,
      infno: rec.infno,
      refd_setl_flag: cancel ? '1' : '0',
      setl_time,
      day,
      insutype,
      clr_type,
      setl_optins,
      medfee_sumamt: sign(medfee),
      fund_pay_sumamt: sign(fund),
      acct_pay: sign(acct),
      cash_payamt: sign(cash),
      funds,
      encounter_id: rec.encounter_id,
    },
  };
}

/** The group a booking record names before any reply (its message and envelope): where an unknown booking would count. */
export function groupOfMessage(rec: TransactionRecord): GroupKey | undefined {
  const clr_type = SETTLEMENT_CLR_TYPE[settlementOf(rec.infno)];
  const insutype = str(messageFields(rec).insutype);
  const setl_optins = insuredArea(rec);
  return clr_type && insutype && setl_optins ? { insutype, clr_type, setl_optins } : undefined;
}

/** A staff-adopted platform booking as an entry of the gateway's side. */
export function adoptedEntry(a: AdoptedEntry, day: string): ReconEntry {
  const medfee = new Decimal(a.medfee_sumamt);
  const fund = new Decimal(a.fund_pay_sumamt);
  const acct = new Decimal(a.acct_pay);
  return {
    ...a,
    refd_setl_flag: a.refd_setl_flag === '1' ? '1' : '0',
    infno: 'adopted',
    setl_time: '',
    day,
    medfee_sumamt: medfee,
    fund_pay_sumamt: fund,
    acct_pay: acct,
    cash_payamt: medfee.minus(fund).minus(acct),
    funds: {},
    adopted: true,
  };
}

export const groupId = (g: GroupKey) => `${g.insutype}|${g.clr_type}|${g.setl_optins}`;

const money = (d: Decimal) => d.toFixed(2);

/**
 * The day's groups with their totals: every group an entry counts in, and the `alsoAsk` groups with
 * nothing counted (those of the day's unknown bookings, and the configured ones) — asking 3201 for
 * them is how a booking the platform holds and the gateway does not is found. Sorted by group.
 */
export function groupTotals(entries: readonly ReconEntry[], alsoAsk: readonly GroupKey[] = []): GroupCheck[] {
  const by = new Map<string, { key: GroupKey; rows: ReconEntry[] }>();
  for (const g of alsoAsk) if (!by.has(groupId(g))) by.set(groupId(g), { key: g, rows: [] });
  for (const e of entries) {
    const id = groupId(e);
    const slot = by.get(id) ?? { key: { insutype: e.insutype, clr_type: e.clr_type, setl_optins: e.setl_optins }, rows: [] };
    slot.rows.push(e);
    by.set(id, slot);
  }
  return [...by.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, { key, rows }]) => ({
      insutype: key.insutype,
      clr_type: key.clr_type,
      setl_optins: key.setl_optins,
      count: rows.length,
      refunds: rows.filter((r) => r.refd_setl_flag === '1').length,
      ...sums(rows),
      funds: Object.fromEntries(
        FUND_FIELDS.filter((f) => rows.some((r) => r.funds[f])).map((f) => [f, money(sumOf(rows.map((r) => r.funds[f] ?? 0)))]),
      ),
    }));
}

export function sums(rows: readonly ReconEntry[]) {
  return {
    medfee_sumamt: money(sumOf(rows.map((r) => r.medfee_sumamt))),
    fund_pay_sumamt: money(sumOf(rows.map((r) => r.fund_pay_sumamt))),
    acct_pay: money(sumOf(rows.map((r) => r.acct_pay))),
    cash_payamt: money(sumOf(rows.map((r) => r.cash_payamt))),
  };
}

/** The entries of one detail reconciliation (3202 is per setl_optins × clr_type, every insutype). */
export const entriesOfPair = (entries: readonly ReconEntry[], pair: { setl_optins: string; clr_type: string }) =>
  entries.filter((e) => e.setl_optins === pair.setl_optins && e.clr_type === pair.clr_type);
