/**
 * Issue 13, "every input, however built, gets a 4xx catalog answer": deep JSON with an
 * Idempotency-Key, identifiers longer than a store key may be, impossible calendar dates, prd_days
 * on an outpatient fee line, and what Node's HTTP parser refuses before express sees it.
 */
import { connect } from 'node:net';
import { beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson } from '../../gateway/http/idempotency.js';
import { isCalendarDate, isCalendarDateTime } from '../../gateway/validation.js';
import { api } from '../helpers/harness.js';
import { mockAndGateway } from '../helpers/suite.js';
import { CODES, JILIN, line, visitBody } from './fixtures.js';

const sys = mockAndGateway();
let visitId: string;
beforeAll(async () => {
  const reg = await api(sys.gw.url, 'POST', '/v1/outpatient/visits', visitBody({ mdtrt_cert_type: '01', mdtrt_cert_no: JILIN.token }));
  expect(reg.status, reg.text).toBe(201);
  visitId = reg.body.visit.visit_id;
});

const deep = (n: number) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;

function expectCatalog(r: { status: number; body: any; text: string }, status: number, code: string) {
  expect(r.status, r.text).toBe(status);
  expect(r.body?.error?.code, r.text).toBe(code);
  expect(typeof r.body.error.message).toBe('string');
}

describe('deeply nested JSON', () => {
  it('is a 400 GW_VAL_SCHEMA with and without an Idempotency-Key, on every kind of route', async () => {
    for (const headers of [{}, { 'idempotency-key': 'deep-1' }] as Array<Record<string, string>>) {
      for (const path of ['/v1/persons/query', '/v1/outpatient/visits', `/v1/outpatient/visits/${visitId}/fees`]) {
        expectCatalog(await api(sys.gw.url, 'POST', path, deep(20_000), headers), 400, 'GW_VAL_SCHEMA');
      }
      expectCatalog(
        await api(sys.gw.url, 'POST', '/v1/persons/query', `${'['.repeat(50_000)}${']'.repeat(50_000)}`, headers),
        400,
        'GW_VAL_SCHEMA',
      );
    }
  });

  it('canonicalises without recursion, in the same form as before', () => {
    expect(canonicalJson({ b: [1, { d: null, c: 'x' }, undefined], a: undefined, e: {} })).toBe('{"b":[1,{"c":"x","d":null},null],"e":{}}');
    expect(canonicalJson(JSON.parse(deep(100_000))).length).toBe(100_000 * 6 + 1);
    expect(canonicalJson(null)).toBe('null');
    expect(canonicalJson([])).toBe('[]');
  });
});

describe('identifiers longer than any the API takes', () => {
  const long = 'X'.repeat(5_000);
  const cases: Array<[string, string]> = [
    ['GET', `/v1/outpatient/visits/${long}`],
    ['POST', `/v1/outpatient/visits/${long}/cancel`],
    ['GET', `/v1/settlements/${long}`],
    ['POST', `/v1/settlements/${long}/cancel`],
    ['GET', `/v1/outcomes/${long}`],
    ['GET', `/v1/transactions/${long}`],
    ['GET', `/v1/console/transactions/${long}`],
    ['GET', `/v1/pharmacy/settlements/${long}`],
    ['GET', `/v1/refunds/${long}`],
    ['GET', `/v1/inpatient/admissions/${long}`],
    ['GET', `/v1/transactions?mdtrt_id=${long}`],
    ['GET', `/v1/console/transactions?psn_no=${long}`],
  ];
  it.each(cases)('%s %s… is a 400 GW_VAL_SCHEMA, not a store error', async (method, path) => {
    const r = await api(sys.gw.url, method, path, method === 'POST' ? {} : undefined, { 'idempotency-key': `long-${path.length}` });
    expectCatalog(r, 400, 'GW_VAL_SCHEMA');
    expect(r.body.error.details.errors[0].problem).toMatch(/128 characters/);
  });

  it('leaves identifiers of ordinary length to the route (404 for one that does not exist)', async () => {
    const r = await api(sys.gw.url, 'GET', `/v1/outpatient/visits/${'X'.repeat(128)}`);
    expect(r.status, r.text).toBe(404);
  });
});

describe('calendar dates', () => {
  it('knows which days exist', () => {
    for (const d of ['2026-02-31', '2026-02-29', '2026-11-31', '1900-02-29', '2026-13-01', '2026-00-10', '2026-01-00'])
      expect(isCalendarDate(d), d).toBe(false);
    for (const d of ['2024-02-29', '2000-02-29', '2026-12-31', '2026-02-28']) expect(isCalendarDate(d), d).toBe(true);
    expect(isCalendarDateTime('2026-02-28 23:59:59')).toBe(true);
    for (const t of ['2026-02-28 24:00:00', '2026-02-28 12:60:00', '2026-02-28 12:00:60', '2026-02-29 09:00:00'])
      expect(isCalendarDateTime(t), t).toBe(false);
  });

  it.each(['2026-02-31 09:00:00', '2026-02-29 09:00:00', '2026-11-31 09:00:00', '1900-02-29 09:00:00'])(
    'a visit beginning %s is refused with 400 GW_VAL_SCHEMA naming begntime',
    async (begntime) => {
      const r = await api(
        sys.gw.url,
        'POST',
        '/v1/outpatient/visits',
        visitBody({ mdtrt_cert_type: '01', mdtrt_cert_no: JILIN.token }, { begntime }),
      );
      expectCatalog(r, 400, 'GW_VAL_SCHEMA');
      expect(r.text).toContain('begntime');
    },
  );

  it('refuses an impossible fee time', async () => {
    const r = await api(sys.gw.url, 'POST', `/v1/outpatient/visits/${visitId}/fees`, {
      chrg_bchno: 'BD',
      lines: [{ ...line('1', CODES.consult, 1, 20), fee_ocur_time: '2026-11-31 09:00:00' }],
    });
    expectCatalog(r, 400, 'GW_VAL_SCHEMA');
  });
});

describe('prd_days on an outpatient fee line', () => {
  it('travels as the number 2204 wants: the upload succeeds', async () => {
    for (const prd_days of [3, '2.5']) {
      const r = await api(sys.gw.url, 'POST', `/v1/outpatient/visits/${visitId}/fees`, {
        chrg_bchno: `BP${String(prd_days).replace('.', '')}`,
        lines: [line(`P${String(prd_days).replace('.', '')}`, CODES.consult, 1, 20, { prd_days })],
      });
      expect(r.status, r.text).toBe(201);
    }
  });
});

/** One raw HTTP exchange, for what fetch would refuse to send. */
function raw(text: string): Promise<{ status: number; body: any; head: string }> {
  const u = new URL(sys.gw.url);
  return new Promise((resolve, reject) => {
    const s = connect(Number(u.port), u.hostname, () => s.end(text));
    const chunks: Buffer[] = [];
    s.on('data', (c) => chunks.push(c));
    s.on('error', reject);
    s.on('close', () => {
      const all = Buffer.concat(chunks).toString('utf8');
      const [head = '', body = ''] = all.split('\r\n\r\n');
      let parsed: unknown;
      try {
        parsed = JSON.parse(body);
      } catch {
        parsed = undefined;
      }
      resolve({ status: Number(head.split(' ')[1]), body: parsed, head });
    });
  });
}

describe("what Node's HTTP parser refuses", () => {
  it('headers over 16 KB: 431 GW_VAL_REQUEST_TOO_LARGE with the catalog body', async () => {
    const r = await raw(`GET /healthz HTTP/1.1\r\nhost: x\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(r.status, r.head).toBe(431);
    expect(r.body.error.code).toBe('GW_VAL_REQUEST_TOO_LARGE');
  });

  it('a 20,000-character path: 431 with the catalog body', async () => {
    const r = await raw(`GET /v1/outpatient/visits/${'x'.repeat(20_000)} HTTP/1.1\r\nhost: x\r\n\r\n`);
    expect(r.status, r.head).toBe(431);
    expect(r.body.error.code).toBe('GW_VAL_REQUEST_TOO_LARGE');
  });

  it('a malformed request line: 400 GW_VAL_MALFORMED_REQUEST with the catalog body', async () => {
    const r = await raw('GARBAGE\r\n\r\n');
    expect(r.status, r.head).toBe(400);
    expect(r.body.error.code).toBe('GW_VAL_MALFORMED_REQUEST');
    expect(r.head.toLowerCase()).toContain('connection: close');
  });

  it('and the gateway still answers', async () => {
    expect((await api(sys.gw.url, 'GET', '/healthz')).status).toBe(200);
  });
});
