/**
 * The insurance office's console page in a real browser (Debian's Chromium, driven by
 * playwright-core): a staff member connects with her key, finds a needs_manual settlement, reads its
 * stages (personal fields masked), and resolves it; wrong and his keys are told plainly why not.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../helpers/browser.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalog } from '../../gateway/errors/errors.js';
import { hashPassword } from '../../gateway/auth/staff.js';
import { api, TEST_KEYS, tmpDir } from '../helpers/harness.js';
import { mockAndGateway } from '../helpers/suite.js';
import { CODES, diagnosesBody, JILIN, JILIN_UNFILED, line, selfPayUploadBody, uniq, visitBody } from './fixtures.js';
import { chinaDay, override, runDay } from './reconciliation-fixtures.js';
import { FAST_REVERSAL, fault, readyVisit, settle, transaction, until } from './resilience-fixtures.js';

/** Screenshots for a person to look at (overwritten by each run). */
const SHOTS = path.join(tmpdir(), 'yidi-console-ui');
/**
 * The page is opened under a LAN-like host name (mapped to 127.0.0.1 inside Chromium only), not
 * "localhost": there the browser treats plain HTTP as insecure, as it will at the hospital
 * (http://gateway:8080/console) — no https-only API may be needed, and no request may be upgraded.
 */
const HOST = 'yidi-gateway.hospital.test';

/** named staff (issue 15): one account, written as `npm run staff -- add` writes it */
const STAFF_FILE = path.join(tmpDir('console-staff'), 'staff-accounts.json');
const STAFF_PASSWORD = 'console test password 15';
beforeAll(async () => {
  const password_hash = await hashPassword(STAFF_PASSWORD);
  writeFileSync(STAFF_FILE, JSON.stringify([{ username: 'wang.li', name: '王丽', role: 'staff', password_hash }]), { mode: 0o600 });
});

const sys = mockAndGateway({
  ...FAST_REVERSAL,
  REVERSAL_MAX_ATTEMPTS: '1',
  STAFF_ACCOUNTS_FILE: STAFF_FILE,
  // the work queue's tour: a refused self-pay upload delivered soon, a new item noticed soon, a day's orphan booking
  SELF_PAY_INTERVAL_MS: '200',
  CONSOLE_POLL_SECONDS: '1',
  RECON_GROUPS: '310:11:220100',
});
let browser: Browser;
let base: string;

beforeAll(async () => {
  base = sys.gw.url.replace('127.0.0.1', HOST);
  browser = await launchChromium(HOST);
  mkdirSync(SHOTS, { recursive: true });
});
afterAll(async () => {
  await browser?.close();
});

/** A settlement (2207) whose reply was dropped and whose one reversal attempt failed: needs_manual. */
async function needsManual() {
  const v = await readyVisit(sys.gw.url);
  await fault(sys.mock.control, { kind: 'drop_reply', infno: '2207', count: 1 });
  await fault(sys.mock.control, { kind: 'http_500', infno: '2601' }); // every 2601 fails
  const s = await settle(sys.gw.url, v.id);
  expect(s.status, s.text).toBe(502);
  const txid = s.body.error.transaction_id as string;
  await until('needs_manual', async () => (await transaction(sys.gw.url, txid)).resolution?.state === 'needs_manual');
  return { ...v, txid };
}

/**
 * A partial refund that needs a decision: two lines settled, line 2 refunded, every re-settlement of
 * the kept line refused (resettle_failed: refunded in full, the kept line not settled again).
 */
async function refundResettleFailed() {
  const reg = await api(
    sys.gw.url,
    'POST',
    '/v1/outpatient/visits',
    visitBody({ mdtrt_cert_type: '01', mdtrt_cert_no: JILIN.token }, { ipt_otp_no: uniq('MZ') }),
  );
  expect(reg.status, reg.text).toBe(201);
  const id = reg.body.visit.visit_id as string;
  expect((await api(sys.gw.url, 'POST', `/v1/outpatient/visits/${id}/diagnoses`, diagnosesBody())).status).toBe(200);
  const lines = [line('1', CODES.amoxicillin, 10, 30), line('2', CODES.amoxicillin, 4, 25)];
  const fees = await api(sys.gw.url, 'POST', `/v1/outpatient/visits/${id}/fees`, { chrg_bchno: 'B1', lines });
  expect(fees.status, fees.text).toBe(201);
  const setl = await api(sys.gw.url, 'POST', `/v1/outpatient/visits/${id}/settlement`, {
    medfee_sumamt: fees.body.totals.medfee_sumamt,
    acct_used_flag: '0',
  });
  expect(setl.status, setl.text).toBe(201);
  await fault(sys.mock.control, { kind: 'reject', infno: '2207', err_msg: '模拟：参保人待遇暂停', count: 3 });
  const r = await api(sys.gw.url, 'POST', `/v1/settlements/${setl.body.setl_id}/refund`, { reason_code: 'fee_error', line_ids: ['2'] });
  expect([r.status, r.body.error?.code], r.text).toEqual([422, 'GW_BIZ_REFUND_RESETTLE_FAILED']);
  return r.body.error.details.refund_id as string;
}

/**
 * A fresh page (1280×800 unless told) that records what could go wrong unseen: script errors, every
 * console error (CSP violations among them), and every URL it asks for. The browser also logs each
 * refused request (4xx) as a console error: `expected` names the statuses the test provokes on
 * purpose (a refusal the page must show), and only those are let through.
 */
async function openConsole(opts: { width?: number; height?: number; expected?: number[] } = {}) {
  const page = await browser.newPage({ viewport: { width: opts.width ?? 1280, height: opts.height ?? 800 }, locale: 'zh-CN' });
  const problems: string[] = [];
  const urls: string[] = [];
  const expected = new Set(opts.expected ?? [401, 403]);
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    const refused = /^Failed to load resource: the server responded with a status of (\d{3})/.exec(m.text());
    if (refused && expected.has(Number(refused[1]))) return;
    problems.push(`console error: ${m.text()}`);
  });
  page.on('request', (r) => urls.push(r.url()));
  await page.goto(`${base}/console`);
  await page.waitForSelector('body[data-ready="true"]');
  return { page, problems, urls };
}

/**
 * How long the page may take to show what a test waits for: Playwright's own default for actions
 * (30 s), a ceiling for a loaded machine (Chromium and the gateway share its cores), not a speed limit.
 */
const UI_WAIT_MS = 30_000;

/** Waits until the element's text contains every one of `texts`. */
async function waitText(page: Page, selector: string, ...texts: string[]) {
  try {
    await page.waitForFunction(
      ([sel, want]) => {
        const t = document.querySelector(sel as string)?.textContent ?? '';
        return (want as string[]).every((w) => t.includes(w));
      },
      [selector, texts] as const,
      { timeout: UI_WAIT_MS },
    );
  } catch (e) {
    const got = await page
      .locator(selector)
      .first()
      .textContent()
      .catch(() => null);
    throw new Error(`${selector} never showed ${JSON.stringify(texts)}; it shows: ${got}`, { cause: e });
  }
}

async function connect(page: Page, key: string) {
  await page.fill('#api-key', key);
  await page.click('#connect');
}

describe('the console page (browser)', () => {
  it('is served publicly with a CSP that allows no inline script, and its data needs a key', async () => {
    const r = await fetch(`${sys.gw.url}/console`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = r.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("script-src-attr 'none'");
    expect(csp).not.toContain('upgrade-insecure-requests');
    const html = await r.text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/); // no inline script
    expect(html).not.toMatch(/\son[a-z]+=|style=/); // no inline handlers or styles
    for (const asset of ['/console/console.js', '/console/work-queue.js', '/console/console.css', '/console/error-catalog.json'])
      expect((await fetch(sys.gw.url + asset)).status, asset).toBe(200);
    // the component library comes from the gateway itself (node_modules), a module with no imports of its own
    const lib = await fetch(`${sys.gw.url}/console/vendor/htm-preact.js`);
    expect([lib.status, lib.headers.get('content-type')]).toEqual([200, 'text/javascript; charset=utf-8']);
    const code = await lib.text();
    expect(code).toContain('export{');
    expect(code).not.toMatch(/\bfrom\s*["']|\bimport\s*\(/);
    // over plain HTTP no Cross-Origin-Opener-Policy (ignored there, and the browser logs an error for it)
    expect(r.headers.get('cross-origin-opener-policy')).toBeNull();
    // only the page's own files are public: anything else under /console needs a key before its 404 (issue 13)
    expect((await api(sys.gw.url, 'GET', '/console/nothing.js', undefined, {}, { auth: false })).body.error.code).toBe(
      'GW_SEC_UNAUTHENTICATED',
    );
    expect((await api(sys.gw.url, 'GET', '/v1/console/transactions', undefined, {}, { auth: false })).status).toBe(401);
  });

  it('named staff: a wrong password is told plainly; signed in with username and password the page names the person, the audit log too; signing out ends the session', async () => {
    const { page, problems } = await openConsole();
    try {
      await page.fill('#signin-username', 'wang.li');
      await page.fill('#signin-password', 'not the password');
      await page.click('#signin');
      await waitText(page, '#connect-status', catalog.get('GW_SEC_LOGIN_FAILED')!.message, '401');
      expect(await page.isHidden('#app')).toBe(true);

      await page.fill('#signin-password', STAFF_PASSWORD);
      await page.click('#signin');
      await waitText(page, '#whoami', '王丽', 'wang.li');
      expect(await page.isVisible('#app')).toBe(true);
      expect(await page.isHidden('#signin-form')).toBe(true);
      expect(await page.inputValue('#signin-password')).toBe('');
      // the session cookie is HttpOnly: the page's script never sees it
      expect(await page.evaluate(() => document.cookie)).not.toContain('yidi_session');
      // a change made with the session: the page sends the CSRF token (a bulk action on a filter that finds nothing)
      const bulk = await page.evaluate(async () => {
        const csrf = sessionStorage.getItem('yidi.console.csrf') ?? '';
        const r = await fetch('/v1/console/bulk/retry', {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
          body: JSON.stringify({ filter: { msgid: 'none-such' } }),
        });
        return r.status;
      });
      expect(bulk).toBe(200);

      await page.click('#tab-btn-audit');
      await page.fill('#a-actor', 'staff:wang.li');
      await page.click('#audit-search');
      await waitText(page, '#audit-rows', 'staff:wang.li', '王丽');
      await page.screenshot({ path: path.join(SHOTS, 'console-signed-in.png') });

      await page.click('#signout');
      await page.waitForSelector('#signin-form', { state: 'visible', timeout: UI_WAIT_MS });
      expect(await page.isHidden('#app')).toBe(true);
      expect(await page.isHidden('#whoami')).toBe(true);
      const after = await page.evaluate(async () => (await fetch('/v1/console/transactions')).status);
      expect(after).toBe(401);
      expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
      // the key flow still works on the same page
      await connect(page, TEST_KEYS.staff);
      await page.waitForSelector('#app', { state: 'visible', timeout: UI_WAIT_MS });
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('a wrong key shows the 401 message, a his key the 403 message', async () => {
    const { page, problems } = await openConsole();
    try {
      await connect(page, `${TEST_KEYS.staff}x`);
      await waitText(page, '#connect-status', catalog.get('GW_SEC_UNAUTHENTICATED')!.message, '401');
      expect(await page.isHidden('#app')).toBe(true);
      await connect(page, TEST_KEYS.his);
      await waitText(page, '#connect-status', catalog.get('GW_SEC_FORBIDDEN')!.message, '403');
      expect(await page.isHidden('#app')).toBe(true);
      expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('staff find a needs_manual settlement, read its masked stages, and resolve it as not booked; the API and the audit log agree', async () => {
    const t = await needsManual();
    // the retry the page offers is refused by the API (409), and the page says why
    const { page, problems, urls } = await openConsole({ expected: [409] });
    try {
      await connect(page, TEST_KEYS.staff);
      await page.waitForSelector('#app:not([hidden])');
      // the key lives in this tab's sessionStorage only, and never in a URL
      expect(await page.evaluate(() => [Object.values(sessionStorage), localStorage.length])).toEqual([[TEST_KEYS.staff], 0]);

      // the list opens on the work queue (what needs a person), and the needs_manual settlement is in it
      expect(await page.inputValue('#f-status')).toBe('needs_person');
      await page.click('#search');
      await page.waitForSelector(`#tx-rows tr[data-id="${t.txid}"]`);

      // ---- the list, filtered to needs_manual ----
      await page.selectOption('#f-status', 'needs_manual');
      await page.click('#search');
      const row = `#tx-rows tr[data-id="${t.txid}"]`;
      await page.waitForSelector(row);
      await waitText(page, row, '2207', '门诊结算', '待人工处理', 'GW_SYS_PLATFORM_OUTCOME_UNKNOWN', t.mdtrt_id);
      await waitText(page, '#list-count', '共 1 条');
      await page.screenshot({ path: path.join(SHOTS, 'console-list.png') });

      // a bulk action first says how many records the filter matches (cancelled here)
      await page.click('#bulk-reverse');
      await waitText(page, '#dialog', '当前筛选条件匹配 1 条记录');
      await page.click('#dlg-cancel');
      await page.waitForSelector('#dialog', { state: 'hidden' });

      // ---- the detail: every stage, masked; the resolution history ----
      await page.click(row);
      await page.waitForSelector('#detail-view:not([hidden])');
      await waitText(page, '#detail-stages [data-stage="message"]', 'mdtrt_cert_no', t.mdtrt_id);
      await waitText(page, '#detail-stages [data-stage="envelope"]', '"infno": "2207"');
      await waitText(page, '#detail-resolution', '待人工处理', '1');
      await waitText(page, '#detail-reversals', '冲正尝试', '结果未知'); // the one 2601, failed
      const text = await page.evaluate(() => document.body.textContent);
      for (const personal of [JILIN.token, JILIN.certno, JILIN.psn_name, JILIN.card_sn])
        expect(text, 'personal data on the page').not.toContain(personal);
      expect(text).toContain(`"mdtrt_cert_no": "${JILIN.token[0]}`); // there, masked
      await page.screenshot({ path: path.join(SHOTS, 'console-detail.png'), fullPage: true });

      // retry is not what the API offers for a booking transaction: its refusal is shown
      await page.click('#act-retry');
      await waitText(
        page,
        '#notice',
        catalog.get('GW_BIZ_CONSOLE_ACTION_NOT_ALLOWED')!.message,
        'only a call that certainly booked nothing is retried',
      );

      // ---- resolve: a reason is required, and the booked choice ----
      const reason = '经办机构柜台核实：平台无此笔结算，患者已自费';
      await page.click('#act-resolve');
      await page.waitForSelector('#dialog[open]');
      await page.click('#dlg-ok'); // nothing filled in: the dialog says what is missing, nothing is sent
      await waitText(page, '#dlg-error', '请填写处理原因', '请选择平台是否已入账');
      await page.fill('#dlg-reason', reason);
      await page.check('#dlg-booked-no');
      await page.screenshot({ path: path.join(SHOTS, 'console-resolve-dialog.png') });
      await page.click('#dlg-ok');
      await waitText(page, '#notice', '已人工处理', 'resolved_by_staff');
      await waitText(page, '#detail-resolution', '已人工处理', 'test-staff', reason);
      // ... and the list, refreshed, no longer holds it under needs_manual
      await page.click('#back');
      await waitText(page, '#list-count', '共 0 条');

      const after = await api(sys.gw.url, 'GET', `/v1/console/transactions/${t.txid}`, undefined, {}, { auth: 'staff' });
      expect(after.body.resolution).toMatchObject({ state: 'resolved_by_staff', reason, resolved_by: 'test-staff' });
      const log = (await api(sys.gw.url, 'GET', '/v1/console/audit?action=resolve', undefined, {}, { auth: 'staff' })).body.items as Array<{
        actor: string;
        targets: string[];
        reason?: string;
      }>;
      expect(log).toContainEqual(expect.objectContaining({ actor: 'test-staff', targets: [t.txid], reason }));
      // the visit was released: it settles now
      expect((await settle(sys.gw.url, t.id)).status).toBe(201);

      // ---- the audit log tab, newest first: the resolve is on top ----
      await page.click('#tab-btn-audit');
      await page.selectOption('#a-action', 'resolve');
      await page.click('#audit-search');
      await waitText(page, '#audit-rows tr:first-child', '人工处理', 'test-staff', t.txid, reason);
      await page.screenshot({ path: path.join(SHOTS, 'console-audit.png') });

      for (const u of urls) expect(u, 'the key in a URL').not.toContain(TEST_KEYS.staff);
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('JS 24: the 人卡不一致 tab lists refused identity checks, masked, and exports the CSV; a detail shows its visit', async () => {
    const refused = await api(
      sys.gw.url,
      'POST',
      '/v1/outpatient/visits',
      visitBody(
        { mdtrt_cert_type: '01', mdtrt_cert_no: JILIN.token },
        { counter_person: { psn_name: '冒名者' }, counter_operator: { opter_no: 'C0099' } },
      ),
    );
    expect(refused.body.error.code).toBe('GW_ID_PERSON_CREDENTIAL_MISMATCH');
    // a visit whose settlement the platform refused (not filed): a transaction of a visit in the console
    const v = await readyVisit(sys.gw.url, { mdtrt_cert_type: '01', mdtrt_cert_no: JILIN_UNFILED.token });
    const rejected = await settle(sys.gw.url, v.id);
    expect(rejected.body.error.code).toBe('GW_FIL_NOT_FILED');
    const { page, problems, urls } = await openConsole();
    try {
      await connect(page, TEST_KEYS.staff);
      await page.waitForSelector('#app:not([hidden])');
      await page.click('#tab-btn-identity');
      await waitText(page, '#identity-rows tr:first-child', '门诊挂号', 'test-his', 'C0099', '姓名', JILIN.psn_no, '冒*者');
      const text = await page.evaluate(() => document.body.textContent);
      for (const personal of [JILIN.certno, JILIN.psn_name, '冒名者']) expect(text, 'personal data on the page').not.toContain(personal);
      await page.screenshot({ path: path.join(SHOTS, 'console-identity.png') });
      const [download] = await Promise.all([page.waitForEvent('download', { timeout: UI_WAIT_MS }), page.click('#identity-csv')]);
      expect(download.suggestedFilename()).toMatch(/^identity-refusals-\d{4}-\d{2}-\d{2}\.csv$/);
      await waitText(page, '#notice', '已导出');

      // the detail of a visit's transaction shows the visit (kind, state, emergency)
      const txid = rejected.body.error.transaction_id as string;
      await page.click('#tab-btn-transactions');
      await page.selectOption('#f-status', 'rejected');
      await page.fill('#f-visit_id', v.id);
      await page.click('#search');
      await page.click(`#tx-rows tr[data-id="${txid}"]`, { timeout: UI_WAIT_MS });
      await waitText(page, '#detail-encounter', v.id, '门诊', 'registered', '否 no');
      for (const u of urls) expect(u, 'the key in a URL').not.toContain(TEST_KEYS.staff);
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });
  it("the reconciliation tab (对账): the month's days, the close warning while last month is open, a day run and its details", async () => {
    const { page, problems, urls } = await openConsole();
    try {
      await connect(page, TEST_KEYS.staff);
      await page.click('#tab-btn-recon');
      await page.waitForSelector('#recon-rows tr');
      // the warning shows exactly while the API says last month's close is due or overdue
      const overview = (await api(sys.gw.url, 'GET', '/v1/console/reconciliation', undefined, {}, { auth: 'staff' })).body;
      expect(await page.isVisible('#recon-warning')).toBe(overview.previous.warning.level !== 'none');
      const today = chinaDay();
      await page.fill('#r-month', today.slice(0, 7));
      await page.click('#recon-search');
      const row = `#recon-rows tr[data-day="${today}"]`;
      await waitText(page, row, '未对账');
      await page.click(`${row} .recon-run`);
      await until('the day to balance on the page', async () => {
        await page.click('#recon-search');
        return (await page.textContent(row))?.includes('已对平');
      });
      // the day's sums, numbers in the answer, read as yuan with two decimals (0.00, not 0)
      expect(await page.textContent(row)).toMatch(/\d\.\d{2}/);
      await page.click(`${row} .recon-open`);
      await waitText(page, '#recon-day-title', today, '已对平');
      await waitText(page, '#recon-diff-rows', '没有差异');
      await page.screenshot({ path: path.join(SHOTS, 'console-reconciliation.png') });
      for (const u of urls) expect(u, 'the key in a URL').not.toContain(TEST_KEYS.staff);
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });

  /**
   * Every button of the page, pressed (issue 15). A button is named by its id, or (a row's button)
   * by its class. BUTTONS is the whole list: a button the page shows that is not in it fails the
   * test, and so does one in it that was never pressed — a new button needs its test.
   */
  const BUTTONS = [
    // header: sign-in, key, sign-out
    '#signin',
    '#signout',
    '#connect',
    '#disconnect',
    // tabs
    '#tab-btn-transactions',
    '#tab-btn-uploads',
    '#tab-btn-recon',
    '#tab-btn-identity',
    '#tab-btn-audit',
    // the work queue
    '#search',
    '#filter-reset',
    '#list-csv',
    '#new-items',
    '#bulk-reverse',
    '#bulk-retry',
    '#bulk-resolve',
    '.open',
    '.open-upload',
    '.open-day',
    '.refund-handled',
    // a transaction's detail
    '#back',
    '#detail-refresh',
    '#act-reverse',
    '#act-retry',
    '#act-resolve',
    // the dialog, the notice
    '#dlg-cancel',
    '#dlg-ok',
    '.close',
    // self-pay uploads
    '#upload-search',
    '.requeue',
    // reconciliation
    '#recon-search',
    '#recon-csv',
    '#recon-close',
    '.recon-open',
    '.recon-run',
    '.recon-day-csv',
    '.diff-reverse',
    '.diff-adopt',
    '.diff-close',
    // identity refusals, audit
    '#identity-search',
    '#identity-csv',
    '#audit-search',
  ];

  /** The buttons the page shows now (visible ones), by name. */
  const shown = (page: Page) =>
    page.$$eval('button', (bs) =>
      bs
        .filter((b) => (b as HTMLElement).offsetParent !== null || b.closest('dialog[open]'))
        .map((b) => (b.id ? `#${b.id}` : `.${b.classList[0] ?? `?${b.textContent?.trim()}`}`)),
    );

  it('the work queue at 1024 px: every button of every view pressed, the default view what needs a person, no page or console error', async () => {
    // ---- what waits for a person: a needs_manual settlement (its one 2601 failed), a refused upload, a day's orphan booking ----
    const m = await needsManual();
    const reg = await api(sys.gw.url, 'POST', '/v1/outpatient/visits', visitBody({ mdtrt_cert_type: '01', mdtrt_cert_no: JILIN.token }));
    expect(reg.status, reg.text).toBe(201);
    const v = reg.body.visit;
    await fault(sys.mock.control, { kind: 'infcode_-2', infno: '4201', err_msg: '模拟：自费数据不符', count: 1 });
    const up = await api(sys.gw.url, 'POST', '/v1/self-pay-uploads', selfPayUploadBody(v), {}, { auth: 'his' });
    expect(up.status, up.text).toBe(202);
    const uploadId = up.body.upload_id as string;
    await until('the upload refused', async () =>
      (
        (await api(sys.gw.url, 'GET', '/v1/console/self-pay-uploads?state=rejected', undefined, {}, { auth: 'staff' })).body
          .items as Array<{
          id: string;
        }>
      ).some((u) => u.id === uploadId),
    );
    const yesterday = chinaDay(Date.now() - 86_400_000);
    await override(sys.mock.control, yesterday, { kind: 'extra' });
    expect((await runDay(sys.gw.url, yesterday)).status).toBe('unbalanced');
    const attempt = (await transaction(sys.gw.url, m.txid)).resolution.reversal_ids[0] as string;
    const refundId = await refundResettleFailed();

    // refusals the tour provokes on purpose (each shown by the page): a retry of a booking, the month close while days are open
    const { page, problems, urls } = await openConsole({ width: 1024, height: 768, expected: [409] });
    const pressed = new Set<string>();
    const seen = new Set<string>();
    const look = async () => {
      for (const b of await shown(page)) seen.add(b);
    };
    const press = async (selector: string, name = selector) => {
      await page.locator(selector).first().click({ timeout: UI_WAIT_MS });
      pressed.add(name);
    };
    page.on('dialog', (d) => d.accept('控制台测试：已核实'));
    try {
      // ---- sign in, sign out, connect with the key ----
      await look();
      await page.fill('#signin-username', 'wang.li');
      await page.fill('#signin-password', STAFF_PASSWORD);
      await press('#signin');
      await waitText(page, '#whoami', '王丽');
      await look();
      await press('#signout');
      await page.waitForSelector('#signin-form', { state: 'visible', timeout: UI_WAIT_MS });
      await connect(page, TEST_KEYS.staff);
      pressed.add('#connect');
      await page.waitForSelector('#app:not([hidden])');

      // ---- the default view: what needs a person, and nothing else ----
      expect(await page.inputValue('#f-status')).toBe('needs_person');
      await page.waitForSelector(`#tx-rows tr[data-id="${m.txid}"]`, { timeout: UI_WAIT_MS });
      await page.waitForSelector(`#tx-rows tr[data-id="${uploadId}"]`, { timeout: UI_WAIT_MS });
      await page.waitForSelector(`#tx-rows tr[data-id^="${yesterday}/"]`, { timeout: UI_WAIT_MS });
      await page.waitForSelector(`#tx-rows tr[data-id="${refundId}"]`, { timeout: UI_WAIT_MS });
      await look();
      const row = `#tx-rows tr[data-id="${m.txid}"]`;
      await waitText(page, row, '待人工处理', '冲正尝试 1 次', '20.00', 'GW_SYS_PLATFORM_OUTCOME_UNKNOWN');
      await waitText(page, `#tx-rows tr[data-id="${uploadId}"]`, '自费上传：被拒', '模拟：自费数据不符');
      await waitText(page, `#tx-rows tr[data-id^="${yesterday}/"]`, '对账差异', yesterday);
      // the refund that needs a decision: what happened, what to do, the platform's reason, the kept line's amount
      await waitText(
        page,
        `#tx-rows tr[data-id="${refundId}"]`,
        '保留明细未能重新结算，已全额退费',
        '请重新结算保留的明细',
        '模拟：参保人待遇暂停',
        '300.00',
      );
      // the 2601 attempt is no row of its own; nothing final is in the queue
      expect(await page.locator(`#tx-rows tr[data-id="${attempt}"]`).count()).toBe(0);
      const statuses = await page.$$eval('#tx-rows tr .badge', (bs) => bs.map((b) => b.textContent ?? ''));
      for (const st of statuses)
        expect(st).toMatch(/needs_manual|inquiring|rejected_upload|reconciliation_difference|refund_resettle_failed|unknown|rejected/);

      // ---- 1024 px: no column cut off; the error column is in view ----
      const fit = await page.evaluate(() => {
        const wrap = document.getElementById('work-queue')!;
        const err = [...wrap.querySelectorAll('th')].find((th) => th.textContent?.includes('错误'))!;
        return {
          scroll: wrap.scrollWidth,
          client: wrap.clientWidth,
          errRight: err.getBoundingClientRect().right,
          wrapRight: wrap.getBoundingClientRect().right,
        };
      });
      expect(fit.scroll).toBeLessThanOrEqual(fit.client);
      expect(fit.errRight).toBeLessThanOrEqual(fit.wrapRight);
      // ... and every tab and filter within the screen
      const outside = await page.$$eval('.tabs button, #filter-form label, #filter-form button', (els) =>
        els.filter((e) => e.getBoundingClientRect().right > document.documentElement.clientWidth).map((e) => e.id || e.textContent),
      );
      expect(outside).toEqual([]);
      expect(await page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth)).toBe(true);
      await page.screenshot({ path: path.join(SHOTS, 'console-work-queue-1024.png') });

      // ---- the refund: marked handled with a reason (none given: the dialog says so, nothing is sent); it leaves the queue ----
      await press(`#tx-rows tr[data-id="${refundId}"] .refund-handled`, '.refund-handled');
      await page.waitForSelector('#dialog[open]');
      expect(await page.isHidden('#dlg-booked')).toBe(true);
      await page.click('#dlg-ok');
      await waitText(page, '#dlg-error', '请填写处理原因');
      await page.fill('#dlg-reason', '控制台测试：保留明细已按自费收取');
      await page.click('#dlg-ok');
      await waitText(page, '#notice', '已标记处理');
      await page.waitForSelector(`#tx-rows tr[data-id="${refundId}"]`, { state: 'detached', timeout: UI_WAIT_MS });
      await press('#notice .close', '.close');

      // ---- search by name (exact; masked in the answer, audited), by amount; Reset brings the queue back ----
      await page.fill('#f-psn_name', JILIN.psn_name);
      await press('#search');
      await waitText(page, '#list-count', '共 1 条');
      await page.waitForSelector(row);
      await page.fill('#f-psn_name', '');
      await page.fill('#f-amount_min', '20.01');
      await press('#search');
      await page.waitForSelector(row, { state: 'detached', timeout: UI_WAIT_MS });
      await page.fill('#f-ipt_otp_no', 'MZ-NONE');
      await press('#filter-reset');
      await page.waitForSelector(row, { timeout: UI_WAIT_MS });
      expect(await page.inputValue('#f-amount_min')).toBe('');
      expect(await page.inputValue('#f-ipt_otp_no')).toBe('');
      expect(await page.inputValue('#f-status')).toBe('needs_person');

      // ---- CSV of the current filter ----
      const [download] = await Promise.all([page.waitForEvent('download', { timeout: UI_WAIT_MS }), press('#list-csv')]);
      expect(download.suggestedFilename()).toMatch(/^work-queue-\d{4}-\d{2}-\d{2}\.csv$/);
      const csv = readFileSync((await download.path())!);
      expect([...csv.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
      expect(csv.toString('utf8')).toContain(m.txid);
      expect(csv.toString('utf8')).not.toContain(JILIN.psn_name);
      await waitText(page, '#notice', '已导出');
      await press('#notice .close', '.close');

      // ---- a new item while staff type: counted, never rendered by itself ----
      const n = await needsManual();
      await page.fill('#f-psn_no', '2200');
      await waitText(page, '#new-items', '1 条新待办');
      expect(await page.inputValue('#f-psn_no')).toBe('2200'); // what was typed stays
      expect(await page.locator(`#tx-rows tr[data-id="${n.txid}"]`).count()).toBe(0);
      await page.fill('#f-psn_no', '');
      await look();
      await press('#new-items');
      await page.waitForSelector(`#tx-rows tr[data-id="${n.txid}"]`, { timeout: UI_WAIT_MS });
      await page.waitForSelector('#new-items', { state: 'hidden', timeout: UI_WAIT_MS });

      // ---- bulk actions: each asks first; cancel, and a retry that skips what may not be retried ----
      await press('#bulk-reverse');
      await waitText(page, '#dialog', '当前筛选条件匹配');
      await look();
      await press('#dlg-cancel');
      await press('#bulk-resolve');
      await page.waitForSelector('#dialog[open]');
      await press('#dlg-cancel');
      await press('#bulk-retry');
      await page.waitForSelector('#dialog[open]');
      await press('#dlg-ok');
      await waitText(page, '#notice', '批量重试：已处理 0 条');

      // ---- the upload's delivery, the difference's day ----
      await press(`#tx-rows tr[data-id="${uploadId}"] .open-upload`, '.open-upload');
      await page.waitForSelector('#detail-view:not([hidden])');
      await waitText(page, '#detail-title', '4201');
      await press('#back');

      // ---- a transaction's detail: refresh, retry (refused), reverse now (its 2601 fails again), resolve ----
      await press(`${row} .open`, '.open');
      await page.waitForSelector('#detail-view:not([hidden])');
      await look();
      await press('#detail-refresh');
      await press('#act-retry');
      await waitText(page, '#notice', catalog.get('GW_BIZ_CONSOLE_ACTION_NOT_ALLOWED')!.message);
      await press('#act-reverse');
      await page.waitForSelector('#dialog[open]');
      await press('#dlg-ok');
      await waitText(page, '#notice', '已排队冲正');
      // a new round of attempts (its count restarts): one more 2601, failed again, and it is staff's again
      await until('the reversal tried again and given up', async () => {
        const r = (await transaction(sys.gw.url, m.txid)).resolution;
        return r?.reversal_ids.length === 2 && r.state === 'needs_manual';
      });
      await press('#detail-refresh');
      await waitText(page, '#detail-resolution', '待人工处理');
      await press('#act-resolve');
      await page.waitForSelector('#dialog[open]');
      await page.fill('#dlg-reason', '控制台测试：平台无此笔');
      await page.check('#dlg-booked-no');
      await press('#dlg-ok');
      await waitText(page, '#detail-resolution', '已人工处理');
      await press('#back');
      await page.waitForSelector(row, { state: 'detached', timeout: UI_WAIT_MS });

      // ---- the difference: to its day in the reconciliation tab ----
      await press(`#tx-rows tr[data-id^="${yesterday}/"] .open-day`, '.open-day');
      await waitText(page, '#recon-day-title', yesterday);
      await page.waitForSelector('#recon-diff-rows .diff-reverse');
      await look();
      const [dayCsv] = await Promise.all([page.waitForEvent('download', { timeout: UI_WAIT_MS }), press('.recon-day-csv')]);
      expect(dayCsv.suggestedFilename()).toBe(`reconciliation-${yesterday}.csv`);
      await press('#recon-diff-rows .diff-reverse', '.diff-reverse');
      await page.waitForSelector('#notice:not([hidden])');
      await press('#recon-diff-rows .diff-adopt', '.diff-adopt');
      await waitText(page, '#notice', '差异');
      await page.waitForSelector('#recon-diff-rows .diff-close');
      await press('#recon-diff-rows .diff-close', '.diff-close');
      await until('the difference closed', async () => !(await page.locator('#recon-diff-rows .diff-close').count()));
      // the month: its days, a day run, the report, the close (refused while days are open)
      await press('#recon-search');
      const other = `${yesterday.slice(0, 7)}-02`;
      await press(`#recon-rows tr[data-day="${other}"] .recon-run`, '.recon-run');
      await until('the other day run', async () => {
        await page.click('#recon-search');
        return (await page.textContent(`#recon-rows tr[data-day="${other}"]`))?.includes('已对平');
      });
      await press(`#recon-rows tr[data-day="${other}"] .recon-open`, '.recon-open');
      await waitText(page, '#recon-day-title', other);
      const [monthCsv] = await Promise.all([page.waitForEvent('download', { timeout: UI_WAIT_MS }), press('#recon-csv')]);
      expect(monthCsv.suggestedFilename()).toBe(`reconciliation-${yesterday.slice(0, 7)}.csv`);
      await press('#recon-close');
      await waitText(page, '#notice', '不能关账');
      await look();

      // ---- the other tabs, each with its buttons ----
      await press('#tab-btn-uploads');
      await page.waitForSelector('#upload-rows .requeue', { timeout: UI_WAIT_MS });
      await look();
      await press('#upload-rows .requeue', '.requeue');
      await page.waitForSelector('#dialog[open]');
      await press('#dlg-ok');
      await waitText(page, '#notice', '已重新排队');
      await until('the upload requeued and delivered', async () =>
        (
          (await api(sys.gw.url, 'GET', '/v1/console/self-pay-uploads?state=delivered', undefined, {}, { auth: 'staff' })).body
            .items as Array<{
            id: string;
          }>
        ).some((u) => u.id === uploadId),
      );
      await press('#upload-search');
      await press('#tab-btn-recon');
      await press('#tab-btn-identity');
      await press('#identity-search');
      const [refusals] = await Promise.all([page.waitForEvent('download', { timeout: UI_WAIT_MS }), press('#identity-csv')]);
      expect(refusals.suggestedFilename()).toMatch(/^identity-refusals-/);
      await look();
      await press('#tab-btn-audit');
      await page.selectOption('#a-action', 'search_person');
      await press('#audit-search');
      await waitText(page, '#audit-rows', '按姓名/证件号码查询', 'test-staff');
      await look();
      const text = await page.evaluate(() => document.body.textContent ?? '');
      for (const personal of [JILIN.certno, JILIN.psn_name, JILIN.token]) expect(text, 'personal data on the page').not.toContain(personal);
      await press('#tab-btn-transactions');
      await page.waitForSelector('#tx-rows tr', { timeout: UI_WAIT_MS });
      await look();
      await press('#disconnect');
      await page.waitForSelector('#app', { state: 'hidden', timeout: UI_WAIT_MS });

      // ---- every button the page showed is in the list, and every one in the list was pressed ----
      const html = await (await fetch(`${sys.gw.url}/console`)).text();
      const inHtml = [...html.matchAll(/<button[^>]*\sid="([^"]+)"/g)].map((x) => `#${x[1]}`);
      for (const b of new Set([...inHtml, ...seen])) expect(BUTTONS, `a button without a test: ${b}`).toContain(b);
      for (const b of BUTTONS) expect([...pressed], `never pressed: ${b}`).toContain(b);
      for (const u of urls) {
        expect(u, 'the key in a URL').not.toContain(TEST_KEYS.staff);
        expect(u.startsWith(base) || u.startsWith('blob:'), `fetched from outside the gateway: ${u}`).toBe(true);
      }
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
