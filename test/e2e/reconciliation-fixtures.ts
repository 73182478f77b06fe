/** Shared steps of the reconciliation suites (对账): the local day, a staff run of a day and its wait, call counts. */
import { api } from '../helpers/harness.js';
import { until } from './resilience-fixtures.js';

/** Today in China time (the platform's and the gateway's PLATFORM_TZ_OFFSET_MINUTES=480). */
export const chinaDay = (at = Date.now()) => new Date(at + 8 * 3600_000).toISOString().slice(0, 10);

/** The reconciliation of `day` as staff see it. */
export const reconDay = async (base: string, day: string) => {
  const r = await api(base, 'GET', `/v1/console/reconciliation/days/${day}`, undefined, {}, { auth: 'staff' });
  if (r.status !== 200) throw new Error(`day report refused: ${r.text}`);
  return r.body;
};

/** Waits until the day's status is one of `statuses` (its run, and any re-run after fixes, done). */
export const dayReaches = (base: string, day: string, statuses: string[], ms = 30_000) =>
  until(
    `${day} to be ${statuses.join(' or ')}`,
    async () => {
      const d = await reconDay(base, day);
      return statuses.includes(d.status) ? d : undefined;
    },
    ms,
  );

/** Staff run the day (202) and wait for the run to end. */
export async function runDay(base: string, day: string, end = ['balanced', 'unbalanced', 'error']) {
  const r = await api(base, 'POST', `/v1/console/reconciliation/days/${day}/run`, undefined, {}, { auth: 'staff' });
  if (r.status !== 202) throw new Error(`run refused: ${r.status} ${r.text}`);
  return dayReaches(base, day, end);
}

export const callCount = async (control: string, infno: string) =>
  ((await api(control, 'GET', `/calls?infno=${infno}`)).body as unknown[]).length;

export const counts = async (control: string, infnos = ['3201', '9101', '3202', '9102', '2601', '5204']) =>
  Object.fromEntries(await Promise.all(infnos.map(async (i) => [i, await callCount(control, i)] as const)));

export const override = async (control: string, day: string, body: Record<string, unknown>) => {
  const r = await api(control, 'POST', `/reconciliation/days/${day}/overrides`, body);
  if (r.status !== 201) throw new Error(`override refused: ${r.text}`);
  return r.body;
};

/** Quick reconciliation settings for tests: no daily schedule (runs on demand), a fast worker. */
export const RECON_TEST = { RECON_SCHEDULE: 'off', RECON_INTERVAL_MS: '200' };
