import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { api, defaultKeyFor } from '../helpers/harness.js';
import { mockAndGateway } from '../helpers/suite.js';
import { readyVisit } from './resilience-fixtures.js';

/**
 * Issue 13 item 5: paths are matched case-sensitively everywhere. The Idempotency-Key middleware
 * guards paths that start with exactly `/v1/`; `/V1/...` or `/v1/OUTPATIENT/...` must not reach a
 * route it did not guard (two platform calls for one key), so they meet the catalog 404.
 */
const sys = mockAndGateway();
const calls = async (infno: string) => ((await api(sys.mock.control, 'GET', `/calls?infno=${infno}`)).body as unknown[]).length;

function expectNotFound(r: { status: number; body: any; text: string }) {
  expect(r.status, r.text).toBe(404);
  expect(r.body.error).toMatchObject({ code: 'GW_VAL_ROUTE_NOT_FOUND', category: 'validation' });
  expect(typeof r.body.error.message).toBe('string');
}

describe('paths are case-sensitive (issue 13, item 5)', () => {
  it('a settlement sent twice to /V1/... with one Idempotency-Key: 404 both times, no 2207; /v1/... then settles once', async () => {
    const base = sys.gw.url;
    const { id } = await readyVisit(base);

    const before = await calls('2207');
    const key = `case-${randomUUID()}`;
    const body = { medfee_sumamt: 20, acct_used_flag: '0' };
    for (const p of [
      `/V1/outpatient/visits/${id}/settlement`,
      `/v1/Outpatient/visits/${id}/settlement`,
      `/v1/outpatient/visits/${id}/SETTLEMENT`,
    ]) {
      for (let i = 0; i < 2; i++) expectNotFound(await api(base, 'POST', p, body, { 'idempotency-key': key }));
    }
    expect(await calls('2207')).toBe(before);

    const first = await api(base, 'POST', `/v1/outpatient/visits/${id}/settlement`, body, { 'idempotency-key': key });
    expect(first.status, first.text).toBe(201);
    const again = await api(base, 'POST', `/v1/outpatient/visits/${id}/settlement`, body, { 'idempotency-key': key });
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await calls('2207')).toBe(before + 1);
  });

  it('every operation of /openapi.json, with its path in another case, is a catalog 404 and reaches no platform', async () => {
    const spec = (await api(sys.gw.url, 'GET', '/openapi.json')).body as { paths: Record<string, Record<string, unknown>> };
    const before = ((await api(sys.mock.control, 'GET', '/calls')).body as unknown[]).length;
    let checked = 0;
    for (const [template, ops] of Object.entries(spec.paths)) {
      const concrete = template.replace(/\{[^}]+\}/g, 'x1');
      const segments = concrete.split('/');
      // first segment upper-cased (/V1/...), and the last literal segment capitalised
      const lastLiteral = segments.map((s, i) => (s && s !== 'x1' ? i : -1)).reduce((a, b) => Math.max(a, b));
      const variants = [
        concrete.replace(/^\/([a-z])/, (_m, c: string) => `/${c.toUpperCase()}`),
        segments.map((s, i) => (i === lastLiteral ? s.charAt(0).toUpperCase() + s.slice(1) : s)).join('/'),
      ];
      for (const method of Object.keys(ops)) {
        if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
        for (const v of variants) {
          if (v === concrete) continue;
          const r = await api(sys.gw.url, method.toUpperCase(), v, method === 'get' ? undefined : {}, {
            'x-api-key': defaultKeyFor(concrete),
          });
          expect([method, v, r.status]).toEqual([method, v, 404]);
          expectNotFound(r);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(40);
    expect(((await api(sys.mock.control, 'GET', '/calls')).body as unknown[]).length).toBe(before);
  });
});
