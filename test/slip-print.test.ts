/**
 * The printed slip's layout and sheets (gateway/engine/slip-layouts.ts, slip-print.ts): which
 * province's document a patient gets, the arithmetic printed only where it holds, the fund names as
 * the insured area returned them, and a fee summary that says so when it does not add up to the slip.
 */
import { describe, expect, it } from 'vitest';
import { slipFromOutput } from '../adapters/platform/slip.js';
import { storeSlip } from '../gateway/engine/settlement-records.js';
import { areaText, layoutFor } from '../gateway/engine/slip-layouts.js';
import { slipSheet, summarySheet } from '../gateway/engine/slip-print.js';
import type { StoredFeeLine } from '../gateway/engine/visit.js';
import { Schemas } from '../gateway/validation.js';

const schemas = new Schemas();
const codes = (t: string) => schemas.codes.get(t);

const output = (over: Record<string, unknown> = {}, setldetail: unknown[] = []) => ({
  setlinfo: {
    setl_id: 'S1',
    mdtrt_id: 'M1',
    psn_no: 'P1',
    med_type: '21',
    setl_time: '2026-11-23 10:00:00',
    medfee_sumamt: 1000,
    inscp_scp_amt: 800,
    preselfpay_amt: 50,
    overlmt_selfpay: 50,
    fulamt_ownpay_amt: 100,
    hifp_pay: 400,
    fund_pay_sumamt: 400,
    acct_pay: 0,
    psn_cash_pay: 600,
    psn_part_amt: 600,
    ...over,
  },
  setldetail,
});
const slipOf = (over?: Record<string, unknown>, detail?: unknown[]) => storeSlip(slipFromOutput('settlement', output(over, detail)));

describe('which document a patient gets', () => {
  it('the insured province’s (JS annex 9, LN 19), else the hospital’s, else the default', () => {
    expect(layoutFor('320100', '440300').key).toBe('JS');
    expect(layoutFor('210100', '440300').key).toBe('LN');
    expect(layoutFor('220100', '210200').key).toBe('LN'); // a Liaoning hospital gives LN 19's slips to everyone
    expect(layoutFor('220100', '440300').key).toBe('default');
    expect(layoutFor('210100', '440300').titles.summary).toBe('辽宁省异地就医医疗费用汇总单');
    expect(areaText('210100')).toBe('210100（辽宁）');
  });
});

describe('the arithmetic under the amounts', () => {
  const js = layoutFor('320100', '440300');

  it('prints annex 9 notes 2 and 3 with the slip’s amounts; the account is listed only where it paid', () => {
    const plain = slipSheet(js, 'inpatient', slipOf(), {}, codes);
    expect(plain.equations).toEqual([
      '总费用=统筹基金支付范围内费用+乙类先行自付费用+超限价自付费用+自费费用：总费用 1000.00 = 统筹基金支付范围内费用 800.00 + 乙类先行自付费用 50.00 + 超限价自付费用 50.00 + 自费费用 100.00',
      '总费用=基金支付合计金额+个人现金支付金额（个人账户支付、医院负担不为零时列出）：总费用 1000.00 = 基金支付合计金额 400.00 + 个人现金支付金额 600.00',
    ]);
    const withAccount = slipSheet(js, 'inpatient', slipOf({ acct_pay: 100, psn_cash_pay: 500 }), {}, codes);
    expect(withAccount.equations[1]).toContain('= 基金支付合计金额 400.00 + 个人账户支付 100.00 + 个人现金支付金额 500.00');
  });

  it('leaves out a line that does not hold on the slip (it is never printed as if it did)', () => {
    const off = slipSheet(js, 'inpatient', slipOf({ inscp_scp_amt: 790 }), {}, codes);
    expect(off.equations).toHaveLength(1);
    expect(off.equations[0]).toMatch(/^总费用=基金支付合计金额/);
  });

  it('names each fund as the insured area returned it, else by the code table, else by its code; amounts with two decimals', () => {
    const s = slipSheet(
      js,
      'inpatient',
      slipOf({}, [
        { fund_pay_type: '310100', fund_pay_type_name: '统筹基金（参保地）', fund_payamt: 300 },
        { fund_pay_type: '330100', fund_payamt: 99.5 },
        { fund_pay_type: '888888', fund_payamt: 0.5 },
      ]),
      {},
      codes,
    );
    expect(s.funds?.rows).toEqual([
      { code: '310100', name: '统筹基金（参保地）', amount: '300.00' },
      { code: '330100', name: '职工大额医疗费用补助基金', amount: '99.50' },
      { code: '888888', name: '888888', amount: '0.50' },
    ]);
    expect(s.amounts.flat().find((c) => c.key === 'medfee_sumamt')?.value).toBe('1000.00');
  });
});

describe('LN 19 annex 6: the fee summary sheet', () => {
  const ln = layoutFor('210100', '440300');
  const line = (sn: string, type: string | undefined, amount: string, inscp: string): StoredFeeLine => ({
    feedetl_sn: sn,
    chrg_bchno: 'B1',
    fee_ocur_time: '2026-11-23 10:00:00',
    med_list_codg: 'X',
    medins_list_codg: 'X',
    cnt: '1',
    pric: amount,
    det_item_fee_sumamt: amount,
    fulamt_ownpay_amt: '0.00',
    overlmt_amt: '0.00',
    preselfpay_amt: '0.00',
    inscp_scp_amt: inscp,
    extra: {},
    ...(type ? { med_chrgitm_type: type } : {}),
  });

  it('adds the settled lines up by 医疗收费项目类别, the unclassified last', () => {
    const s = summarySheet(
      ln,
      slipOf({ medfee_sumamt: 1000 }),
      [line('1', '09', '600.00', '600.00'), line('2', '01', '300.00', '300.00'), line('3', undefined, '100.00', '0.00')],
      {},
      codes,
    )!;
    expect(s.summary?.rows).toEqual([
      { label: '床位费', values: ['300.00', '300.00', '0.00', '0.00', '0.00'] },
      { label: '西药费', values: ['600.00', '600.00', '0.00', '0.00', '0.00'] },
      { label: '未分类', values: ['100.00', '0.00', '0.00', '0.00', '0.00'] },
    ]);
    expect(s.summary?.total[0]).toBe('1000.00');
    expect(s.marks).toEqual([]);
  });

  it('says so when the lines do not add up to the slip’s total', () => {
    const s = summarySheet(ln, slipOf(), [line('1', '09', '600.00', '600.00')], {}, codes)!;
    expect(s.marks).toEqual(['明细合计 600.00 与结算单总费用 1000.00 不一致，请与医保办核对']);
  });
});
