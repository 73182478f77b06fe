/**
 * Issue 19: the national-format door. An "HIS" that speaks the national interface replays the
 * request fixtures of test/fixtures/national-door/ (the envelope and inputs as an HIS sends them to
 * the platform) against a real gateway and the mock platform over real HTTP, with its platform base
 * URL pointed at `<gateway>/national`. What it reads back is the national reply envelope.
 */
import { readFileSync } from 'node:fs';
import { beforeEach, describe, expect, it } from 'vitest';
import { projectPath } from '../../gateway/paths.js';
import { api, TEST_KEYS } from '../helpers/harness.js';
import { type MockAndGateway, mockAndGateway } from '../helpers/suite.js';
import { visitFields } from '../helpers/bodies.js';
import { EMERGENCY_CRITERION, JILIN, uniq } from './fixtures.js';
import { chinaDay, RECON_TEST, runDay } from './reconciliation-fixtures.js';
import { FAST_REVERSAL, fault, ledger, transaction, until } from './resilience-fixtures.js';

const sys = mockAndGateway({ ...FAST_REVERSAL, REVERSAL_MAX_ATTEMPTS: '3' });
beforeEach(async () => {
  await api(sys.mock.control, 'DELETE', '/faults');
});

type Vars = Record<string, string | number>;

/** A fixture's request with its {{placeholders}} filled in (what the HIS knows from earlier replies). */
function message(file: string, vars: Vars): Record<string, any> {
  const doc = JSON.parse(readFileSync(projectPath(`test/fixtures/national-door/${file}`), 'utf8')) as { request: unknown };
  const fill = (v: unknown): unknown => {
    if (typeof v === 'string') {
      const whole = /^\{\{(\w+)\}\}$/.exec(v);
      if (whole) {
        const x = vars[whole[1]!];
        if (x === undefined) throw new Error(`${file}: no value for {{${whole[1]}}}`);
        return x;
      }
      return v;
    }
    if (Array.isArray(v)) return v.map(fill);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fill(x)]));
    return v;
  };
  return fill(doc.request) as Record<string, any>;
}

let seq = 0;
/** The HIS's msgid: its institution code (12) + yyyyMMddHHmmss + a 4-digit sequence. */
const hisMsgid = () =>
  `H44030000001${'2026112309'}${String(Date.now() % 10_000).padStart(4, '0')}${String(seq++ % 10_000).padStart(4, '0')}`;

/** The HIS's call to its platform base URL (now the gateway): base + infno, or the 前置机's call-service path. */
const send = (env: Record<string, any>, shape: 'infno' | 'fsi' = 'infno', key: string = TEST_KEYS.his, s: MockAndGateway = sys) =>
  api(s.gw.url, 'POST', shape === 'infno' ? `/national/${env.infno}` : '/national/fsi/api/rsfComIfsService/callService', env, {
    'x-api-key': key,
  });

const PERSON = { token: JILIN.token, certno: JILIN.certno, psn_name: JILIN.psn_name };

/** 1101 -> 2201 -> 2203 -> 2204 through the door: a visit with fees of 97.00, as an HIS does it. */
async function visitWithFees(vars: Vars = {}, s: MockAndGateway = sys) {
  const v: Vars = { sign_no: '', ...PERSON, ipt_otp_no: uniq('MZ'), chrg_bchno: 'B1', sn1: '1', sn2: '2', invono: uniq('FP'), ...vars };
  const who = await send(message('outpatient/1101.json', { ...v, msgid: hisMsgid() }), 'infno', TEST_KEYS.his, s);
  expect(who.body.infcode, who.text).toBe(0);
  v.psn_no = who.body.output.baseinfo.psn_no;
  v.insuplc_admdvs = who.body.output.insuinfo[0].insuplc_admdvs;
  const reg = await send(message('outpatient/2201.json', { ...v, msgid: hisMsgid() }), 'fsi', TEST_KEYS.his, s);
  expect(reg.body.infcode, reg.text).toBe(0);
  v.mdtrt_id = reg.body.output.data.mdtrt_id;
  const dx = await send(message('outpatient/2203.json', { ...v, msgid: hisMsgid() }), 'infno', TEST_KEYS.his, s);
  expect(dx.body.infcode, dx.text).toBe(0);
  const fees = await send(message('outpatient/2204.json', { ...v, msgid: hisMsgid() }), 'infno', TEST_KEYS.his, s);
  expect(fees.body.infcode, fees.text).toBe(0);
  return { v, fees };
}

/** 1101 -> 2401 -> 2301 -> 2402 through the door: the standard stay of 3836.00, discharged. */
async function dischargedStay(vars: Vars = {}) {
  const v: Vars = { sign_no: '', ...PERSON, ipt_no: uniq('ZY'), med_type: '21', trum_flag: '0', invono: uniq('ZYFP'), ...vars };
  const who = await send(message('outpatient/1101.json', { ...v, msgid: hisMsgid() }));
  expect(who.body.infcode, who.text).toBe(0);
  v.psn_no = who.body.output.baseinfo.psn_no;
  v.insuplc_admdvs = who.body.output.insuinfo[0].insuplc_admdvs;
  const adm = await send(message('inpatient/2401.json', { ...v, msgid: hisMsgid() }), 'fsi');
  expect(adm.body.infcode, adm.text).toBe(0);
  v.mdtrt_id = adm.body.output.result?.mdtrt_id ?? adm.body.output.data?.mdtrt_id;
  expect(v.mdtrt_id, adm.text).toBeTruthy();
  v.admission_tx = adm.headers.get('x-transaction-id')!;
  const fees = await send(message('inpatient/2301.json', { ...v, msgid: hisMsgid() }));
  expect(fees.body.infcode, fees.text).toBe(0);
  const out = await send(message('inpatient/2402.json', { ...v, msgid: hisMsgid() }));
  expect(out.body.infcode, out.text).toBe(0);
  return v;
}

const callsOf = async (infno: string) =>
  (await api(sys.mock.control, 'GET', `/calls?infno=${infno}`)).body as Array<{ msgid: string | null }>;

describe('the national-format door: an HIS pointed at the gateway', () => {
  it('outpatient flow 9001 → 1101 → 2201 → 2203 → 2204 → 2206 → 2207 → 2208 → 2202, answered in the national reply envelope', async () => {
    const signIn = await send(message('outpatient/9001.json', { msgid: hisMsgid(), sign_no: '' }));
    expect(signIn.status).toBe(200);
    expect(signIn.body).toMatchObject({ infcode: 0, err_msg: null });
    const sign_no = signIn.body.output.signinoutb.sign_no as string;
    expect(sign_no).toMatch(/^GW\d{17}/);

    const { v, fees } = await visitWithFees({ sign_no });
    // 1101 answered with the platform's own output: the person and their insurance (Jilin, 220100)
    expect(v.psn_no).toBe(JILIN.psn_no);
    expect(v.insuplc_admdvs).toBe('220100');
    // 2204: the platform's classification of each line
    expect(fees.body.output.result).toHaveLength(2);

    const pre = await send(message('outpatient/2206.json', { ...v, msgid: hisMsgid() }));
    expect(pre.body.infcode, pre.text).toBe(0);
    expect(pre.body.output.setlinfo.medfee_sumamt).toBe(97);

    const settleMsgid = hisMsgid();
    const settled = await send(message('outpatient/2207.json', { ...v, msgid: settleMsgid }), 'fsi');
    expect(settled.body.infcode, settled.text).toBe(0);
    const setl_id = settled.body.output.setlinfo.setl_id as string;
    expect(setl_id).toBeTruthy();
    expect(settled.body.output.setlinfo.medfee_sumamt).toBe(97);
    const txid = settled.headers.get('x-transaction-id')!;
    // the gateway's own msgid went to the platform, the HIS's sign_no did not
    const record = await transaction(sys.gw.url, txid);
    expect(record.keys).toMatchObject({ his_msgid: `test-his:${settleMsgid}`, setl_id, mdtrt_id: v.mdtrt_id });
    expect(txid).not.toBe(settleMsgid);
    expect(JSON.stringify(record.stages.envelope)).not.toContain(sign_no);

    const cancelled = await send(message('outpatient/2208.json', { ...v, setl_id, msgid: hisMsgid() }));
    expect(cancelled.body.infcode, cancelled.text).toBe(0);
    expect((await ledger(sys.mock.control)).find((e) => e.setl_id === setl_id)?.status).toBe('cancelled');

    const unregistered = await send(message('outpatient/2202.json', { ...v, msgid: hisMsgid() }));
    expect(unregistered.body.infcode, unregistered.text).toBe(0);
    const visit = (await api(sys.gw.url, 'GET', `/v1/transactions/${unregistered.headers.get('x-transaction-id')}`)).body;
    expect(visit.infno).toBe('2202');
    // the door logs what it decided, never the person: no name, ID number or e-voucher token in any line
    for (const secret of [JILIN.certno, JILIN.psn_name, JILIN.token]) expect(sys.gw.logs.text).not.toContain(secret);
  });

  it('a resent msgid gets the first answer and books once; the same msgid with another body is refused', async () => {
    const { v } = await visitWithFees();
    const msgid = hisMsgid();
    const env = message('outpatient/2207.json', { ...v, msgid });
    const first = await send(env);
    expect(first.body.infcode, first.text).toBe(0);
    const again = await send(env, 'fsi');
    expect(again.text).toBe(first.text);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const booked = (await ledger(sys.mock.control)).filter((e) => e.mdtrt_id === v.mdtrt_id && e.kind === 'settlement');
    expect(booked).toHaveLength(1);

    const other = await send({ ...env, input: { data: { ...env.input.data, medfee_sumamt: 20 } } });
    expect(other.body.infcode).toBe(-2);
    expect(other.body.err_msg).toContain('GW_VAL_IDEMPOTENCY_KEY_REUSED');
    expect(other.body.err_msg).toContain(msgid);
    expect((await ledger(sys.mock.control)).filter((e) => e.mdtrt_id === v.mdtrt_id && e.kind === 'settlement')).toHaveLength(1);
  });

  it('the same msgid sent twice at once while the platform is slow: one booking, both get the one answer', async () => {
    const { v } = await visitWithFees();
    await fault(sys.mock.control, { kind: 'latency', infno: '2207', latency_ms: 400, count: 1 });
    const env = message('outpatient/2207.json', { ...v, msgid: hisMsgid() });
    const [a, b] = await Promise.all([send(env), send(env, 'fsi')]);
    expect(a.body.infcode, a.text).toBe(0);
    expect(b.text).toBe(a.text);
    expect((await ledger(sys.mock.control)).filter((e) => e.mdtrt_id === v.mdtrt_id && e.kind === 'settlement')).toHaveLength(1);
  });

  it('two different msgids settling one visit at once: one transaction in flight per visit, one booking', async () => {
    const { v } = await visitWithFees();
    await fault(sys.mock.control, { kind: 'latency', infno: '2207', latency_ms: 400, count: 1 });
    const replies = await Promise.all([
      send(message('outpatient/2207.json', { ...v, msgid: hisMsgid() })),
      send(message('outpatient/2207.json', { ...v, msgid: hisMsgid() })),
    ]);
    expect(replies.map((r) => r.body.infcode).sort()).toEqual([-2, 0]);
    const refused = replies.find((r) => r.body.infcode === -2)!;
    expect(refused.body.err_msg).toMatch(/GW_BIZ_VISIT_BUSY|GW_BIZ_VISIT_ALREADY_SETTLED/);
    expect((await ledger(sys.mock.control)).filter((e) => e.mdtrt_id === v.mdtrt_id && e.kind === 'settlement')).toHaveLength(1);
  });

  it('the envelope sent as text/plain (as nhis-web sends every call) is read as JSON', async () => {
    const env = message('outpatient/9001.json', { msgid: hisMsgid(), sign_no: '' });
    const r = await api(sys.gw.url, 'POST', '/national/fsi/api/signInSignOutService/signIn', JSON.stringify(env), {
      'x-api-key': TEST_KEYS.his,
      'content-type': 'text/plain; charset=utf-8',
    });
    expect(r.body.infcode, r.text).toBe(0);
    expect(r.body.output.signinoutb.sign_no).toMatch(/^GW/);
  });

  it('a lost 2207 reply: infcode -1 telling the counter the gateway reverses it; the HIS’s own 2601 is answered from the journal', async () => {
    const { v } = await visitWithFees();
    await fault(sys.mock.control, { kind: 'drop_reply', infno: '2207', after_booking: true, count: 1 });
    const msgid = hisMsgid();
    const lost = await send(message('outpatient/2207.json', { ...v, msgid }));
    expect(lost.status).toBe(200);
    expect(lost.body.infcode).toBe(-1);
    expect(lost.body.err_msg).toContain('GW_SYS_PLATFORM_OUTCOME_UNKNOWN');
    expect(lost.body.err_msg).toMatch(/网关将自动冲正（2601）/);
    const txid = lost.headers.get('x-transaction-id')!;
    expect(lost.body.err_msg).toContain(txid);
    expect((await ledger(sys.mock.control)).find((e) => e.msgid === txid)?.status).toBe('booked');

    const reversed = await until('the gateway’s own reversal', async () => {
      const t = await transaction(sys.gw.url, txid);
      return t.resolution?.state === 'reversed' && t.resolution.encounter_released ? t : undefined;
    });
    const reversalsOnWire = (await callsOf('2601')).length;
    expect((await ledger(sys.mock.control)).find((e) => e.msgid === txid)?.status).toBe('reversed');

    const his2601 = await send(message('outpatient/2601.json', { ...v, omsgid: msgid, oinfno: '2207', msgid: hisMsgid() }));
    expect(his2601.body.infcode, his2601.text).toBe(0);
    expect(his2601.headers.get('x-transaction-id')).toBe(reversed.resolution.reversal_ids.at(-1));
    // answered from the journal: no second 2601 went to the platform
    expect((await callsOf('2601')).length).toBe(reversalsOnWire);

    // the visit is free again: the HIS settles it under a new msgid, once
    const again = await send(message('outpatient/2207.json', { ...v, msgid: hisMsgid() }));
    expect(again.body.infcode, again.text).toBe(0);
    const live = (await ledger(sys.mock.control)).filter(
      (e) => e.mdtrt_id === v.mdtrt_id && e.kind === 'settlement' && e.status === 'booked',
    );
    expect(live).toHaveLength(1);
  });

  it('a lost 2201 reply: infcode -1, the gateway inquires (5201); the HIS’s 2601 learns the 就诊ID and the visit carries on', async () => {
    const v: Vars = { sign_no: '', ...PERSON, psn_no: JILIN.psn_no, insuplc_admdvs: '220100', ipt_otp_no: uniq('MZ') };
    await fault(sys.mock.control, { kind: 'drop_reply', infno: '2201', after_booking: true, count: 1 });
    const msgid = hisMsgid();
    const lost = await send(message('outpatient/2201.json', { ...v, msgid }));
    expect(lost.body.infcode).toBe(-1);
    expect(lost.body.err_msg).toContain('GW_SYS_PLATFORM_OUTCOME_INQUIRING');
    expect(lost.body.err_msg).toMatch(/网关将向平台查询/);
    const txid = lost.headers.get('x-transaction-id')!;
    const t = await until('the inquiry of the lost 2201', async () => {
      const r = await transaction(sys.gw.url, txid);
      return r.resolution?.state === 'done' && r.resolution.encounter_released ? r : undefined;
    });
    const mdtrt_id = t.resolution.learned.mdtrt_id as string;

    const asked = await send(message('outpatient/2601.json', { ...v, omsgid: msgid, oinfno: '2201', msgid: hisMsgid() }));
    expect(asked.body.infcode).toBe(-2);
    expect(asked.body.err_msg).toContain(`就诊ID（mdtrt_id）${mdtrt_id}`);
    const dx = await send(message('outpatient/2203.json', { ...v, mdtrt_id, msgid: hisMsgid() }));
    expect(dx.body.infcode, dx.text).toBe(0);
  });

  it('a 2601 for a settlement that succeeded is refused: the HIS is told to resend or cancel it (2208)', async () => {
    const { v } = await visitWithFees();
    const msgid = hisMsgid();
    expect((await send(message('outpatient/2207.json', { ...v, msgid }))).body.infcode).toBe(0);
    const before = (await callsOf('2601')).length;
    const r = await send(message('outpatient/2601.json', { ...v, omsgid: msgid, oinfno: '2207', msgid: hisMsgid() }));
    expect(r.body.infcode).toBe(-2);
    expect(r.body.err_msg).toContain('GW_BIZ_NATIONAL_REVERSAL_REFUSED');
    expect(r.body.err_msg).toContain('2208');
    expect((await callsOf('2601')).length).toBe(before);
  });

  it('an unknown infno is refused in the national format and never forwarded', async () => {
    const r = await send(message('refused/3101-unknown.json', { msgid: hisMsgid(), sign_no: '', psn_no: JILIN.psn_no }));
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ infcode: -2, output: null });
    expect(r.body.err_msg).toContain('GW_VAL_NATIONAL_INFNO_REFUSED');
    expect(r.body.err_msg).toContain('3101');
    expect(await callsOf('3101')).toHaveLength(0);
    // a path infno that is not the body's is refused too
    const env = message('outpatient/9001.json', { msgid: hisMsgid(), sign_no: '' });
    const mismatched = await api(sys.gw.url, 'POST', '/national/2207', env, { 'x-api-key': TEST_KEYS.his });
    expect(mismatched.body.infcode).toBe(-2);
    expect(mismatched.body.err_msg).toContain('2207');
  });

  it('input that does not fit the platform schema is refused naming the field; nothing reaches the platform', async () => {
    const before = (await callsOf('2201')).length;
    const r = await send(
      message('refused/2201-bad-cert-type.json', {
        msgid: hisMsgid(),
        sign_no: '',
        psn_no: JILIN.psn_no,
        token: JILIN.token,
        ipt_otp_no: uniq('MZ'),
      }),
    );
    expect(r.body.infcode).toBe(-2);
    expect(r.body.err_msg).toContain('GW_VAL_PLATFORM_FIELD');
    expect(r.body.err_msg).toContain('input.data.mdtrt_cert_type');
    expect((await callsOf('2201')).length).toBe(before);
  });

  it('inpatient flow 2401 → 2301 → 2402 → 2303 → 2304 → 2305 through the door', async () => {
    const v = await dischargedStay();
    const pre = await send(message('inpatient/2303.json', { ...v, msgid: hisMsgid() }));
    expect(pre.body.infcode, pre.text).toBe(0);
    expect(pre.body.output.setlinfo.medfee_sumamt).toBe(3836);
    const settled = await send(message('inpatient/2304.json', { ...v, msgid: hisMsgid() }));
    expect(settled.body.infcode, settled.text).toBe(0);
    const setl_id = settled.body.output.setlinfo.setl_id as string;
    // Jilin tier 1 (JL 12), as the REST suite computes it: hifp_pay = round2((3290.40 − 1000) × 0.85)
    expect(Number(settled.body.output.setlinfo.hifp_pay)).toBe(1946.84);
    expect((await ledger(sys.mock.control)).find((e) => e.setl_id === setl_id)?.status).toBe('booked');
    const cancelled = await send(message('inpatient/2305.json', { ...v, setl_id, msgid: hisMsgid() }));
    expect(cancelled.body.infcode, cancelled.text).toBe(0);
    expect((await ledger(sys.mock.control)).find((e) => e.setl_id === setl_id)?.status).toBe('cancelled');
  });

  it('a trauma stay without a third party: 2304 refused until the commitment is recorded (the REST door’s rule holds)', async () => {
    const v = await dischargedStay({ trum_flag: '1' });
    const refused = await send(message('inpatient/2304.json', { ...v, msgid: hisMsgid() }));
    expect(refused.body.infcode, refused.text).toBe(-2);
    expect(refused.body.err_msg).toMatch(/承诺书/);
    expect((await ledger(sys.mock.control)).filter((e) => e.mdtrt_id === v.mdtrt_id)).toHaveLength(0);

    // the HIS's national code has no message for the commitment: it records it through the REST API
    const admission_id = (await transaction(sys.gw.url, String(v.admission_tx))).encounter_id as string;
    const commitment = await api(sys.gw.url, 'POST', `/v1/inpatient/admissions/${admission_id}/trauma-commitment`, {
      signer_name: '吉长青',
      signer_relation: '1',
      signer_cert_type: '01',
      signer_certno: JILIN.certno,
      signer_tel: '13900000000',
      injury_time: '2026-11-01 07:30:00',
      injury_place: '深圳市南山区某小区楼梯间',
      injury_cause: '下楼梯时踩空摔倒，右腕着地',
      signed_at: '2026-11-02 09:00:00',
    });
    expect(commitment.status, commitment.text).toBe(200);
    const settled = await send(message('inpatient/2304.json', { ...v, msgid: hisMsgid() }));
    expect(settled.body.infcode, settled.text).toBe(0);
  });

  it('a settlement message naming another person than the stay’s is refused (人卡一致 as far as the message allows)', async () => {
    const v = await dischargedStay();
    const r = await send(message('inpatient/2304.json', { ...v, psn_no: '32000000000000000003', msgid: hisMsgid() }));
    expect(r.body.infcode).toBe(-2);
    expect(r.body.err_msg).toContain('GW_ID_PERSON_CREDENTIAL_MISMATCH');
    expect((await ledger(sys.mock.control)).filter((e) => e.mdtrt_id === v.mdtrt_id)).toHaveLength(0);
  });

  it('an outpatient emergency needs its criterion (LN 22), which 2201 has no field for: registered through REST, the visit continues through the door', async () => {
    const v: Vars = { sign_no: '', ...PERSON, psn_no: JILIN.psn_no, insuplc_admdvs: '220100', ipt_otp_no: uniq('MZ') };
    const e = message('outpatient/2201.json', { ...v, msgid: hisMsgid() });
    e.input.data.er_flag = '1';
    const bare = await send(e);
    expect(bare.body.infcode).toBe(-2);
    expect(bare.body.err_msg).toContain('GW_VAL_EMERGENCY_CRITERION_MISSING');
    expect(bare.body.err_msg).toContain('急诊认定依据');

    const reg = await api(sys.gw.url, 'POST', '/v1/outpatient/visits', {
      mdtrt_cert_type: '01',
      mdtrt_cert_no: JILIN.token,
      ipt_otp_no: v.ipt_otp_no,
      ...visitFields('2026-11-23 09:00:00'),
      emergency: true,
      emergency_criterion: EMERGENCY_CRITERION,
    });
    expect(reg.status, reg.text).toBe(201);
    const dx = message('outpatient/2203.json', { ...v, mdtrt_id: reg.body.visit.mdtrt_id, msgid: hisMsgid() });
    expect((await send(dx)).body.err_msg).toContain('GW_VAL_EMERGENCY_FLAG_MISMATCH');
    dx.msgid = hisMsgid();
    dx.input.mdtrtinfo.med_type = '13';
    const ok = await send(dx);
    expect(ok.body.infcode, ok.text).toBe(0);
  });

  it('only API clients of role his may use the door; the key may come as the `apikey` header an HIS already sends', async () => {
    const env = message('outpatient/9001.json', { msgid: hisMsgid(), sign_no: '' });
    const none = await api(sys.gw.url, 'POST', '/national/9001', env, {}, { auth: false });
    expect([none.status, none.body.error.code]).toEqual([401, 'GW_SEC_UNAUTHENTICATED']);
    const staff = await send(env, 'infno', TEST_KEYS.staff);
    expect([staff.status, staff.body.error.code]).toEqual([403, 'GW_SEC_FORBIDDEN']);
    const apikey = await api(sys.gw.url, 'POST', '/national/9001', env, { apikey: TEST_KEYS.his }, { auth: false });
    expect(apikey.body.infcode).toBe(0);
  });
});

describe('the door’s settlements are the gateway’s own: reconciliation finds them, the console shows them', () => {
  const recon = mockAndGateway({ ...RECON_TEST });
  const day = chinaDay();

  it('a day with one settlement made through the door balances with it (3201), and staff find it in the console by visit and by the HIS’s msgid', async () => {
    const { v } = await visitWithFees({}, recon);
    const msgid = hisMsgid();
    const settled = await send(message('outpatient/2207.json', { ...v, msgid }), 'infno', TEST_KEYS.his, recon);
    expect(settled.body.infcode, settled.text).toBe(0);
    const txid = settled.headers.get('x-transaction-id')!;

    const d = await runDay(recon.gw.url, day);
    expect(d.status).toBe('balanced');
    expect(d.groups).toHaveLength(1);
    expect(d.groups[0]).toMatchObject({
      insutype: '310',
      clr_type: '11',
      count: 1,
      refunds: 0,
      medfee_sumamt: 97,
      stmt_rslt_text: '对平',
    });

    const listed = await api(
      recon.gw.url,
      'GET',
      `/v1/console/transactions?status=succeeded&mdtrt_id=${v.mdtrt_id}&infno=2207`,
      undefined,
      {},
      { auth: 'staff' },
    );
    expect(listed.status, listed.text).toBe(200);
    expect(listed.body.items.map((i: { transaction_id: string }) => i.transaction_id)).toEqual([txid]);
    const byHisMsgid = await api(recon.gw.url, 'GET', `/v1/transactions?his_msgid=test-his:${msgid}`, undefined, {}, { auth: 'staff' });
    expect(byHisMsgid.body.items.map((i: { transaction_id: string }) => i.transaction_id)).toEqual([txid]);
  });
});
