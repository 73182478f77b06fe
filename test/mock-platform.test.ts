/**
 * The mock settlement platform over real HTTP: tif signature, envelope checks, 9001, 1101, the
 * outpatient flow 2201→2203→2204→2206→2207→2208 with hand-computed amounts, and the control API.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Decimal } from 'decimal.js';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { type CallOptions, MockClient } from '../mocks/platform/client.js';
import {
  CODES,
  type FeeLineSpec,
  feeUpload,
  registration,
  settleData,
  settleInScope,
  settlementData,
  visitInfo,
} from '../mocks/platform/sample-inputs.js';
import { createMockPlatform, type MockPlatform } from '../mocks/platform/server.js';

// ---------------------------------------------------------------------------------------------
// fixtures

/** 2026-11-20 10:00:00 in China Standard Time. */
const NOW = new Date('2026-11-20T02:00:00Z');
const TODAY = '2026-11-20';
const PAASID = 'test-paasid';
const SECRET = 'test-secret';

const JILIN_FILED = {
  psn_no: '22000000000000000001',
  area: '220100',
  token: 'EVT22000000000000000001A1B2C3D4',
  certno: '220100198003150001',
  card: 'JL0000001',
  card_sn: '220100D156000005000000000000A001',
};
const JILIN_UNFILED = { psn_no: '22000000000000000002', area: '220100', token: 'EVT22000000000000000002E5F6A7B8' };
const LIAONING = { psn_no: '21000000000000000004', area: '210100', token: 'EVT21000000000000000004A3B4C5D6' };

type Json = Record<string, any>;

/** Everything the mock logs during this file (checked for errors and personal data at the end). */
const logLines: string[] = [];
const captureLogger = pino({ level: 'debug' }, { write: (line: string) => void logLines.push(line) });

let platform: MockPlatform;
let client: MockClient<Json>;

const nextMsgid = (): string => client.nextMsgid();
const tifHeaders = (overrides: Record<string, string> = {}) => client.tifHeaders(overrides);
const envelope = (infno: string, input: Json, opts: CallOptions = {}): Json => client.envelope(infno, input, opts);
const post = (path: string, body: string, headers: Record<string, string>) => client.post(path, body, headers);
/** A signed business call; returns the parsed reply (HTTP 200 and a valid reply envelope asserted). */
const call = (infno: string, input: object, opts: CallOptions = {}): Promise<Json> => client.call(infno, input, opts);
/** A success reply: infcode 0, and the output validates against <infno>.output.json. */
const callOk = (infno: string, input: object, opts: CallOptions = {}): Promise<Json> => client.callOk(infno, input, opts);
const control = (method: string, path: string, body?: Json): Promise<any> => client.control(method, path, body);

async function expectRefused(infno: string, input: object, errMsg: string | RegExp, opts: CallOptions = {}): Promise<Json> {
  const reply = await call(infno, input, opts);
  expect(reply.infcode).toBe(-2);
  expect(reply.output).toBeNull();
  if (typeof errMsg === 'string') expect(reply.err_msg).toBe(errMsg);
  else expect(reply.err_msg).toMatch(errMsg);
  return reply;
}

// ---------------------------------------------------------------------------------------------
// outpatient helpers

async function register(psnNo: string, area: string, token: string, iptOtpNo: string, extra: Json = {}): Promise<string> {
  const out = await callOk('2201', registration(psnNo, token, iptOtpNo, extra), { insuplc: area });
  expect(out.data.psn_no).toBe(psnNo);
  expect(out.data.ipt_otp_no).toBe(iptOtpNo);
  return out.data.mdtrt_id as string;
}

/** Every field 2207.output.json / 2208.output.json names under setlinfo. */
function setlinfoFields(infno: string): string[] {
  const schema = JSON.parse(readFileSync(new URL(`../schemas/platform/${infno}.output.json`, import.meta.url), 'utf8')) as Json;
  return Object.keys(schema.properties.setlinfo.properties as Json);
}

const d = (v: unknown): Decimal => new Decimal(v as Decimal.Value);

/** The slip identities (domain.md 14) and the fund detail sum, on every settlement reply. */
function expectInvariants(output: Json, cashField = 'psn_cash_pay'): void {
  const s = output.setlinfo as Json;
  const detail = output.setldetail as Json[];
  expect(d(s.medfee_sumamt).equals(d(s.fulamt_ownpay_amt).plus(s.overlmt_selfpay).plus(s.preselfpay_amt).plus(s.inscp_scp_amt))).toBe(true);
  expect(d(s.medfee_sumamt).equals(d(s.fund_pay_sumamt).plus(s.psn_part_amt))).toBe(true);
  expect(d(s.psn_part_amt).equals(d(s.acct_pay).plus(s[cashField]))).toBe(true);
  const detailSum = detail.reduce<Decimal>((acc, row) => acc.plus(row.fund_payamt), new Decimal(0));
  expect(d(s.fund_pay_sumamt).equals(detailSum)).toBe(true);
}

// ---------------------------------------------------------------------------------------------
// the Jilin patient of the worked example (吉长青: employee 310, insured 220100, long-term filing,
// account balance 500.00; Changchun outpatient policy: deductible 200, ratio 0.60, annual cap 2000)
//
// line 1  诊查费 甲类, cap 20.00:      1 × 25.00 = 25.00; overlmt = (25.00 − 20.00) × 1 = 5.00;
//                                      base 20.00; preselfpay 0;  inscp 20.00
// line 2  阿莫西林 甲类:               2 × 18.50 = 37.00;                            inscp 37.00
// line 3  阿托伐他汀 乙类 0.10:        5 × 27.41 = 137.05; preselfpay = round2(137.05 × 0.10)
//                                      = round2(13.705) = 13.71 (HALF_UP); inscp = 137.05 − 13.71 = 123.34
// line 4  CT 乙类 0.10, cap 150.00:    1 × 160.00 = 160.00; overlmt = (160 − 150) × 1 = 10.00;
//                                      base 150.00; preselfpay = 15.00; inscp 135.00
// line 5  激光祛斑 丙类:               1 × 260.00 = 260.00 → fulamt_ownpay 260.00
//
// totals   fulamt 260.00 + overlmt 15.00 + preselfpay 28.71 + inscp 315.34 = medfee 619.05
// act_pay_dedc  = min(315.34, max(0, 200 − 0))             = 200.00
// hifp_pay      = min(round2((315.34 − 200.00) × 0.60), 2000 − 0) = min(round2(69.204), 2000) = 69.20
// fund_pay_sumamt = 69.20;  psn_part_amt = 619.05 − 69.20 = 549.85
// acct_pay      = min(500.00, 549.85) = 500.00;  psn_cash_pay = 549.85 − 500.00 = 49.85;  balc = 0.00
// setldetail    310100: inscp 315.34, crt_payb_lmt_amt 2000.00 (cap left before), fund_payamt 69.20
const WORKED_LINES: FeeLineSpec[] = [
  { sn: '1', code: CODES.consult, cnt: 1, pric: 25.0, det: 25.0 },
  { sn: '2', code: CODES.amoxicillin, cnt: 2, pric: 18.5, det: 37.0 },
  { sn: '3', code: CODES.atorvastatin, cnt: 5, pric: 27.41, det: 137.05 },
  { sn: '4', code: CODES.ct, cnt: 1, pric: 160.0, det: 160.0 },
  { sn: '5', code: CODES.laser, cnt: 1, pric: 260.0, det: 260.0 },
];
/** The funds other than the pooled fund pay nothing in this mock. */
const NO_OTHER_FUNDS = { cvlserv_pay: 0, hifes_pay: 0, hifmi_pay: 0, hifob_pay: 0, maf_pay: 0, oth_pay: 0 };
const WORKED_BREAKDOWN = { fulamt: 260.0, overlmt: 15.0, preselfpay: 28.71, inscp: 315.34 };
const WORKED_SETTLEMENT = {
  medfee_sumamt: 619.05,
  fulamt_ownpay_amt: 260.0,
  overlmt_selfpay: 15.0,
  preselfpay_amt: 28.71,
  inscp_scp_amt: 315.34,
  act_pay_dedc: 200.0,
  hifp_pay: 69.2,
  pool_prop_selfpay: 0.6,
  ...NO_OTHER_FUNDS,
  fund_pay_sumamt: 69.2,
  psn_part_amt: 549.85,
  acct_pay: 500.0,
  psn_cash_pay: 49.85,
  hosp_part_amt: 0,
  balc: 0,
  acct_mulaid_pay: 0,
};

/** 2201 → 2203 → 2204 for the worked example; returns the mdtrt_id. */
async function workedVisit(iptOtpNo = 'MZ20261120001'): Promise<string> {
  const p = JILIN_FILED;
  const mdtrtId = await register(p.psn_no, p.area, p.token, iptOtpNo);
  await callOk('2203', visitInfo(mdtrtId, p.psn_no, '11'), { insuplc: p.area });
  await callOk('2204', feeUpload(mdtrtId, p.psn_no, WORKED_LINES), { insuplc: p.area });
  return mdtrtId;
}

async function settleWorked(mdtrtId: string): Promise<Json> {
  const p = JILIN_FILED;
  const base = settlementData(mdtrtId, p.psn_no, p.token, 619.05, '1');
  return callOk('2207', settleData(base, WORKED_BREAKDOWN), { insuplc: p.area });
}

// ---------------------------------------------------------------------------------------------

beforeAll(async () => {
  platform = createMockPlatform({ paasid: PAASID, secret: SECRET, clock: () => NOW, logger: captureLogger, replyStyle: 'strict' });
  const { url } = await platform.listen(0);
  client = new MockClient<Json>({ url, paasid: PAASID, secret: SECRET, clock: () => NOW });
  expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api$/);
});

afterAll(async () => {
  await platform.close();
});

beforeEach(async () => {
  await control('POST', '/reset');
  await client.signIn();
});

describe('tif transport signature', () => {
  const body = (): string => JSON.stringify(envelope('9001', { signIn: { opter_no: '0001', ip: '10.0.0.8' } }, { signNo: null }));

  it('rejects a wrong paasid, a wrong signature, a stale timestamp and a missing nonce with 401', async () => {
    const cases: Array<Record<string, string>> = [
      { 'x-tif-paasid': 'someone-else' },
      { 'x-tif-signature': 'ab'.repeat(32) },
      { 'x-tif-timestamp': String(Math.floor(NOW.getTime() / 1000) - 301) },
      { 'x-tif-nonce': '' },
    ];
    for (const overrides of cases) {
      const res = await post('9001', body(), tifHeaders(overrides));
      expect(res.status).toBe(401);
      expect(res.body.infcode).toBe(-2);
      expect(typeof res.body.err_msg).toBe('string');
      expect(res.body.err_msg).not.toBe('');
    }
  });

  it('rejects a signature computed with another secret', async () => {
    const headers = tifHeaders();
    const ts = headers['x-tif-timestamp']!;
    const nonce = headers['x-tif-nonce']!;
    headers['x-tif-signature'] = createHash('sha256').update(`${ts}wrong-secret${nonce}${ts}`).digest('hex');
    const res = await post('9001', body(), headers);
    expect(res.status).toBe(401);
    expect(res.body.err_msg).toMatch(/签名/);
  });

  it('accepts a nonce once within 10 minutes', async () => {
    const headers = tifHeaders();
    expect((await post('9001', body(), headers)).status).toBe(200);
    const replay = await post('9001', body(), headers);
    expect(replay.status).toBe(401);
    expect(replay.body.err_msg).toMatch(/随机数/);
  });

  it('does not record calls that failed the signature check', async () => {
    await post('9001', body(), tifHeaders({ 'x-tif-paasid': 'nobody' }));
    const calls = (await control('GET', '/calls?infno=9001')) as Json[];
    expect(calls).toHaveLength(1); // the beforeEach sign-in only
    expect(calls[0]!.infcode).toBe(0);
  });
});

describe('envelope checks', () => {
  it('answers unparseable JSON with HTTP 400 and infcode -2', async () => {
    const res = await post('9001', '{"infno": ', tifHeaders());
    expect(res.status).toBe(400);
    expect(res.body.infcode).toBe(-2);
    expect(res.body.err_msg).toMatch(/^报文校验失败: /);
  });

  it('refuses an envelope or input that fails its schema', async () => {
    const env = envelope('9001', { signIn: { opter_no: '0001', ip: '10.0.0.8' } }, { signNo: null });
    delete env.opter_name;
    const res = await post('9001', JSON.stringify(env), tifHeaders());
    expect(res.status).toBe(200);
    expect(res.body.infcode).toBe(-2);
    expect(res.body.err_msg).toMatch(/^报文校验失败: .*opter_name/);
    await expectRefused('1101', { data: { mdtrt_cert_type: '01' } }, /^报文校验失败: .*mdtrt_cert_no/);
  });

  it('refuses an infno that differs from the URL, and an unknown infno', async () => {
    const env = envelope('1101', { data: { mdtrt_cert_type: '01', mdtrt_cert_no: JILIN_FILED.token } });
    const res = await post('9001', JSON.stringify(env), tifHeaders());
    expect(res.body.infcode).toBe(-2);
    expect(res.body.err_msg).toMatch(/交易编号/);
    await expectRefused('9999', {}, /不支持的交易编号/);
  });

  it('refuses a repeated msgid', async () => {
    const msgid = nextMsgid();
    const input = { data: { mdtrt_cert_type: '01', mdtrt_cert_no: JILIN_FILED.token } };
    const first = await call('1101', input, { msgid });
    expect(first.infcode).toBe(0);
    expect(first.inf_refmsgid).toBe(msgid);
    await expectRefused('1101', input, '报文ID重复', { msgid });
  });

  it('requires a sign_no the platform issued, and honours expiry', async () => {
    const input = { data: { mdtrt_cert_type: '01', mdtrt_cert_no: JILIN_FILED.token } };
    await expectRefused('1101', input, '签到信息无效，请重新签到', { signNo: null });
    await expectRefused('1101', input, '签到信息无效，请重新签到', { signNo: '440309202611201000000099999' });
    await callOk('1101', input);
    expect(await control('POST', '/sign-ins/expire')).toEqual({ expired: 1 });
    const msgid = nextMsgid();
    await expectRefused('1101', input, '签到信息无效，请重新签到', { msgid });
    await client.signIn();
    await callOk('1101', input, { msgid }); // the refused call did not use up its msgid
  });

  it('requires insuplc_admdvs = the insured area when the input names a psn_no', async () => {
    const p = JILIN_FILED;
    const data = { psn_no: p.psn_no, mdtrt_id: '440301000000000000000000', ipt_otp_no: 'X' };
    await expectRefused('2202', { data }, '参保地医保区划错误');
    await expectRefused('2202', { data }, '参保地医保区划错误', { insuplc: '440300' });
  });

  it('builds the reply envelope around the request', async () => {
    const msgid = nextMsgid();
    const reply = await call('9001', { signIn: { opter_no: '0001', ip: '10.0.0.8' } }, { signNo: null, msgid });
    expect(reply).toMatchObject({ infcode: 0, inf_refmsgid: msgid, refmsg_time: '2026-11-20 10:00:00', err_msg: null, warn_msg: null });
    expect(reply.respond_time).toMatch(/^2026-11-20 10:00:00/);
  });
});

describe('9001 sign-in', () => {
  it('issues distinct sign numbers of at most 30 characters', async () => {
    const first = client.signNo;
    const second = await client.signIn();
    expect(second).not.toBe(first);
    expect(second.length).toBeLessThanOrEqual(30);
  });
});

describe('1101 person information', () => {
  const expectJilinPerson = (out: Json): void => {
    expect(out.baseinfo).toMatchObject({ psn_no: JILIN_FILED.psn_no, psn_cert_type: '01', certno: JILIN_FILED.certno, age: 46 });
    expect(out.insuinfo).toEqual([expect.objectContaining({ insutype: '310', insuplc_admdvs: '220100', balc: 500, psn_insu_stas: '1' })]);
    expect(out.idetinfo).toEqual([]);
    expect(out.fileinfo).toEqual([
      { file_type: '2', insuplc_admdvs: '220100', mdtrtarea_admvs: '440300', begndate: '2024-05-01', enddate: null },
    ]);
  };

  it('finds the person by e-voucher token (01)', async () => {
    expectJilinPerson(await callOk('1101', { data: { mdtrt_cert_type: '01', mdtrt_cert_no: JILIN_FILED.token } }));
  });

  it('finds the person by ID number (02)', async () => {
    expectJilinPerson(await callOk('1101', { data: { mdtrt_cert_type: '02', mdtrt_cert_no: JILIN_FILED.certno } }));
  });

  it('finds the person by social security card (03) and requires card_sn', async () => {
    const data = { mdtrt_cert_type: '03', mdtrt_cert_no: JILIN_FILED.card };
    expectJilinPerson(await callOk('1101', { data: { ...data, card_sn: JILIN_FILED.card_sn } }));
    await expectRefused('1101', { data }, /card_sn/);
    await expectRefused('1101', { data: { ...data, card_sn: 'WRONG' } }, /卡识别码/);
  });

  it('refuses an unknown credential', async () => {
    await expectRefused('1101', { data: { mdtrt_cert_type: '02', mdtrt_cert_no: '000000000000000000' } }, '未查询到参保人员信息');
  });

  it('files an un-filed Liaoning patient as temporary (6 months) on 1101', async () => {
    const out = await callOk('1101', { data: { mdtrt_cert_type: '01', mdtrt_cert_no: LIAONING.token } });
    expect(out.fileinfo).toEqual([
      { file_type: '6', insuplc_admdvs: '210100', mdtrtarea_admvs: '440300', begndate: TODAY, enddate: '2027-05-20' },
    ]);
    const again = await callOk('1101', { data: { mdtrt_cert_type: '01', mdtrt_cert_no: LIAONING.token } });
    expect(again.fileinfo).toHaveLength(1);
  });
});

describe('outpatient flow 2201 → 2203 → 2204 → 2206 → 2207 → 2208 (Jilin, long-term filing)', () => {
  it('classifies, quotes, books and cancels with the hand-computed amounts', async () => {
    const p = JILIN_FILED;
    const mdtrtId = await register(p.psn_no, p.area, p.token, 'MZ20261120001');
    await callOk('2203', visitInfo(mdtrtId, p.psn_no, '11'), { insuplc: p.area });

    // 2204: per-line classification under the 深圳 catalogue
    const fees = await callOk('2204', feeUpload(mdtrtId, p.psn_no, WORKED_LINES), { insuplc: p.area });
    const result = fees.result as Json[];
    expect(result.map((r) => [r.feedetl_sn, r.fulamt_ownpay_amt, r.overlmt_amt, r.preselfpay_amt, r.inscp_scp_amt, r.chrgitm_lv])).toEqual([
      ['1', 0, 5, 0, 20, '1'],
      ['2', 0, 0, 0, 37, '1'],
      ['3', 0, 0, 13.71, 123.34, '2'],
      ['4', 0, 10, 15, 135, '2'],
      ['5', 260, 0, 0, 0, '3'],
    ]);
    expect(result[0]).toMatchObject({
      det_item_fee_sumamt: 25,
      cnt: 1,
      pric: 25,
      pric_uplmt_amt: 20,
      selfpay_prop: 0,
      med_chrgitm_type: '02',
      lmt_used_flag: '0',
    });
    expect(result[2]).toMatchObject({ selfpay_prop: 0.1, pric_uplmt_amt: 0 });

    // 2206: a quote, nothing booked
    const base = settlementData(mdtrtId, p.psn_no, p.token, 619.05, '1');
    const quote = await callOk('2206', base, { insuplc: p.area });
    expect(quote.setlinfo).toMatchObject(WORKED_SETTLEMENT);
    expect(quote.setlinfo.setl_id).toBeUndefined();
    expectInvariants(quote);
    expect(await control('GET', '/ledger')).toEqual([]);

    // 2207: booked
    const settleMsgid = nextMsgid();
    const settled = await callOk('2207', settleData(base, WORKED_BREAKDOWN), { insuplc: p.area, msgid: settleMsgid });
    const setlinfo = settled.setlinfo as Json;
    expect(setlinfo).toMatchObject({
      ...WORKED_SETTLEMENT,
      mdtrt_id: mdtrtId,
      psn_no: p.psn_no,
      psn_name: '吉长青',
      certno: p.certno,
      insutype: '310',
      med_type: '11',
      clr_type: '11',
      medins_setl_id: settleMsgid,
      setl_time: '2026-11-20 10:00:00',
    });
    expect(typeof setlinfo.setl_id).toBe('string');
    expect(Object.keys(setlinfo)).toEqual(expect.arrayContaining(setlinfoFields('2207')));
    expect(settled.setldetail).toEqual([
      {
        fund_pay_type: '310100',
        fund_pay_type_name: '职工基本医疗保险统筹基金',
        inscp_scp_amt: 315.34,
        crt_payb_lmt_amt: 2000,
        fund_payamt: 69.2,
      },
    ]);
    expectInvariants(settled);

    const ledger = (await control('GET', '/ledger')) as Json[];
    expect(ledger).toHaveLength(1);
    expect(ledger[0]).toMatchObject({
      setl_id: setlinfo.setl_id,
      msgid: settleMsgid,
      mdtrt_id: mdtrtId,
      psn_no: p.psn_no,
      insuplc_admdvs: '220100',
      status: 'booked',
      kind: 'settlement',
    });
    expect(ledger[0]!.amounts).toMatchObject({ medfee_sumamt: 619.05, hifp_pay: 69.2, acct_pay: 500 });
    const person = await control('GET', `/persons/${p.psn_no}`);
    expect(person).toMatchObject({ balance: 0, accumulations: { '2026': { dedc_used: 200, pool_paid: 69.2 } } });

    // 2208: the cancellation, every amount negated, the balance restored
    const cancelMsgid = nextMsgid();
    const cancelled = await callOk(
      '2208',
      { data: { setl_id: setlinfo.setl_id, mdtrt_id: mdtrtId, psn_no: p.psn_no } },
      { insuplc: p.area, msgid: cancelMsgid },
    );
    const reversal = cancelled.setlinfo as Json;
    expect(reversal).toMatchObject({
      mdtrt_id: mdtrtId,
      medfee_sumamt: -619.05,
      fulamt_ownpay_amt: -260,
      overlmt_selfpay: -15,
      preselfpay_amt: -28.71,
      inscp_scp_amt: -315.34,
      act_pay_dedc: -200,
      hifp_pay: -69.2,
      fund_pay_sumamt: -69.2,
      psn_part_amt: -549.85,
      acct_pay: -500,
      psn_cash_pay: -49.85,
      pdn_cash_pay: -49.85,
      hosp_part_amt: 0,
      balc: 500,
      medins_setl_id: cancelMsgid,
    });
    expect(reversal.setl_id).not.toBe(setlinfo.setl_id);
    expect(Object.keys(reversal)).toEqual(expect.arrayContaining(setlinfoFields('2208')));
    expect(cancelled.setldetail).toEqual([
      {
        fund_pay_type: '310100',
        fund_pay_type_name: '职工基本医疗保险统筹基金',
        inscp_scp_amt: -315.34,
        crt_payb_lmt_amt: 1930.8,
        fund_payamt: -69.2,
      },
    ]);
    expectInvariants(cancelled, 'pdn_cash_pay');

    const after = (await control('GET', '/ledger')) as Json[];
    expect(after.map((e) => [e.kind, e.status])).toEqual([
      ['settlement', 'cancelled'],
      ['cancellation', 'booked'],
    ]);
    expect(after[1]).toMatchObject({ setl_id: reversal.setl_id, orig_setl_id: setlinfo.setl_id, msgid: cancelMsgid });

    // the lines are unsettled again: the same quote comes back
    const requote = await callOk('2206', base, { insuplc: p.area });
    expect(requote.setlinfo).toMatchObject(WORKED_SETTLEMENT);

    const calls = (await control('GET', '/calls?infno=2207')) as Json[];
    expect(calls).toEqual([{ infno: '2207', msgid: settleMsgid, at: NOW.toISOString(), infcode: 0 }]);
  });

  it('refuses a second settlement of a settled visit, and books nothing', async () => {
    const mdtrtId = await workedVisit();
    await settleWorked(mdtrtId);
    const p = JILIN_FILED;
    const base = settlementData(mdtrtId, p.psn_no, p.token, 619.05, '1');
    await expectRefused('2207', settleData(base, WORKED_BREAKDOWN), '该就诊已结算，请勿重复结算', { insuplc: p.area });
    expect(await control('GET', '/ledger')).toHaveLength(1);
    expect(await control('GET', `/persons/${p.psn_no}`)).toMatchObject({ balance: 0 });
  });

  it('refuses a second cancellation and an unknown setl_id', async () => {
    const mdtrtId = await workedVisit();
    const setlId = (await settleWorked(mdtrtId)).setlinfo.setl_id as string;
    const p = JILIN_FILED;
    const data = { setl_id: setlId, mdtrt_id: mdtrtId, psn_no: p.psn_no };
    await callOk('2208', { data }, { insuplc: p.area });
    await expectRefused('2208', { data }, '该结算已撤销', { insuplc: p.area });
    await expectRefused('2208', { data: { ...data, setl_id: '440302202611201000009999999' } }, /结算ID不存在/, { insuplc: p.area });
    expect(await control('GET', `/persons/${p.psn_no}`)).toMatchObject({ balance: 500, accumulations: {} });
  });

  it('restores accumulations after 2208, recomputing later settlements (隔笔退费)', async () => {
    const p = JILIN_FILED;
    // A: 阿莫西林 10 × 30.00 = 300.00, all in scope, no account.
    //    act_pay_dedc = min(300, 200) = 200; hifp = round2(100 × 0.60) = 60.00; psn_part = 240.00 (cash)
    const a = await register(p.psn_no, p.area, p.token, 'MZ-A');
    await callOk('2204', feeUpload(a, p.psn_no, [{ sn: 'a1', code: CODES.amoxicillin, cnt: 10, pric: 30, det: 300 }]), { insuplc: p.area });
    const settledA = await callOk('2207', settleInScope(a, p.psn_no, p.token, 300, '0'), { insuplc: p.area });
    expect(settledA.setlinfo).toMatchObject({
      act_pay_dedc: 200,
      hifp_pay: 60,
      psn_part_amt: 240,
      acct_pay: 0,
      psn_cash_pay: 240,
      balc: 500,
    });

    // B: 二甲双胍 4 × 25.00 = 100.00, deductible already met.
    //    act_pay_dedc = min(100, max(0, 200 − 200)) = 0; hifp = round2(100 × 0.60) = 60.00;
    //    psn_part = 40.00; acct_pay = min(500, 40) = 40.00; cash 0; balc 460.00; cap left 2000 − 60 = 1940
    const b = await register(p.psn_no, p.area, p.token, 'MZ-B');
    await callOk('2204', feeUpload(b, p.psn_no, [{ sn: 'b1', code: CODES.metformin, cnt: 4, pric: 25, det: 100 }]), { insuplc: p.area });
    const settledB = await callOk('2207', settleInScope(b, p.psn_no, p.token, 100, '1'), { insuplc: p.area });
    expect(settledB.setlinfo).toMatchObject({ act_pay_dedc: 0, hifp_pay: 60, psn_part_amt: 40, acct_pay: 40, psn_cash_pay: 0, balc: 460 });
    expect(settledB.setldetail[0]).toMatchObject({ crt_payb_lmt_amt: 1940 });
    expectInvariants(settledB);
    expect(await control('GET', `/persons/${p.psn_no}`)).toMatchObject({
      balance: 460,
      accumulations: { '2026': { dedc_used: 200, pool_paid: 120 } },
    });

    // cancel A (not the latest): the insured area re-derives B alone (LN 54): B now takes the
    //   deductible: act_pay_dedc = min(100, 200) = 100, hifp = round2(0 × 0.60) = 0 (was 0 / 60).
    //   The refund recovers A's fund share and what B was overpaid: hifp −60 − 60 = −120;
    //   act_pay_dedc −200 + 100 = −100; psn_part = −300 − (−120) = −180 (cash; A used no account)
    const cancelA = await callOk(
      '2208',
      { data: { setl_id: settledA.setlinfo.setl_id, mdtrt_id: a, psn_no: p.psn_no } },
      { insuplc: p.area },
    );
    expect(cancelA.setlinfo).toMatchObject({
      act_pay_dedc: -100,
      hifp_pay: -120,
      fund_pay_sumamt: -120,
      psn_part_amt: -180,
      pdn_cash_pay: -180,
      balc: 460,
    });
    expectInvariants(cancelA, 'pdn_cash_pay');
    expect(await control('GET', `/persons/${p.psn_no}`)).toMatchObject({
      balance: 460,
      accumulations: { '2026': { dedc_used: 100, pool_paid: 0 } },
    });
    const ledgerB = ((await control('GET', '/ledger')) as Json[]).find((e) => e.setl_id === settledB.setlinfo.setl_id)!;
    expect(ledgerB).toMatchObject({
      amounts: { act_pay_dedc: 0, hifp_pay: 60 },
      adjusted: { act_pay_dedc: 100, hifp_pay: 0, psn_part_amt: 100, acct_pay: 40, psn_cash_pay: 60 },
    });

    // cancel B: back to the seed
    await callOk('2208', { data: { setl_id: settledB.setlinfo.setl_id, mdtrt_id: b, psn_no: p.psn_no } }, { insuplc: p.area });
    expect(await control('GET', `/persons/${p.psn_no}`)).toMatchObject({ balance: 500, accumulations: {} });
  });

  it('refuses a total that differs from the uploaded lines', async () => {
    const mdtrtId = await workedVisit();
    const p = JILIN_FILED;
    await expectRefused('2206', settlementData(mdtrtId, p.psn_no, p.token, 619.06, '1'), '医疗费总额与上传明细不符', { insuplc: p.area });
  });

  it('refuses a fee line whose total is not cnt × pric, and a repeated feedetl_sn', async () => {
    const p = JILIN_FILED;
    const mdtrtId = await register(p.psn_no, p.area, p.token, 'MZ-F');
    await expectRefused(
      '2204',
      feeUpload(mdtrtId, p.psn_no, [{ sn: 'x', code: CODES.amoxicillin, cnt: 3, pric: 1.11, det: 3.34 }]),
      /数量×单价/,
      { insuplc: p.area },
    );
    await callOk('2204', feeUpload(mdtrtId, p.psn_no, [{ sn: 'x', code: CODES.amoxicillin, cnt: 3, pric: 1.11, det: 3.33 }]), {
      insuplc: p.area,
    });
    await expectRefused(
      '2204',
      feeUpload(mdtrtId, p.psn_no, [{ sn: 'x', code: CODES.amoxicillin, cnt: 1, pric: 1, det: 1 }]),
      /费用明细流水号重复/,
      { insuplc: p.area },
    );
  });

  it('2205 removes one unsettled batch, 2202 cancels an unsettled visit', async () => {
    const p = JILIN_FILED;
    const mdtrtId = await register(p.psn_no, p.area, p.token, 'MZ-C');
    const lines: FeeLineSpec[] = [
      { sn: 'c1', code: CODES.amoxicillin, cnt: 1, pric: 10, det: 10, batch: 'B001' },
      { sn: 'c2', code: CODES.metformin, cnt: 1, pric: 20, det: 20, batch: 'B002' },
    ];
    await callOk('2204', feeUpload(mdtrtId, p.psn_no, lines), { insuplc: p.area });
    await callOk('2205', { data: { mdtrt_id: mdtrtId, chrg_bchno: 'B002', psn_no: p.psn_no } }, { insuplc: p.area });
    await expectRefused('2206', settlementData(mdtrtId, p.psn_no, p.token, 30, '0'), '医疗费总额与上传明细不符', { insuplc: p.area });
    const quote = await callOk('2206', settlementData(mdtrtId, p.psn_no, p.token, 10, '0'), { insuplc: p.area });
    expect(quote.setlinfo).toMatchObject({ medfee_sumamt: 10, inscp_scp_amt: 10, act_pay_dedc: 10, hifp_pay: 0 });
    await callOk('2202', { data: { psn_no: p.psn_no, mdtrt_id: mdtrtId, ipt_otp_no: 'MZ-C' } }, { insuplc: p.area });
    await expectRefused('2206', settlementData(mdtrtId, p.psn_no, p.token, 10, '0'), '该就诊已撤销', { insuplc: p.area });
  });

  it('refuses a second registration under an open 门诊号 of the same patient; another number, or after 2202, is a new visit', async () => {
    const p = JILIN_FILED;
    const first = await register(p.psn_no, p.area, p.token, 'MZ-DUP');
    await expectRefused('2201', registration(p.psn_no, p.token, 'MZ-DUP'), '门诊号MZ-DUP已有未结束的就诊，请勿重复挂号', {
      insuplc: p.area,
    });
    const other = await register(p.psn_no, p.area, p.token, 'MZ-DUP-2');
    expect(other).not.toBe(first);
    await callOk('2202', { data: { psn_no: p.psn_no, mdtrt_id: first, ipt_otp_no: 'MZ-DUP' } }, { insuplc: p.area });
    expect(await register(p.psn_no, p.area, p.token, 'MZ-DUP')).not.toBe(first);
  });

  it('refuses to cancel a registration with a live settlement', async () => {
    const mdtrtId = await workedVisit('MZ-R');
    await settleWorked(mdtrtId);
    const p = JILIN_FILED;
    await expectRefused('2202', { data: { psn_no: p.psn_no, mdtrt_id: mdtrtId, ipt_otp_no: 'MZ-R' } }, /有效结算/, { insuplc: p.area });
  });
});

describe('cross-region filing', () => {
  it('refuses an un-filed Jilin patient, unless the visit is an emergency (视同已备案)', async () => {
    const p = JILIN_UNFILED;
    const mdtrtId = await register(p.psn_no, p.area, p.token, 'MZ-U');
    await callOk('2203', visitInfo(mdtrtId, p.psn_no, '11'), { insuplc: p.area });
    await callOk('2204', feeUpload(mdtrtId, p.psn_no, [{ sn: '1', code: CODES.amoxicillin, cnt: 2, pric: 18.5, det: 37 }]), {
      insuplc: p.area,
    });
    const base = settlementData(mdtrtId, p.psn_no, p.token, 37, '0');
    await expectRefused('2206', base, '参保人未办理异地就医备案', { insuplc: p.area });
    await expectRefused('2207', settleData(base, { fulamt: 0, overlmt: 0, preselfpay: 0, inscp: 37 }), '参保人未办理异地就医备案', {
      insuplc: p.area,
    });
    expect(await control('GET', '/ledger')).toEqual([]);

    await callOk('2203', visitInfo(mdtrtId, p.psn_no, '13', '1'), { insuplc: p.area });
    const settled = await callOk(
      '2207',
      settleData({ data: { ...base.data, med_type: '13' } }, { fulamt: 0, overlmt: 0, preselfpay: 0, inscp: 37 }),
      { insuplc: p.area },
    );
    expectInvariants(settled);
    expect(await control('GET', '/ledger')).toHaveLength(1);
  });

  it('settles an un-filed Liaoning patient and files them automatically', async () => {
    const p = LIAONING;
    const mdtrtId = await register(p.psn_no, p.area, p.token, 'MZ-L');
    await callOk('2204', feeUpload(mdtrtId, p.psn_no, [{ sn: '1', code: CODES.amoxicillin, cnt: 2, pric: 18.5, det: 37 }]), {
      insuplc: p.area,
    });
    // 沈阳 310: deductible 100, ratio 0.50, cap 1500; inscp 37.00 → act_pay_dedc = min(37, 100) = 37.00;
    // hifp = round2(0 × 0.50) = 0; psn_part 37.00; acct_pay = min(200, 37) = 37.00; cash 0; balc 163.00
    const settled = await callOk('2207', settleInScope(mdtrtId, p.psn_no, p.token, 37, '1'), { insuplc: p.area });
    expect(settled.setlinfo).toMatchObject({
      act_pay_dedc: 37,
      hifp_pay: 0,
      pool_prop_selfpay: 0.5,
      fund_pay_sumamt: 0,
      psn_part_amt: 37,
      acct_pay: 37,
      psn_cash_pay: 0,
      balc: 163,
    });
    expect(settled.setldetail).toEqual([
      {
        fund_pay_type: '310100',
        fund_pay_type_name: '职工基本医疗保险统筹基金',
        inscp_scp_amt: 37,
        crt_payb_lmt_amt: 1500,
        fund_payamt: 0,
      },
    ]);
    expectInvariants(settled);
    const person = await control('GET', `/persons/${p.psn_no}`);
    expect(person.filings).toEqual([{ file_type: '6', mdtrtarea_admvs: '440300', begndate: TODAY, enddate: '2027-05-20' }]);
  });
});

describe('control API faults', () => {
  it('delays the reply after booking when after_booking is set', async () => {
    const mdtrtId = await workedVisit('MZ-T');
    const rule = await control('POST', '/faults', { infno: '2207', latency_ms: 400, after_booking: true, count: 1 });
    expect(rule).toMatchObject({ kind: 'latency', infno: '2207', phase: 'after_handler', remaining: 1 });
    const started = Date.now();
    const pending = settleWorked(mdtrtId).then(
      (output) => ({ output }),
      (error: unknown) => ({ error }),
    );
    // booked while the reply is still held back (waited for, not guessed: a loaded machine may take longer than the hold to get there)
    await vi.waitFor(async () => expect(await control('GET', '/ledger')).toHaveLength(1), { timeout: 20_000, interval: 25 });
    const outcome = await pending;
    if ('error' in outcome) throw outcome.error;
    const settled = outcome.output;
    expect(Date.now() - started).toBeGreaterThanOrEqual(390);
    expect(settled.setlinfo.setl_id).toBeTruthy();
    expect(await control('GET', '/faults')).toEqual([]); // count 1 used up
  });

  it('clears faults and rejects a malformed fault', async () => {
    const bad = await fetch(`${client.origin}/__mock/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ latency_ms: -1 }),
    });
    expect(bad.status).toBe(400);
    await control('POST', '/faults', { latency_ms: 10 });
    expect(await control('GET', '/faults')).toHaveLength(1);
    await control('DELETE', '/faults');
    expect(await control('GET', '/faults')).toEqual([]);
  });
});

describe('infcodeAsString', () => {
  it('sends infcode as a string', async () => {
    const other = createMockPlatform({ paasid: PAASID, secret: SECRET, clock: () => NOW, infcodeAsString: true, replyStyle: 'strict' });
    const { url } = await other.listen(0);
    try {
      const env = envelope('9001', { signIn: { opter_no: '0001', ip: '10.0.0.8' } }, { signNo: null });
      const ok = await fetch(`${url}/9001`, { method: 'POST', headers: tifHeaders(), body: JSON.stringify(env) });
      expect(((await ok.json()) as Json).infcode).toBe('0');
      const refused = await fetch(`${url}/9001`, { method: 'POST', headers: tifHeaders(), body: JSON.stringify(env) });
      expect((await refused.json()) as Json).toMatchObject({ infcode: '-2', err_msg: '报文ID重复' });
    } finally {
      await other.close();
    }
  });
});

describe('logs', () => {
  it('carry no personal data and no self-check errors (runs last)', async () => {
    // run one full flow so that every kind of log line exists
    await settleWorked(await workedVisit('MZ-LOG'));
    expect(logLines.length).toBeGreaterThan(5);
    const text = logLines.join('\n');
    for (const secret of ['吉长青', JILIN_FILED.certno, JILIN_FILED.token, JILIN_FILED.card, JILIN_FILED.card_sn]) {
      expect(text).not.toContain(secret);
    }
    const errors = logLines.map((l) => JSON.parse(l) as Json).filter((l) => l.level >= 50);
    expect(errors).toEqual([]);
  });
});
