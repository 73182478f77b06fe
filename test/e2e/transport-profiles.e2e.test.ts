/**
 * Issue 18, end to end: the gateway and the mock platform under the jilin-sm and fsi-paths profiles,
 * whatever TEST_PLATFORM_PROFILE says (the rest of the e2e suite follows that variable). Token
 * renewal and refusal, an undecryptable reply, the journal's wire digests, no secret in the logs,
 * and which front-end endpoints the fsi-paths routings use.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startGateway, startMock, type TestGateway, type TestMock } from '../helpers/harness.js';
import { JILIN } from './fixtures.js';

const query = (gw: TestGateway) => api(gw.url, 'POST', '/v1/persons/query', { mdtrt_cert_type: '01', mdtrt_cert_no: JILIN.token });
const latest = async (gw: TestGateway, infno: string) => {
  const list = await api(gw.url, 'GET', `/v1/transactions?infno=${infno}&limit=1`, undefined, {}, { auth: 'admin' });
  return (await api(gw.url, 'GET', `/v1/transactions/${list.body.items[0].transaction_id}`, undefined, {}, { auth: 'admin' })).body;
};

describe('jilin-sm: OAuth2 token, SM4-encrypted and SM2-signed input, encrypted replies', () => {
  let mock: TestMock;
  let gw: TestGateway;
  beforeAll(async () => {
    mock = await startMock({ profile: 'jilin-sm' });
    gw = await startGateway(mock.url, { PLATFORM_PROFILE: 'jilin-sm' });
  });
  afterAll(async () => {
    await gw?.stop();
    await mock?.close();
  });
  const tokens = async () => (await api(mock.control, 'GET', '/tokens')).body as { issued: number; active: number };

  it('settles a person query through one token; the journal keeps the plaintext and the wire only as digests', async () => {
    const who = await query(gw);
    expect(who.status, who.text).toBe(200);
    expect(who.body.person.psn_no).toBe(JILIN.psn_no);
    expect((await tokens()).issued).toBe(1); // 9001 and 1101 shared it
    const t = await latest(gw, '1101');
    expect(t.outcome).toBe('succeeded');
    expect(t.wire_digest).toMatch(/^[0-9a-f]{64}$/);
    expect(t.reply_wire_digest).toMatch(/^[0-9a-f]{64}$/); // the reply came encrypted
    const stored = (await gw.gw.store.getTransaction(t.transaction_id))!;
    expect(stored.stages.message).toMatchObject({ data: { mdtrt_cert_no: JILIN.token } }); // the plaintext message
    expect(stored.stages.envelope).toMatchObject({ infno: '1101', cainfo: '' }); // the engine's envelope, not the wire's
    expect((stored.stages.reply as any).output.baseinfo.psn_no).toBe(JILIN.psn_no); // decrypted
    expect(JSON.stringify(stored)).not.toMatch(/"enc_type"|"signtype":"SM2"/);
  });

  it('a revoked token (401) is renewed once and the call goes through', async () => {
    const before = (await tokens()).issued;
    await api(mock.control, 'POST', '/tokens/revoke');
    const who = await query(gw);
    expect(who.status, who.text).toBe(200);
    expect((await tokens()).issued).toBe(before + 1);
  });

  it('a revoked token whose renewal the token endpoint refuses: not sent (503), safe to repeat; then it works again', async () => {
    await api(mock.control, 'POST', '/tokens/revoke');
    await api(mock.control, 'POST', '/tokens/refuse', { count: 1 });
    const calls = ((await api(mock.control, 'GET', '/calls?infno=1101')).body as unknown[]).length;
    const who = await query(gw);
    expect(who.status, who.text).toBe(503);
    expect(who.body.error.code).toBe('GW_SYS_PLATFORM_UNAVAILABLE');
    const t = await latest(gw, '1101');
    expect(t).toMatchObject({ outcome: 'not_sent' });
    expect(t.error.reason).toMatch(/renewing it failed: token endpoint refused: HTTP 401 \(invalid_client\)/);
    expect(((await api(mock.control, 'GET', '/calls?infno=1101')).body as unknown[]).length).toBe(calls); // nothing reached the business
    expect((await query(gw)).status).toBe(200);
  });

  it('a reply whose output does not decrypt is an unknown outcome with a readable reason', async () => {
    await api(mock.control, 'POST', '/faults', { kind: 'undecryptable_output', infno: '1101', count: 1 });
    const who = await query(gw);
    expect(who.status, who.text).toBe(502);
    expect(who.body.error.code).toBe('GW_SYS_PLATFORM_REPLY_INVALID');
    const t = await latest(gw, '1101');
    expect(t.outcome).toBe('unknown');
    expect(t.error.reason).toBe(
      'malformed reply: the output does not decrypt (SM4, client id key): wrong padding after decryption (another key?)',
    );
  });

  it('never logs a secret: client secret, password, private key, token', () => {
    const text = gw.logs.text;
    expect(text.length).toBeGreaterThan(0);
    for (const secret of ['demo-client-secret-change-me', 'demo-password-change-me', 'IiGHNvu05mI4MBhvsdtW', 'access_token', 'Bearer']) {
      expect(text).not.toContain(secret);
    }
  });
});

describe('fsi-paths: the front-end machine, per-service paths or the one call-service endpoint', () => {
  const systems: Array<{ mock: TestMock; gw: TestGateway }> = [];
  /** A mock front-end and a gateway with this routing (one mock each: two gateways of one hospital would share msgids). */
  const system = async (routing: string) => {
    const mock = await startMock({ profile: 'fsi-paths' });
    const gw = await startGateway(mock.url, { PLATFORM_PROFILE: 'fsi-paths', PLATFORM_FSI_ROUTING: routing });
    systems.push({ mock, gw });
    return { mock, gw };
  };
  afterAll(async () => {
    for (const { mock, gw } of systems) {
      await gw.stop();
      await mock.close();
    }
  });
  const paths = async (mock: TestMock) =>
    ((await api(mock.control, 'GET', '/calls')).body as Array<{ infno: string; path?: string }>).map((c) => `${c.infno} ${c.path}`);

  it('service-paths: 9001 and 1101 each to their own path', async () => {
    const { mock, gw } = await system('service-paths');
    const who = await query(gw);
    expect(who.status, who.text).toBe(200);
    expect(await paths(mock)).toEqual(['9001 /fsi/api/signInSignOutService/signIn', '1101 /fsi/api/fsiPsnInfoService/queryPsnInfo']);
  });

  it('call-service: every infno to /fsi/api/rsfComIfsService/callService, the infno in the body', async () => {
    const { mock, gw } = await system('call-service');
    expect((await query(gw)).status).toBe(200);
    expect(await paths(mock)).toEqual(['9001 /fsi/api/rsfComIfsService/callService', '1101 /fsi/api/rsfComIfsService/callService']);
  });
});
