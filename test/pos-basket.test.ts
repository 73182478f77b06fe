import { describe, expect, it } from 'vitest';
import { basketProblem, basketToPharmacyRequest } from '../adapters/pos/basket.js';
import { Schemas } from '../gateway/validation.js';
import type { PosBasketRequest } from '../gateway/generated/api/pos-basket.request.js';

const basket: PosBasketRequest = {
  receipt_no: 'R0001',
  credential: { type: '01', number: 'EVT22000000000000000001A1B2C3D4' },
  items: [
    {
      list_code: 'XJ01CAA040A001010100000',
      barcode: '6901234567890',
      name: '阿莫西林胶囊',
      quantity: 3,
      unit_price: '12.345',
      rx_no: 'RX77',
    },
    { list_code: 'ZA01AAL0137010103212', quantity: '2', unit_price: 15 },
  ],
  payment: { use_account: true, invoice_no: 'INV9' },
};

describe('POS basket -> canonical pharmacy request (adapters/pos/basket.ts)', () => {
  it('maps items onto national drug lines: list code, own code, line totals half up, prescription number', () => {
    const req = basketToPharmacyRequest(basket, '2026-11-23 10:00:00');
    expect(req).toMatchObject({
      mdtrt_cert_type: '01',
      mdtrt_cert_no: basket.credential.number,
      med_type: '41', // 定点药店购药
      sale_no: 'R0001',
      begntime: '2026-11-23 10:00:00',
      medfee_sumamt: '67.04', // 3 × 12.345 = 37.035 → 37.04, + 30.00
      acct_used_flag: '1',
      invono: 'INV9',
    });
    expect(req.drugdetail).toEqual([
      {
        feedetl_sn: '1',
        fee_ocur_time: '2026-11-23 10:00:00',
        med_list_codg: 'XJ01CAA040A001010100000',
        medins_list_codg: '6901234567890',
        cnt: '3',
        pric: '12.345',
        det_item_fee_sumamt: '37.04',
        rxno: 'RX77',
        rx_circ_flag: '0',
      },
      {
        feedetl_sn: '2',
        fee_ocur_time: '2026-11-23 10:00:00',
        med_list_codg: 'ZA01AAL0137010103212',
        medins_list_codg: 'ZA01AAL0137010103212',
        cnt: '2',
        pric: '15',
        det_item_fee_sumamt: '30.00',
      },
    ]);
  });

  it('produces a request the pharmacy schema accepts, and keeps the POS sale time when it sent one', () => {
    const schemas = new Schemas();
    const req = basketToPharmacyRequest(
      {
        ...basket,
        sold_at: '2026-12-31 23:59:00',
        credential: { type: '03', number: 'JL0000001', card_sn: 'SN1' },
        payment: { use_account: false },
      },
      '2027-01-01 00:00:05',
    );
    expect(() => schemas.checkApi('pharmacy-settlement.request', req)).not.toThrow();
    expect(req).toMatchObject({ begntime: '2026-12-31 23:59:00', card_sn: 'SN1', acct_used_flag: '0' });
    expect(req.invono).toBeUndefined();
  });

  it('names a POS total that differs from the items, and accepts an equal one', () => {
    const p = basketProblem({ ...basket, total: '67.03' });
    expect(p?.problem).toBe('total_mismatch');
    expect([p?.pos_total.toFixed(2), p?.items_total.toFixed(2)]).toEqual(['67.03', '67.04']);
    expect(basketProblem({ ...basket, total: 67.04 })).toBeUndefined();
    expect(basketProblem(basket)).toBeUndefined();
  });
});
