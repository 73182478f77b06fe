import { Decimal } from 'decimal.js';
import { describe, expect, it } from 'vitest';
import { preSettle2303, settle2304 } from '../adapters/platform/inpatient-messages.js';
import { Schemas } from '../gateway/validation.js';

const facts = {
  psn_no: '22000000000000000001',
  insutype: '310',
  mdtrt_id: 'MD0001',
  ipt_no: 'ZY0001',
  mdtrt_cert_type: '02',
  mdtrt_cert_no: '220102199001011234',
  begntime: '2026-11-01 08:00:00',
  endtime: '2026-11-05 10:00:00',
  med_type: '52',
  emergency: false,
  trum_flag: '0',
  rel_ttp_flag: '0',
};
const totals = {
  medfee_sumamt: new Decimal('1200.00'),
  fulamt_ownpay_amt: new Decimal('0'),
  overlmt_selfpay: new Decimal('0'),
  preselfpay_amt: new Decimal('0'),
  inscp_scp_amt: new Decimal('1200.00'),
};
const options = { psn_setlway: '01', acct_used_flag: '0', mid_setl_flag: '0' };

describe('2303 / 2304 carry the admission med_type (hsa-his sends it; LN 21 settles maternity as med_type 52)', () => {
  const schemas = new Schemas();
  for (const [infno, build] of [
    ['2303', preSettle2303],
    ['2304', settle2304],
  ] as const) {
    it(`${infno}: med_type 52 of a maternity stay is in the message, and the message fits the schema`, () => {
      const msg = build(facts, options, totals);
      expect(msg.data).toMatchObject({ med_type: '52', mdtrt_id: 'MD0001' });
      expect(schemas.checkPlatform(`${infno}.input`, msg)).toEqual([]);
    });
  }
});
