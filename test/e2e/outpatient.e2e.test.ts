import { describe, expect, it } from 'vitest';
import { api } from '../helpers/harness.js';
import { OUTPATIENT_SLIP_KEYS, slipPicker } from '../helpers/slip.js';
import { mockAndGateway } from '../helpers/suite.js';
import { CODES, diagnosesBody, EMERGENCY_CRITERION, JIANGSU, JILIN, JILIN_UNFILED, line, visitBody } from './fixtures.js';

const call = <T = any>(method: string, path: string, body?: unknown) => api<T>(sys.gw.url, method, path, body);

const sys = mockAndGateway();

const pick = slipPicker(OUTPATIENT_SLIP_KEYS);

async function registerAndDiagnose(body: Record<string, unknown>, med_type = '11') {
  const reg = await call('POST', '/v1/outpatient/visits', body);
  expect(reg.status, reg.text).toBe(201);
  const id = reg.body.visit.visit_id as string;
  const dx = await call('POST', `/v1/outpatient/visits/${id}/diagnoses`, diagnosesBody(med_type));
  expect(dx.status, dx.text).toBe(200);
  return { id, reg };
}

describe('outpatient direct settlement, end to end over HTTP', () => {
  it('Jilin employee, long-term filing: lookup → register → diagnoses → fees → pre-settle → settle → cancel, amounts as hand-computed', async () => {
    // 1101 lookup with the person at the counter (人卡一致)
    const who = await call('POST', '/v1/persons/query', {
      mdtrt_cert_type: '03',
      mdtrt_cert_no: JILIN.card_no,
      card_sn: JILIN.card_sn,
      counter_person: { psn_cert_type: '01', certno: JILIN.certno, psn_name: JILIN.psn_name },
    });
    expect(who.status, who.text).toBe(200);
    expect(who.body).toMatchObject({ insuplc_admdvs: '220100', scope: 'cross_province', cross_region: true, identity_check: 'matched' });
    expect(who.body.filing).toMatchObject({ status: 'filed', file_type: '2', term: 'long_term' });
    expect(who.body.person.psn_no).toBe(JILIN.psn_no);
    // the account balance (余额) is money like any other: a number with two decimals, not 500
    expect(who.text).toContain('"balc":500.00');

    const { id } = await registerAndDiagnose(visitBody({ mdtrt_cert_type: '01', mdtrt_cert_no: JILIN.token }));

    const fees = await call('POST', `/v1/outpatient/visits/${id}/fees`, {
      chrg_bchno: 'B001',
      lines: [
        line('1', CODES.consult, 1, '25.00'), // over the 20.00 cap: 5.00 over-limit, 20.00 in scope
        line('2', CODES.atorvastatin, 2, 38.5), // 77.00, 乙类 10 %: 7.70 prepay, 69.30 in scope
        line('3', CODES.ct, 1, 180), // cap 150: 30.00 over-limit; 乙类 10 % of 150: 15.00 prepay, 135.00 in scope
        line('4', CODES.amoxicillin, 3, '12.345', { det_item_fee_sumamt: '37.04' }), // 37.035 → 37.04 (half up)
        line('5', CODES.cosmetic, 1, 60), // 丙类: 60.00 fully self-paid
      ],
    });
    expect(fees.status, fees.text).toBe(201);
    // fulamt 60.00 + overlmt 35.00 + prepay 22.70 + in-scope 261.34 = 379.04
    expect(fees.body.totals).toEqual({
      medfee_sumamt: 379.04,
      fulamt_ownpay_amt: 60,
      overlmt_selfpay: 35,
      preselfpay_amt: 22.7,
      inscp_scp_amt: 261.34,
    });
    // numbers with two decimals in the answer's text: the totals and each line (never "25.00" strings)
    expect(fees.text).toContain(
      '"totals":{"medfee_sumamt":379.04,"fulamt_ownpay_amt":60.00,"overlmt_selfpay":35.00,"preselfpay_amt":22.70,"inscp_scp_amt":261.34}',
    );
    expect(fees.text).toContain('"det_item_fee_sumamt":25.00');
    expect(fees.text).toContain('"overlmt_amt":5.00');
    expect(fees.text).not.toMatch(/"-?\d+\.\d{2}"/);
    expect(fees.body.visit.status).toBe('registered');

    // Jilin 310 outpatient: deductible 200, ratio 60 %, cap 2000, account balance 500.00
    //   act_pay_dedc = min(261.34, 200) = 200.00
    //   hifp_pay     = round2((261.34 − 200) × 0.60) = round2(36.804) = 36.80
    //   psn_part_amt = 379.04 − 36.80 = 342.24; acct_pay = min(500, 342.24) = 342.24; cash 0.00; balc 157.76
    const expected = {
      medfee_sumamt: 379.04,
      fulamt_ownpay_amt: 60,
      overlmt_selfpay: 35,
      preselfpay_amt: 22.7,
      inscp_scp_amt: 261.34,
      act_pay_dedc: 200,
      hifp_pay: 36.8,
      fund_pay_sumamt: 36.8,
      psn_part_amt: 342.24,
      acct_pay: 342.24,
      psn_cash_pay: 0,
      balc: 157.76,
    };
    const pre = await call('POST', `/v1/outpatient/visits/${id}/pre-settlement`, { medfee_sumamt: '379.04', acct_used_flag: '1' });
    expect(pre.status, pre.text).toBe(200);
    expect(pick(pre.body.slip)).toEqual(expected);
    expect(pre.text).toContain('"medfee_sumamt":379.04');
    expect(pre.text).toContain('"psn_cash_pay":0.00'); // two decimals on the wire

    const setl = await call('POST', `/v1/outpatient/visits/${id}/settlement`, {
      medfee_sumamt: 379.04,
      acct_used_flag: '1',
      invono: 'INV0001',
    });
    expect(setl.status, setl.text).toBe(201);
    expect(pick(setl.body.slip)).toEqual(expected);
    expect(setl.body.slip.setldetail).toEqual([expect.objectContaining({ fund_pay_type: '310100', fund_payamt: 36.8 })]);
    expect(setl.headers.get('x-transaction-id')).toBe(setl.body.transaction_id);
    const setl_id = setl.body.setl_id as string;
    expect(setl.body.visit.status).toBe('settled'); // not "registered" after a settlement
    // staff read the same in the console's transaction detail
    const detail = await api(sys.gw.url, 'GET', `/v1/console/transactions/${setl.body.transaction_id}`, undefined, {}, { auth: 'staff' });
    expect(detail.body.encounter).toMatchObject({ id, kind: 'outpatient', status: 'settled' });

    const after = await api(sys.mock.control, 'GET', `/persons/${JILIN.psn_no}`);
    expect(JSON.stringify(after.body)).toContain('157.76');

    const shown = await call('GET', `/v1/settlements/${setl_id}`);
    expect(shown.status).toBe(200);
    expect(shown.body.slip.hifp_pay).toBe(36.8);

    const cancel = await call('POST', `/v1/settlements/${setl_id}/cancel`, { reason: '患者要求退费' });
    expect(cancel.status, cancel.text).toBe(200);
    expect(pick(cancel.body.slip)).toMatchObject({ medfee_sumamt: -379.04, hifp_pay: -36.8, acct_pay: -342.24, psn_cash_pay: 0 });
    const again = await call('POST', `/v1/settlements/${setl_id}/cancel`, {});
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('GW_BIZ_SETTLEMENT_ALREADY_CANCELLED');
    // the settlement was cancelled, the visit was not: it says so, and may be settled again
    expect((await call('GET', `/v1/outpatient/visits/${id}`)).body.status).toBe('settlement_cancelled');

    // cancellation restored the accumulations: the same visit settles again to the same amounts
    const resettle = await call('POST', `/v1/outpatient/visits/${id}/settlement`, { medfee_sumamt: '379.04', acct_used_flag: '1' });
    expect(resettle.status, resettle.text).toBe(201);
    expect(pick(resettle.body.slip)).toEqual(expected);
    expect(resettle.body.visit.status).toBe('settled');
  });

  it('Jiangsu employee, referral filing, no account balance: the person pays cash, amounts as hand-computed', async () => {
    const { id } = await registerAndDiagnose(
      visitBody({ mdtrt_cert_type: '02', mdtrt_cert_no: JIANGSU.certno }, { counter_person: { certno: JIANGSU.certno } }),
    );
    const fees = await call('POST', `/v1/outpatient/visits/${id}/fees`, {
      chrg_bchno: 'B1',
      lines: [
        line('a', CODES.consult, 1, 20), // 20.00 in scope
        line('b', CODES.lianhua, 2, '14.80'), // 29.60, 乙类 20 %: 5.92 prepay, 23.68 in scope
        line('c', CODES.bloodcount, 1, 25), // at the cap: 25.00 in scope
        line('d', CODES.cefixime, 1, '456.78'), // 乙类 10 %: round2(45.678) = 45.68 prepay, 411.10 in scope
      ],
    });
    expect(fees.status, fees.text).toBe(201);
    expect(fees.body.totals).toEqual({
      medfee_sumamt: 531.38,
      fulamt_ownpay_amt: 0,
      overlmt_selfpay: 0,
      preselfpay_amt: 51.6,
      inscp_scp_amt: 479.78,
    });
    // Jiangsu 310: deductible 300, ratio 70 %: hifp = round2((479.78 − 300) × 0.70) = round2(125.846) = 125.85
    // psn_part = 531.38 − 125.85 = 405.53, balance 0: all cash
    const setl = await call('POST', `/v1/outpatient/visits/${id}/settlement`, { medfee_sumamt: '531.38', acct_used_flag: '1' });
    expect(setl.status, setl.text).toBe(201);
    expect(pick(setl.body.slip)).toEqual({
      medfee_sumamt: 531.38,
      fulamt_ownpay_amt: 0,
      overlmt_selfpay: 0,
      preselfpay_amt: 51.6,
      inscp_scp_amt: 479.78,
      act_pay_dedc: 300,
      hifp_pay: 125.85,
      fund_pay_sumamt: 125.85,
      psn_part_amt: 405.53,
      acct_pay: 0,
      psn_cash_pay: 405.53,
      balc: 0,
    });
  });

  it('carries the emergency flag: an un-filed patient settles as filed (视同已备案) with med_type 13 and er_flag 1 where the record puts it', async () => {
    const body = visitBody(
      { mdtrt_cert_type: '01', mdtrt_cert_no: JILIN_UNFILED.token },
      { emergency: true, emergency_criterion: EMERGENCY_CRITERION },
    );
    const { id, reg } = await registerAndDiagnose(body, '13');
    expect(reg.body.person.filing.status).toBe('not_filed');
    const fees = await call('POST', `/v1/outpatient/visits/${id}/fees`, { chrg_bchno: 'E1', lines: [line('1', CODES.consult, 1, 20)] });
    expect(fees.status).toBe(201);
    const setl = await call('POST', `/v1/outpatient/visits/${id}/settlement`, { medfee_sumamt: 20, acct_used_flag: '0' });
    expect(setl.status, setl.text).toBe(201);
    // what went on the wire
    const visit = await call('GET', `/v1/outpatient/visits/${id}`);
    const t2203 = await call('GET', `/v1/transactions?infno=2203&mdtrt_id=${visit.body.mdtrt_id}`);
    const stages = (await call('GET', `/v1/transactions/${t2203.body.items[0].transaction_id}`)).body.stages;
    const msg = stages.message;
    expect(msg.mdtrtinfo).toMatchObject({ med_type: '13' });
    // OUTPATIENT_ER_FLAG_PLACEMENT fee_exp_content (the default): no public field list has er_flag on 2201/2203
    expect(msg.mdtrtinfo).not.toHaveProperty('er_flag');
    // the sent envelope is shown whole, though the journal keeps its input only once (as the message)
    expect(stages.envelope).toMatchObject({ infno: '2203', input: msg });
    const stored = await sys.gw.gw.store.getTransaction(t2203.body.items[0].transaction_id);
    expect(stored!.stages.envelope).not.toHaveProperty('input');
    const t2201 = await call('GET', `/v1/transactions?infno=2201&mdtrt_id=${visit.body.mdtrt_id}`);
    expect((await call('GET', `/v1/transactions/${t2201.body.items[0].transaction_id}`)).body.stages.message.data).not.toHaveProperty(
      'er_flag',
    );
    // openhis: 2204 feedetail[].exp_content, a JSON string
    const t2204 = await call('GET', `/v1/transactions?infno=2204&mdtrt_id=${visit.body.mdtrt_id}`);
    const lines = (await call('GET', `/v1/transactions/${t2204.body.items[0].transaction_id}`)).body.stages.message.feedetail;
    expect(lines.map((l: { exp_content: string }) => JSON.parse(l.exp_content))).toEqual([{ er_flag: '1' }]);
  });

  it('refuses direct settlement of an un-filed, non-emergency patient with the filing error', async () => {
    const { id } = await registerAndDiagnose(visitBody({ mdtrt_cert_type: '01', mdtrt_cert_no: JILIN_UNFILED.token }));
    await call('POST', `/v1/outpatient/visits/${id}/fees`, { chrg_bchno: 'F1', lines: [line('1', CODES.consult, 1, 20)] });
    const pre = await call('POST', `/v1/outpatient/visits/${id}/pre-settlement`, { medfee_sumamt: 20, acct_used_flag: '0' });
    expect(pre.status).toBe(422);
    expect(pre.body.error).toMatchObject({ code: 'GW_FIL_NOT_FILED', category: 'filing' });
    expect(pre.body.error.details.platform_err_msg).toContain('备案');
    expect(pre.body.error.transaction_id).toMatch(/^H44030500001\d{18}$/);
  });

  it('an emergency visit must say so in med_type, and a non-emergency one must not', async () => {
    const em = await call(
      'POST',
      '/v1/outpatient/visits',
      visitBody({ mdtrt_cert_type: '01', mdtrt_cert_no: JILIN.token }, { emergency: true, emergency_criterion: EMERGENCY_CRITERION }),
    );
    const r1 = await call('POST', `/v1/outpatient/visits/${em.body.visit.visit_id}/diagnoses`, diagnosesBody('11'));
    expect(r1.status).toBe(422);
    expect(r1.body.error.code).toBe('GW_VAL_EMERGENCY_FLAG_MISMATCH');
    const plain = await call('POST', '/v1/outpatient/visits', visitBody({ mdtrt_cert_type: '01', mdtrt_cert_no: JILIN.token }));
    const r2 = await call('POST', `/v1/outpatient/visits/${plain.body.visit.visit_id}/diagnoses`, diagnosesBody('13'));
    expect(r2.body.error.code).toBe('GW_VAL_EMERGENCY_FLAG_MISMATCH');
  });

  it('stops a visit when the person at the counter is not the credential owner (人卡一致)', async () => {
    const res = await call(
      'POST',
      '/v1/outpatient/visits',
      visitBody(
        { mdtrt_cert_type: '01', mdtrt_cert_no: JILIN.token },
        { counter_person: { certno: JIANGSU.certno, psn_name: JIANGSU.psn_name } },
      ),
    );
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({ code: 'GW_ID_PERSON_CREDENTIAL_MISMATCH', category: 'security' });
    expect(res.body.error.details.mismatched_fields).toEqual(['certno', 'psn_name']);
    expect(res.text).not.toContain(JILIN.certno); // the refusal names fields, not values
    const q = await call('POST', '/v1/persons/query', {
      mdtrt_cert_type: '01',
      mdtrt_cert_no: JILIN.token,
      counter_person: { psn_name: '别人' },
    });
    expect(q.body.error.code).toBe('GW_ID_PERSON_CREDENTIAL_MISMATCH');
  });

  it('enforces the visit state machine: no settlement before fees, none twice, no fees after settlement, no cancel of a settled registration', async () => {
    const { id } = await registerAndDiagnose(visitBody({ mdtrt_cert_type: '01', mdtrt_cert_no: JILIN.token }));
    const early = await call('POST', `/v1/outpatient/visits/${id}/settlement`, { medfee_sumamt: 20, acct_used_flag: '0' });
    expect([early.status, early.body.error.code]).toEqual([409, 'GW_BIZ_VISIT_NO_FEES']);
    await call('POST', `/v1/outpatient/visits/${id}/fees`, { chrg_bchno: 'S1', lines: [line('1', CODES.consult, 1, 20)] });
    const wrongTotal = await call('POST', `/v1/outpatient/visits/${id}/settlement`, { medfee_sumamt: 21, acct_used_flag: '0' });
    expect([wrongTotal.status, wrongTotal.body.error.code]).toEqual([422, 'GW_VAL_TOTAL_MISMATCH']);
    const ok = await call('POST', `/v1/outpatient/visits/${id}/settlement`, { medfee_sumamt: 20, acct_used_flag: '0' });
    expect(ok.status, ok.text).toBe(201);
    const twice = await call('POST', `/v1/outpatient/visits/${id}/settlement`, { medfee_sumamt: 20, acct_used_flag: '0' });
    expect([twice.status, twice.body.error.code]).toEqual([409, 'GW_BIZ_VISIT_ALREADY_SETTLED']);
    const moreFees = await call('POST', `/v1/outpatient/visits/${id}/fees`, { chrg_bchno: 'S2', lines: [line('2', CODES.consult, 1, 20)] });
    expect([moreFees.status, moreFees.body.error.code]).toEqual([409, 'GW_BIZ_VISIT_ALREADY_SETTLED']);
    const cancelReg = await call('POST', `/v1/outpatient/visits/${id}/cancel`);
    expect([cancelReg.status, cancelReg.body.error.code]).toEqual([409, 'GW_BIZ_VISIT_HAS_SETTLEMENT']);
    const ledger = await api(sys.mock.control, 'GET', '/ledger');
    const booked = (ledger.body as any[]).filter((e) => e.setl_id === ok.body.setl_id);
    expect(booked).toHaveLength(1);
  });

  it('ten concurrent settles of one visit book exactly one settlement at the platform', async () => {
    const { id } = await registerAndDiagnose(visitBody({ mdtrt_cert_type: '01', mdtrt_cert_no: JILIN.token }));
    await call('POST', `/v1/outpatient/visits/${id}/fees`, { chrg_bchno: 'C1', lines: [line('1', CODES.consult, 1, 20)] });
    const before = ((await api(sys.mock.control, 'GET', '/calls?infno=2207')).body as any[]).length;
    const results = await Promise.all(
      Array.from({ length: 10 }, () => call('POST', `/v1/outpatient/visits/${id}/settlement`, { medfee_sumamt: 20, acct_used_flag: '0' })),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(results.filter((r) => r.status !== 201).every((r) => r.status === 409)).toBe(true);
    const after = ((await api(sys.mock.control, 'GET', '/calls?infno=2207')).body as any[]).length;
    expect(after - before).toBe(1);
  });

  it('cancels fees and a registration that has no settlement', async () => {
    const { id } = await registerAndDiagnose(visitBody({ mdtrt_cert_type: '01', mdtrt_cert_no: JILIN.token }));
    await call('POST', `/v1/outpatient/visits/${id}/fees`, { chrg_bchno: 'X1', lines: [line('1', CODES.consult, 1, 20)] });
    const fc = await call('POST', `/v1/outpatient/visits/${id}/fees/cancel`, { chrg_bchno: '0000' });
    expect(fc.status, fc.text).toBe(200);
    expect(fc.body.visit.unsettled_lines).toBe(0);
    const c = await call('POST', `/v1/outpatient/visits/${id}/cancel`);
    expect(c.status, c.text).toBe(200);
    expect(c.body.visit.status).toBe('cancelled');
    const late = await call('POST', `/v1/outpatient/visits/${id}/fees`, { chrg_bchno: 'X2', lines: [line('2', CODES.consult, 1, 20)] });
    expect(late.body.error.code).toBe('GW_BIZ_VISIT_CANCELLED');
  });

  it('re-signs in (9001) when the platform says the sign-in expired, and the call goes through', async () => {
    await api(sys.mock.control, 'POST', '/sign-ins/expire');
    const who = await call('POST', '/v1/persons/query', { mdtrt_cert_type: '01', mdtrt_cert_no: JILIN.token });
    expect(who.status, who.text).toBe(200);
    const t = await call('GET', '/v1/transactions?infno=1101&limit=2');
    expect(t.body.items[0].parent_id).toBe(t.body.items[1].transaction_id);
    expect(t.body.items[1].outcome).toBe('rejected');
  });

  it('serves an OpenAPI 3.1 document built from the same schemas, with code tables spelled out', async () => {
    const doc = await call('GET', '/openapi.json');
    expect(doc.body.openapi).toBe('3.1.0');
    expect(doc.body.paths['/v1/outpatient/visits/{id}/settlement'].post['x-infno']).toBe('2207');
    expect(doc.body.components.schemas['visit-create.request'].required).toContain('emergency');
    expect(JSON.stringify(doc.body)).not.toContain('common.json');
    expect(doc.body.components.schemas.common.$defs.credential.properties.mdtrt_cert_type.enum).toEqual(['01', '02', '03']);
    expect(doc.body.components.securitySchemes.apiKey).toMatchObject({ type: 'apiKey', in: 'header', name: 'x-api-key' });
    expect(doc.body.paths['/healthz'].get.security).toEqual([]);
  });
});
