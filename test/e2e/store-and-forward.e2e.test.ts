import { afterAll, describe, expect, it } from 'vitest';
import { createMockPlatform, type MockPlatform } from '../../mocks/platform/server.js';
import { api, startGateway, type TestGateway } from '../helpers/harness.js';
import { CODES, JIANGSU, JILIN, uniq, visitBody } from './fixtures.js';
import { FAST_REVERSAL, until } from './resilience-fixtures.js';

let gw: TestGateway | undefined;
let mock: MockPlatform = createMockPlatform();
afterAll(async () => {
  await gw?.stop();
  await mock.close();
});

/** A visit registered through the gateway (1101 + 2201): what its self-pay upload names. */
interface Registered {
  visit_id: string;
  psn_no: string;
  ipt_otp_no: string;
  insuplc_admdvs: string;
}

/** The self-pay data of `v` (JL 22, HN 17: the upload names its visit, which is never settled directly afterwards). */
const upload = (v: Registered) => ({
  encounter_id: v.visit_id,
  psn_no: v.psn_no,
  insuplc_admdvs: v.insuplc_admdvs,
  ipt_otp_no: v.ipt_otp_no,
  med_type: '11',
  begntime: '2026-11-23 09:00:00',
  setl_time: '2026-11-23 09:40:00',
  medfee_sumamt: '45.50',
  fail_rea: '医保平台中断，患者全自费结算',
  invono: uniq('INV').slice(0, 20),
  lines: [
    {
      feedetl_sn: '1',
      fee_ocur_time: '2026-11-23 09:20:00',
      med_list_codg: CODES.consult,
      medins_list_codg: 'H-CONSULT',
      cnt: 1,
      pric: '20.00',
    },
    {
      feedetl_sn: '2',
      fee_ocur_time: '2026-11-23 09:25:00',
      med_list_codg: CODES.amoxicillin,
      medins_list_codg: 'H-AMOX',
      cnt: 3,
      pric: 8.5,
    },
  ],
});

describe('store-and-forward of self-pay uploads', () => {
  it('uploads queued during an outage are kept, visible to staff, and arrive in order after recovery; a refused one is set aside without blocking the rest', async () => {
    const { url } = await mock.listen(0);
    const port = Number(new URL(url).port);
    const control = url.replace(/\/api$/, '/__mock');
    gw = await startGateway(url, { ...FAST_REVERSAL, BREAKER_MIN_CALLS: '3', BREAKER_RESET_MS: '300' });

    // five visits registered while the platform is up (the third is 苏转诊's, whom the platform will not know after recovery)
    const visits: Registered[] = [];
    for (let i = 0; i < 5; i++) {
      const who = i === 2 ? JIANGSU : JILIN;
      const r = await api(gw.url, 'POST', '/v1/outpatient/visits', visitBody({ mdtrt_cert_type: '01', mdtrt_cert_no: who.token }));
      expect(r.status, r.text).toBe(201);
      const v = r.body.visit;
      visits.push({ visit_id: v.visit_id, psn_no: v.psn_no, ipt_otp_no: v.ipt_otp_no, insuplc_admdvs: v.insuplc_admdvs });
    }
    const otps = visits.map((v) => v.ipt_otp_no);

    // the platform goes away (connections refused): the patients pay in full, the data is queued
    await mock.close();
    const queued = [];
    for (const v of visits) {
      const r = await api(gw.url, 'POST', '/v1/self-pay-uploads', upload(v), {}, { auth: 'his' });
      expect(r.status, r.text).toBe(202);
      expect(r.body).toMatchObject({ encounter_id: v.visit_id, encounter_kind: 'outpatient' });
      queued.push(r.body);
    }
    expect(queued.map((q) => q.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(queued.every((q) => q.state === 'pending')).toBe(true);

    // bad input is refused at the door, with a catalog code, and not queued
    const bad = await api(gw.url, 'POST', '/v1/self-pay-uploads', { ...upload(visits[0]!), medfee_sumamt: 99 }, {}, { auth: 'his' });
    expect([bad.status, bad.body.error.code]).toEqual([422, 'GW_VAL_TOTAL_MISMATCH']);
    const nowhere = await api(
      gw.url,
      'POST',
      '/v1/self-pay-uploads',
      { ...upload(visits[0]!), encounter_id: 'V20261123NOPE' },
      {},
      {
        auth: 'his',
      },
    );
    expect([nowhere.status, nowhere.body.error.code]).toEqual([404, 'GW_BIZ_VISIT_NOT_FOUND']);
    const other = await api(
      gw.url,
      'POST',
      '/v1/self-pay-uploads',
      { ...upload(visits[0]!), ipt_otp_no: uniq('SPX') },
      {},
      {
        auth: 'his',
      },
    );
    expect([other.status, other.body.error.code]).toEqual([422, 'GW_VAL_SELF_PAY_ENCOUNTER_MISMATCH']);
    expect(other.body.error.details.mismatched_fields).toEqual(['ipt_otp_no']);

    // staff see them pending while the platform is down (a few delivery attempts failed meanwhile)
    await new Promise((r) => setTimeout(r, 400));
    const pending = await api(gw.url, 'GET', '/v1/console/self-pay-uploads?state=pending');
    expect(pending.status, pending.text).toBe(200);
    expect(pending.body.items.map((e: { seq: number }) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(pending.body.items[0].input).toBeUndefined(); // the list shows no patient data
    const viaFilter = await api(gw.url, 'GET', '/v1/console/transactions?status=pending_upload');
    expect(viaFilter.body.items).toHaveLength(5);

    // recovery: the platform is back on the same address (and no longer knows 苏转诊: that upload will be refused)
    mock = createMockPlatform();
    mock.state.persons.delete(JIANGSU.psn_no);
    await mock.listen(port);
    await until('every upload to be delivered or refused', async () => {
      const all = (await api(gw!.url, 'GET', '/v1/console/self-pay-uploads')).body.items as Array<{ state: string }>;
      return all.every((e) => e.state !== 'pending') ? all : undefined;
    });
    const all = (await api(gw.url, 'GET', '/v1/console/self-pay-uploads')).body.items as Array<{
      seq: number;
      state: string;
      last_error?: { platform_err_msg?: string };
    }>;
    expect(all.map((e) => e.state)).toEqual(['delivered', 'delivered', 'rejected', 'delivered', 'delivered']);
    expect(all[2]!.last_error?.platform_err_msg).toMatch(/人员编号不存在/);

    // the platform received each once, in the order they were queued
    const received = (await api(control, 'GET', '/self-pay')).body as Array<{ ipt_otp_no: string; medfee_sumamt: number; lines: number }>;
    expect(received.map((u) => u.ipt_otp_no)).toEqual([otps[0], otps[1], otps[3], otps[4]]);
    expect(received[0]).toMatchObject({ medfee_sumamt: 45.5, lines: 2 });
  });
});
