import { describe, expect, it } from 'vitest';
import { slipFromOutput, slipProblems } from '../adapters/platform/slip.js';
import { moneyJson } from '../gateway/http/money-json.js';
import { Decimal } from 'decimal.js';

const good = {
  setlinfo: {
    mdtrt_id: 'M1',
    psn_no: 'P1',
    med_type: '11',
    setl_time: '2026-11-23 10:00:00',
    setl_id: 'S1',
    medfee_sumamt: 356.5,
    fulamt_ownpay_amt: 20,
    overlmt_selfpay: 6.5,
    preselfpay_amt: 30,
    inscp_scp_amt: '300.00',
    act_pay_dedc: 200,
    hifp_pay: 60,
    cvlserv_pay: 0,
    hifes_pay: 0,
    hifmi_pay: 0,
    hifob_pay: 0,
    maf_pay: 0,
    oth_pay: 0,
    fund_pay_sumamt: 60,
    psn_part_amt: 296.5,
    acct_pay: 100,
    psn_cash_pay: 196.5,
    hosp_part_amt: 0,
    balc: 400,
    acct_mulaid_pay: 0,
  },
  setldetail: [{ fund_pay_type: '310100', inscp_scp_amt: 300, crt_payb_lmt_amt: 2000, fund_payamt: 60 }],
};

describe('slip equations (domain.md §14)', () => {
  it('holds for a consistent reply, with numbers or numeric strings', () => {
    expect(slipProblems(slipFromOutput('settlement', good))).toEqual([]);
  });

  it('names each broken equation', () => {
    const bad = structuredClone(good);
    bad.setlinfo.psn_cash_pay = 196.49;
    bad.setlinfo.inscp_scp_amt = '300.01';
    bad.setldetail[0]!.fund_payamt = 59;
    const problems = slipProblems(slipFromOutput('settlement', bad));
    expect(problems.join('\n')).toMatch(/medfee_sumamt = inscp_scp_amt/);
    expect(problems.join('\n')).toMatch(/psn_part_amt = acct_pay \+ psn_cash_pay/);
    expect(problems.join('\n')).toMatch(/setldetail/);
  });

  it('reads the 2208 spelling pdn_cash_pay and holds for negated cancellation amounts', () => {
    const neg = structuredClone(good) as any;
    for (const k of Object.keys(neg.setlinfo)) if (typeof neg.setlinfo[k] === 'number') neg.setlinfo[k] = -neg.setlinfo[k];
    neg.setlinfo.inscp_scp_amt = '-300.00';
    neg.setlinfo.pdn_cash_pay = neg.setlinfo.psn_cash_pay;
    delete neg.setlinfo.psn_cash_pay;
    neg.setldetail[0].fund_payamt = -60;
    const slip = slipFromOutput('cancellation', neg);
    expect(slip.amounts.psn_cash_pay.toFixed(2)).toBe('-196.50');
    expect(slipProblems(slip)).toEqual([]);
  });

  it('rejects amounts with more than two decimals', () => {
    const bad = structuredClone(good) as any;
    bad.setlinfo.oth_pay = 0.001;
    expect(slipProblems(slipFromOutput('settlement', bad)).join()).toMatch(/oth_pay has more than two decimals/);
  });

  it('writes money as JSON numbers with exactly two decimals', () => {
    expect(moneyJson({ a: new Decimal('12.5'), b: [new Decimal(3)], c: 'x', d: 1.5 })).toBe('{"a":12.50,"b":[3.00],"c":"x","d":1.5}');
  });
});
