/**
 * The mock's fault injection over real HTTP: a reply lost after booking for any infno (the flow goes
 * on by asking the inquiries what was booked), a 2601 refused for a given oinfno, and an original
 * booked late, after the 2601 that looked for it.
 */
import { describe, expect, it, vi } from 'vitest';
import type { CallOptions, MockClient } from '../mocks/platform/client.js';
import { mockWithClient } from './helpers/mock-client.js';
import * as inputs from '../mocks/platform/sample-inputs.js';

type Json = Record<string, any>;

const NOW = new Date('2026-11-20T02:00:00Z');
const P = { psn_no: '22000000000000000001', area: '220100', token: 'EVT22000000000000000001A1B2C3D4' };
const AS_P: CallOptions = { insuplc: P.area };
const LINE = { sn: 'L1', code: inputs.CODES.amoxicillin, cnt: 2, pric: 18.5, det: 37 };
const BED = { sn: 'I1', code: inputs.CODES.bed, cnt: 9, pric: 50, det: 450 };

let client: MockClient<Json>;

const ok = (infno: string, input: object, opts: CallOptions = AS_P) => client.callOk(infno, input, opts);
const control = (method: string, path: string, body?: object): Promise<any> => client.control(method, path, body);
const visits = async () => (await ok('5201', { data: { psn_no: P.psn_no } })).mdtrtinfo as Json[];
const latestSettlement = async (mdtrtId: string) =>
  (await ok('5203', { data: { psn_no: P.psn_no, mdtrt_id: mdtrtId } })).setlinfo as Json | null;
const lines = async (mdtrtId: string) => (await ok('5204', { data: { psn_no: P.psn_no, mdtrt_id: mdtrtId } })).feedetail as Json[];

/**
 * How long timeout_after_booking holds its reply here: the caller gives up long before, once the
 * mock's call record shows the transaction ran (waited for, never a guess at how long that takes).
 */
const HOLD_MS = 30_000;

/**
 * Sends the call with its reply lost after booking, the fault kind's way (drop_reply: the connection
 * is dropped; http_500: HTTP 500; timeout_after_booking: no reply before the caller gives up); the
 * mock's call record says the transaction ran and succeeded.
 */
async function lost(infno: string, input: object, fault: Json = { kind: 'drop_reply', after_booking: true }): Promise<string> {
  const held = fault.kind === 'timeout_after_booking';
  const rule = await control('POST', '/faults', { ...fault, ...(held ? { hold_ms: HOLD_MS } : {}), infno, count: 1 });
  expect(rule, JSON.stringify(rule)).toMatchObject({ infno, phase: 'after_handler' });
  const msgid = client.nextMsgid();
  const body = JSON.stringify(client.envelope(infno, input, { ...AS_P, msgid }));
  const caller = new AbortController();
  const reply = fetch(`${client.origin}/api/${infno}`, { method: 'POST', headers: client.tifHeaders(), body, signal: caller.signal }).then(
    async (res) => ({ status: res.status, text: await res.text() }),
    (error: Error) => ({ error }),
  );
  const ran = async () => expect(((await control('GET', `/calls?infno=${infno}`)) as Json[]).at(-1)).toMatchObject({ msgid, infcode: 0 });
  if (held) {
    // the caller gives up once the platform has booked the call, its reply still held
    await vi.waitFor(ran, { timeout: HOLD_MS, interval: 25 });
    caller.abort();
  }
  const outcome = await reply;
  if (fault.kind === 'http_500') expect(outcome).toMatchObject({ status: 500 });
  else expect(outcome).toHaveProperty('error');
  await ran();
  return msgid;
}

mockWithClient<Json>(
  () => NOW,
  (c) => {
    client = c;
  },
);

describe('a reply lost after booking, for any infno', () => {
  it('outpatient 1101 → 2201 → 2203 → 2204 → 2206 → 2207 → 2208 → 2601: each booked, each learnt by inquiry', async () => {
    await lost('1101', { data: { mdtrt_cert_type: '01', mdtrt_cert_no: P.token } }, { kind: 'http_500', after_booking: true });
    await lost('2201', inputs.registration(P.psn_no, P.token, 'MZ-L'));
    const [visit] = await visits();
    const mdtrtId = visit!.mdtrt_id as string;
    await lost('2203', inputs.visitInfo(mdtrtId, P.psn_no, '11'));
    expect((await visits())[0]).toMatchObject({ med_type: '11' });
    await lost('2204', inputs.feeUpload(mdtrtId, P.psn_no, [LINE]));
    expect((await lines(mdtrtId)).map((l) => l.feedetl_sn)).toEqual(['L1']);
    await lost('2206', inputs.settlementData(mdtrtId, P.psn_no, P.token, 37, '0'), { kind: 'timeout_after_booking' });
    expect(await latestSettlement(mdtrtId)).toBeNull(); // a quote books nothing
    const settleMsgid = await lost('2207', inputs.settleInScope(mdtrtId, P.psn_no, P.token, 37, '0'));
    const settled = (await latestSettlement(mdtrtId))!;
    expect(settled).toMatchObject({ medins_setl_id: settleMsgid, refd_setl_flag: '0', medfee_sumamt: 37 });
    const cancelMsgid = await lost('2208', { data: { setl_id: settled.setl_id, mdtrt_id: mdtrtId, psn_no: P.psn_no } });
    expect(await latestSettlement(mdtrtId)).toMatchObject({ medins_setl_id: cancelMsgid, refd_setl_flag: '1' });
    await lost('2601', { data: { psn_no: P.psn_no, omsgid: cancelMsgid, oinfno: '2208' } });
    expect(await latestSettlement(mdtrtId)).toMatchObject({ setl_id: settled.setl_id, refd_setl_flag: '0' });
  });

  it('inpatient 2401 → 2403 → 2301 → 2402 → 2405 → 2402 → 2303 → 2304 → 2305 → 2405 → 2404', async () => {
    await lost('2401', inputs.admission(P.psn_no, P.token, 'ZY-L'));
    const mdtrtId = (await visits())[0]!.mdtrt_id as string;
    await lost('2403', inputs.admissionChange(mdtrtId, P.psn_no, 'ZY-L', { adm_bed: '15' }));
    expect((await visits())[0]).toMatchObject({ adm_bed: '15' });
    await lost('2301', inputs.inpatientFees(mdtrtId, P.psn_no, [BED]));
    expect(await lines(mdtrtId)).toHaveLength(1);
    await lost('2402', inputs.discharge(mdtrtId, P.psn_no));
    expect((await visits())[0]).toMatchObject({ endtime: '2026-11-19 10:00:00' });
    await lost('2405', { data: { mdtrt_id: mdtrtId, psn_no: P.psn_no } });
    expect((await visits())[0]!.endtime).toBeUndefined();
    await ok('2402', inputs.discharge(mdtrtId, P.psn_no));
    await lost('2303', inputs.inpatientSettlement(mdtrtId, P.psn_no, P.token, 450));
    await lost('2304', inputs.inpatientSettlement(mdtrtId, P.psn_no, P.token, 450), { kind: 'http_500', after_booking: true });
    const settled = (await latestSettlement(mdtrtId))!;
    expect(settled).toMatchObject({ clr_type: '21', refd_setl_flag: '0' });
    await lost('2305', { data: { mdtrt_id: mdtrtId, setl_id: settled.setl_id, psn_no: P.psn_no } });
    expect(await latestSettlement(mdtrtId)).toMatchObject({ refd_setl_flag: '1' });
    await ok('2405', { data: { mdtrt_id: mdtrtId, psn_no: P.psn_no } });
    await lost('2404', { data: { mdtrt_id: mdtrtId, psn_no: P.psn_no } });
    expect(await visits()).toEqual([]);
  });

  it('pharmacy 2101 → 2102 → 2103, and one rule for a list of infnos', async () => {
    const purchase = inputs.pharmacyPurchase(P.psn_no, P.token, [LINE]);
    await lost('2101', purchase);
    expect(await visits()).toEqual([]);
    await lost('2102', purchase);
    const mdtrtId = (await visits())[0]!.mdtrt_id as string;
    const sale = (await latestSettlement(mdtrtId))!;
    expect(sale).toMatchObject({ clr_type: '41', refd_setl_flag: '0' });
    await lost('2103', { data: { setl_id: sale.setl_id, mdtrt_id: mdtrtId, psn_no: P.psn_no } });
    expect(await latestSettlement(mdtrtId)).toMatchObject({ clr_type: '41', refd_setl_flag: '1' });

    const rule = await control('POST', '/faults', { kind: 'http_500', infno: ['2201', '2202'], after_booking: true, count: 2 });
    expect(rule).toMatchObject({ infno: ['2201', '2202'], phase: 'after_handler', remaining: 2 });
    const register = await client.post(
      '2201',
      JSON.stringify(client.envelope('2201', inputs.registration(P.psn_no, P.token, 'MZ-2'), AS_P)),
      client.tifHeaders(),
    );
    expect(register.status).toBe(500);
    const visitId = (await visits()).find((v) => v.ipt_otp_no === 'MZ-2')!.mdtrt_id as string;
    const cancel = { data: { psn_no: P.psn_no, mdtrt_id: visitId, ipt_otp_no: 'MZ-2' } };
    expect((await client.post('2202', JSON.stringify(client.envelope('2202', cancel, AS_P)), client.tifHeaders())).status).toBe(500);
    expect((await visits()).map((v) => v.mdtrt_id)).toEqual([mdtrtId]); // the registration is gone, the pharmacy 就诊 stays
    expect(await control('GET', '/faults')).toEqual([]);
    expect((await control('POST', '/faults', { kind: 'drop_reply', infno: ['22010'] })).error).toMatch(/infno/);
  });
});

describe('reversal_unsupported: 2601 refused for a given oinfno', () => {
  it('answers -2 该交易不支持冲正 for that oinfno only, reverses nothing, and counts only the 2601s it concerns', async () => {
    const rule = await control('POST', '/faults', { kind: 'reversal_unsupported', oinfno: '2207', count: 1 });
    expect(rule).toMatchObject({ kind: 'reversal_unsupported', infno: '2601', phase: 'in_transaction', remaining: 1 });

    const sale = client.nextMsgid();
    await ok('2102', inputs.pharmacyPurchase(P.psn_no, P.token, [LINE]), { ...AS_P, msgid: sale });
    await ok('2601', { data: { psn_no: P.psn_no, omsgid: sale, oinfno: '2102' } }); // not concerned
    expect(await control('GET', '/faults')).toHaveLength(1);

    const mdtrtId = (await ok('2201', inputs.registration(P.psn_no, P.token, 'MZ-U'))).data.mdtrt_id as string;
    await ok('2204', inputs.feeUpload(mdtrtId, P.psn_no, [LINE]));
    const settle = client.nextMsgid();
    await ok('2207', inputs.settleInScope(mdtrtId, P.psn_no, P.token, 37, '0'), { ...AS_P, msgid: settle });
    const reversal = { data: { psn_no: P.psn_no, omsgid: settle, oinfno: '2207' } };
    const refused = await client.call('2601', reversal, AS_P);
    expect(refused).toMatchObject({ infcode: -2, err_msg: '该交易不支持冲正: 2207', output: null });
    expect(refused.inf_refmsgid).toMatch(/^H44030500001/);
    expect(await latestSettlement(mdtrtId)).toMatchObject({ medins_setl_id: settle, refd_setl_flag: '0' });
    expect(await control('GET', '/faults')).toEqual([]); // count 1 used up
    await ok('2601', reversal); // the next one reverses
    expect(await latestSettlement(mdtrtId)).toBeNull();
  });

  it('takes a list of oinfnos and its own err_msg, and refuses bad requests', async () => {
    await control('POST', '/faults', { kind: 'reversal_unsupported', oinfno: ['2401', '2201'], err_msg: '原交易不允许冲正' });
    const reply = await client.call('2601', { data: { psn_no: P.psn_no, omsgid: client.nextMsgid(), oinfno: '2201' } }, AS_P);
    expect(reply).toMatchObject({ infcode: -2, err_msg: '原交易不允许冲正' });
    const bad = async (body: Json) => (await control('POST', '/faults', body)).error as string;
    expect(await bad({ kind: 'reversal_unsupported' })).toMatch(/oinfno/);
    expect(await bad({ kind: 'reversal_unsupported', oinfno: '22' })).toMatch(/oinfno/);
    expect(await bad({ kind: 'reversal_unsupported', oinfno: '2207', infno: '2207' })).toMatch(/2601/);
  });
});

describe('late_booking: the original is booked after the 2601 that looked for it', () => {
  it('a 2601 before the booking finds nothing (原交易不存在); the original is booked afterwards', async () => {
    const mdtrtId = (await ok('2201', inputs.registration(P.psn_no, P.token, 'MZ-LATE'))).data.mdtrt_id as string;
    await ok('2204', inputs.feeUpload(mdtrtId, P.psn_no, [LINE]));
    // the booking waits LATE_MS after the call arrived: long enough for the checks below even on a loaded machine
    const LATE_MS = 5_000;
    const rule = await control('POST', '/faults', { kind: 'late_booking', infno: '2207', delay_ms: LATE_MS, count: 1 });
    expect(rule).toMatchObject({ kind: 'late_booking', phase: 'before_handler', params: { delay_ms: LATE_MS } });
    const settle = client.nextMsgid();
    const calls2207 = (await control('GET', '/calls?infno=2207')).length;
    const started = Date.now();
    const original = client.callOk('2207', inputs.settleInScope(mdtrtId, P.psn_no, P.token, 37, '0'), { ...AS_P, msgid: settle });
    // the call has arrived (waited for, not guessed), and is not booked yet
    await vi.waitFor(async () => expect((await control('GET', '/calls?infno=2207')).length).toBeGreaterThan(calls2207), {
      timeout: LATE_MS,
      interval: 25,
    });
    expect(await control('GET', '/ledger')).toEqual([]);
    const reversal = await client.call('2601', { data: { psn_no: P.psn_no, omsgid: settle, oinfno: '2207' } }, AS_P);
    expect(reversal).toMatchObject({ infcode: -2, err_msg: `原交易不存在: ${settle}` });

    const settled = await original;
    expect(Date.now() - started).toBeGreaterThanOrEqual(LATE_MS - 10);
    expect(settled.setlinfo.medins_setl_id).toBe(settle);
    expect(await control('GET', '/ledger')).toEqual([expect.objectContaining({ msgid: settle, status: 'booked' })]);
    expect(await latestSettlement(mdtrtId)).toMatchObject({ medins_setl_id: settle });
  });
});
