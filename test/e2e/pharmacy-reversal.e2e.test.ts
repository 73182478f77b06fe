import { describe, expect, it } from 'vitest';
import { api } from '../helpers/harness.js';
import { mockAndGateway } from '../helpers/suite.js';
import { CODES, JILIN, uniq } from './fixtures.js';
import { FAST_REVERSAL, fault, ledger, transaction, until } from './resilience-fixtures.js';

const sys = mockAndGateway(FAST_REVERSAL);

const his = (method: string, path: string, body?: unknown) => api(sys.gw.url, method, path, body, {}, { auth: 'his' });

describe('reversal of a pharmacy settlement (2102) whose outcome is unknown', () => {
  it('the dropped 2102 is reversed at the platform, the sale is released, and the same sale settles once', async () => {
    const at = new Date(Date.now() + 8 * 3600_000).toISOString().replace('T', ' ').slice(0, 19);
    const req = {
      mdtrt_cert_type: '02',
      mdtrt_cert_no: JILIN.certno,
      sale_no: uniq('PR'),
      begntime: at,
      medfee_sumamt: '36.00',
      acct_used_flag: '0',
      drugdetail: [{ feedetl_sn: 'D1', fee_ocur_time: at, med_list_codg: CODES.amoxicillin, medins_list_codg: 'YP-001', cnt: 3, pric: 12 }],
    };
    await fault(sys.mock.control, { kind: 'drop_reply', infno: '2102', after_booking: true, count: 1 });
    const first = await his('POST', '/v1/pharmacy/settlements', req);
    expect([first.status, first.body.error?.code]).toEqual([502, 'GW_SYS_PLATFORM_OUTCOME_UNKNOWN']);
    const txid = first.body.error.transaction_id as string;
    expect((await ledger(sys.mock.control)).find((e) => e.msgid === txid)?.status).toBe('booked');

    const t = await until('the reversal', async () => {
      const x = await transaction(sys.gw.url, txid);
      return x.resolution?.state === 'reversed' && x.resolution.encounter_released ? x : undefined;
    });
    expect(t.resolution.attempts).toBe(1);
    expect((await ledger(sys.mock.control)).find((e) => e.msgid === txid)?.status).toBe('reversed');

    const again = await his('POST', '/v1/pharmacy/settlements', req);
    expect(again.status, again.text).toBe(201);
    const live = (await ledger(sys.mock.control)).filter((e) => e.infno === '2102' && e.status === 'booked');
    expect(live).toHaveLength(1);
  });
});
