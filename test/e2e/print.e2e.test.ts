/**
 * Printable slips (issue 14 point 8) in a real browser (Debian's Chromium, driven by playwright-core):
 * an outpatient settlement, a cancellation, a partial refund, a pharmacy sale, an inpatient stay
 * insured in Jiangsu (JS 40 annex 9) and one insured in Liaoning (LN 19: 结算单 and 医疗费用汇总单),
 * settled against the mock; each print URL opened in Chromium. The amounts the page shows are the
 * JSON slip's, an A4 slip prints on one page per document (page.pdf), the receipt layout fits 80 mm,
 * the page fetches nothing and runs nothing, and HIS text with a <script> in it prints as text.
 */
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../helpers/browser.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SLIP_AMOUNTS } from '../../adapters/platform/slip.js';
import { api, TEST_KEYS, type Reply } from '../helpers/harness.js';
import { mockAndGateway } from '../helpers/suite.js';
import { CODES, diagnosesBody, JIANGSU, JILIN, line, uniq, visitBody } from './fixtures.js';
import { admissionBody, inpatientClient, P, STANDARD_TOTALS } from './inpatient-fixtures.js';
import { fault, readyVisit, settle } from './resilience-fixtures.js';

const sys = mockAndGateway({ HOSPITAL_LEVEL: '三级甲等' });
/** mapped to 127.0.0.1 inside Chromium only: any request to another host is an external fetch */
const HOST = 'yidi-gateway.hospital.test';
const INJECTED = '<script>window.__pwned=1</script>';
/** Screenshots for a person to look at (overwritten by each run). */
const SHOTS = path.join(tmpdir(), 'yidi-print');
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

const call = <T = any>(method: string, path: string, body?: unknown) => api<T>(sys.gw.url, method, path, body);
const ok = (r: Reply, status: number) => {
  expect(r.status, r.text).toBe(status);
  return r.body;
};
const two = (v: unknown) => Number(v).toFixed(2);
/** 80 mm in CSS pixels (96 px per inch) */
const MM80 = (80 / 25.4) * 96;

interface Printed {
  text: string;
  /** data-amount cells, per sheet: key → printed text */
  sheets: Array<{ title: string; amounts: Record<string, string>; funds: Record<string, string>; totals: Record<string, string> }>;
  net: Record<string, string>;
  pdfPages: number;
  scrollWidth: number;
  problems: string[];
  foreign: string[];
  pwned: unknown;
}

/**
 * Opens a print URL in Chromium as the HIS would (its key in a header): the page's text, the amounts
 * of each sheet, the number of PDF pages at A4, the content width, what went wrong unseen (script
 * errors, requests to anything but the gateway). The same URL is also fetched through the e2e
 * helper, so its answer is checked against the OpenAPI document (and recorded as its example).
 */
async function open(urlPath: string, paper: 'a4' | 'receipt' = 'a4', key: string = TEST_KEYS.his): Promise<Printed> {
  const url = `${urlPath}${paper === 'receipt' ? '?paper=receipt' : ''}`;
  const r = await api(sys.gw.url, 'GET', url, undefined, { 'x-api-key': key });
  expect(r.status, r.text).toBe(200);
  expect(r.headers.get('content-type')).toBe('text/html; charset=utf-8');
  expect(r.headers.get('content-security-policy')).toContain("default-src 'none'");
  expect(r.headers.get('cache-control')).toBe('no-store');

  const page = await browser.newPage({
    viewport: paper === 'receipt' ? { width: Math.floor(MM80), height: 800 } : { width: 1000, height: 1400 },
  });
  const problems: string[] = [];
  const foreign: string[] = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  // a blocked fetch or script shows as a CSP refusal (the COOP note on plain HTTP is no problem of the page)
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text())) problems.push(`console: ${m.text()}`);
  });
  page.on('request', (q) => {
    if (!q.url().startsWith(`${base}/`)) foreign.push(q.url());
  });
  await page.setExtraHTTPHeaders({ 'x-api-key': key });
  const res = await page.goto(`${base}${url}`);
  expect(res?.status()).toBe(200);
  // biome-ignore lint/performance/useDomNodeTextContent: the page as printed and read (rendered text: table cells tab-separated)
  const text = await page.innerText('body');
  const sheets = await page.$$eval('section.sheet', (ss) =>
    ss.map((s) => {
      const read = (attr: string) =>
        Object.fromEntries([...s.querySelectorAll(`[${attr}]`)].map((e) => [e.getAttribute(attr), (e.textContent ?? '').trim()]));
      return {
        title: s.querySelector('h1')?.textContent ?? '',
        amounts: read('data-amount'),
        funds: read('data-fund'),
        totals: read('data-total'),
      };
    }),
  );
  const net = await page.$$eval('[data-net]', (es) =>
    Object.fromEntries(es.map((e) => [e.getAttribute('data-net'), (e.textContent ?? '').trim()])),
  );
  const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  const pwned = await page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned);
  await page.screenshot({ path: path.join(SHOTS, `${urlPath.replace(/\W+/g, '_')}-${paper}.png`), fullPage: true });
  const pdf = await page.pdf({ format: 'A4', preferCSSPageSize: paper === 'a4', printBackground: true });
  await page.close();
  const pdfPages = (pdf.toString('latin1').match(/\/Type\s*\/Page(?![s\w])/g) ?? []).length;
  return { text, sheets, net, pdfPages, scrollWidth, problems, foreign, pwned };
}

/** The amounts of a slip (adapters/platform/slip.ts SLIP_AMOUNTS): every one is printed. */
const ALL_AMOUNTS = [...SLIP_AMOUNTS];

/** The sheet prints every amount of the slip, each the JSON slip's with two decimals, and each fund row's. */
function expectAmounts(sheet: Printed['sheets'][number], slip: Record<string, any>) {
  expect(Object.keys(sheet.amounts).sort()).toEqual([...ALL_AMOUNTS].sort());
  for (const [k, v] of Object.entries(sheet.amounts)) expect(v, k).toBe(two(slip[k]));
  // the fund breakdown (setldetail): each row's amount
  for (const d of slip.setldetail as Array<{ fund_pay_type: string; fund_payamt: number }>)
    expect(sheet.funds[d.fund_pay_type]).toBe(two(d.fund_payamt));
}

/** Nothing went wrong unseen, and nothing was fetched from elsewhere. */
function expectClean(p: Printed) {
  expect(p.problems).toEqual([]);
  expect(p.foreign).toEqual([]);
  expect(p.pwned).toBeUndefined();
}

describe('outpatient: the settlement slip, its cancellation, a partial refund', () => {
  it('prints the visit’s slip on one A4 page and on an 80 mm receipt, amounts as the JSON slip, the ID masked, HIS text escaped', async () => {
    // credential 02 (身份证): the number is the ID number, printed masked; the department name carries a script
    const v = await readyVisit(
      sys.gw.url,
      { mdtrt_cert_type: '02', mdtrt_cert_no: JILIN.certno },
      { visit: { dept_name: `内科${INJECTED}` } },
    );
    // nothing to print before the settlement
    const before = await call('GET', `/v1/outpatient/visits/${v.id}/settlement/print`);
    expect([before.status, before.body.error.code]).toEqual([409, 'GW_BIZ_PRINT_NOT_SETTLED']);
    const slip = ok(await settle(sys.gw.url, v.id, v.total), 201).slip;

    const a4 = await open(`/v1/outpatient/visits/${v.id}/settlement/print`);
    expectClean(a4);
    expect(a4.pdfPages).toBe(1);
    expect(a4.sheets).toHaveLength(1);
    expect(a4.sheets[0]!.title).toBe('异地就医门诊结算单'); // insured in Jilin: the default layout
    expectAmounts(a4.sheets[0]!, slip);
    expect(a4.text).toContain(`结算ID\t${slip.setl_id}`);
    expect(a4.text).toContain(JILIN.psn_name); // the patient's own document
    expect(a4.text).toContain('2****************1');
    expect(a4.text).not.toContain(JILIN.certno);
    expect(a4.text).toContain(INJECTED); // shown as text, never run (expectClean: no __pwned)
    expect(a4.text).toContain('演示医院（DEMO）（H44030500001）');
    expect(a4.text).toMatch(/参保地\t22\d{4}（吉林）/);
    expect(a4.text).toContain('就医地\t440300（广东）');
    // the arithmetic of the slip, with its amounts
    expect(a4.text).toContain(
      `总费用=统筹基金支付范围内费用+乙类先行自付费用+超限价自付费用+自费费用：总费用 ${two(slip.medfee_sumamt)} = 统筹基金支付范围内费用 ${two(slip.inscp_scp_amt)} + 乙类先行自付费用 ${two(slip.preselfpay_amt)} + 超限价自付费用 ${two(slip.overlmt_selfpay)} + 自费费用 ${two(slip.fulamt_ownpay_amt)}`,
    );

    const receipt = await open(`/v1/outpatient/visits/${v.id}/settlement/print`, 'receipt');
    expectClean(receipt);
    expectAmounts(receipt.sheets[0]!, slip);
    expect(receipt.scrollWidth).toBeLessThanOrEqual(Math.ceil(MM80));
  });

  it('prints the cancellation (2208) of a settlement; the visit then has no slip to print', async () => {
    const v = await readyVisit(sys.gw.url);
    const setl = ok(await settle(sys.gw.url, v.id, v.total), 201);
    const c = ok(await call('POST', `/v1/settlements/${setl.setl_id}/cancel`, { reason: `收费错误${INJECTED}` }), 200);
    const p = await open(`/v1/settlements/${setl.setl_id}/cancellation/print`);
    expectClean(p);
    expect(p.pdfPages).toBe(1);
    expect(p.sheets[0]!.title).toBe('异地就医结算撤销（退费）单');
    expectAmounts(p.sheets[0]!, c.slip);
    expect(Number(p.sheets[0]!.amounts.medfee_sumamt)).toBe(-Number(setl.slip.medfee_sumamt));
    expect(p.text).toContain(`原结算ID\t${setl.setl_id}`);
    expect(p.text).toContain(`撤销原因\t收费错误${INJECTED}`);
    const receipt = await open(`/v1/settlements/${setl.setl_id}/cancellation/print`, 'receipt');
    expectClean(receipt);
    expect(receipt.scrollWidth).toBeLessThanOrEqual(Math.ceil(MM80));

    const gone = await call('GET', `/v1/outpatient/visits/${v.id}/settlement/print`);
    expect([gone.status, gone.body.error.code, gone.body.error.details.cancelled]).toEqual([
      409,
      'GW_BIZ_PRINT_NOT_SETTLED',
      [setl.setl_id],
    ]);
    // a settlement never cancelled has no cancellation slip
    const other = await readyVisit(sys.gw.url);
    const standing = ok(await settle(sys.gw.url, other.id, other.total), 201);
    const none = await call('GET', `/v1/settlements/${standing.setl_id}/cancellation/print`);
    expect([none.status, none.body.error.code]).toEqual([409, 'GW_BIZ_PRINT_NOT_CANCELLED']);
  });

  it('prints a partial refund: the cancellation, the re-settlement of the kept line, the money back as the refund answered', async () => {
    const reg = ok(
      await call(
        'POST',
        '/v1/outpatient/visits',
        visitBody({ mdtrt_cert_type: '01', mdtrt_cert_no: JILIN.token }, { ipt_otp_no: uniq('MZ') }),
      ),
      201,
    );
    const id = reg.visit.visit_id as string;
    ok(await call('POST', `/v1/outpatient/visits/${id}/diagnoses`, diagnosesBody()), 200);
    const fees = ok(
      await call('POST', `/v1/outpatient/visits/${id}/fees`, {
        chrg_bchno: 'B1',
        lines: [line('1', CODES.amoxicillin, 10, 30), line('2', CODES.amoxicillin, 4, 25)],
      }),
      201,
    );
    const setl = ok(await settle(sys.gw.url, id, fees.totals.medfee_sumamt), 201);
    const refund = ok(
      await call('POST', `/v1/settlements/${setl.setl_id}/refund`, { reason_code: 'drug_return', return_lines: ['2'] }),
      200,
    );
    expect(refund).toMatchObject({ refund_type: 'partial', status: 'completed' });

    const p = await open(`/v1/refunds/${refund.refund_id}/print`);
    expectClean(p);
    expect(p.sheets.map((s) => s.title)).toEqual(['异地就医退费单', '异地就医门诊结算单']);
    expect(p.pdfPages).toBe(2); // one page per document
    expectAmounts(p.sheets[0]!, refund.cancellation_slip);
    expectAmounts(p.sheets[1]!, refund.settlement_slip);
    expect(p.net).toEqual({
      psn_cash_pay: two(refund.net_refund.psn_cash_pay),
      acct_pay: two(refund.net_refund.acct_pay),
      fund_pay_sumamt: two(refund.net_refund.fund_pay_sumamt),
    });
    expect(p.text).toContain(`部分退费：保留明细重新结算（原结算ID ${setl.setl_id}）`);
    expect(p.text).toContain('撤销原因\t退药（部分退费，退回明细 2）'); // the reason code by its name (refund_reason)
  });
});

describe('inpatient: the slip of the insured province', () => {
  let c: ReturnType<typeof inpatientClient>;
  beforeAll(() => {
    c = inpatientClient(sys.gw.url);
  });

  it('Jiangsu (JS 40 annex 9): its rows and notes, one A4 page, the diagnosis text escaped', async () => {
    const { id } = await c.standardStay(P.jiangsu.token, '2027-02-20', '2027-03-05', { dscg_maindiag_name: `急性阑尾炎${INJECTED}` });
    const setl = ok(await c.settle(id, '3836.00'), 201);
    const p = await open(`/v1/inpatient/admissions/${id}/settlement/print`);
    expectClean(p);
    expect(p.pdfPages).toBe(1);
    expect(p.sheets.map((s) => s.title)).toEqual(['异地就医住院结算单']);
    expectAmounts(p.sheets[0]!, setl.slip);
    expect(p.sheets[0]!.amounts).toMatchObject({
      // the page prints each amount with two decimals
      medfee_sumamt: STANDARD_TOTALS.medfee_sumamt.toFixed(2),
      inscp_scp_amt: STANDARD_TOTALS.inscp_scp_amt.toFixed(2),
    });
    for (const label of [
      '患者姓名',
      '性别',
      '年龄',
      '社会保障号码',
      '参保地',
      '险种类型',
      '就医地',
      '医院名称',
      '入院方式',
      '住院号',
      '出院科室',
      '主要诊断',
      '入院日期',
      '出院日期',
      '住院天数',
    ])
      expect(p.text).toContain(`${label}\t`);
    expect(p.text).toContain('住院天数\t13');
    expect(p.text).toContain('医院等级\t三级甲等'); // HOSPITAL_LEVEL
    // the 1101 person's ID number masked, the e-voucher token never printed
    expect(p.text).toContain(`社会保障号码\t3${'*'.repeat(16)}3`);
    expect(p.text).not.toContain(JIANGSU.certno);
    expect(p.text).not.toContain(P.jiangsu.token);
    expect(p.text).toMatch(/参保地\t32\d{4}（江苏）/);
    expect(p.text).toContain(`K35.800 急性阑尾炎${INJECTED}`);
    // annex 9 notes 2 and 3, with this slip's amounts (no account, no hospital part: note 3 as the annex writes it)
    expect(p.text).toContain(
      `总费用=基金支付合计金额+个人现金支付金额（个人账户支付、医院负担不为零时列出）：总费用 3836.00 = 基金支付合计金额 ${two(setl.slip.fund_pay_sumamt)} + 个人现金支付金额 ${two(setl.slip.psn_cash_pay)}`,
    );
    const receipt = await open(`/v1/inpatient/admissions/${id}/settlement/print`, 'receipt');
    expectClean(receipt);
    expect(receipt.scrollWidth).toBeLessThanOrEqual(Math.ceil(MM80));
  });

  it('Liaoning (LN 19): 结算单 and 医疗费用汇总单, one A4 page each; the summary adds up to the slip; the recall prints', async () => {
    const { id } = await c.standardStay(P.liaoning.token, '2026-11-04', '2026-11-11');
    const setl = ok(await c.settle(id, '3836.00'), 201);
    const p = await open(`/v1/inpatient/admissions/${id}/settlement/print`);
    expectClean(p);
    expect(p.sheets.map((s) => s.title)).toEqual(['辽宁省异地就医结算单', '辽宁省异地就医医疗费用汇总单']);
    expect(p.pdfPages).toBe(2);
    expectAmounts(p.sheets[0]!, setl.slip);
    // the fee lines by 医疗收费项目类别: the totals are the slip's
    expect(p.sheets[1]!.totals).toEqual({
      det_item_fee_sumamt: two(setl.slip.medfee_sumamt),
      inscp_scp_amt: two(setl.slip.inscp_scp_amt),
      preselfpay_amt: two(setl.slip.preselfpay_amt),
      overlmt_amt: two(setl.slip.overlmt_selfpay),
      fulamt_ownpay_amt: two(setl.slip.fulamt_ownpay_amt),
    });
    expect(p.text).toMatch(/床位费\t480\.00\t400\.00\t0\.00\t80\.00\t0\.00/);
    expect(p.text).toContain('个人负担总额=个人账户支出+个人现金支付');
    const receipt = await open(`/v1/inpatient/admissions/${id}/settlement/print`, 'receipt');
    expectClean(receipt);
    expect(receipt.scrollWidth).toBeLessThanOrEqual(Math.ceil(MM80));

    // 召回 (2305): the recall prints as Liaoning's cancellation slip
    const recall = ok(await call('POST', `/v1/inpatient/settlements/${setl.setl_id}/cancel`, { reason: '费用有误，召回重结' }), 200);
    const r = await open(`/v1/inpatient/settlements/${setl.setl_id}/cancellation/print`);
    expectClean(r);
    expect(r.pdfPages).toBe(1);
    expect(r.sheets[0]!.title).toBe('辽宁省异地就医结算撤销（退费）单');
    expectAmounts(r.sheets[0]!, recall.slip);
  });

  it('a stay not yet settled has nothing to print', async () => {
    const id = await c.admit(admissionBody(P.jiangsu.token, '2027-02-20 08:00:00'));
    const r = await call('GET', `/v1/inpatient/admissions/${id}/settlement/print`);
    expect([r.status, r.body.error.code]).toEqual([409, 'GW_BIZ_PRINT_NOT_SETTLED']);
  });
});

describe('pharmacy: the sale’s slip and its refund', () => {
  it('prints the 2102 slip and, after a whole refund, the 2103 cancellation; the settlement slip then says it was cancelled', async () => {
    const at = '2026-11-23 10:00:00';
    const body = {
      mdtrt_cert_type: '01',
      mdtrt_cert_no: JILIN.token,
      sale_no: uniq('PH'),
      begntime: at,
      acct_used_flag: '0',
      medfee_sumamt: 300,
      drugdetail: [
        { feedetl_sn: 'D1', fee_ocur_time: at, med_list_codg: CODES.amoxicillin, medins_list_codg: 'YP-001', cnt: 10, pric: 30 },
      ],
    };
    const setl = ok(await call('POST', '/v1/pharmacy/settlements', body), 201);
    const p = await open(`/v1/pharmacy/settlements/${setl.setl_id}/print`, 'a4', TEST_KEYS.pos);
    expectClean(p);
    expect(p.pdfPages).toBe(1);
    expect(p.sheets[0]!.title).toBe('异地就医购药结算单');
    expectAmounts(p.sheets[0]!, setl.slip);
    expect(p.text).toContain(`销售单号\t${body.sale_no}`);

    const refund = ok(await call('POST', `/v1/pharmacy/settlements/${setl.setl_id}/refund`, { reason_code: 'drug_return' }), 200);
    const c = await open(`/v1/pharmacy/settlements/${setl.setl_id}/cancellation/print`, 'receipt', TEST_KEYS.pos);
    expectClean(c);
    expect(c.scrollWidth).toBeLessThanOrEqual(Math.ceil(MM80));
    expectAmounts(c.sheets[0]!, refund.cancellation_slip);
    const again = await open(`/v1/pharmacy/settlements/${setl.setl_id}/print`, 'a4', TEST_KEYS.pos);
    expect(again.text).toContain(`本结算已撤销（撤销结算ID ${refund.cancel_setl_id}`);
    expect(c.text).toMatch(/撤销原因\s+退药/);
  });
});

describe('what cannot be printed, and who may print', () => {
  it('a wrong paper is a 400, an unknown visit a 404, a POS key may not print a visit’s slip', async () => {
    const v = await readyVisit(sys.gw.url);
    ok(await settle(sys.gw.url, v.id, v.total), 201);
    const paper = await call('GET', `/v1/outpatient/visits/${v.id}/settlement/print?paper=letter`);
    expect([paper.status, paper.body.error.code, paper.body.error.details.paper]).toEqual([400, 'GW_VAL_PRINT_PAPER', 'letter']);
    const unknown = await call('GET', '/v1/outpatient/visits/V000000/settlement/print');
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'GW_BIZ_VISIT_NOT_FOUND']);
    const pos = await api(sys.gw.url, 'GET', `/v1/outpatient/visits/${v.id}/settlement/print`, undefined, {}, { auth: 'pos' });
    expect(pos.status).toBe(403);
  });

  it('while a settlement’s outcome is unknown there is nothing definite to print (409, the transaction named)', async () => {
    const v = await readyVisit(sys.gw.url);
    await fault(sys.mock.control, { kind: 'drop_reply', infno: '2207', count: 1 });
    await fault(sys.mock.control, { kind: 'http_500', infno: '2601' }); // the reversal cannot settle it meanwhile
    try {
      const s = await settle(sys.gw.url, v.id, v.total);
      expect(s.status, s.text).toBe(502);
      const r = await call('GET', `/v1/outpatient/visits/${v.id}/settlement/print`);
      expect([r.status, r.body.error.code]).toEqual([409, 'GW_BIZ_PRINT_OUTCOME_UNKNOWN']);
      expect(r.body.error.details.transaction_id).toBe(s.body.error.transaction_id);
    } finally {
      await api(sys.mock.control, 'DELETE', '/faults');
    }
  });
});
