/**
 * Reconciliation documents as staff receive them (gateway/engine/reconciliation/money-view.ts): the
 * amounts kept as decimal strings at rest go out as numbers with two decimals; a document stored by
 * an older gateway reads the same; counts, ids and the 3202 result codes stay what they are.
 */
import { describe, expect, it } from 'vitest';
import { reconMoneyView } from '../gateway/engine/reconciliation/money-view.js';
import { moneyJson } from '../gateway/http/money-json.js';

describe('reconciliation money view', () => {
  it('writes every sum, fund and difference side as a two-decimal number; leaves counts, ids and codes alone', () => {
    const stored = {
      day: '2026-11-23',
      groups: [
        {
          insutype: '310',
          count: 3,
          medfee_sumamt: '20.00',
          fund_pay_sumamt: '0.00',
          acct_pay: '0',
          cash_payamt: '20.5',
          funds: { hifp_pay: '0.00', cvlserv_pay: '12.30' },
          stmt_rslt: '0',
        },
      ],
      differences: [
        {
          id: 'd1',
          setl_id: '44030000000000000001',
          group: { sums: { medfee_sumamt: '-40.00' }, result_rows: [{ msgid: 'M1', medfee_sumamt: '20.00', refd_setl_flag: '1' }] },
          platform: { medfee_sumamt: '25.00' },
          gateway: { medfee_sumamt: '20.00', infno: '2207' },
        },
      ],
    };
    const text = moneyJson(reconMoneyView(stored));
    expect(text).toContain('"count":3,"medfee_sumamt":20.00,"fund_pay_sumamt":0.00,"acct_pay":0.00,"cash_payamt":20.50');
    expect(text).toContain('"funds":{"hifp_pay":0.00,"cvlserv_pay":12.30}');
    expect(text).toContain('"sums":{"medfee_sumamt":-40.00}');
    expect(text).toContain('"result_rows":[{"msgid":"M1","medfee_sumamt":20.00,"refd_setl_flag":"1"}]');
    expect(text).toContain('"platform":{"medfee_sumamt":25.00}');
    expect(text).toContain('"stmt_rslt":"0"');
    expect(text).toContain('"setl_id":"44030000000000000001"');
    expect(text).not.toMatch(/"-?\d+\.\d{2}"/);
    // the stored document is not changed
    expect(stored.groups[0]!.medfee_sumamt).toBe('20.00');
  });
});
