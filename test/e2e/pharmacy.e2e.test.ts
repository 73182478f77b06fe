/**
 * Pharmacy settlement (药店购药, 2101/2102/2103) through the POS basket API (role pos) and the
 * pharmacy API (national fields), and refunds of pharmacy settlements: a pharmacy purchase shares
 * the person's year accumulations with outpatient settlements (the mock prices it with the insured
 * area's outpatient policy), so refunding it re-derives a later outpatient settlement (LN 54).
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { api } from '../helpers/harness.js';
import { REFUND_SLIP_KEYS, slipPicker } from '../helpers/slip.js';
import { mockAndGateway } from '../helpers/suite.js';
import { CODES, diagnosesBody, JILIN, line, uniq, visitBody } from './fixtures.js';

const his = <T = any>(method: string, path: string, body?: unknown) => api<T>(sys.gw.url, method, path, body, {}, { auth: 'his' });
const pos = <T = any>(method: string, path: string, body?: unknown) => api<T>(sys.gw.url, method, path, body, {}, { auth: 'pos' });
const pick = slipPicker(REFUND_SLIP_KEYS);
const accumulations = async () =>
  (await api(sys.mock.control, 'GET', `/persons/${JILIN.psn_no}`)).body.accumulations as Record<
    string,
    { dedc_used: number; pool_paid: number }
  >;
const thisYear = () => String(new Date(Date.now() + 8 * 3600_000).getUTCFullYear());

const sys = mockAndGateway();
beforeEach(async () => {
  await api(sys.mock.control, 'POST', '/reset');
});

function basket(extra: Record<string, unknown> = {}) {
  return {
    receipt_no: uniq('POS'),
    credential: { type: '01', number: JILIN.token },
    counter_person: { certno: JILIN.certno, psn_name: JILIN.psn_name },
    items: [
      { list_code: CODES.amoxicillin, barcode: '6901234567890', name: '阿莫西林胶囊', quantity: 2, unit_price: '30.00', rx_no: 'RX0001' }, // 甲类: 60.00 in scope
      { list_code: CODES.lianhua, name: '连花清瘟胶囊', quantity: 2, unit_price: 15 }, // 乙类 20 %: 6.00 prepay, 24.00 in scope
    ],
    payment: { use_account: false },
    ...extra,
  };
}

describe('POS basket API (role pos)', () => {
  it('quotes and sells a basket, then refunds it through the POS API; a later outpatient settlement is re-derived (隔笔退费)', async () => {
    // Jilin, fresh year: in scope 84.00 → act_pay_dedc = min(84, 200) = 84; hifp 0; cash 90.00 (6.00 prepay + 84.00)
    const quote = await pos('POST', '/v1/pos/sales/quote', basket());
    expect(quote.status, quote.text).toBe(200);
    expect(quote.body.collect).toEqual({ total: 90, funds_pay: 0, account_pays: 0, cash_to_collect: 90 });
    expect(await accumulations()).toEqual({}); // a quote books nothing

    const b = basket({ total: '90.00' });
    const sale = await pos('POST', '/v1/pos/sales', b);
    expect(sale.status, sale.text).toBe(201);
    // money is a number with two decimals in the answer's text, the slip's and the collect's alike
    expect(sale.text).toContain('"collect":{"total":90.00,"funds_pay":0.00,"account_pays":0.00,"cash_to_collect":90.00}');
    expect(sale.text).toContain('"medfee_sumamt":90.00');
    expect((await pos('GET', `/v1/pos/sales/${b.receipt_no}`)).body.status).toBe('settled');
    expect(sale.body).toMatchObject({
      receipt_no: b.receipt_no,
      line_ids: ['1', '2'],
      collect: { total: 90, funds_pay: 0, cash_to_collect: 90 },
    });
    expect(pick(sale.body.slip)).toEqual({
      medfee_sumamt: 90,
      inscp_scp_amt: 84,
      act_pay_dedc: 84,
      hifp_pay: 0,
      fund_pay_sumamt: 0,
      psn_part_amt: 90,
      acct_pay: 0,
      psn_cash_pay: 90,
    });
    expect(sale.body.slip.med_type).toBe('41');

    // a later outpatient settlement: 阿莫西林 10 × 30.00 = 300.00 in scope
    //   act_pay_dedc = min(300, 200 − 84) = 116; hifp = round2(184 × 0.6) = 110.40; cash 189.60
    const reg = await his(
      'POST',
      '/v1/outpatient/visits',
      visitBody({ mdtrt_cert_type: '01', mdtrt_cert_no: JILIN.token }, { begntime: sale.body.slip.setl_time }),
    );
    const id = reg.body.visit.visit_id as string;
    await his('POST', `/v1/outpatient/visits/${id}/diagnoses`, diagnosesBody());
    await his('POST', `/v1/outpatient/visits/${id}/fees`, { chrg_bchno: 'B1', lines: [line('1', CODES.amoxicillin, 10, 30)] });
    const setl = await his('POST', `/v1/outpatient/visits/${id}/settlement`, { medfee_sumamt: 300, acct_used_flag: '0' });
    expect(pick(setl.body.slip)).toMatchObject({ act_pay_dedc: 116, hifp_pay: 110.4, psn_cash_pay: 189.6 });
    expect((await accumulations())[thisYear()]).toEqual({ dedc_used: 200, pool_paid: 110.4 });

    // refund the (earlier) pharmacy sale at the POS
    const refund = await pos('POST', `/v1/pos/sales/${b.receipt_no}/refund`, { reason_code: 'drug_return', reason: '顾客退药' });
    expect(refund.status, refund.text).toBe(200);
    // the outpatient settlement re-derived without the sale: dedc min(300, 200) = 200, hifp round2(100 × 0.6) = 60 (Δ fund −50.40)
    // the refund: medfee −90; dedc −84 + 84 = 0; hifp −0 − 50.40 = −50.40; psn_part = −90 + 50.40 = −39.60
    expect(refund.body).toMatchObject({ receipt_no: b.receipt_no, refund_type: 'full', status: 'completed', setl_id: sale.body.setl_id });
    expect(pick(refund.body.cancellation_slip)).toEqual({
      medfee_sumamt: -90,
      inscp_scp_amt: -84,
      act_pay_dedc: 0,
      hifp_pay: -50.4,
      fund_pay_sumamt: -50.4,
      psn_part_amt: -39.6,
      acct_pay: 0,
      psn_cash_pay: -39.6,
    });
    expect(refund.body.net_refund).toEqual({ psn_cash_pay: 39.6, acct_pay: 0, fund_pay_sumamt: 50.4 });
    expect((await accumulations())[thisYear()]).toEqual({ dedc_used: 200, pool_paid: 60 });

    expect(refund.body.line_ids).toEqual(['1', '2']); // the sale's line_ids: every line went back
    expect(refund.text).toContain('"net_refund":{"psn_cash_pay":39.60,"acct_pay":0.00,"fund_pay_sumamt":50.40}');

    const after = await pos('GET', `/v1/pos/sales/${b.receipt_no}`);
    expect(after.body.status).toBe('refunded'); // not "settled" after a full refund
    expect(after.body.settlements).toEqual([
      expect.objectContaining({ setl_id: sale.body.setl_id, status: 'cancelled', cancel_setl_id: refund.body.cancel_setl_id }),
    ]);
    // the platform saw 2101, 2102 and 2103, each with the msgid the gateway journaled
    const calls = (await api(sys.mock.control, 'GET', '/calls')).body as Array<{ infno: string; infcode: number }>;
    expect(calls.filter((c) => ['2101', '2102', '2103'].includes(c.infno)).map((c) => `${c.infno}:${c.infcode}`)).toEqual([
      '2101:0',
      '2102:0',
      '2103:0',
    ]);
  });

  it('refuses a POS total that differs from the items, a repeated receipt, and a benefit-difference refund', async () => {
    const mb = basket({ total: 91 });
    const mismatch = await pos('POST', '/v1/pos/sales', mb);
    expect([mismatch.status, mismatch.body.error.code]).toEqual([422, 'GW_POS_TOTAL_MISMATCH']);
    expect(mismatch.body.error.details).toEqual({ problem: 'total_mismatch', pos_total: 91, items_total: 90, receipt_no: mb.receipt_no });
    expect(mismatch.text).toContain('"pos_total":91.00,"items_total":90.00');
    // the POS's words: the receipt and its items, never the HIS or a batch (批次)
    const words = `${mismatch.body.error.message} ${mismatch.body.error.message_en} ${mismatch.body.error.action} ${mismatch.body.error.action_en}`;
    expect(words).toContain('小票');
    expect(words).not.toMatch(/HIS|batch|批|明细/);
    const noItems = await pos('POST', '/v1/pos/sales', basket({ items: [] }));
    expect([noItems.status, noItems.body.error.code]).toEqual([400, 'GW_VAL_SCHEMA']);
    const badCred = await pos('POST', '/v1/pos/sales', basket({ credential: { type: '09', number: 'x' } }));
    expect([badCred.status, badCred.body.error.code]).toEqual([400, 'GW_VAL_UNKNOWN_CODE']);

    const b = basket();
    expect((await pos('POST', '/v1/pos/sales', b)).status).toBe(201);
    const dup = await pos('POST', '/v1/pos/sales', b);
    expect([dup.status, dup.body.error.code]).toEqual([409, 'GW_POS_DUPLICATE_RECEIPT']);
    expect(dup.body.error.details).toMatchObject({ receipt_no: b.receipt_no, status: 'settled' });
    expect(dup.body.error.details.sale_no).toBeUndefined();
    const bd = await pos('POST', `/v1/pos/sales/${b.receipt_no}/refund`, { reason_code: 'benefit_difference' });
    expect([bd.status, bd.body.error.code]).toEqual([422, 'GW_BIZ_REFUND_BENEFIT_DIFFERENCE']);
    const unknown = await pos('POST', '/v1/pos/sales/NO-SUCH-RECEIPT/refund', { reason_code: 'drug_return' });
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'GW_POS_SALE_NOT_FOUND']);
    expect(unknown.body.error.details).toEqual({ receipt_no: 'NO-SUCH-RECEIPT' });
    // only the one sale was booked
    const ledger = (await api(sys.mock.control, 'GET', '/ledger')).body as Array<{ infno: string; status: string }>;
    expect(ledger.map((e) => `${e.infno}:${e.status}`)).toEqual(['2102:booked']);
  });
});

describe("POS returns by line_ids (the sale answer's own name)", () => {
  it('returns one item by line_ids: the sale says partially_refunded; a line not on the receipt and a second return speak POS words', async () => {
    const b = basket();
    const sale = await pos('POST', '/v1/pos/sales', b);
    expect(sale.status, sale.text).toBe(201);
    expect(sale.body.line_ids).toEqual(['1', '2']);

    const foreign = await pos('POST', `/v1/pos/sales/${b.receipt_no}/refund`, { reason_code: 'drug_return', line_ids: ['9'] });
    expect([foreign.status, foreign.body.error.code]).toEqual([422, 'GW_POS_REFUND_LINES_INVALID']);
    expect(foreign.body.error.details).toMatchObject({ receipt_no: b.receipt_no, not_on_receipt: ['9'], receipt_lines: ['1', '2'] });
    expect(JSON.stringify(foreign.body.error)).not.toMatch(/feedetl_sn|settlement_lines|HIS/);

    // the deprecated request name and the new one together are refused: one name
    const both = await pos('POST', `/v1/pos/sales/${b.receipt_no}/refund`, {
      reason_code: 'drug_return',
      line_ids: ['2'],
      return_lines: ['2'],
    });
    expect(both.status).toBe(400);

    const part = await pos('POST', `/v1/pos/sales/${b.receipt_no}/refund`, { reason_code: 'drug_return', line_ids: ['2'] });
    expect(part.status, part.text).toBe(200);
    expect(part.body).toMatchObject({
      receipt_no: b.receipt_no,
      refund_type: 'partial',
      status: 'completed',
      line_ids: ['2'],
      kept_line_ids: ['1'],
    });
    // kept: 阿莫西林 2 × 30.00 = 60.00
    expect(part.text).toContain('"medfee_sumamt":60.00');
    const view = await pos('GET', `/v1/pos/sales/${b.receipt_no}`);
    expect(view.body.status).toBe('partially_refunded');
    expect(view.body.settlements.map((x: any) => [x.status, x.line_ids])).toEqual([
      ['cancelled', ['1', '2']],
      ['booked', ['1']],
    ]);

    // the rest back: the old request name still works (deprecated), and the sale is refunded
    const rest = await pos('POST', `/v1/pos/sales/${b.receipt_no}/refund`, { reason_code: 'drug_return', return_lines: ['1'] });
    expect(rest.status, rest.text).toBe(200);
    expect(rest.body).toMatchObject({ refund_type: 'full', line_ids: ['1'] });
    expect((await pos('GET', `/v1/pos/sales/${b.receipt_no}`)).body.status).toBe('refunded');
    const again = await pos('POST', `/v1/pos/sales/${b.receipt_no}/refund`, { reason_code: 'drug_return' });
    expect([again.status, again.body.error.code]).toEqual([409, 'GW_POS_SALE_ALREADY_REFUNDED']);
    expect(again.body.error.details).toEqual({ receipt_no: b.receipt_no, status: 'refunded' });
  });
});

describe('pharmacy API (national fields)', () => {
  it('settles, then refunds some lines: 2103 then 2102 for the kept lines, as one call', async () => {
    const sale_no = uniq('PH');
    const at = new Date(Date.now() + 8 * 3600_000).toISOString().replace('T', ' ').slice(0, 19);
    const req = {
      mdtrt_cert_type: '02',
      mdtrt_cert_no: JILIN.certno,
      sale_no,
      begntime: at,
      medfee_sumamt: '400.00',
      acct_used_flag: '0',
      drugdetail: [
        {
          feedetl_sn: 'D1',
          fee_ocur_time: at,
          med_list_codg: CODES.amoxicillin,
          medins_list_codg: 'YP-001',
          cnt: 10,
          pric: 30,
          rxno: 'RX9',
        },
        {
          feedetl_sn: 'D2',
          fee_ocur_time: at,
          med_list_codg: CODES.amoxicillin,
          medins_list_codg: 'YP-001',
          cnt: 4,
          pric: '25.00',
          det_item_fee_sumamt: '100.00',
        },
      ],
    };
    const pre = await his('POST', '/v1/pharmacy/pre-settlement', req);
    expect(pre.status, pre.text).toBe(200);
    // 400.00 in scope: dedc 200; hifp round2(200 × 0.6) = 120; cash 280
    expect(pick(pre.body.slip)).toMatchObject({ act_pay_dedc: 200, hifp_pay: 120, psn_cash_pay: 280 });
    const setl = await his('POST', '/v1/pharmacy/settlements', req);
    expect(setl.status, setl.text).toBe(201);
    expect(setl.body).toMatchObject({ sale_no, status: 'settled', setl_id: expect.any(String) });
    expect(setl.text).toContain('"det_item_fee_sumamt":300.00');
    expect(setl.text).toContain('"det_item_fee_sumamt":100.00');
    expect(setl.text).not.toContain(JILIN.certno); // the credential number never comes back

    const r = await his('POST', `/v1/pharmacy/settlements/${setl.body.setl_id}/refund`, {
      reason_code: 'drug_return',
      line_ids: ['D2'],
    });
    expect(r.status, r.text).toBe(200);
    expect(r.body).toMatchObject({
      refund_type: 'partial',
      status: 'completed',
      settlement_kind: 'pharmacy',
      line_ids: ['D2'],
      kept_line_ids: ['D1'],
    });
    expect(r.body.steps.map((x: any) => `${x.step}:${x.outcome}`)).toEqual(['cancel:succeeded', 'resettle:succeeded']);
    // cancel −400 (dedc −200, hifp −120, cash −280); kept 300: dedc 200, hifp 60, cash 240 → 40.00 back
    expect(pick(r.body.cancellation_slip)).toMatchObject({ medfee_sumamt: -400, hifp_pay: -120, psn_cash_pay: -280 });
    expect(pick(r.body.settlement_slip)).toMatchObject({ medfee_sumamt: 300, act_pay_dedc: 200, hifp_pay: 60, psn_cash_pay: 240 });
    expect(r.body.net_refund).toEqual({ psn_cash_pay: 40, acct_pay: 0, fund_pay_sumamt: 60 });

    const kept = await his('GET', `/v1/pharmacy/settlements/${r.body.new_setl_id}`);
    expect(kept.body).toMatchObject({ sale_no, status: 'booked', feedetl_sns: ['D1'] });
    const old = await his('GET', `/v1/pharmacy/settlements/${setl.body.setl_id}`);
    expect(old.body).toMatchObject({ status: 'cancelled', cancellation: { setl_id: r.body.cancel_setl_id } });
    // the generic refund endpoint finds pharmacy settlements too; the cancelled one is refused
    const again = await his('POST', `/v1/settlements/${setl.body.setl_id}/refund`, { reason_code: 'drug_return' });
    expect([again.status, again.body.error.code]).toEqual([409, 'GW_BIZ_SETTLEMENT_ALREADY_CANCELLED']);
  });

  it('refuses a line total that is not cnt × pric and a total that differs from the lines, before any platform call', async () => {
    const at = '2026-11-23 10:00:00';
    const base = { mdtrt_cert_type: '01', mdtrt_cert_no: JILIN.token, sale_no: uniq('PH'), begntime: at, acct_used_flag: '0' };
    const l = { feedetl_sn: '1', fee_ocur_time: at, med_list_codg: CODES.amoxicillin, medins_list_codg: 'YP', cnt: 3, pric: '1.11' };
    const lineBad = await his('POST', '/v1/pharmacy/settlements', {
      ...base,
      medfee_sumamt: 3.34,
      drugdetail: [{ ...l, det_item_fee_sumamt: 3.34 }],
    });
    expect([lineBad.status, lineBad.body.error.code]).toEqual([422, 'GW_VAL_LINE_AMOUNT_MISMATCH']);
    const totalBad = await his('POST', '/v1/pharmacy/settlements', { ...base, medfee_sumamt: 4, drugdetail: [l] });
    expect([totalBad.status, totalBad.body.error.code]).toEqual([422, 'GW_VAL_TOTAL_MISMATCH']);
    const calls = (await api(sys.mock.control, 'GET', '/calls')).body as Array<{ infno: string }>;
    expect(calls.filter((c) => c.infno.startsWith('21'))).toEqual([]);
  });
});
