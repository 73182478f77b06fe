/** Time formatting of the platform: China Standard Time (UTC+8, no DST), independent of the host TZ. */

const CST_OFFSET_MS = 8 * 60 * 60 * 1000;

function cstIso(date: Date): string {
  return new Date(date.getTime() + CST_OFFSET_MS).toISOString();
}

/** yyyy-MM-dd HH:mm:ss */
export function formatDateTime(date: Date): string {
  const iso = cstIso(date);
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
}

/** yyyy-MM-dd HH:mm:ss.SSS */
export function formatDateTimeMs(date: Date): string {
  const iso = cstIso(date);
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}`;
}

/** yyyy-MM-dd */
export function formatDate(date: Date): string {
  return cstIso(date).slice(0, 10);
}

/** yyyyMMddHHmmss */
export function compactDateTime(date: Date): string {
  return formatDateTime(date).replace(/[- :]/g, '');
}

export function calendarYear(date: Date): number {
  return Number(cstIso(date).slice(0, 4));
}

/** Calendar year of a 'yyyy-MM-dd[ HH:mm:ss]' string. */
export function yearOf(dateTime: string): number {
  return Number(dateTime.slice(0, 4));
}

/** The date part of 'yyyy-MM-dd[ HH:mm:ss]'. */
export function datePart(dateTime: string): string {
  return dateTime.slice(0, 10);
}

/** yyyy-MM-dd plus n months (day clamped to the target month's end). */
export function addMonths(date: string, months: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const target = new Date(Date.UTC(y, m - 1 + months, 1));
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(d, lastDay));
  return target.toISOString().slice(0, 10);
}

/** Whole years between a birth date (yyyy-MM-dd) and a date (yyyy-MM-dd). */
export function ageOn(brdy: string, on: string): number {
  const [by, bm, bd] = brdy.split('-').map(Number) as [number, number, number];
  const [y, m, d] = on.split('-').map(Number) as [number, number, number];
  const hadBirthday = m > bm || (m === bm && d >= bd);
  return y - by - (hadBirthday ? 0 : 1);
}
