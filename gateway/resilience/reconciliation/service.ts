/**
 * Reconciliation as the console asks for it: run a day, a day's and a month's report, the open days
 * and the month-close warning, closing a month, the staff actions on a day's work items, and the
 * figures the metrics export. The month view reads at most 31 day documents, by id.
 */
import type { Clock } from '../../../adapters/platform/msgid.js';
import { GatewayError } from '../../errors/errors.js';
import {
  closeWarning,
  dayBounds,
  daysOfMonth,
  isDay,
  isMonth,
  localDay,
  monthOf,
  previousMonth,
} from '../../engine/reconciliation/calendar.js';
import { type DayDocument, type Difference, MONTH_KIND, monthDocId } from '../../engine/reconciliation/documents.js';
import { dayCsv, dayReport, monthCsv, monthReport, totalsOf } from '../../engine/reconciliation/report.js';
import type { ReconciliationSettings } from '../../engine/reconciliation/settings.js';
import type { DayDocuments } from './day-documents.js';
import type { Orphans } from './orphans.js';
import type { ReconciliationWorker } from './worker.js';

export interface ReconciliationDeps {
  docs: DayDocuments;
  worker: ReconciliationWorker;
  orphans: Orphans;
  clock: Clock;
  settings: ReconciliationSettings;
  offsetMinutes: number;
}

/** What the metrics export (gateway/metrics.ts). */
export interface ReconciliationStatus {
  /** the latest balanced day of the current and previous month (yyyy-MM-dd) */
  last_balanced_day?: string;
  /** its local midnight, epoch seconds (0: none) */
  last_balanced_day_timestamp: number;
  open_differences: number;
  /** days of the current month before today that are not balanced (not run counts as open) */
  days_open_current_month: number;
  previous_month_closed: boolean;
  close_overdue: boolean;
}

export class Reconciliation {
  constructor(private readonly d: ReconciliationDeps) {}

  private today() {
    return localDay(this.d.clock.now(), this.d.offsetMinutes);
  }

  private mustBeDay(day: string) {
    if (!isDay(day) || day > this.today())
      throw new GatewayError('GW_VAL_RECON_DAY', { details: { day, why: 'a past or current day (yyyy-MM-dd)' } });
  }

  private mustBeMonth(month: string) {
    if (!isMonth(month) || month > monthOf(this.today()))
      throw new GatewayError('GW_VAL_RECON_DAY', { details: { month, why: 'a past or current month (yyyy-MM)' } });
  }

  /** Staff: run the day now (a new run; a dead holder's run is resumed). */
  async run(day: string, by: string) {
    this.mustBeDay(day);
    return dayReport(day, await this.d.worker.startRun(day, 'staff', by));
  }

  async day(day: string) {
    this.mustBeDay(day);
    return dayReport(day, await this.d.docs.day(day));
  }

  async dayCsv(day: string) {
    return dayCsv(await this.day(day));
  }

  private async dayDocs(month: string): Promise<Array<DayDocument | undefined>> {
    return Promise.all(daysOfMonth(month).map((day) => this.d.docs.day(day)));
  }

  async month(month: string) {
    this.mustBeMonth(month);
    const today = this.today();
    const docs = await this.dayDocs(month);
    const closed = await this.d.docs.month(month);
    const days = daysOfMonth(month).map((day, i) => dayReport(day, docs[i]));
    const r = monthReport(month, days, closed, closeWarning(month, !!closed, today, this.d.settings.closeByDay));
    // days still to come (or today, not over) are not "open" yet
    return { ...r, open_days: r.open_days.filter((d) => d < today), days_to_come: daysOfMonth(month).filter((d) => d >= today) };
  }

  async monthCsv(month: string) {
    return monthCsv(await this.month(month));
  }

  /** The console's first view: this month and the last, with the warning the last one's close deserves. */
  async overview() {
    const today = this.today();
    const current = await this.month(monthOf(today));
    const previous = await this.month(previousMonth(monthOf(today)));
    const brief = (m: Awaited<ReturnType<Reconciliation['month']>>) => ({
      month: m.month,
      closed: m.closed,
      open_days: m.open_days,
      open_differences: m.open_differences,
      warning: m.warning,
    });
    return {
      today,
      schedule: { enabled: this.d.settings.schedule, run_at: this.d.settings.runAt },
      previous: brief(previous),
      current: brief(current),
    };
  }

  /** Staff: close a month; refused while any of its days is open (not run, not balanced, or still to come). */
  async closeMonth(month: string, by: string) {
    this.mustBeMonth(month);
    const today = this.today();
    if (await this.d.docs.month(month)) throw new GatewayError('GW_BIZ_RECON_MONTH_CLOSED', { details: { month } });
    const docs = await this.dayDocs(month);
    const days = daysOfMonth(month);
    const open = days.filter((day, i) => day >= today || docs[i]?.status !== 'balanced');
    if (open.length) throw new GatewayError('GW_BIZ_RECON_MONTH_OPEN', { details: { month, open_days: open } });
    const ok = await this.d.docs.closeMonth({
      id: monthDocId(month),
      kind: MONTH_KIND,
      month,
      closed_at: this.d.clock.now().toISOString(),
      closed_by: by,
      days: days.map((day, i) => {
        const t = totalsOf(docs[i]!.run?.groups ?? []);
        return {
          day,
          status: docs[i]!.status,
          run_count: docs[i]!.run_count,
          count: t.count,
          medfee_sumamt: t.medfee_sumamt,
          fund_pay_sumamt: t.fund_pay_sumamt,
          acct_pay: t.acct_pay,
        };
      }),
    });
    if (!ok) throw new GatewayError('GW_BIZ_RECON_MONTH_CLOSED', { details: { month } });
    return this.month(month);
  }

  reverse(day: string, id: string, by: string) {
    this.mustBeDay(day);
    return this.d.orphans.reverse(day, id, by);
  }

  adopt(day: string, id: string, by: string, reason: string, insutype?: string) {
    this.mustBeDay(day);
    return this.d.orphans.adopt(day, id, by, reason, insutype);
  }

  close(day: string, id: string, by: string, reason: string) {
    this.mustBeDay(day);
    return this.d.orphans.close(day, id, by, reason);
  }

  /**
   * The console's work queue (issue 15): the differences of this and the last month that are still
   * staff's (state open), each with its day and when a run first saw it; newest day first.
   */
  async openDifferences(): Promise<Array<{ day: string; seen_at: string; difference: Difference }>> {
    const month = monthOf(this.today());
    const out: Array<{ day: string; seen_at: string; difference: Difference }> = [];
    for (const m of [month, previousMonth(month)]) {
      const docs = await this.dayDocs(m);
      docs.forEach((doc) => {
        for (const difference of doc?.differences ?? []) {
          if (difference.state !== 'open') continue;
          const run = doc!.runs.find((r) => r.no === difference.first_seen_run);
          out.push({ day: doc!.day, seen_at: run?.started_at ?? doc!.updated_at, difference });
        }
      });
    }
    return out.sort((a, b) => (a.seen_at < b.seen_at ? 1 : a.seen_at > b.seen_at ? -1 : 0));
  }

  /** The metrics' figures: the current and the previous month's day documents (at most 62 reads). */
  async status(): Promise<ReconciliationStatus> {
    const today = this.today();
    const month = monthOf(today);
    const prev = previousMonth(month);
    const cur = (await this.dayDocs(month)).map((doc, i) => ({ day: daysOfMonth(month)[i]!, doc }));
    const before = (await this.dayDocs(prev)).map((doc, i) => ({ day: daysOfMonth(prev)[i]!, doc }));
    const all = [...before, ...cur].filter((x) => x.day < today);
    const balanced = all.filter((x) => x.doc?.status === 'balanced').map((x) => x.day);
    const last = balanced.at(-1);
    const closed = !!(await this.d.docs.month(prev));
    const warning = closeWarning(prev, closed, today, this.d.settings.closeByDay);
    return {
      last_balanced_day: last,
      last_balanced_day_timestamp: last ? Date.parse(dayBounds(last, this.d.offsetMinutes).from) / 1000 : 0,
      open_differences: all.reduce((n, x) => n + (x.doc?.differences.filter((d) => d.state !== 'resolved').length ?? 0), 0),
      days_open_current_month: cur.filter((x) => x.day < today && x.doc?.status !== 'balanced').length,
      previous_month_closed: closed,
      close_overdue: warning.level === 'overdue',
    };
  }
}
