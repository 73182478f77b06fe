import { Decimal } from 'decimal.js';
import { describe, expect, it } from 'vitest';
import { type ErFlagPlacement, feeUpload2204, register2201, visitInfo2203 } from '../adapters/platform/outpatient-messages.js';
import { loadConfig } from '../gateway/config.js';
import { Schemas } from '../gateway/validation.js';

const visit = {
  psn_no: '22000000000000000002',
  insutype: '310',
  ipt_otp_no: 'MZ0001',
  mdtrt_cert_type: '01',
  mdtrt_cert_no: 'EVT22000000000000000002E5F6A7B8',
  begntime: '2026-11-23 09:00:00',
  emergency: true,
  mdtrt_id: 'MD0001',
};
const req = { ...visit, dept_code: 'A01', dept_name: '急诊科', caty: 'A01', atddr_no: 'D001', dr_name: '医生' };
const dx = {
  med_type: '13',
  diagnoses: [
    {
      diag_type: '1',
      diag_srt_no: 1,
      diag_code: 'J06.900',
      diag_name: '上呼吸道感染',
      diag_dept: 'A01',
      dise_dor_no: 'D001',
      dise_dor_name: '医生',
      diag_time: '2026-11-23 09:10:00',
    },
  ],
};
const line = {
  feedetl_sn: '1',
  chrg_bchno: 'E1',
  fee_ocur_time: '2026-11-23 09:20:00',
  med_list_codg: '001102000010000',
  medins_list_codg: 'H001',
  det_item_fee_sumamt: new Decimal('20.00'),
  cnt: new Decimal('1'),
  pric: new Decimal('20.00'),
  extra: { bilg_dept_codg: 'A01', bilg_dept_name: '急诊科', bilg_dr_codg: 'D001', bilg_dr_name: '医生' },
} as unknown as Parameters<typeof feeUpload2204>[1][number];

describe('OUTPATIENT_ER_FLAG_PLACEMENT: where the 门诊急诊标志 of an emergency visit goes', () => {
  const schemas = new Schemas();
  const cases: Array<[ErFlagPlacement, boolean, boolean]> = [
    ['fee_exp_content', false, true],
    ['visit', true, false],
    ['both', true, true],
  ];
  for (const [placement, onVisit, onFees] of cases) {
    it(`${placement}: on 2201/2203 ${onVisit ? 'yes' : 'no'}, in 2204 exp_content ${onFees ? 'yes' : 'no'}; every message fits its schema`, () => {
      const m2201 = register2201(req as never, visit.psn_no, '310', placement);
      const m2203 = visitInfo2203(visit, dx as never, placement);
      const m2204 = feeUpload2204(visit, [line], placement);
      expect(m2201.data.er_flag).toBe(onVisit ? '1' : undefined);
      expect(m2203.mdtrtinfo.er_flag).toBe(onVisit ? '1' : undefined);
      const exp = m2204.feedetail[0]!.exp_content;
      expect(exp === undefined ? undefined : JSON.parse(exp)).toEqual(onFees ? { er_flag: '1' } : undefined);
      expect(schemas.checkPlatform('2204.input', m2204).map((e) => `${e.field} ${e.problem}`)).toEqual([]);
      expect(schemas.checkPlatform('2203.input', m2203).map((e) => `${e.field} ${e.problem}`)).toEqual([]);
    });
  }

  it('is read from the environment, fee_exp_content by default, and a wrong value stops start-up', () => {
    const base = { PLATFORM_BASE_URL: 'http://127.0.0.1:9/api', DATA_DIR: '/tmp/x' };
    expect(loadConfig(base, 'test').outpatientErFlagAt).toBe('fee_exp_content');
    expect(loadConfig({ ...base, OUTPATIENT_ER_FLAG_PLACEMENT: 'both' }, 'test').outpatientErFlagAt).toBe('both');
    expect(() => loadConfig({ ...base, OUTPATIENT_ER_FLAG_PLACEMENT: 'top' }, 'test')).toThrow(/OUTPATIENT_ER_FLAG_PLACEMENT/);
  });
});
