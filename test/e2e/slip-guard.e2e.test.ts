import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startGateway, startMock, type TestGateway } from '../helpers/harness.js';
import { CODES, diagnosesBody, JILIN, line, visitBody } from './fixtures.js';

let mock: Awaited<ReturnType<typeof startMock>>;
let gw: TestGateway;
let proxy: http.Server;
/** infno -> how to spoil its reply on the way back */
const tamper = new Map<string, (reply: any) => void>();

beforeAll(async () => {
  mock = await startMock();
  const target = new URL(mock.url);
  // A real HTTP hop between the gateway and the mock that can spoil replies, as a broken platform would.
  proxy = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      const r = await fetch(`${target.origin}${req.url}`, {
        method: req.method,
        headers: req.headers as Record<string, string>,
        body: Buffer.concat(chunks),
      });
      let text = await r.text();
      const infno = req.url!.split('/').pop()!;
      const spoil = tamper.get(infno);
      if (spoil) {
        const reply = JSON.parse(text);
        spoil(reply);
        text = JSON.stringify(reply);
      }
      res.writeHead(r.status, { 'content-type': 'application/json' }).end(text);
    });
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  gw = await startGateway(`http://127.0.0.1:${(proxy.address() as { port: number }).port}${target.pathname}`);
});
afterAll(async () => {
  await gw?.stop();
  proxy?.closeAllConnections();
  proxy?.close();
  await mock?.close();
});

async function visitWithFees() {
  const reg = await api(gw.url, 'POST', '/v1/outpatient/visits', visitBody({ mdtrt_cert_type: '01', mdtrt_cert_no: JILIN.token }));
  const id = reg.body.visit.visit_id as string;
  await api(gw.url, 'POST', `/v1/outpatient/visits/${id}/diagnoses`, diagnosesBody());
  await api(gw.url, 'POST', `/v1/outpatient/visits/${id}/fees`, { chrg_bchno: 'T1', lines: [line('1', CODES.atorvastatin, 2, 38.5)] });
  return id;
}

describe('a reply whose arithmetic does not hold is never passed on as a slip', () => {
  it('a pre-settlement whose amounts do not add up is a platform error (502), not a quote', async () => {
    const id = await visitWithFees();
    tamper.set('2206', (r) => {
      r.output.setlinfo.psn_cash_pay += 0.01;
    });
    const pre = await api(gw.url, 'POST', `/v1/outpatient/visits/${id}/pre-settlement`, { medfee_sumamt: 77, acct_used_flag: '0' });
    tamper.clear();
    expect(pre.status).toBe(502);
    expect(pre.body.error.code).toBe('GW_SYS_SLIP_INCONSISTENT');
    expect(pre.body.error.details.reason).toMatch(/psn_part_amt = acct_pay \+ psn_cash_pay/);
    expect(pre.body.slip).toBeUndefined();
  });

  it('a settlement reply for a different total is journaled as outcome unknown and blocks the visit', async () => {
    const id = await visitWithFees();
    tamper.set('2207', (r) => {
      const s = r.output.setlinfo;
      s.medfee_sumamt += 1;
      s.fulamt_ownpay_amt += 1;
      s.psn_part_amt += 1;
      s.psn_cash_pay += 1; // consistent, but not what was sent
    });
    const setl = await api(gw.url, 'POST', `/v1/outpatient/visits/${id}/settlement`, { medfee_sumamt: 77, acct_used_flag: '0' });
    tamper.clear();
    expect([setl.status, setl.body.error.code]).toEqual([502, 'GW_SYS_SLIP_INCONSISTENT']);
    const t = await api(gw.url, 'GET', `/v1/transactions/${setl.body.error.transaction_id}`);
    expect(t.body).toMatchObject({ infno: '2207', outcome: 'unknown' });
    const v = await api(gw.url, 'GET', `/v1/outpatient/visits/${id}`);
    expect(v.body.pending).toMatchObject({ op: '2207', outcome: 'unknown' });
  });

  it('a reply that breaks the interface schema (amount as text) is an invalid reply', async () => {
    const id = await visitWithFees();
    tamper.set('2206', (r) => {
      r.output.setlinfo.hifp_pay = 'forty';
    });
    const pre = await api(gw.url, 'POST', `/v1/outpatient/visits/${id}/pre-settlement`, { medfee_sumamt: 77, acct_used_flag: '0' });
    tamper.clear();
    expect([pre.status, pre.body.error.code]).toEqual([502, 'GW_SYS_PLATFORM_REPLY_INVALID']);
  });
});
