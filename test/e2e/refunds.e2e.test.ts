/**
 * Refunds of any earlier settlement (隔笔退费), across the year end and after clearing
 * (JS 45, HN 52, LN 54), partial refunds that survive a platform failure between their two steps,
 * and the LN 54 refusal of a refund for a benefit difference — over real HTTP, against the mock
 * platform with a clock the test moves (the gateway runs on the same clock: the mock checks the
 * x-tif timestamp against its own).
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { api } from '../helpers/harness.js';
import { REFUND_SLIP_KEYS, slipPicker } from '../helpers/slip.js';
import { mockAndGateway } from '../helpers/suite.js';
import { CODES, diagnosesBody, JILIN, line, uniq, visitBody } from './fixtures.js';

let now = new Date('2026-11-23T02:00:00Z'); // 10:00 in 深圳 (CST)
const clock = { now: () => new Date(now) };
const sys = mockAndGateway({}, { clock });
beforeEach(async () => {
  now = new Date('2026-11-23T02:00:00Z');
  await control('POST', '/reset'); // fresh accumulations; the gateway signs in again by itself
});

const call = <T = any>(method: string, path: string, body?: unknown) => api<T>(sys.gw.url, method, path, body);
const control = async (method: string, path: string, body?: unknown) => (await api(sys.mock.control, method, path, body)).body;
const person = async () =>
  (await control('GET', `/persons/${JILIN.psn_no}`)) as {
    balance: number;
    accumulations: Record<string, { dedc_used: number; pool_paid: number }>;
  };
const ledgerEntry = async (setl_id: string) =>
  ((await control('GET', '/ledger')) as Array<Record<string, any>>).find((e) => e.setl_id === setl_id)!;
const pick = slipPicker(REFUND_SLIP_KEYS);

/** One outpatient visit of the Jilin patient, settled without the account: returns its ids and slip. */
async function settledVisit(lines: Array<ReturnType<typeof line>>, begntime = '2026-11-23 09:00:00') {
  const reg = await call(
    'POST',
    '/v1/outpatient/visits',
    visitBody({ mdtrt_cert_type: '01', mdtrt_cert_no: JILIN.token }, { begntime, ipt_otp_no: uniq('MZ') }),
  );
  expect(reg.status, reg.text).toBe(201);
  const id = reg.body.visit.visit_id as string;
  expect((await call('POST', `/v1/outpatient/visits/${id}/diagnoses`, diagnosesBody())).status).toBe(200);
  const fees = await call('POST', `/v1/outpatient/visits/${id}/fees`, { chrg_bchno: 'B1', lines });
  expect(fees.status, fees.text).toBe(201);
  const setl = await call('POST', `/v1/outpatient/visits/${id}/settlement`, {
    medfee_sumamt: fees.body.totals.medfee_sumamt,
    acct_used_flag: '0',
  });
  expect(setl.status, setl.text).toBe(201);
  return { id, setl_id: setl.body.setl_id as string, slip: setl.body.slip };
}

describe('隔笔退费: refunding an earlier outpatient settlement re-derives the later ones (Jilin: deductible 200, ratio 60 %, cap 2000)', () => {
  it('three settlements across the deductible; refund the first: accumulations and refund amounts as hand-computed', async () => {
    // each visit: 阿莫西林 (甲类, all in scope) 5 × 30.00 = 150.00
    const s1 = await settledVisit([line('1', CODES.amoxicillin, 5, 30)]);
    const s2 = await settledVisit([line('1', CODES.amoxicillin, 5, 30)]);
    const s3 = await settledVisit([line('1', CODES.amoxicillin, 5, 30)]);
    // S1: act_pay_dedc = min(150, 200) = 150; hifp = 0;                         cash 150.00
    // S2: act_pay_dedc = min(150, 200 − 150) = 50; hifp = round2(100 × 0.6) = 60; cash  90.00
    // S3: act_pay_dedc = 0;                       hifp = round2(150 × 0.6) = 90; cash  60.00
    expect(pick(s1.slip)).toMatchObject({ act_pay_dedc: 150, hifp_pay: 0, psn_cash_pay: 150 });
    expect(pick(s2.slip)).toMatchObject({ act_pay_dedc: 50, hifp_pay: 60, psn_cash_pay: 90 });
    expect(pick(s3.slip)).toMatchObject({ act_pay_dedc: 0, hifp_pay: 90, psn_cash_pay: 60 });
    // before: dedc_used 150 + 50 + 0 = 200; pool paid 0 + 60 + 90 = 150
    expect((await person()).accumulations['2026']).toEqual({ dedc_used: 200, pool_paid: 150 });

    const refund = await call('POST', `/v1/settlements/${s1.setl_id}/refund`, { reason_code: 'patient_request', reason: '患者退号' });
    expect(refund.status, refund.text).toBe(200);
    // The insured area re-derives S2 and S3 without S1 (LN 54: 在退费当笔重新计算相关待遇):
    //   S2': act_pay_dedc = min(150, 200) = 150; hifp = 0                  (Δ dedc +100, Δ fund −60)
    //   S3': act_pay_dedc = min(150, 200 − 150) = 50; hifp = round2(100 × 0.6) = 60 (Δ dedc +50, Δ fund −30)
    // The refund (据此扣减相应退费额度): S1's amounts negated, less what the later ones were overpaid:
    //   medfee −150.00; act_pay_dedc −150 + 150 = 0; hifp −0 − 90 = −90.00;
    //   psn_part = −150 − (−90) = −60.00: the patient gets 60.00 back, not 150.00
    expect(refund.body).toMatchObject({ refund_type: 'full', status: 'completed', setl_id: s1.setl_id, reason_code: 'patient_request' });
    expect(pick(refund.body.cancellation_slip)).toEqual({
      medfee_sumamt: -150,
      inscp_scp_amt: -150,
      act_pay_dedc: 0,
      hifp_pay: -90,
      fund_pay_sumamt: -90,
      psn_part_amt: -60,
      acct_pay: 0,
      psn_cash_pay: -60,
    });
    expect(refund.body.net_refund).toEqual({ psn_cash_pay: 60, acct_pay: 0, fund_pay_sumamt: 90 });
    expect(refund.text).toContain('"psn_cash_pay":-60.00');
    // after: dedc_used 150 + 50 = 200; pool paid 0 + 60 = 60
    expect((await person()).accumulations['2026']).toEqual({ dedc_used: 200, pool_paid: 60 });
    // the ledger keeps what was booked and shows what the insured area re-derived
    expect(await ledgerEntry(s2.setl_id)).toMatchObject({
      status: 'booked',
      amounts: { act_pay_dedc: 50, hifp_pay: 60 },
      adjusted: { act_pay_dedc: 150, hifp_pay: 0, psn_cash_pay: 150 },
    });
    expect(await ledgerEntry(s3.setl_id)).toMatchObject({
      status: 'booked',
      amounts: { act_pay_dedc: 0, hifp_pay: 90 },
      adjusted: { act_pay_dedc: 50, hifp_pay: 60, psn_cash_pay: 90 },
    });
    expect(await ledgerEntry(s1.setl_id)).toMatchObject({ status: 'cancelled', cancel_setl_id: refund.body.cancel_setl_id });

    // the settlement shows its cancellation; a second refund is refused
    const again = await call('POST', `/v1/settlements/${s1.setl_id}/refund`, { reason_code: 'patient_request' });
    expect([again.status, again.body.error.code]).toEqual([409, 'GW_BIZ_SETTLEMENT_ALREADY_CANCELLED']);
    // a later settlement (S2, now re-derived) can be refunded too: its current benefits come back
    const r2 = await call('POST', `/v1/settlements/${s2.setl_id}/refund`, { reason_code: 'fee_error' });
    expect(r2.status, r2.text).toBe(200);
    // S2' (dedc 150, hifp 0) refunded; S3 re-derived to dedc 150, hifp 0 (Δ fund −60):
    //   hifp −0 − 60 = −60; psn_part = −150 + 60 = −90
    expect(pick(r2.body.cancellation_slip)).toMatchObject({
      act_pay_dedc: -150 + 100,
      hifp_pay: -60,
      psn_part_amt: -90,
      psn_cash_pay: -90,
    });
    expect((await person()).accumulations['2026']).toEqual({ dedc_used: 150, pool_paid: 0 });
  });
});

describe('跨年退费 and 清算后退费', () => {
  it("a refund in January of a December settlement, after December was cleared, moves December's accumulations, not January's", async () => {
    now = new Date('2026-12-20T02:00:00Z');
    // December: 阿莫西林 10 × 30.00 = 300.00: act_pay_dedc 200, hifp round2(100 × 0.6) = 60, cash 240
    const dec = await settledVisit([line('1', CODES.amoxicillin, 10, 30)], '2026-12-20 09:00:00');
    expect(pick(dec.slip)).toMatchObject({ act_pay_dedc: 200, hifp_pay: 60, psn_cash_pay: 240 });
    const cleared = await control('POST', '/clearing', { month: '2026-12' });
    expect(cleared).toEqual({ month: '2026-12', cleared: 1 });

    now = new Date('2027-01-05T02:00:00Z');
    // January, a new year: 100.00 all in the new deductible: act_pay_dedc 100, hifp 0
    const jan = await settledVisit([line('1', CODES.amoxicillin, 4, 25)], '2027-01-05 09:00:00');
    expect(pick(jan.slip)).toMatchObject({ act_pay_dedc: 100, hifp_pay: 0 });
    expect((await person()).accumulations).toEqual({ '2026': { dedc_used: 200, pool_paid: 60 }, '2027': { dedc_used: 100, pool_paid: 0 } });

    const refund = await call('POST', `/v1/settlements/${dec.setl_id}/refund`, { reason_code: 'drug_return' });
    expect(refund.status, refund.text).toBe(200);
    // nothing later in 2026 to re-derive: the December amounts negated
    expect(pick(refund.body.cancellation_slip)).toEqual({
      medfee_sumamt: -300,
      inscp_scp_amt: -300,
      act_pay_dedc: -200,
      hifp_pay: -60,
      fund_pay_sumamt: -60,
      psn_part_amt: -240,
      acct_pay: 0,
      psn_cash_pay: -240,
    });
    expect(refund.body.cancellation_slip.setl_time).toMatch(/^2027-01-05/);
    // December's year is emptied; January's is untouched (the January settlement is not re-derived)
    expect((await person()).accumulations).toEqual({ '2027': { dedc_used: 100, pool_paid: 0 } });
    expect(await ledgerEntry(jan.setl_id)).toMatchObject({ adjusted: null, adjustments: [] });
    const cancellation = await ledgerEntry(refund.body.cancel_setl_id);
    expect(cancellation).toMatchObject({ kind: 'cancellation', orig_setl_id: dec.setl_id, after_clearing: true, cleared_month: null });
    expect(await ledgerEntry(dec.setl_id)).toMatchObject({ status: 'cancelled', cleared_month: '2026-12' });
  });
});

describe('partial refund (部分退费): cancel, then settle the kept lines again, one call for the HIS', () => {
  // 阿莫西林 10 × 30.00 = 300.00 (line 1) + 4 × 25.00 = 100.00 (line 2) = 400.00 in scope:
  //   act_pay_dedc 200; hifp = round2(200 × 0.6) = 120; cash 280
  const twoLines = () => [line('1', CODES.amoxicillin, 10, 30), line('2', CODES.amoxicillin, 4, 25)];

  it('survives a definite platform refusal of the re-settlement: retried, ends completed, every step journaled', async () => {
    const s = await settledVisit(twoLines());
    expect(pick(s.slip)).toMatchObject({ act_pay_dedc: 200, hifp_pay: 120, psn_cash_pay: 280 });
    await control('POST', '/faults', { kind: 'reject', infno: '2207', err_msg: '系统繁忙，请稍后再试', count: 1 });

    const r = await call('POST', `/v1/settlements/${s.setl_id}/refund`, { reason_code: 'drug_return', line_ids: ['2'] });
    expect(r.status, r.text).toBe(200);
    // the request's name, line_ids, in the answer too; the kept lines are kept_line_ids
    expect(r.body).toMatchObject({
      refund_type: 'partial',
      status: 'completed',
      settlement_kind: 'outpatient',
      line_ids: ['2'],
      kept_line_ids: ['1'],
    });
    expect(r.body.returned_lines).toBeUndefined();
    expect(r.body.steps.map((x: any) => [x.step, x.attempt, x.outcome])).toEqual([
      ['cancel', 1, 'succeeded'],
      ['resettle', 1, 'refused'],
      ['resettle', 2, 'succeeded'],
    ]);
    expect(r.body.steps[1]).toMatchObject({ code: 'GW_BIZ_PLATFORM_REJECTED', platform_err_msg: '系统繁忙，请稍后再试' });
    // cancel: −400 (dedc −200, hifp −120, cash −280); re-settle line 1, 300.00: dedc 200, hifp 60, cash 240
    expect(pick(r.body.cancellation_slip)).toMatchObject({ medfee_sumamt: -400, act_pay_dedc: -200, hifp_pay: -120, psn_cash_pay: -280 });
    expect(pick(r.body.settlement_slip)).toMatchObject({ medfee_sumamt: 300, act_pay_dedc: 200, hifp_pay: 60, psn_cash_pay: 240 });
    // the patient gets back 280 − 240 = 40.00 for line 2 (100.00, of which the fund had paid 60.00)
    expect(r.body.net_refund).toEqual({ psn_cash_pay: 40, acct_pay: 0, fund_pay_sumamt: 60 });
    expect(r.text).toContain('"net_refund":{"psn_cash_pay":40.00,"acct_pay":0.00,"fund_pay_sumamt":60.00}');
    expect(r.text).toContain('"medfee_sumamt":-400.00');
    expect(r.body.new_setl_id).toBe(r.body.settlement_slip.setl_id);

    // one definite state: the visit's live settlement is the new one; the old one is cancelled
    const visit = await call('GET', `/v1/outpatient/visits/${s.id}`);
    expect(visit.body.status).toBe('partially_refunded');
    expect(visit.body.settlements).toEqual([
      expect.objectContaining({ setl_id: s.setl_id, status: 'cancelled' }),
      expect.objectContaining({ setl_id: r.body.new_setl_id, status: 'booked' }),
    ]);
    expect(visit.body.pending).toBeUndefined();
    expect((await call('GET', `/v1/refunds/${r.body.refund_id}`)).body).toMatchObject({
      status: 'completed',
      new_setl_id: r.body.new_setl_id,
    });
    // every platform call of both steps is in the journal, in order (newest first there)
    const journal = await call('GET', '/v1/transactions?limit=1000');
    const calls = (journal.body.items as Array<{ infno: string; outcome: string; encounter_id?: string }>)
      .filter((t) => t.encounter_id === s.id)
      .reverse()
      .map((t) => `${t.infno}:${t.outcome}`);
    expect(calls.slice(-5)).toEqual(['2208:succeeded', '2205:succeeded', '2204:succeeded', '2207:rejected', '2207:succeeded']);
    expect((await person()).accumulations['2026']).toEqual({ dedc_used: 200, pool_paid: 60 });
  });

  it('an unknown outcome of the re-settlement ends in needs_reversal with a catalog code, never a hang', async () => {
    const s = await settledVisit(twoLines());
    // the platform books the 2207 but the reply never arrives
    await control('POST', '/faults', { kind: 'drop_reply', infno: '2207', after_booking: true, count: 1 });
    const r = await call('POST', `/v1/settlements/${s.setl_id}/refund`, { reason_code: 'drug_return', return_lines: ['2'] });
    expect([r.status, r.body.error.code]).toEqual([502, 'GW_SYS_REFUND_NEEDS_REVERSAL']);
    expect(r.body.error.details).toMatchObject({ status: 'needs_reversal', setl_id: s.setl_id, kept_line_ids: ['1'] });
    const op = await call('GET', `/v1/refunds/${r.body.error.details.refund_id}`);
    expect(op.body).toMatchObject({
      status: 'needs_reversal',
      reversal: { step: 'resettle', code: 'GW_SYS_PLATFORM_OUTCOME_UNKNOWN', transaction_id: r.body.error.transaction_id },
    });
    // the 2207 the reversal worker must reverse is the unknown one in the journal
    const t = await call('GET', `/v1/transactions/${r.body.error.transaction_id}`);
    expect(t.body).toMatchObject({ infno: '2207', outcome: 'unknown' });
    // the visit stays blocked for the reversal; repeating the refund gives a definite refusal
    const again = await call('POST', `/v1/settlements/${s.setl_id}/refund`, { reason_code: 'drug_return', return_lines: ['2'] });
    expect([again.status, again.body.error.code]).toEqual([409, 'GW_BIZ_SETTLEMENT_ALREADY_CANCELLED']);
  });

  it('a re-settlement refused every time ends resettle_failed: refunded in full, the HIS told so', async () => {
    const s = await settledVisit(twoLines());
    await control('POST', '/faults', { kind: 'reject', infno: '2207', err_msg: '参保人待遇暂停', count: 3 });
    const r = await call('POST', `/v1/settlements/${s.setl_id}/refund`, { reason_code: 'fee_error', return_lines: ['2'] });
    expect([r.status, r.body.error.code]).toEqual([422, 'GW_BIZ_REFUND_RESETTLE_FAILED']);
    expect(r.body.error.details).toMatchObject({
      status: 'resettle_failed',
      platform_err_msg: '参保人待遇暂停',
      cancellation_slip: { medfee_sumamt: -400 },
    });
    const op = await call('GET', `/v1/refunds/${r.body.error.details.refund_id}`);
    expect(op.body.steps.filter((x: any) => x.step === 'resettle')).toHaveLength(3);
  });
});

describe('bad input on the refund endpoint', () => {
  it('refuses a benefit difference (LN 54), an unknown reason code, an unknown setl_id, a foreign line', async () => {
    const s = await settledVisit([line('1', CODES.amoxicillin, 1, 30)]);
    const bd = await call('POST', `/v1/settlements/${s.setl_id}/refund`, {
      reason_code: 'benefit_difference',
      reason: '回参保地报销比例更高',
    });
    expect([bd.status, bd.body.error.code]).toEqual([422, 'GW_BIZ_REFUND_BENEFIT_DIFFERENCE']);
    expect(bd.body.error.message).toContain('待遇差');
    const unknownReason = await call('POST', `/v1/settlements/${s.setl_id}/refund`, { reason_code: 'because' });
    expect([unknownReason.status, unknownReason.body.error.code]).toEqual([400, 'GW_VAL_UNKNOWN_CODE']);
    const missing = await call('POST', `/v1/settlements/${s.setl_id}/refund`, {});
    expect([missing.status, missing.body.error.code]).toEqual([400, 'GW_VAL_SCHEMA']);
    const unknown = await call('POST', '/v1/settlements/440302000000000000000000000/refund', { reason_code: 'patient_request' });
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'GW_BIZ_SETTLEMENT_NOT_FOUND']);
    const foreign = await call('POST', `/v1/settlements/${s.setl_id}/refund`, { reason_code: 'drug_return', return_lines: ['9'] });
    expect([foreign.status, foreign.body.error.code]).toEqual([422, 'GW_BIZ_REFUND_LINES_INVALID']);
    const noOp = await call('GET', '/v1/refunds/R0000');
    expect([noOp.status, noOp.body.error.code]).toEqual([404, 'GW_BIZ_REFUND_NOT_FOUND']);
    // nothing of that reached the platform: the settlement still stands
    expect(await ledgerEntry(s.setl_id)).toMatchObject({ status: 'booked' });
    const ok = await call('POST', `/v1/settlements/${s.setl_id}/refund`, { reason_code: 'patient_request' });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ refund_type: 'full', line_ids: ['1'] });
    // the visit says what happened: refunded, not registered or settled
    expect((await call('GET', `/v1/outpatient/visits/${s.id}`)).body.status).toBe('refunded');
    const twice = await call('POST', `/v1/settlements/${s.setl_id}/refund`, { reason_code: 'patient_request' });
    expect([twice.status, twice.body.error.code]).toEqual([409, 'GW_BIZ_SETTLEMENT_ALREADY_CANCELLED']);
  });
});
