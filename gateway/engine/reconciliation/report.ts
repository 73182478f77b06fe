/**
 * The reconciliation report of a day and of a month (for the hospital's 申报, HN 48: nothing
 * unreconciled is declared): counts, sums per fund, the result, the differences and how each was
 * resolved — as JSON for the console and as CSV. Pure.
 */
import { redactText } from '../../privacy.js';
import { Decimal, sumOf } from '../money.js';
import { type CloseWarning, daysOfMonth } from './calendar.js';
import type { DayDocument, Difference, GroupCheck, MonthDocument } from './documents.js';
import { FUND_FIELDS } from './gateway-side.js';

const money = (xs: Array<string | undefined>) => sumOf(xs.map((x) => new Decimal(x ?? 0))).toFixed(2);

export interface DayTotals {
  count: number;
  refunds: number;
  medfee_sumamt: string;
  fund_pay_sumamt: string;
  acct_pay: string;
  cash_payamt: string;
  funds: Record<string, string>;
}

export function totalsOf(groups: readonly GroupCheck[]): DayTotals {
  return {
    count: groups.reduce((n, g) => n + g.count, 0),
    refunds: groups.reduce((n, g) => n + g.refunds, 0),
    medfee_sumamt: money(groups.map((g) => g.medfee_sumamt)),
    fund_pay_sumamt: money(groups.map((g) => g.fund_pay_sumamt)),
    acct_pay: money(groups.map((g) => g.acct_pay)),
    cash_payamt: money(groups.map((g) => g.cash_payamt)),
    funds: Object.fromEntries(
      FUND_FIELDS.filter((f) => groups.some((g) => g.funds[f] !== undefined)).map((f) => [f, money(groups.map((g) => g.funds[f]))]),
    ),
  };
}

/** What staff see of a difference: the platform's free text (memo) redacted of ID and phone patterns. */
export function differenceView(d: Difference) {
  return { ...d, memo: redactText(d.memo) };
}

export const STMT_RSLT: Readonly<Record<string, string>> = { '0': '对平', '1': '中心多', '2': '医药机构多', '3': '数据不一致' };

/** One day: its status, the last run's groups with their totals and 3201 answers, the differences. */
export function dayReport(day: string, doc: DayDocument | undefined) {
  if (!doc)
    return {
      day,
      status: 'not_run' as const,
      open: true,
      run_count: 0,
      groups: [],
      totals: totalsOf([]),
      differences: [],
      open_differences: 0,
    };
  const groups = doc.run?.groups ?? [];
  const open = doc.differences.filter((d) => d.state !== 'resolved');
  return {
    day,
    status: doc.status,
    open: doc.status !== 'balanced',
    run_count: doc.run_count,
    balanced_at: doc.balanced_at,
    last_error: doc.last_error,
    running: doc.status === 'running' ? { since: doc.run?.started_at, holder_until: doc.lease?.until } : undefined,
    groups: groups.map((g) => ({ ...g, stmt_rslt_text: g.stmt_rslt === undefined ? undefined : STMT_RSLT[g.stmt_rslt] })),
    totals: totalsOf(groups),
    differences: doc.differences.map(differenceView),
    open_differences: open.length,
    adopted: doc.adopted,
    runs: doc.runs,
  };
}

export type DayReport = ReturnType<typeof dayReport>;

/** A month: every day's line, the open days, whether it is closed, and the warning the console shows. */
export function monthReport(month: string, days: ReadonlyArray<DayReport>, closed: MonthDocument | undefined, warning: CloseWarning) {
  const all = daysOfMonth(month);
  const lines = all.map((day) => days.find((d) => d.day === day) ?? dayReport(day, undefined));
  const groups = lines.flatMap((l) => l.groups);
  return {
    month,
    closed: closed ? { at: closed.closed_at, by: closed.closed_by } : undefined,
    open_days: lines.filter((l) => l.open).map((l) => l.day),
    warning,
    totals: totalsOf(groups),
    open_differences: lines.reduce((n, l) => n + l.open_differences, 0),
    days: lines.map((l) => ({
      day: l.day,
      status: l.status,
      open: l.open,
      run_count: l.run_count,
      balanced_at: l.balanced_at,
      ...totalsOf(l.groups),
      differences: l.differences.length,
      open_differences: l.open_differences,
      last_error: l.last_error?.message,
    })),
  };
}

// ---- CSV ------------------------------------------------------------------------------------------

/** A CSV cell: quoted when it must be; text a spreadsheet would run as a formula is prefixed with ' (amounts are left as numbers). */
function cell(v: unknown, numeric = false): string {
  if (v === undefined || v === null) return '';
  let s = String(v);
  if (!numeric && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const AMOUNTS = ['medfee_sumamt', 'fund_pay_sumamt', 'acct_pay', 'cash_payamt', ...FUND_FIELDS] as const;
const isAmountColumn = (c: string) =>
  (AMOUNTS as readonly string[]).includes(c) || /^(platform|gateway)_/.test(c) || c === 'count' || c === 'refunds';

function csv(columns: readonly string[], rows: ReadonlyArray<Record<string, unknown>>): string {
  const lines = [columns.join(','), ...rows.map((r) => columns.map((c) => cell(r[c], isAmountColumn(c))).join(','))];
  // a BOM, so that a spreadsheet opens the Chinese text as UTF-8
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}

const DAY_COLUMNS = [
  'record',
  'day',
  'status',
  'insutype',
  'clr_type',
  'setl_optins',
  'count',
  'refunds',
  ...AMOUNTS,
  'stmt_rslt',
  'difference_id',
  'kind',
  'state',
  'setl_id',
  'mdtrt_id',
  'psn_no',
  'msgid',
  'refd_setl_flag',
  'platform_medfee_sumamt',
  'platform_fund_pay_sumamt',
  'platform_acct_pay',
  'gateway_medfee_sumamt',
  'gateway_fund_pay_sumamt',
  'gateway_acct_pay',
  'encounter_id',
  'action',
  'resolution',
  'resolved_by',
  'reason',
] as const;

/** One CSV for a day: a line per group, one for the day's total, one per difference. */
export function dayCsv(r: DayReport): string {
  const rows: Array<Record<string, unknown>> = [];
  for (const g of r.groups) rows.push({ record: 'group', day: r.day, status: r.status, ...g, ...g.funds });
  rows.push({ record: 'total', day: r.day, status: r.status, ...r.totals, ...r.totals.funds });
  for (const d of r.differences) {
    rows.push({
      record: 'difference',
      day: r.day,
      status: r.status,
      ...d.group,
      difference_id: d.id,
      kind: d.kind,
      state: d.state,
      stmt_rslt: d.stmt_rslt,
      setl_id: d.setl_id,
      mdtrt_id: d.mdtrt_id,
      psn_no: d.psn_no,
      msgid: d.msgid,
      refd_setl_flag: d.refd_setl_flag,
      platform_medfee_sumamt: d.platform?.medfee_sumamt,
      platform_fund_pay_sumamt: d.platform?.fund_pay_sumamt,
      platform_acct_pay: d.platform?.acct_pay,
      gateway_medfee_sumamt: d.gateway?.medfee_sumamt,
      gateway_fund_pay_sumamt: d.gateway?.fund_pay_sumamt,
      gateway_acct_pay: d.gateway?.acct_pay,
      encounter_id: d.journal?.encounter_id ?? d.gateway?.encounter_id,
      action: d.action ? `${d.action.what}: ${d.action.why}` : undefined,
      resolution: d.resolution?.how,
      resolved_by: d.resolution?.by,
      reason: d.resolution?.reason,
    });
  }
  return csv(DAY_COLUMNS, rows);
}

const MONTH_COLUMNS = [
  'record',
  'day',
  'status',
  'run_count',
  'count',
  'refunds',
  ...AMOUNTS,
  'differences',
  'open_differences',
  'balanced_at',
  'closed_at',
  'closed_by',
] as const;

/** One CSV for a month: a line per day and one for the month. */
export function monthCsv(r: ReturnType<typeof monthReport>): string {
  const rows: Array<Record<string, unknown>> = r.days.map((d) => ({ record: 'day', ...d, ...d.funds }));
  rows.push({
    record: 'month',
    day: r.month,
    status: r.closed ? 'closed' : r.open_days.length ? 'open' : 'balanced',
    ...r.totals,
    ...r.totals.funds,
    differences: r.days.reduce((n, d) => n + d.differences, 0),
    open_differences: r.open_differences,
    closed_at: r.closed?.at,
    closed_by: r.closed?.by,
  });
  return csv(MONTH_COLUMNS, rows);
}
