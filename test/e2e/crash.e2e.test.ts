import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startMock, tmpDir } from '../helpers/harness.js';
import { spawnGateway } from '../helpers/process.js';
import { CODES, diagnosesBody, JILIN, line, visitBody } from './fixtures.js';
import { until } from './resilience-fixtures.js';

let mock: Awaited<ReturnType<typeof startMock>>;
const dataDir = tmpDir('crash');

beforeAll(async () => {
  mock = await startMock();
});
afterAll(async () => {
  await mock?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('kill -9 while a settlement is in flight', () => {
  it('the restarted gateway shows the 2207 in its journal as outcome unknown, and refuses to settle the visit again', async () => {
    const env = { PLATFORM_BASE_URL: mock.url, DATA_DIR: dataDir, PLATFORM_TIMEOUT_MS: '30000' };
    const first = await spawnGateway(env);
    const reg = await api(first.url, 'POST', '/v1/outpatient/visits', visitBody({ mdtrt_cert_type: '01', mdtrt_cert_no: JILIN.token }));
    const id = reg.body.visit.visit_id as string;
    await api(first.url, 'POST', `/v1/outpatient/visits/${id}/diagnoses`, diagnosesBody());
    await api(first.url, 'POST', `/v1/outpatient/visits/${id}/fees`, { chrg_bchno: 'K1', lines: [line('1', CODES.consult, 1, 20)] });

    // the platform books the settlement but holds its reply
    await api(mock.control, 'POST', '/faults', { infno: '2207', latency_ms: 20_000, after_booking: true, count: 1 });
    const inFlight = api(first.url, 'POST', `/v1/outpatient/visits/${id}/settlement`, { medfee_sumamt: 20, acct_used_flag: '0' }).catch(
      (e: Error) => e,
    );
    await until(
      'the platform to receive 2207',
      async () => {
        const calls = (await api(mock.control, 'GET', '/calls?infno=2207')).body as unknown[];
        return calls.length > 0 ? true : undefined;
      },
      10_000,
    );
    first.child.kill('SIGKILL');
    await first.exited;
    expect(await inFlight).toBeInstanceOf(Error); // the HIS lost its connection: no answer at all
    await api(mock.control, 'DELETE', '/faults');

    const second = await spawnGateway(env);
    try {
      const list = await api(second.url, 'GET', '/v1/transactions?infno=2207');
      expect(list.status).toBe(200);
      expect(list.body.items).toHaveLength(1);
      const t = list.body.items[0];
      expect(t).toMatchObject({ outcome: 'unknown', encounter_id: id, error: { code: 'GW_SYS_PLATFORM_OUTCOME_UNKNOWN' } });
      expect(t.transaction_id).toMatch(/^H44030500001\d{18}$/);
      // the msgid the platform saw is the one journaled before sending
      const calls = (await api(mock.control, 'GET', '/calls?infno=2207')).body as Array<{ msgid: string }>;
      expect(calls[0]!.msgid).toBe(t.transaction_id);

      const visit = await api(second.url, 'GET', `/v1/outpatient/visits/${id}`);
      expect(visit.body.pending).toMatchObject({ op: '2207', outcome: 'unknown', transaction_id: t.transaction_id });
      const retry = await api(second.url, 'POST', `/v1/outpatient/visits/${id}/settlement`, { medfee_sumamt: 20, acct_used_flag: '0' });
      expect([retry.status, retry.body.error.code]).toEqual([409, 'GW_BIZ_OUTCOME_UNKNOWN_PENDING']);
      const unknown = await api(second.url, 'GET', '/v1/transactions?outcome=unknown');
      expect(unknown.body.items.map((x: { transaction_id: string }) => x.transaction_id)).toContain(t.transaction_id);
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
    }
  });
});
