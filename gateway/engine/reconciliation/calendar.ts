/**
 * Days and months of reconciliation (对账), in the hospital's local time (China: UTC+8, one fixed
 * offset, no daylight saving): a settlement counts on the natural day of its setl_time and in that
 * day's month (LN 53: 每日收退异地就医人员费用计入自然月). Pure.
 */
import { isCalendarDate } from '../../validation.js';

const pad = (n: number) => String(n).padStart(2, '0');

/** The local day (yyyy-MM-dd) of an instant. */
export function localDay(at: Date, offsetMinutes: number): string {
  const d = new Date(at.getTime() + offsetMinutes * 60_000);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

/** Minutes since local midnight of an instant. */
export function localMinutes(at: Date, offsetMinutes: number): number {
  const d = new Date(at.getTime() + offsetMinutes * 60_000);
  return d.getUTCHours() * 60 + d.getUTCMinutes();
}

/** The instants a local day spans: [from, to) as ISO timestamps. */
export function dayBounds(day: string, offsetMinutes: number): { from: string; to: string } {
  const start = Date.parse(`${day}T00:00:00Z`) - offsetMinutes * 60_000;
  return { from: new Date(start).toISOString(), to: new Date(start + 86_400_000).toISOString() };
}

export function addDays(day: string, n: number): string {
  const d = new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000);
  return d.toISOString().slice(0, 10);
}

export const monthOf = (day: string) => day.slice(0, 7);

export const isDay = (s: unknown): s is string => typeof s === 'string' && isCalendarDate(s);
export const isMonth = (s: unknown): s is string => typeof s === 'string' && /^\d{4}-(0[1-9]|1[0-2])$/.test(s);

/** Every day of a month (yyyy-MM), in order. */
export function daysOfMonth(month: string): string[] {
  const out: string[] = [];
  for (let d = `${month}-01`; monthOf(d) === month; d = addDays(d, 1)) out.push(d);
  return out;
}

export function previousMonth(month: string): string {
  return monthOf(addDays(`${month}-01`, -1));
}

export function nextMonth(month: string): string {
  return monthOf(addDays(`${month}-28`, 7));
}

/**
 * The day a settlement time names: the interface's yyyy-MM-dd HH:mm:ss, read leniently (platforms
 * vary the spelling, e.g. "2019 - 04 - 08": common.json date_text_out); undefined when it names no day.
 */
export function dayOfSetlTime(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  const m = /^\s*(\d{4})\D{1,3}(\d{1,2})\D{1,3}(\d{1,2})/.exec(v);
  if (!m) return undefined;
  const day = `${m[1]}-${pad(Number(m[2]))}-${pad(Number(m[3]))}`;
  return isCalendarDate(day) ? day : undefined;
}

/** "HH:MM" -> minutes after midnight; undefined when it is no time of day. */
export function parseTimeOfDay(v: string): number | undefined {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(v);
  return m ? Number(m[1]) * 60 + Number(m[2]) : undefined;
}

/**
 * The latest day whose scheduled run is due at `now`: the run for day D happens on D+1 at
 * `runAtMinutes` local time (default 00:30, "the day before").
 */
export function latestDueDay(now: Date, offsetMinutes: number, runAtMinutes: number): string {
  const today = localDay(now, offsetMinutes);
  return addDays(today, localMinutes(now, offsetMinutes) >= runAtMinutes ? -1 : -2);
}

export type CloseWarning = { level: 'none' } | { level: 'due' | 'overdue'; close_by: string; message: string };

/**
 * Whether a month that is not closed needs a warning on `today`: none while the month runs; from
 * the 1st of the next month it is due (HN 48: nothing unreconciled is declared), and overdue once
 * the closing day has passed (JS 43, HN 46, LN 52: 每月3日前完成上月所有结算费用的对账).
 */
export function closeWarning(month: string, closed: boolean, today: string, closeByDay: number): CloseWarning {
  if (closed) return { level: 'none' };
  const next = nextMonth(month);
  if (today < `${next}-01`) return { level: 'none' };
  const close_by = `${next}-${pad(closeByDay)}`;
  const overdue = today > close_by;
  return {
    level: overdue ? 'overdue' : 'due',
    close_by,
    message: overdue
      ? `${month} is not closed and was due by ${close_by} (JS 43: 每月3日前完成上月所有结算费用对账)`
      : `${month} is to be closed by ${close_by}: every day reconciled before the month's 申报 (HN 48)`,
  };
}
