import { afterAll, describe, expect, it } from 'vitest';
import { createMockPlatform } from '../../mocks/platform/server.js';
import { api, startGateway, type TestGateway } from '../helpers/harness.js';
import { CODES, diagnosesBody, JILIN, line, visitBody } from './fixtures.js';
import { until } from './resilience-fixtures.js';

let gw: TestGateway | undefined;
let mock = createMockPlatform();
afterAll(async () => {
  await gw?.stop();
  await mock.close();
});

/**
 * How long the breaker stays open before its probe: the checks made while it is open (a few
 * requests) must fit in it on a loaded machine (it was 800 ms: a slow run saw half_open).
 */
const RESET_MS = 5_000;

describe('circuit breaker around the platform', () => {
  it('opens under a full outage and fails fast without the network; after recovery a sign-in probe closes it', async () => {
    const { url, port } = await mock.listen(0).then((r) => ({ url: r.url, port: Number(new URL(r.url).port) }));
    gw = await startGateway(url, {
      BREAKER_MIN_CALLS: '3',
      BREAKER_ERROR_PERCENT: '50',
      BREAKER_RESET_MS: String(RESET_MS),
      BREAKER_WINDOW_MS: '60000',
    });
    const call = (m: string, p: string, b?: unknown) => api(gw!.url, m, p, b);
    const reg = await call('POST', '/v1/outpatient/visits', visitBody({ mdtrt_cert_type: '01', mdtrt_cert_no: JILIN.token }));
    const id = reg.body.visit.visit_id;
    await call('POST', `/v1/outpatient/visits/${id}/diagnoses`, diagnosesBody());
    await call('POST', `/v1/outpatient/visits/${id}/fees`, { chrg_bchno: 'O1', lines: [line('1', CODES.consult, 1, 20)] });

    // outage: the platform is gone (connection refused)
    await mock.close();
    // five calls succeeded before the outage; with 50 % over the window, the sixth failure opens it
    const during = [];
    for (let i = 0; i < 8; i++)
      during.push((await call('POST', '/v1/persons/query', { mdtrt_cert_type: '01', mdtrt_cert_no: JILIN.token })).body.error.code);
    expect(during).toEqual([
      ...Array(6).fill('GW_SYS_PLATFORM_UNAVAILABLE'),
      'GW_SYS_PLATFORM_CIRCUIT_OPEN',
      'GW_SYS_PLATFORM_CIRCUIT_OPEN',
    ]);
    const ready = await call('GET', '/readyz');
    expect([ready.status, ready.body.checks.circuit_breaker]).toEqual([503, 'open']);

    // while open, a settlement fails fast with the self-pay guidance and is journaled as not sent
    const setl = await call('POST', `/v1/outpatient/visits/${id}/settlement`, { medfee_sumamt: 20, acct_used_flag: '0' });
    expect([setl.status, setl.body.error.code]).toEqual([503, 'GW_SYS_PLATFORM_CIRCUIT_OPEN']);
    expect(setl.body.error.action_en).toMatch(/self-pay/);
    expect(setl.body.error.action).toMatch(/自费/);
    const t = await call('GET', `/v1/transactions/${setl.body.error.transaction_id}`);
    expect(t.body.outcome).toBe('not_sent');

    // recovery: a new platform on the same address; the breaker probes with 9001 and closes
    mock = createMockPlatform();
    await mock.listen(port);
    // a probe that found the platform still down re-opens it for another RESET_MS: two rounds, and time to sign in
    await until(
      'the breaker to close',
      async () => (await call('GET', '/readyz')).body.checks?.circuit_breaker === 'closed',
      2 * RESET_MS + 20_000,
    );
    const calls = (await api(url.replace(/\/api$/, '/__mock'), 'GET', '/calls')).body as Array<{ infno: string }>;
    expect(calls[0]!.infno).toBe('9001'); // the first thing the recovered platform saw was the harmless probe
    expect(calls.some((c) => c.infno === '2207')).toBe(false);

    // and business flows again (the visit was never settled, so it settles now)
    const ok = await call('POST', '/v1/persons/query', { mdtrt_cert_type: '01', mdtrt_cert_no: JILIN.token });
    expect(ok.status, ok.text).toBe(200);
  });
});
