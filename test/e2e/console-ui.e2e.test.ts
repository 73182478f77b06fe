/**
 * The insurance office's console page in a real browser (Debian's Chromium, driven by
 * playwright-core): a staff member connects with her key, finds a needs_manual settlement, reads its
 * stages (personal fields masked), and resolves it; wrong and his keys are told plainly why not.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalog } from '../../gateway/errors/errors.js';
import { hashPassword } from '../../gateway/auth/staff.js';
import { api, TEST_KEYS, tmpDir } from '../helpers/harness.js';
import { mockAndGateway } from '../helpers/suite.js';
import { JILIN, JILIN_UNFILED, visitBody } from './fixtures.js';
import { chinaDay } from './reconciliation-fixtures.js';
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

const sys = mockAndGateway({ ...FAST_REVERSAL, REVERSAL_MAX_ATTEMPTS: '1', PLATFORM_TIMEOUT_MS: '800', STAFF_ACCOUNTS_FILE: STAFF_FILE });
let browser: Browser;
let base: string;

beforeAll(async () => {
  base = sys.gw.url.replace('127.0.0.1', HOST);
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
      '--no-first-run',
      `--host-resolver-rules=MAP ${HOST} 127.0.0.1`,
    ],
  });
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

/** A fresh page at 1280×800 that records what could go wrong unseen: CSP violations, script errors, and every URL it asks for. */
async function openConsole() {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, locale: 'zh-CN' });
  const problems: string[] = [];
  const urls: string[] = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text())) problems.push(m.text());
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
    for (const asset of ['/console/console.js', '/console/console.css', '/console/error-catalog.json'])
      expect((await fetch(sys.gw.url + asset)).status, asset).toBe(200);
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
    const { page, problems, urls } = await openConsole();
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
});
