import { createHash, createHmac, randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../gateway/auth/clients.js';
import { catalog } from '../../gateway/errors/errors.js';
import {
  api,
  startGateway,
  TEST_HMAC_ENV,
  TEST_HMAC_SECRET,
  TEST_KEYS,
  tmpDir,
  writeTestClientsFile,
  type Reply,
  type TestGateway,
} from '../helpers/harness.js';
import { mockAndGateway } from '../helpers/suite.js';
import { JILIN } from './fixtures.js';
import { until } from './resilience-fixtures.js';

/** Ready = signed in to the platform; a gateway stopped before its start-up sign-in is journaled would lose that write. */
async function ready(t: TestGateway) {
  // one 9001, which may take the platform timeout (PLATFORM_TIMEOUT_MS, 15 s by default), and room for a loaded machine
  await until('the start-up sign-in', async () => t.gw.platform.signedIn, 15_000 + 15_000);
}

const sys = mockAndGateway();
beforeAll(() => ready(sys.gw));

type Role = 'his' | 'pos' | 'staff' | 'admin';
const ROLES: Role[] = ['his', 'pos', 'staff', 'admin'];

/**
 * The README's matrix, written out here on its own (not read from gateway/auth/access.ts), so a
 * wrong row in the code fails this test. Each group: one request that no role may use to change
 * anything (unknown ids, empty bodies) and the roles allowed.
 */
const GROUPS: Array<{ group: string; method: string; path: string; body?: unknown; roles: Role[] | 'any' | 'public' }> = [
  { group: 'console page', method: 'GET', path: '/console', roles: 'public' },
  { group: 'readyz', method: 'GET', path: '/readyz', roles: ['staff', 'admin'] },
  { group: 'metrics', method: 'GET', path: '/metrics', roles: ['admin'] },
  { group: 'openapi', method: 'GET', path: '/openapi.json', roles: 'any' },
  { group: 'codes', method: 'GET', path: '/v1/codes/med_type', roles: 'any' },
  { group: 'persons', method: 'POST', path: '/v1/persons/query', body: {}, roles: ['his', 'admin'] },
  { group: 'outpatient', method: 'GET', path: '/v1/outpatient/visits/V000000', roles: ['his', 'admin'] },
  { group: 'inpatient', method: 'GET', path: '/v1/inpatient/admissions/A000000', roles: ['his', 'admin'] },
  { group: 'settlements', method: 'POST', path: '/v1/settlements/NOPE/cancel', body: {}, roles: ['his', 'admin'] },
  { group: 'refunds', method: 'GET', path: '/v1/refunds/R000000', roles: ['his', 'admin'] },
  { group: 'pharmacy', method: 'GET', path: '/v1/pharmacy/dispensings/P000000', roles: ['pos', 'his'] },
  { group: 'pos', method: 'GET', path: '/v1/pos/sales/S000000', roles: ['pos'] },
  { group: 'transactions', method: 'GET', path: '/v1/transactions?limit=1', roles: ['staff', 'admin'] },
  { group: 'outcomes', method: 'GET', path: '/v1/outcomes/NOPE', roles: ['his', 'pos', 'staff', 'admin'] },
  { group: 'self-pay uploads', method: 'POST', path: '/v1/self-pay-uploads', body: {}, roles: ['his', 'admin'] },
  { group: 'console', method: 'GET', path: '/v1/console/queue', roles: ['staff', 'admin'] },
  { group: 'audit', method: 'GET', path: '/v1/audit/events', roles: ['staff', 'admin'] },
  { group: 'admin', method: 'GET', path: '/v1/admin/clients', roles: ['admin'] },
  // the national-format door answers an empty body in the national format (HTTP 200, infcode -2)
  { group: 'national door', method: 'POST', path: '/national/9001', body: {}, roles: ['his'] },
];

const noStack = (r: Reply) => expect(r.text).not.toMatch(/at .*\.(ts|js):\d+/);

function expectCatalogError(r: Reply, status: number, code: string) {
  expect([r.status, r.body?.error?.code], r.text.slice(0, 300)).toEqual([status, code]);
  const entry = catalog.get(code)!;
  expect(r.body.error).toMatchObject({ category: entry.category, message: entry.message, action: entry.action });
  noStack(r);
}

describe('auth matrix: each role against each endpoint group', () => {
  const cases = GROUPS.flatMap((g) =>
    ROLES.map((role) => ({ ...g, role, allowed: g.roles === 'any' || g.roles === 'public' || g.roles.includes(role) })),
  );

  it.each(cases)('$role → $group ($method $path): allowed=$allowed', async ({ method, path, body, role, allowed }) => {
    const r = await api(sys.gw.url, method, path, body, {}, { auth: role });
    if (allowed) {
      expect([401, 403], `${r.status} ${r.text.slice(0, 200)}`).not.toContain(r.status);
      expect(r.status).toBeLessThan(500);
    } else {
      expectCatalogError(r, 403, 'GW_SEC_FORBIDDEN');
      expect(r.body.error.details.role).toBe(role);
    }
  });

  it.each(GROUPS)(
    'no credential → 401 GW_SEC_UNAUTHENTICATED with WWW-Authenticate (a public group answers): $group',
    async ({ method, path, body, roles }) => {
      const r = await api(sys.gw.url, method, path, body, {}, { auth: false });
      if (roles === 'public') return expect(r.status, r.text.slice(0, 200)).toBe(200);
      expectCatalogError(r, 401, 'GW_SEC_UNAUTHENTICATED');
      expect(r.headers.get('www-authenticate')).toMatch(/^Bearer realm="yidi-gateway"/);
      expect(r.body.error.details.reason).toBe('missing_credentials');
    },
  );

  it.each(GROUPS)('a wrong key → 401 (a public group answers): $group', async ({ method, path, body, roles }) => {
    const r = await api(sys.gw.url, method, path, body, { 'x-api-key': `${TEST_KEYS.admin}x` });
    if (roles === 'public') return expect(r.status, r.text.slice(0, 200)).toBe(200);
    expectCatalogError(r, 401, 'GW_SEC_UNAUTHENTICATED');
    expect(r.headers.get('www-authenticate')).toContain('error="invalid_token"');
    expect(r.body.error.details.reason).toBe('unknown_key');
  });

  it('the unknown-path 404 comes after authentication', async () => {
    expectCatalogError(await api(sys.gw.url, 'GET', '/v1/nothing-here', undefined, {}, { auth: false }), 401, 'GW_SEC_UNAUTHENTICATED');
    expectCatalogError(await api(sys.gw.url, 'GET', '/v1/nothing-here', undefined, {}, { auth: 'pos' }), 404, 'GW_VAL_ROUTE_NOT_FOUND');
  });

  it('/healthz needs nothing', async () => {
    const r = await api(sys.gw.url, 'GET', '/healthz', undefined, {}, { auth: false });
    expect([r.status, r.body.status]).toEqual([200, 'ok']);
    // and a wrong key does not hurt it either (a load balancer's probe sends none)
    expect((await api(sys.gw.url, 'GET', '/healthz', undefined, { 'x-api-key': 'nope' })).status).toBe(200);
  });

  it('/healthz/ready answers a load balancer without a key, ready or not, and nothing else (the details are /readyz, for staff)', async () => {
    await until(
      'the start-up sign-in',
      async () => (await api(sys.gw.url, 'GET', '/readyz', undefined, {}, { auth: 'staff' })).status === 200,
    );
    const r = await api(sys.gw.url, 'GET', '/healthz/ready', undefined, {}, { auth: false });
    expect([r.status, r.body]).toEqual([200, { status: 'ready' }]);
    expectCatalogError(await api(sys.gw.url, 'GET', '/readyz', undefined, {}, { auth: false }), 401, 'GW_SEC_UNAUTHENTICATED');
  });

  it('public means exactly /healthz and the console page files: anything else under them needs a key before its 404 (issue 13)', async () => {
    for (const p of [
      '/healthz/x',
      '/healthz/ready/x',
      '/HEALTHZ',
      '/console/nothing-here',
      '/console/x/y.js',
      '/Console',
      '/console/CONSOLE.JS',
      '/console/vendor/preact.js',
    ]) {
      expectCatalogError(await api(sys.gw.url, 'GET', p, undefined, {}, { auth: false }), 401, 'GW_SEC_UNAUTHENTICATED');
      expectCatalogError(await api(sys.gw.url, 'GET', p, undefined, {}, { auth: 'staff' }), 404, 'GW_VAL_ROUTE_NOT_FOUND');
    }
    for (const p of [
      '/healthz',
      '/console',
      '/console/console.js',
      '/console/work-queue.js',
      '/console/console.css',
      '/console/error-catalog.json',
      '/console/vendor/htm-preact.js',
    ]) {
      expect([p, (await api(sys.gw.url, 'GET', p, undefined, {}, { auth: false })).status]).toEqual([p, 200]);
    }
  });

  it('a path spelled in other case or with doubled slashes is still its group (no way round the table)', async () => {
    expectCatalogError(await api(sys.gw.url, 'GET', '/V1/Transactions', undefined, {}, { auth: 'his' }), 403, 'GW_SEC_FORBIDDEN');
    expectCatalogError(await api(sys.gw.url, 'GET', '/v1//transactions', undefined, {}, { auth: 'his' }), 403, 'GW_SEC_FORBIDDEN');
    expectCatalogError(await api(sys.gw.url, 'POST', '/V1/PERSONS/query', {}, {}, { auth: 'pos' }), 403, 'GW_SEC_FORBIDDEN');
  });
});

describe('credentials', () => {
  it('Authorization: Bearer works as well as x-api-key', async () => {
    const r = await api(sys.gw.url, 'GET', '/metrics', undefined, { authorization: `Bearer ${TEST_KEYS.admin}` });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/plain/);
  });

  it('during a rotation both keys of a client work', async () => {
    const body = { mdtrt_cert_type: '01', mdtrt_cert_no: JILIN.token };
    const a = await api(sys.gw.url, 'POST', '/v1/persons/query', body, {}, { auth: 'his' });
    const b = await api(sys.gw.url, 'POST', '/v1/persons/query', body, {}, { auth: 'his_rotated' });
    expect([a.status, b.status], b.text.slice(0, 200)).toEqual([200, 200]);
    expect(b.body.person.psn_no ?? b.body.psn_no ?? JSON.stringify(b.body)).toContain(JILIN.psn_no);
  });

  it('a key past its not_after is refused', async () => {
    const r = await api(
      sys.gw.url,
      'POST',
      '/v1/persons/query',
      { mdtrt_cert_type: '01', mdtrt_cert_no: JILIN.token },
      {},
      { auth: 'expired' },
    );
    expectCatalogError(r, 401, 'GW_SEC_UNAUTHENTICATED');
    expect(r.body.error.details.reason).toBe('expired_key');
  });

  it('a key of the wrong length or with odd bytes is a 401, not a 500', async () => {
    for (const key of ['x', 'k'.repeat(4000), 'ygk_\u00e9\u00e9']) {
      const r = await api(sys.gw.url, 'GET', '/openapi.json', undefined, { 'x-api-key': key });
      expect(r.status).toBe(401);
    }
  });

  it('an oversized body is still a catalog 413 for a client, and a 401 for a stranger (auth before the body is read)', async () => {
    const big = JSON.stringify({ chrg_bchno: 'B', pad: 'x'.repeat(1024 * 1024) });
    expectCatalogError(await api(sys.gw.url, 'POST', '/v1/outpatient/visits/V000000/fees', big), 413, 'GW_VAL_BODY_TOO_LARGE');
    expectCatalogError(
      await api(sys.gw.url, 'POST', '/v1/outpatient/visits/V000000/fees', big, {}, { auth: false }),
      401,
      'GW_SEC_UNAUTHENTICATED',
    );
  });

  it('responses carry security headers and no x-powered-by', async () => {
    const r = await api(sys.gw.url, 'GET', '/v1/codes/med_type');
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    expect(r.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(r.headers.get('strict-transport-security')).toBeTruthy();
    expect(r.headers.get('x-powered-by')).toBeNull();
  });
});

/** Signs as the README says, written out here independently of gateway/auth/signature.ts. */
function signedHeaders(method: string, target: string, body: string, over: { ts?: number; nonce?: string; secret?: string } = {}) {
  const ts = String(over.ts ?? Math.floor(Date.now() / 1000));
  const nonce = over.nonce ?? randomBytes(12).toString('hex');
  const bodyHash = createHash('sha256').update(body).digest('hex');
  const sig = createHmac('sha256', over.secret ?? TEST_HMAC_SECRET)
    .update(`${ts}\n${nonce}\n${method}\n${target}\n${bodyHash}`)
    .digest('hex');
  return { 'x-api-key': TEST_KEYS.his_signed, 'x-yidi-timestamp': ts, 'x-yidi-nonce': nonce, 'x-yidi-signature': sig };
}

describe('HMAC request signing (a his client with require_signature)', () => {
  const target = '/v1/persons/query';
  const body = JSON.stringify({ mdtrt_cert_type: '01', mdtrt_cert_no: JILIN.token });

  it('a valid signature passes', async () => {
    const r = await api(sys.gw.url, 'POST', target, body, signedHeaders('POST', target, body));
    expect(r.status, r.text.slice(0, 200)).toBe(200);
  });

  it('a signed GET with a query string passes; the query is covered by the signature', async () => {
    const ok = await api(sys.gw.url, 'GET', '/v1/codes/med_type?x=1', undefined, signedHeaders('GET', '/v1/codes/med_type?x=1', ''));
    expect(ok.status).toBe(200);
    const moved = await api(sys.gw.url, 'GET', '/v1/codes/med_type?x=2', undefined, signedHeaders('GET', '/v1/codes/med_type?x=1', ''));
    expectCatalogError(moved, 401, 'GW_SEC_SIGNATURE_INVALID');
  });

  it('malformed JSON from a client that must sign: the signature is checked first (401), then the body (400) (issue 13)', async () => {
    const bad = '{"mdtrt_cert_type": "01",';
    const unsigned = await api(sys.gw.url, 'POST', target, bad, { 'x-api-key': TEST_KEYS.his_signed });
    expectCatalogError(unsigned, 401, 'GW_SEC_SIGNATURE_INVALID');
    expect(unsigned.body.error.details.reason).toBe('missing_signature_headers');
    const wrong = await api(sys.gw.url, 'POST', target, bad, signedHeaders('POST', target, body));
    expectCatalogError(wrong, 401, 'GW_SEC_SIGNATURE_INVALID');
    expectCatalogError(await api(sys.gw.url, 'POST', target, bad, signedHeaders('POST', target, bad)), 400, 'GW_VAL_MALFORMED_JSON');
  });

  it('the key alone is not enough', async () => {
    const r = await api(sys.gw.url, 'POST', target, body, { 'x-api-key': TEST_KEYS.his_signed });
    expectCatalogError(r, 401, 'GW_SEC_SIGNATURE_INVALID');
    expect(r.body.error.details.reason).toBe('missing_signature_headers');
    expect(r.headers.get('www-authenticate')).toMatch(/^YIDI-HMAC-SHA256 /);
  });

  it.each([
    ['301 s in the past', -301],
    ['301 s in the future', 301],
  ])('a timestamp %s → 401 timestamp_out_of_window', async (_n, offset) => {
    const r = await api(
      sys.gw.url,
      'POST',
      target,
      body,
      signedHeaders('POST', target, body, { ts: Math.floor(Date.now() / 1000) + offset }),
    );
    expectCatalogError(r, 401, 'GW_SEC_SIGNATURE_INVALID');
    expect(r.body.error.details.reason).toBe('timestamp_out_of_window');
  });

  it('a tampered body → 401 signature_mismatch', async () => {
    const other = JSON.stringify({ mdtrt_cert_type: '01', mdtrt_cert_no: 'EVT32000000000000000003C9D0E1F2' });
    const r = await api(sys.gw.url, 'POST', target, other, signedHeaders('POST', target, body));
    expectCatalogError(r, 401, 'GW_SEC_SIGNATURE_INVALID');
    expect(r.body.error.details.reason).toBe('signature_mismatch');
  });

  it('a signature made with another secret → 401, and the secret never shows in the reply', async () => {
    const r = await api(
      sys.gw.url,
      'POST',
      target,
      body,
      signedHeaders('POST', target, body, { secret: 'another-secret-of-at-least-32-characters!!' }),
    );
    expectCatalogError(r, 401, 'GW_SEC_SIGNATURE_INVALID');
    expect(r.text).not.toContain(TEST_HMAC_SECRET);
  });

  it('a replayed nonce → 401 nonce_replayed, even with a fresh signature', async () => {
    const first = signedHeaders('POST', target, body);
    expect((await api(sys.gw.url, 'POST', target, body, first)).status).toBe(200);
    const replay = await api(sys.gw.url, 'POST', target, body, first);
    expectCatalogError(replay, 401, 'GW_SEC_SIGNATURE_INVALID');
    expect(replay.body.error.details.reason).toBe('nonce_replayed');
    const resigned = await api(sys.gw.url, 'POST', target, body, signedHeaders('POST', target, body, { nonce: first['x-yidi-nonce'] }));
    expect(resigned.body.error.details.reason).toBe('nonce_replayed');
  });
});

describe('logs', () => {
  it('name the client, never its key or signing secret', async () => {
    await api(sys.gw.url, 'GET', '/v1/codes/med_type', undefined, {}, { auth: 'pos' });
    const text = sys.gw.logs.text;
    expect(text).toContain('"client":"test-pos"');
    for (const secret of [...Object.values(TEST_KEYS), TEST_HMAC_SECRET]) expect(text, 'a key is in the log').not.toContain(secret);
  });
});

describe('rate limit per client', () => {
  // its own mock: two gateways on one mock may draw the same msgid in the same second (the mock refuses a repeat)
  const limited = mockAndGateway({ RATE_LIMIT_PER_MINUTE: '3' });
  beforeAll(() => ready(limited.gw));

  it('the request over the limit gets 429 GW_SEC_RATE_LIMITED; another client is not affected', async () => {
    const statuses: number[] = [];
    let last: Reply | undefined;
    for (let i = 0; i < 4; i++) {
      last = await api(limited.gw.url, 'GET', '/v1/codes/med_type', undefined, {}, { auth: 'pos' });
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
    expectCatalogError(last!, 429, 'GW_SEC_RATE_LIMITED');
    expect(last!.headers.get('retry-after')).toMatch(/^\d+$/);
    expect((await api(limited.gw.url, 'GET', '/v1/codes/med_type', undefined, {}, { auth: 'staff' })).status).toBe(200);
    // liveness is never rate limited
    expect((await api(limited.gw.url, 'GET', '/healthz', undefined, {}, { auth: false })).status).toBe(200);
  });
});

describe('the clients file is checked at start-up', () => {
  it('a gateway refuses to start on an invalid clients file, or when a signing client has no secret', async () => {
    const dir = tmpDir('clients');
    try {
      const bad = path.join(dir, 'bad.json');
      writeFileSync(bad, JSON.stringify([{ id: 'x', role: 'root', keys: [{ key_id: 'k1', sha256: 'abc' }] }]));
      await expect(startGateway(sys.mock.url, { API_CLIENTS_FILE: bad })).rejects.toThrow(/not a valid clients file.*role/);
      const three = path.join(dir, 'three.json');
      const k = (n: number) => ({ key_id: `k${n}`, sha256: sha256Hex(`key-${n}`) });
      writeFileSync(three, JSON.stringify([{ id: 'x', role: 'his', keys: [k(1), k(2), k(3)] }]));
      await expect(startGateway(sys.mock.url, { API_CLIENTS_FILE: three })).rejects.toThrow(/keys must NOT have more than 2 items/);
      const good = writeTestClientsFile(dir);
      await expect(startGateway(sys.mock.url, { API_CLIENTS_FILE: good, [TEST_HMAC_ENV]: '' })).rejects.toThrow(
        new RegExp(`${TEST_HMAC_ENV} must hold its HMAC secret`),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
