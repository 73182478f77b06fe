/**
 * The national-format door's pure halves (adapters/his/national/): the routing table as data, the
 * translation of national messages into the REST API's canonical bodies, the national reply, and the
 * answer to an HIS's own 2601. The door over HTTP is test/e2e/national-door.e2e.test.ts.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import * as ip from '../adapters/his/national/inpatient-requests.js';
import { errorReply, replyTime, successReply } from '../adapters/his/national/replies.js';
import * as nat from '../adapters/his/national/requests.js';
import { reversalAnswer } from '../adapters/his/national/reversal-answer.js';
import { loadRoutingTable } from '../gateway/http/national-operations.js';
import { projectPath } from '../gateway/paths.js';
import { Schemas } from '../gateway/validation.js';

const table = loadRoutingTable();
const schemas = new Schemas();
const AT = new Date('2026-11-23T01:02:03.456Z');

describe('the routing table (adapters/his/national/routing.json)', () => {
  it('passes the outpatient and inpatient transactions, answers 9001/9002/2601 itself, refuses the rest', () => {
    for (const infno of ['1101', '2201', '2202', '2203', '2204', '2206', '2207', '2208', '2401', '2301', '2402', '2303', '2304', '2305'])
      expect(nat.routeOf(table, infno)).toMatchObject({ kind: 'passed', route: { answer: 'journal' } });
    for (const infno of ['2601', '9001', '9002'])
      expect(nat.routeOf(table, infno)).toMatchObject({ kind: 'passed', route: { answer: 'gateway' } });
    expect(nat.routeOf(table, '3202')).toMatchObject({ kind: 'refused', reason: expect.stringContaining('对账') });
    expect(nat.routeOf(table, '2205')).toMatchObject({
      kind: 'refused',
      reason: expect.stringContaining('/v1/outpatient/visits/{id}/fees/cancel'),
    });
    expect(nat.routeOf(table, '3101')).toEqual({ kind: 'unknown', infno: '3101' });
    // an object's own keys only: nothing inherited routes
    expect(nat.routeOf(table, 'constructor').kind).toBe('unknown');
    expect(nat.routeOf(table, '__proto__').kind).toBe('unknown');
  });

  it('every passed infno the platform has a schema for is validated against it; every locate path exists in that schema', () => {
    for (const [infno, r] of Object.entries(table.passed)) {
      if (['9002'].includes(infno)) continue;
      expect(schemas.hasPlatform(`${infno}.input`), infno).toBe(true);
      if (!r.locate) continue;
      let node = JSON.parse(readFileSync(projectPath(`schemas/platform/${infno}.input.json`), 'utf8'));
      for (const part of r.locate.at.split('.')) node = /^\d+$/.test(part) ? node.items : node.properties[part];
      expect(node, `${infno} ${r.locate.at}`).toBeDefined();
    }
  });

  it('a table naming an operation the door does not have is refused at start-up', () => {
    const file = `${mkdtempSync(`${tmpdir()}/nat-`)}/routing.json`;
    writeFileSync(
      file,
      JSON.stringify({ ...table, passed: { ...table.passed, '2205': { name: 'x', op: 'outpatient_cancel_fees', answer: 'journal' } } }),
    );
    expect(() => loadRoutingTable(file)).toThrow(/2205 names no operation/);
  });
});

describe('national messages -> canonical bodies', () => {
  it('"" and null are absent, at every depth', () => {
    expect(nat.present({ a: '', b: null, c: 'x', d: [{ e: '', f: 0 }, ''], g: { h: null } })).toEqual({ c: 'x', d: [{ f: 0 }], g: {} });
  });

  it('1101: the person at the counter only where the HIS sent one (人卡一致)', () => {
    expect(nat.personQuery({ data: { mdtrt_cert_type: '01', mdtrt_cert_no: 'T', psn_cert_type: '', certno: '', psn_name: '' } })).toEqual({
      mdtrt_cert_type: '01',
      mdtrt_cert_no: 'T',
    });
    expect(
      nat.personQuery({ data: { mdtrt_cert_type: '02', mdtrt_cert_no: 'C', psn_cert_type: '01', certno: 'C', psn_name: '张三' } }),
    ).toEqual({
      mdtrt_cert_type: '02',
      mdtrt_cert_no: 'C',
      counter_person: { psn_cert_type: '01', certno: 'C', psn_name: '张三' },
    });
    expect(() => nat.personQuery({})).toThrow(nat.NationalMessageProblem);
  });

  it('2201: the emergency flag from er_flag or from exp_content (a JSON string), with its criterion', () => {
    const base = { psn_no: 'P', ipt_otp_no: 'MZ1', begntime: '2026-11-23 09:00:00', mdtrt_cert_type: '01', mdtrt_cert_no: 'T' };
    expect(nat.visitCreate({ data: base }).emergency).toBe(false);
    expect(nat.visitCreate({ data: { ...base, er_flag: '1' } }).emergency).toBe(true);
    const exp = JSON.stringify({ er_flag: '1', emergency_criterion: { category: '10' } });
    expect(nat.visitCreate({ data: { ...base, exp_content: exp } })).toMatchObject({
      emergency: true,
      emergency_criterion: { category: '10' },
    });
  });

  it('2204: one visit and one batch per message; only the canonical line fields travel', () => {
    const line = (sn: string, batch: string) => ({
      feedetl_sn: sn,
      mdtrt_id: 'M',
      psn_no: 'P',
      chrg_bchno: batch,
      cnt: 1,
      pric: 2,
      med_type: '11',
    });
    expect(nat.feesUpload({ feedetail: [line('1', 'B'), line('2', 'B')] }, ['feedetl_sn', 'cnt', 'pric'])).toEqual({
      chrg_bchno: 'B',
      lines: [
        { feedetl_sn: '1', cnt: 1, pric: 2 },
        { feedetl_sn: '2', cnt: 1, pric: 2 },
      ],
    });
    expect(() => nat.feesUpload({ feedetail: [line('1', 'B'), line('2', 'C')] }, [])).toThrow(/input\.feedetail\.1\.chrg_bchno/);
    expect(() => nat.feesUpload({ feedetail: [] }, [])).toThrow(/input\.feedetail/);
  });

  it('the encounter key is read where the table says; a missing one names its field', () => {
    expect(nat.encounterKey({ feedetail: [{ mdtrt_id: 'M1' }] }, { index: 'mdtrt_id', at: 'feedetail.0.mdtrt_id' })).toBe('M1');
    expect(() => nat.encounterKey({ data: { setl_id: '' } }, { index: 'setl_id', at: 'data.setl_id' })).toThrow(/input\.data\.setl_id/);
  });

  it('2401: 住院类型 急诊 from er_flag, else med_type 24; maternity fields grouped; the commitment may come in exp_content', () => {
    const m = { psn_no: 'P', med_type: '24', trum_flag: '1', rel_ttp_flag: '0', matn_type: '', fetus_cnt: '' };
    expect(ip.admission({ mdtrtinfo: m, diseinfo: [] })).toMatchObject({ emergency: true, trum_flag: '1' });
    expect(ip.admission({ mdtrtinfo: { ...m, er_flag: '0' }, diseinfo: [] }).emergency).toBe(false);
    expect(ip.admission({ mdtrtinfo: m, diseinfo: [] })).not.toHaveProperty('maternity');
    expect(ip.admission({ mdtrtinfo: { ...m, med_type: '52', matn_type: '1' }, diseinfo: [] })).toMatchObject({
      maternity: { matn_type: '1' },
    });
    const c = { signer_name: '甲', injury_cause: '摔倒' };
    expect(
      ip.admission({ mdtrtinfo: { ...m, exp_content: JSON.stringify({ trauma_commitment: c }) }, diseinfo: [] }).trauma_commitment,
    ).toEqual(c);
  });
});

describe('the national reply', () => {
  it('a success carries the platform’s own output, reference and warning', () => {
    const r = successReply(AT, {
      reply: { infcode: 0, inf_refmsgid: 'R1', refmsg_time: '20261123090203456', output: { data: { x: 1 } }, warn_msg: 'w' },
    });
    expect(r).toEqual({
      infcode: 0,
      inf_refmsgid: 'R1',
      refmsg_time: '20261123090203456',
      respond_time: '20261123090203456',
      err_msg: null,
      warn_msg: 'w',
      cainfo: null,
      signtype: null,
      output: { data: { x: 1 } },
    });
    expect(replyTime(AT)).toBe('20261123090203456');
  });

  it('infcode -1 only where the outcome is not known (system faults, a resolution under way), else -2; err_msg says what happens next', () => {
    const unknown = errorReply(table, AT, {
      code: 'GW_SYS_PLATFORM_OUTCOME_UNKNOWN',
      category: 'system_fault',
      message_zh: '结果未知',
      action: 'REST action',
      transaction_id: 'TX1',
    });
    expect(unknown.infcode).toBe(-1);
    expect(unknown.err_msg).toMatch(/^\[GW_SYS_PLATFORM_OUTCOME_UNKNOWN\] 结果未知；交易结果未知.*自动冲正（2601）.*网关交易号 TX1$/);
    expect(unknown.err_msg).not.toContain('REST action');
    const refused = errorReply(table, AT, {
      code: 'GW_VAL_PLATFORM_FIELD',
      category: 'validation',
      message_zh: '字段有误',
      action: '更正字段',
    });
    expect([refused.infcode, refused.err_msg, refused.output]).toEqual([-2, '[GW_VAL_PLATFORM_FIELD] 字段有误；更正字段', null]);
    const pending = errorReply(table, AT, {
      code: 'GW_BIZ_OUTCOME_UNKNOWN_PENDING',
      category: 'business',
      message_zh: 'm',
      action: 'a',
      transaction_id: 'T',
    });
    expect(pending.infcode).toBe(-1);
  });
});

describe('an HIS’s own 2601, answered from the journal', () => {
  const ask = (o?: Parameters<typeof reversalAnswer>[2]) => reversalAnswer('H1', '2207', o);
  it('by what became of the original', () => {
    expect(ask(undefined).kind).toBe('nothing_stands');
    expect(ask({ transaction_id: 'T', outcome: 'rejected' }).kind).toBe('nothing_stands');
    expect(ask({ transaction_id: 'T', outcome: 'succeeded' })).toMatchObject({
      kind: 'stands',
      message_zh: expect.stringContaining('2208'),
    });
    expect(ask({ transaction_id: 'T', outcome: 'pending' }).kind).toBe('in_progress');
    expect(ask({ transaction_id: 'T', outcome: 'unknown', resolution: { state: 'reversing' } }).kind).toBe('in_progress');
    expect(ask({ transaction_id: 'T', outcome: 'unknown', resolution: { state: 'reversed' } })).toEqual({
      kind: 'reversed',
      transaction_id: 'T',
    });
    expect(ask({ transaction_id: 'T', outcome: 'unknown', resolution: { state: 'not_booked' } }).kind).toBe('nothing_stands');
    expect(ask({ transaction_id: 'T', outcome: 'unknown', resolution: { state: 'confirmed' } }).kind).toBe('stands');
    // an inquired 2201 the platform holds: the HIS learns the 就诊ID it never got
    expect(
      reversalAnswer('H1', '2201', { transaction_id: 'T', outcome: 'unknown', resolution: { state: 'done', learned: { mdtrt_id: 'M9' } } }),
    ).toMatchObject({
      kind: 'stands',
      message_zh: expect.stringContaining('就诊ID（mdtrt_id）M9'),
    });
    expect(ask({ transaction_id: 'T', outcome: 'unknown', resolution: { state: 'needs_manual' } })).toMatchObject({
      kind: 'in_progress',
      message_zh: expect.stringContaining('医保办'),
    });
  });
});
