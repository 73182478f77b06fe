import { describe, expect, it } from 'vitest';
import { api } from '../helpers/harness.js';
import { mockAndGateway } from '../helpers/suite.js';
import { CODES, diagnosesBody, JILIN, line, visitBody } from './fixtures.js';
import { FAST_REVERSAL, fault, ledger, until } from './resilience-fixtures.js';

const sys = mockAndGateway(FAST_REVERSAL);
const call = (m: string, p: string, b?: unknown) => api(sys.gw.url, m, p, b);

describe('a partial refund whose re-settlement outcome is unknown', () => {
  it('waits for the reversal of that 2207, then settles the kept lines once: one definite end state', async () => {
    const reg = await call('POST', '/v1/outpatient/visits', visitBody({ mdtrt_cert_type: '01', mdtrt_cert_no: JILIN.token }));
    const id = reg.body.visit.visit_id as string;
    await call('POST', `/v1/outpatient/visits/${id}/diagnoses`, diagnosesBody());
    await call('POST', `/v1/outpatient/visits/${id}/fees`, {
      chrg_bchno: 'R1',
      lines: [line('1', CODES.consult, 1, 20), line('2', CODES.amoxicillin, 2, 15)],
    });
    const s = await call('POST', `/v1/outpatient/visits/${id}/settlement`, { medfee_sumamt: 50, acct_used_flag: '0' });
    expect(s.status, s.text).toBe(201);

    // the platform books the re-settlement of the kept line, but its reply never arrives
    await fault(sys.mock.control, { kind: 'drop_reply', infno: '2207', after_booking: true, count: 1 });
    const r = await call('POST', `/v1/settlements/${s.body.setl_id}/refund`, { reason_code: 'drug_return', return_lines: ['2'] });
    expect([r.status, r.body.error.code]).toEqual([502, 'GW_SYS_REFUND_NEEDS_REVERSAL']);
    const refundId = r.body.error.details.refund_id as string;
    const lost = r.body.error.transaction_id as string;
    expect((await ledger(sys.mock.control)).find((e) => e.msgid === lost)?.status).toBe('booked');

    // the reversal worker undoes the lost 2207, and the refund operation goes on by itself
    const op = await until('the refund to complete', async () => {
      const o = await call('GET', `/v1/refunds/${refundId}`);
      return o.body.status === 'completed' ? o.body : undefined;
    });
    expect(op.new_setl_id).toBeTruthy();
    const entries = await ledger(sys.mock.control);
    expect(entries.find((e) => e.msgid === lost)?.status).toBe('reversed');
    expect(entries.find((e) => e.setl_id === s.body.setl_id)?.status).toBe('cancelled');
    const live = entries.filter((e) => e.mdtrt_id === reg.body.visit.mdtrt_id && e.kind === 'settlement' && e.status === 'booked');
    expect(live.map((e) => e.setl_id)).toEqual([op.new_setl_id]); // the kept line, settled once
  });
});
