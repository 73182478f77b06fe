/**
 * The mock's reply shaping (reply-style.ts): strict replies as built; real-like replies with nulls
 * for absent fields, amounts and infcode as numbers or strings, decided by a stable hash — and the
 * same content as the strict reply underneath.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MockClient, startMockWithClient } from '../mocks/platform/client.js';
import { replyStyleFromEnv, sentAsString, shapeReply } from '../mocks/platform/reply-style.js';
import * as inputs from '../mocks/platform/sample-inputs.js';
import { outputSchemaDocument } from '../mocks/platform/schemas.js';
import { createMockPlatform, type MockPlatform } from '../mocks/platform/server.js';

type Json = Record<string, any>;

const NOW = new Date('2026-11-20T02:00:00Z');
const P = { psn_no: '22000000000000000001', area: '220100', token: 'EVT22000000000000000001A1B2C3D4' };
const INFNOS = [
  '9001',
  '1101',
  '2201',
  '2203',
  '2204',
  '2206',
  '2207',
  '2208',
  '2101',
  '2102',
  '2103',
  '2301',
  '2303',
  '2304',
  '2305',
  '2401',
];

/**
 * `real` says what `strict` says: numbers equal (a numeric string counts), every strict field there,
 * and whatever real adds is null.
 */
function sameContent(real: unknown, strict: unknown, path = '$'): string[] {
  if (typeof strict === 'number') {
    const ok = real === strict || (typeof real === 'string' && /^-?\d+(\.\d+)?$/.test(real) && Number(real) === strict);
    return ok ? [] : [`${path}: ${JSON.stringify(real)} ≠ ${strict}`];
  }
  if (Array.isArray(strict)) {
    if (!Array.isArray(real) || real.length !== strict.length) return [`${path}: not an array of ${strict.length}`];
    return strict.flatMap((item, i) => sameContent(real[i], item, `${path}[${i}]`));
  }
  if (strict !== null && typeof strict === 'object') {
    if (real === null || typeof real !== 'object') return [`${path}: not an object`];
    const r = real as Json;
    const s = strict as Json;
    const missing = Object.keys(s).flatMap((k) => sameContent(r[k], s[k], `${path}.${k}`));
    const extra = Object.keys(r).filter((k) => !(k in s) && r[k] !== null);
    return [...missing, ...extra.map((k) => `${path}.${k}: added and not null`)];
  }
  return real === strict ? [] : [`${path}: ${JSON.stringify(real)} ≠ ${JSON.stringify(strict)}`];
}

describe('shapeReply', () => {
  const reply = {
    infcode: 0,
    inf_refmsgid: 'm',
    refmsg_time: null,
    respond_time: 't',
    err_msg: null,
    warn_msg: null,
    output: {
      setlinfo: { setl_id: 'S1', psn_no: '22000000000000000001', medfee_sumamt: 619.05, hifp_pay: 69.2, acct_pay: 500 },
      setldetail: [{ fund_pay_type: '310100', fund_payamt: 69.2, inscp_scp_amt: 315.34, crt_payb_lmt_amt: 2000 }],
    },
  };

  it('strict: as built (infcode a string only with infcodeAsString)', () => {
    expect(shapeReply(reply, '2207', { style: 'strict', infcodeAsString: false })).toEqual(reply);
    expect(shapeReply(reply, '2207', { style: 'strict', infcodeAsString: true })).toEqual({ ...reply, infcode: '0' });
  });

  it('real: nulls for the fields the output schema names, amounts as strings or numbers by a stable hash', () => {
    const shaped = shapeReply(reply, '2207', { style: 'real', infcodeAsString: false }) as Json;
    expect(shapeReply(reply, '2207', { style: 'real', infcodeAsString: false })).toEqual(shaped); // repeatable
    expect(reply.output.setlinfo.medfee_sumamt).toBe(619.05); // the input is not changed
    expect(sameContent(shaped, reply)).toEqual([]);

    const schema = outputSchemaDocument('2207') as Json;
    const named = Object.keys(schema.properties.setlinfo.properties);
    for (const name of named.filter((n) => !(n in reply.output.setlinfo))) expect(shaped.output.setlinfo[name], name).toBeNull();
    expect(shaped.output.setlinfo.setl_id).toBe('S1');
    expect(shaped.output.setlinfo.psn_no).toBe('22000000000000000001'); // strings stay strings

    for (const [name, value] of Object.entries(reply.output.setlinfo)) {
      if (typeof value !== 'number') continue;
      const sent = shaped.output.setlinfo[name];
      if (sentAsString('2207', name)) expect(sent, name).toBe(value.toFixed(2));
      else expect(sent, name).toBe(value);
    }
    // the rows of a list are shaped alike: by field name, not by position
    expect(typeof shaped.output.setldetail[0].fund_payamt).toBe(sentAsString('2207', 'fund_payamt') ? 'string' : 'number');
    expect(shaped.infcode).toBe(sentAsString('2207', 'infcode') ? '0' : 0);
  });

  it('real: over the transactions, infcode and each amount come both ways', () => {
    const infcodes = new Set(INFNOS.map((infno) => sentAsString(infno, 'infcode')));
    expect(infcodes).toEqual(new Set([true, false]));
    const amounts = ['medfee_sumamt', 'fund_pay_sumamt', 'psn_cash_pay', 'acct_pay', 'hifp_pay', 'balc'];
    expect(new Set(amounts.map((a) => sentAsString('2207', a)))).toEqual(new Set([true, false]));
  });

  it('real: an error reply keeps its output null; only infcode may change', () => {
    const refused = { ...reply, infcode: -2, err_msg: '参保人未办理异地就医备案', output: null };
    const shaped = shapeReply(refused, '2207', { style: 'real', infcodeAsString: false });
    expect(shaped).toEqual({ ...refused, infcode: sentAsString('2207', 'infcode') ? '-2' : -2 });
  });
});

describe('MOCK_REPLY_STYLE and the replyStyle option', () => {
  it('reads strict | real, refuses anything else, and the option wins over the environment', async () => {
    expect(replyStyleFromEnv({})).toBeUndefined();
    expect(replyStyleFromEnv({ MOCK_REPLY_STYLE: '' })).toBeUndefined();
    expect(replyStyleFromEnv({ MOCK_REPLY_STYLE: 'real' })).toBe('real');
    expect(replyStyleFromEnv({ MOCK_REPLY_STYLE: 'strict' })).toBe('strict');
    expect(() => replyStyleFromEnv({ MOCK_REPLY_STYLE: 'loose' })).toThrow(/MOCK_REPLY_STYLE/);

    const saved = process.env.MOCK_REPLY_STYLE;
    try {
      delete process.env.MOCK_REPLY_STYLE;
      // real-like by default (issue 10): every e2e suite meets replies as real platforms send them
      expect(createMockPlatform().replyStyle).toBe('real');
      process.env.MOCK_REPLY_STYLE = 'strict';
      expect(createMockPlatform().replyStyle).toBe('strict');
      expect(createMockPlatform({ replyStyle: 'real' }).replyStyle).toBe('real');
    } finally {
      if (saved === undefined) delete process.env.MOCK_REPLY_STYLE;
      else process.env.MOCK_REPLY_STYLE = saved;
    }
  });
});

describe('over HTTP: the same flow against a strict and a real-like mock', () => {
  let strict: { platform: MockPlatform; client: MockClient<Json> };
  let real: { platform: MockPlatform; client: MockClient<Json> };

  beforeAll(async () => {
    strict = await startMockWithClient<Json>({ clock: () => NOW, replyStyle: 'strict' });
    real = await startMockWithClient<Json>({ clock: () => NOW, replyStyle: 'real' });
  });

  afterAll(async () => {
    await strict.platform.close();
    await real.platform.close();
  });

  it('answers the same content, shaped', async () => {
    const opts = { insuplc: P.area };
    const line = { sn: 'L1', code: inputs.CODES.atorvastatin, cnt: 5, pric: 27.41, det: 137.05 };
    const replies: Record<'strict' | 'real', Json[]> = { strict: [], real: [] };
    for (const [name, mock] of [
      ['strict', strict],
      ['real', real],
    ] as const) {
      const { client } = mock;
      await client.signIn();
      const registered = await client.call('2201', inputs.registration(P.psn_no, P.token, 'MZ-S'), opts);
      const mdtrtId = registered.output.data.mdtrt_id as string;
      const fees = await client.call('2204', inputs.feeUpload(mdtrtId, P.psn_no, [line]), opts);
      const base = inputs.settlementData(mdtrtId, P.psn_no, P.token, 137.05, '1');
      const settled = await client.call('2207', inputs.settleData(base, { fulamt: 0, overlmt: 0, preselfpay: 13.71, inscp: 123.34 }), opts);
      const person = await client.call('1101', { data: { mdtrt_cert_type: '01', mdtrt_cert_no: P.token } });
      const inquiry = await client.call('5203', { data: { psn_no: P.psn_no, mdtrt_id: mdtrtId } }, opts);
      const refused = await client.call('2207', inputs.settleData(base, { fulamt: 0, overlmt: 0, preselfpay: 13.71, inscp: 123.34 }), opts);
      replies[name] = [registered, fees, settled, person, inquiry, refused];
    }
    replies.real.forEach((r, i) => {
      expect(sameContent(r, replies.strict[i]), `reply ${i}`).toEqual([]);
    });
    const [, , settled, , inquiry, refused] = replies.real as [Json, Json, Json, Json, Json, Json];
    expect(refused.err_msg).toBe('该就诊已结算，请勿重复结算');
    expect(settled.infcode).toBe(sentAsString('2207', 'infcode') ? '0' : 0);
    const setlinfo = settled.output.setlinfo as Json;
    const amountTypes = new Set(['medfee_sumamt', 'hifp_pay', 'psn_cash_pay', 'acct_pay', 'balc'].map((k) => typeof setlinfo[k]));
    expect(amountTypes).toEqual(new Set(['string', 'number']));
    // the inquiry's own schema (mock's data/schemas) shapes 5203 too
    expect(Object.values(inquiry.output.setlinfo as Json).some((v) => v === null)).toBe(true);
  });
});
