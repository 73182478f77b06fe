/**
 * Issue 12: daily reconciliation with the platform (对账, HN 46-48, LN 51-53, JS 41-43) against the
 * mock: 3201 per group; where a group is not 对平, the detail file (9101), 3202 and the result file
 * (9102, a zip); every difference a work item; the month closed only once every day balanced.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { api } from '../helpers/harness.js';
import { mockAndGateway } from '../helpers/suite.js';
import { chinaDay, counts, dayReaches, override, RECON_TEST, reconDay, runDay } from './reconciliation-fixtures.js';
import {
  FAST_REVERSAL,
  fault,
  HOLD_PAST_TIMEOUT_MS,
  ledger,
  readyVisit,
  settle,
  sleep,
  TEST_PLATFORM_TIMEOUT_MS,
  transaction,
  until,
} from './resilience-fixtures.js';

/** Long enough for the reconciliation worker to have run a few times: what it would do by itself, it has done by then */
const WORKER_TICKS_MS = 5 * Number(RECON_TEST.RECON_INTERVAL_MS);

const delta = (a: Record<string, number>, b: Record<string, number>) =>
  Object.fromEntries(Object.keys(b).map((k) => [k, b[k]! - (a[k] ?? 0)]));

describe('a day that balances (LN 53: settlements and refunds counted on the day they happen)', () => {
  const sys = mockAndGateway({ ...RECON_TEST });
  const day = chinaDay();

  it('3201 per group only, each 对平: the day balances without a detail file; its report and CSV carry the counts and sums per fund', async () => {
    const v = await readyVisit(sys.gw.url);
    const s = await settle(sys.gw.url, v.id);
    expect(s.status, s.text).toBe(201);
    const before = await counts(sys.mock.control);
    const d = await runDay(sys.gw.url, day);
    expect(d.status).toBe('balanced');
    expect(delta(before, await counts(sys.mock.control))).toEqual({ '3201': 1, '9101': 0, '3202': 0, '9102': 0, '2601': 0, '5204': 0 });
    expect(d.groups).toHaveLength(1);
    expect(d.groups[0]).toMatchObject({
      insutype: '310',
      clr_type: '11',
      setl_optins: '220100',
      count: 1,
      refunds: 0,
      medfee_sumamt: 20,
      stmt_rslt: '0',
      stmt_rslt_text: '对平',
    });
    expect(d.groups[0].funds.hifp_pay).toBe(0);
    expect(d.differences).toEqual([]);
    // the report's money: numbers with two decimals in the JSON text (the CSV below keeps text)
    const raw = await api(sys.gw.url, 'GET', `/v1/console/reconciliation/days/${day}`, undefined, {}, { auth: 'staff' });
    expect(raw.text).toContain('"medfee_sumamt":20.00,"fund_pay_sumamt":0.00,"acct_pay":0.00,"cash_payamt":20.00');
    expect(raw.text).toContain('"hifp_pay":0.00');
    expect(raw.text).not.toMatch(/"-?\d+\.\d{2}"/);
    const month = await api(sys.gw.url, 'GET', `/v1/console/reconciliation/months/${day.slice(0, 7)}`, undefined, {}, { auth: 'staff' });
    expect(month.status, month.text).toBe(200);
    expect(month.text).toContain('"medfee_sumamt":20.00');
    expect(month.text).not.toMatch(/"-?\d+\.\d{2}"/);
    // the 3201 is journaled like any call
    const t = await transaction(sys.gw.url, d.groups[0].transaction_id);
    expect(t).toMatchObject({ infno: '3201', outcome: 'succeeded' });

    const csv = await api(sys.gw.url, 'GET', `/v1/console/reconciliation/days/${day}/report.csv`, undefined, {}, { auth: 'staff' });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    // (a BOM leads the bytes, so that a spreadsheet reads UTF-8; fetch's text() takes it off)
    expect(csv.text).toMatch(/^record,day,status,insutype/);
    expect(csv.text).toContain(`group,${day},balanced,310,11,220100,1,0,20.00`);
  });

  it('a refund the same day: counted as its own row (refd_setl_flag 1, negative amounts), and the re-run balances again', async () => {
    const v = await readyVisit(sys.gw.url);
    const s = await settle(sys.gw.url, v.id);
    const c = await api(sys.gw.url, 'POST', `/v1/settlements/${s.body.setl_id}/cancel`, { reason: 'patient left' });
    expect(c.status, c.text).toBe(200);
    const d = await runDay(sys.gw.url, day);
    expect(d.status).toBe('balanced');
    // the first visit's settlement, this one's, and its cancellation
    expect(d.groups[0]).toMatchObject({ count: 3, refunds: 1, medfee_sumamt: 20, stmt_rslt: '0' });
    expect(d.run_count).toBe(2);
  });

  it('a day the gateway holds a settlement of and the platform lacks (医药机构多): a work item with the evidence, no automatic action', async () => {
    const v = await readyVisit(sys.gw.url);
    const s = await settle(sys.gw.url, v.id);
    expect(s.status, s.text).toBe(201);
    await override(sys.mock.control, day, { kind: 'missing', setl_id: s.body.setl_id });
    const before = await counts(sys.mock.control);
    const d = await runDay(sys.gw.url, day);
    expect(d.status).toBe('unbalanced');
    expect(d.groups[0].stmt_rslt).toBe('2');
    const after = await counts(sys.mock.control);
    expect(delta(before, after)).toMatchObject({ '3201': 1, '9101': 1, '3202': 1, '9102': 1, '2601': 0 });
    expect(d.differences).toHaveLength(1);
    const diff = d.differences[0];
    expect(diff).toMatchObject({
      kind: 'gateway_only',
      state: 'open',
      stmt_rslt: '2',
      setl_id: s.body.setl_id,
      gateway: { infno: '2207', medfee_sumamt: 20, encounter_id: v.id },
    });
    expect(diff.action).toBeUndefined();
    // nothing was done about it: the settlement stands in the journal and at the platform, no re-run started
    await sleep(WORKER_TICKS_MS);
    expect((await reconDay(sys.gw.url, day)).run_count).toBe(d.run_count);
    expect((await counts(sys.mock.control))['2601']).toBe(after['2601']);
    expect((await transaction(sys.gw.url, diff.gateway.transaction_id)).outcome).toBe('succeeded');
    // staff close it with a reason; the day stays open until it balances
    const closed = await api(
      sys.gw.url,
      'POST',
      `/v1/console/reconciliation/days/${day}/differences/${diff.id}/close`,
      { reason: '经办机构补录' },
      {},
      { auth: 'staff' },
    );
    expect(closed.status, closed.text).toBe(200);
    expect(closed.body).toMatchObject({
      state: 'resolved',
      resolution: { how: 'closed_by_staff', by: 'test-staff', reason: '经办机构补录' },
    });
    expect((await reconDay(sys.gw.url, day)).status).toBe('unbalanced');
    const audit = await api(
      sys.gw.url,
      'GET',
      '/v1/console/audit?action=reconciliation_close_difference',
      undefined,
      {},
      { auth: 'staff' },
    );
    expect(audit.body.items[0]).toMatchObject({ actor: 'test-staff', targets: [`day:${day}`, diff.id] });
  });

  it("a settlement both hold with other amounts (数据不一致): a work item with both sides' amounts, nothing done about it", async () => {
    const v = await readyVisit(sys.gw.url);
    const s = await settle(sys.gw.url, v.id);
    await override(sys.mock.control, day, { kind: 'different', setl_id: s.body.setl_id, medfee_sumamt: '25.00' });
    const before = await counts(sys.mock.control, ['2601']);
    const d = await runDay(sys.gw.url, day);
    expect(d.status).toBe('unbalanced');
    const diff = d.differences.find((x: { setl_id?: string }) => x.setl_id === s.body.setl_id);
    expect(diff).toMatchObject({
      kind: 'amounts_differ',
      stmt_rslt: '3',
      state: 'open',
      platform: { medfee_sumamt: 25 },
      gateway: { medfee_sumamt: 20, encounter_id: v.id },
    });
    // the work item staff closed before stays closed (the platform still lacks that one)
    expect(d.differences.filter((x: { kind: string }) => x.kind === 'gateway_only').map((x: { state: string }) => x.state)).toEqual([
      'resolved',
    ]);
    expect(await counts(sys.mock.control, ['2601'])).toEqual(before);
  });

  it('a day in the future is no day to reconcile (400 GW_VAL_RECON_DAY), and an HIS key may not run one (403)', async () => {
    const path = (x: string) => `/v1/console/reconciliation/days/${x}/run`;
    const future = chinaDay(Date.now() + 3 * 86_400_000);
    const r = await api(sys.gw.url, 'POST', path(future), undefined, {}, { auth: 'staff' });
    expect([r.status, r.body.error.code]).toEqual([400, 'GW_VAL_RECON_DAY']);
    const his = await api(sys.gw.url, 'POST', path(day), undefined, {}, { auth: 'his' });
    expect(his.status).toBe(403);
  });
});

describe('an orphan: the platform booked, the HIS got a timeout, the reversal was blocked', () => {
  const sys = mockAndGateway({ ...FAST_REVERSAL, ...RECON_TEST });
  const day = chinaDay();

  it('3201 mismatch → 3202 → the orphan found by its msgid, confirmed by 5204, reversed with 2601 → the re-run balances', async () => {
    const v = await readyVisit(sys.gw.url);
    await fault(sys.mock.control, { kind: 'timeout_after_booking', infno: '2207', hold_ms: HOLD_PAST_TIMEOUT_MS, count: 1 });
    await fault(sys.mock.control, { kind: 'reversal_unsupported', oinfno: '2207' });
    const first = await settle(sys.gw.url, v.id);
    expect([first.status, first.body.error?.code]).toEqual([502, 'GW_SYS_PLATFORM_OUTCOME_UNKNOWN']);
    const msgid = first.body.error.transaction_id as string;
    await until('the reversal to be given up', async () => (await transaction(sys.gw.url, msgid)).resolution?.state === 'needs_manual');
    expect((await ledger(sys.mock.control)).find((e) => e.msgid === msgid)?.status).toBe('booked');
    await api(sys.mock.control, 'DELETE', '/faults');

    const before = await counts(sys.mock.control);
    await api(sys.gw.url, 'POST', `/v1/console/reconciliation/days/${day}/run`, undefined, {}, { auth: 'staff' });
    const d = await dayReaches(sys.gw.url, day, ['balanced'], 40_000);
    const diff = d.differences.find((x: { msgid?: string }) => x.msgid === msgid);
    expect(diff).toMatchObject({
      kind: 'platform_only',
      stmt_rslt: '1',
      state: 'resolved',
      platform: { medfee_sumamt: 20 },
      journal: { transaction_id: msgid, infno: '2207', outcome: 'unknown', encounter_id: v.id, encounter_kind: 'outpatient' },
      inquiry: { infno: '5204', verdict: 'held' },
      action: { what: 'reversal_queued' },
      resolution: { how: 'reversed' },
    });
    // two runs: the first found it (unbalanced), the second, started on its own once the 2601 was through, balanced
    expect(d.runs.map((r: { result: string; trigger: string }) => [r.trigger, r.result])).toEqual([
      ['staff', 'unbalanced'],
      ['rerun', 'balanced'],
    ]);
    expect(delta(before, await counts(sys.mock.control))).toEqual({ '3201': 2, '9101': 1, '3202': 1, '9102': 1, '2601': 1, '5204': 1 });
    const t = await transaction(sys.gw.url, msgid);
    expect(t.resolution.state).toBe('reversed');
    expect(diff.resolution.transaction_id).toBe(t.resolution.reversal_ids.at(-1));
    expect((await ledger(sys.mock.control)).find((e) => e.msgid === msgid)?.status).toBe('reversed');
    // the visit is free again and settles once
    const again = await settle(sys.gw.url, v.id);
    expect(again.status, again.text).toBe(201);
  });
  it('a late original booked after its reversal found nothing (the gateway took it as not booked): found by its msgid, reversed again, the re-run balances', async () => {
    const v = await readyVisit(sys.gw.url);
    // booked after the call timed out and after the first 2601 (sent at the timeout + the first delay)
    // found nothing, with a platform timeout to spare between the two
    const delay_ms = 2 * TEST_PLATFORM_TIMEOUT_MS + Number(FAST_REVERSAL.REVERSAL_FIRST_DELAY_MS);
    await fault(sys.mock.control, { kind: 'late_booking', infno: '2207', delay_ms, count: 1 });
    const first = await settle(sys.gw.url, v.id);
    expect(first.status).toBe(502);
    const msgid = first.body.error.transaction_id as string;
    await until('the 2601 to find nothing', async () => (await transaction(sys.gw.url, msgid)).resolution?.state === 'not_booked');
    await until('the late booking', async () => (await ledger(sys.mock.control)).find((e) => e.msgid === msgid)?.status === 'booked');

    const before = await counts(sys.mock.control);
    const r = await api(sys.gw.url, 'POST', `/v1/console/reconciliation/days/${day}/run`, undefined, {}, { auth: 'staff' });
    expect(r.status, r.text).toBe(202);
    const d = await until(
      'the re-run to balance',
      async () => {
        const x = await reconDay(sys.gw.url, day);
        return x.status === 'balanced' && x.runs.at(-1).trigger === 'rerun' ? x : undefined;
      },
      40_000,
    );
    const diff = d.differences.find((x: { msgid?: string }) => x.msgid === msgid);
    expect(diff).toMatchObject({
      kind: 'platform_only',
      state: 'resolved',
      journal: { resolution: 'reversed' },
      action: { what: 'reversal_reopened' },
      resolution: { how: 'reversed' },
    });
    expect((await counts(sys.mock.control))['2601']).toBe(before['2601']! + 1);
    expect((await ledger(sys.mock.control)).find((e) => e.msgid === msgid)?.status).toBe('reversed');
  });
});

describe('a month that cannot close while a day is open (HN 48, JS 43: every day reconciled by the 3rd)', () => {
  // the group every day is asked about, whatever the gateway counted (a platform-side booking of a quiet day shows)
  const sys = mockAndGateway({ ...RECON_TEST, RECON_GROUPS: '310:11:220100' });
  const today = chinaDay();
  const month = new Date(Date.parse(`${today.slice(0, 7)}-01T00:00:00Z`) - 86_400_000).toISOString().slice(0, 7);
  const days = Array.from({ length: 31 }, (_, i) => `${month}-${String(i + 1).padStart(2, '0')}`).filter(
    (d) => !Number.isNaN(Date.parse(d)) && d.slice(0, 7) === month && new Date(d).getUTCMonth() + 1 === Number(month.slice(5)),
  );
  const path = `/v1/console/reconciliation/months/${month}`;

  it('refused with the open days while one is not balanced; closed once every day balanced; the warning goes', async () => {
    const open = `${month}-05`;
    await override(sys.mock.control, open, { kind: 'extra' });
    for (const d of days) await runDay(sys.gw.url, d);
    const m = await api(sys.gw.url, 'GET', path, undefined, {}, { auth: 'staff' });
    expect(m.status).toBe(200);
    expect(m.body.open_days).toEqual([open]);
    expect(m.body.days.find((x: { day: string }) => x.day === open)).toMatchObject({ status: 'unbalanced', open_differences: 1 });
    // the platform's extra booking is no msgid of the gateway's: a work item, nothing reversed
    const d5 = await reconDay(sys.gw.url, open);
    expect(d5.differences[0]).toMatchObject({ kind: 'platform_only', state: 'open', action: { what: 'none' } });
    expect(d5.differences[0].journal).toBeUndefined();

    // the metrics an alert watches: the open difference, the last balanced day (the month's last), last month not closed
    const metric = async (name: string) => {
      const text = (await api(sys.gw.url, 'GET', '/metrics', undefined, {}, { auth: 'admin' })).text;
      return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
    };
    expect(await metric('yidi_reconciliation_open_differences')).toBe(1);
    expect(await metric('yidi_reconciliation_previous_month_closed')).toBe(0);
    expect(await metric('yidi_reconciliation_last_balanced_day_timestamp_seconds')).toBe(
      Date.parse(`${days.at(-1)}T00:00:00+08:00`) / 1000,
    );
    expect(await metric('yidi_reconciliation_unbalanced_dates_current_month')).toBe(Number(today.slice(8)) - 1);

    const refused = await api(sys.gw.url, 'POST', `${path}/close`, undefined, {}, { auth: 'staff' });
    expect([refused.status, refused.body.error.code, refused.body.error.details.open_days]).toEqual([
      409,
      'GW_BIZ_RECON_MONTH_OPEN',
      [open],
    ]);
    const overview = await api(sys.gw.url, 'GET', '/v1/console/reconciliation', undefined, {}, { auth: 'staff' });
    expect(overview.body.previous).toMatchObject({ month, open_days: [open] });
    // from the 1st of the next month until it is closed (overdue after the 3rd)
    expect(['due', 'overdue']).toContain(overview.body.previous.warning.level);

    // the platform corrected (the override gone): the re-run balances, and the month closes
    await api(sys.mock.control, 'DELETE', '/reconciliation/overrides');
    expect((await runDay(sys.gw.url, open)).status).toBe('balanced');
    expect((await reconDay(sys.gw.url, open)).differences[0]).toMatchObject({ state: 'resolved', resolution: { how: 'gone_on_rerun' } });
    const closed = await api(sys.gw.url, 'POST', `${path}/close`, undefined, {}, { auth: 'staff' });
    expect(closed.status, closed.text).toBe(200);
    expect(closed.body).toMatchObject({ month, open_days: [], closed: { by: 'test-staff' }, warning: { level: 'none' } });
    expect(await metric('yidi_reconciliation_previous_month_closed')).toBe(1);
    expect(await metric('yidi_reconciliation_open_differences')).toBe(0);
    expect(await metric('yidi_reconciliation_close_overdue')).toBe(0);
    const again = await api(sys.gw.url, 'POST', `${path}/close`, undefined, {}, { auth: 'staff' });
    expect(again.body.error.code).toBe('GW_BIZ_RECON_MONTH_CLOSED');
    const rerun = await api(sys.gw.url, 'POST', `/v1/console/reconciliation/days/${open}/run`, undefined, {}, { auth: 'staff' });
    expect(rerun.body.error.code).toBe('GW_BIZ_RECON_MONTH_CLOSED');
    const csv = await api(sys.gw.url, 'GET', `${path}/report.csv`, undefined, {}, { auth: 'staff' });
    expect(csv.text.split('\r\n').filter((l) => l.startsWith('day,'))).toHaveLength(days.length);
    expect(csv.text).toMatch(new RegExp(`\\r\\nmonth,${month},closed,`));
  });
});

describe('bad input: the run stops with a clear error, the day stays open, nothing else changes', () => {
  const sys = mockAndGateway({ ...RECON_TEST, RECON_GROUPS: '310:11:220100', RECON_MAX_UNZIPPED_BYTES: '1000000' });
  const day = `${chinaDay(Date.now() - 40 * 86_400_000)}`;
  beforeEach(async () => {
    await api(sys.mock.control, 'DELETE', '/faults');
  });

  it("a 3202 refusal, a 9102 JSON error instead of the file, a malformed file, an oversized one: each an error on the run; then a good run, and staff adopt the platform's booking: the re-run balances", async () => {
    await override(sys.mock.control, day, { kind: 'extra' });
    const cases: Array<[string, () => Promise<unknown>, string, RegExp]> = [
      [
        '3202',
        () => fault(sys.mock.control, { kind: 'reject', infno: '3202', err_msg: '明细对账失败', count: 1 }),
        'GW_BIZ_PLATFORM_REJECTED',
        /明细对账失败/,
      ],
      [
        '9102',
        () => fault(sys.mock.control, { kind: 'reject', infno: '9102', err_msg: '文件下载失败', count: 1 }),
        'GW_BIZ_PLATFORM_REJECTED',
        /文件下载失败/,
      ],
      [
        '9102',
        () => api(sys.mock.control, 'POST', '/reconciliation/result-faults', { kind: 'malformed' }),
        'GW_SYS_RECON_RESULT_FILE_INVALID',
        /damaged|cut off/,
      ],
      [
        '9102',
        () => api(sys.mock.control, 'POST', '/reconciliation/result-faults', { kind: 'not_zip' }),
        'GW_SYS_RECON_RESULT_FILE_INVALID',
        /not a zip/,
      ],
      [
        '9102',
        () => api(sys.mock.control, 'POST', '/reconciliation/result-faults', { kind: 'oversized', bytes: 5_000_000 }),
        'GW_SYS_RECON_RESULT_FILE_INVALID',
        /more than the limit of 1000000/,
      ],
    ];
    for (const [step, cause, code, message] of cases) {
      await cause();
      const before = await counts(sys.mock.control, ['2601', '5204']);
      const d = await runDay(sys.gw.url, day);
      expect(d.status, `${step} ${code}`).toBe('error');
      expect(d.last_error).toMatchObject({ step, code });
      expect(d.last_error.message).toMatch(message);
      expect(d.last_error.transaction_id).toBeTruthy();
      expect(d.differences).toEqual([]);
      expect(await counts(sys.mock.control, ['2601', '5204'])).toEqual(before);
      expect(d.runs.at(-1)).toMatchObject({ result: 'error', error: { step, code } });
      expect(
        (await api(sys.gw.url, 'GET', `/v1/console/reconciliation/months/${day.slice(0, 7)}`, undefined, {}, { auth: 'staff' })).body
          .open_days,
      ).toContain(day);
    }
    // the platform well again: the run gets through, and the orphan (no msgid of the gateway's) is a work item
    const d = await runDay(sys.gw.url, day);
    expect(d.status).toBe('unbalanced');
    expect(d.last_error).toBeUndefined();
    expect(d.differences).toHaveLength(1);
    expect(d.differences[0]).toMatchObject({ kind: 'platform_only', action: { what: 'none' } });

    // staff adopt it as the hospital's (no insutype in the journal: named): counted on the gateway's side, the re-run balances
    const id = d.differences[0].id;
    const path = `/v1/console/reconciliation/days/${day}/differences/${id}/adopt`;
    const noReason = await api(sys.gw.url, 'POST', path, {}, {}, { auth: 'staff' });
    expect([noReason.status, noReason.body.error.code]).toEqual([400, 'GW_VAL_SCHEMA']);
    const adopted = await api(sys.gw.url, 'POST', path, { reason: '患者已就诊缴费，院内漏记', insutype: '310' }, {}, { auth: 'staff' });
    expect(adopted.status, adopted.text).toBe(200);
    expect(adopted.body).toMatchObject({ state: 'fixed', resolution: { how: 'adopted', by: 'test-staff' } });
    const balanced = await dayReaches(sys.gw.url, day, ['balanced']);
    expect(balanced.groups[0]).toMatchObject({ count: 1, medfee_sumamt: 20, stmt_rslt: '0' });
    expect(balanced.adopted).toHaveLength(1);
    expect(balanced.differences[0]).toMatchObject({
      state: 'resolved',
      resolution: { how: 'adopted', reason: '患者已就诊缴费，院内漏记' },
    });
    expect(balanced.runs.at(-1).trigger).toBe('rerun');
  });
});

describe('the daily run: at RECON_RUN_AT (default 00:30 China time) for the day before', () => {
  // a clock the test moves: the gateway's worker and the mock read it
  let now = Date.parse('2026-11-24T00:20:00+08:00');
  const clock = { now: () => new Date(now) };
  const interval = 200;
  const sys = mockAndGateway({ RECON_INTERVAL_MS: String(interval), RECON_CATCH_UP_DAYS: '1', RECON_GROUPS: '310:11:220100' }, { clock });

  it('before 00:30 the day before is not run yet (the two before it are made up for); from 00:30 it is, once, by the schedule', async () => {
    // 00:20 on the 24th: the 22nd's run was due (and the 21st is made up for), the 23rd's is not yet
    const d22 = await dayReaches(sys.gw.url, '2026-11-22', ['balanced']);
    expect(d22.runs[0]).toMatchObject({ trigger: 'schedule', result: 'balanced' });
    expect((await reconDay(sys.gw.url, '2026-11-21')).status).toBe('balanced');
    await sleep(3 * interval); // a few ticks of the worker: a run it would start, it has
    expect((await reconDay(sys.gw.url, '2026-11-23')).status).toBe('not_run');
    now = Date.parse('2026-11-24T00:30:00+08:00');
    const d23 = await dayReaches(sys.gw.url, '2026-11-23', ['balanced']);
    expect(d23.runs).toHaveLength(1);
    expect(d23.runs[0]).toMatchObject({ trigger: 'schedule', groups: 1 });
    // a day once run is not run again by the schedule
    await sleep(3 * interval); // a few ticks of the worker: a run it would start, it has
    expect((await reconDay(sys.gw.url, '2026-11-23')).run_count).toBe(1);
  });
});
