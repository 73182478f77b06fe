import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { api } from '../helpers/harness.js';
import { mockAndGateway } from '../helpers/suite.js';
import { CODES, diagnosesBody, JILIN, line, visitBody } from './fixtures.js';
import { FAST_REVERSAL, TEST_PLATFORM_TIMEOUT_MS, until } from './resilience-fixtures.js';

/** the gateway's platform timeout (FAST_REVERSAL's); the held reply below is twice it */
const PLATFORM_TIMEOUT_MS = TEST_PLATFORM_TIMEOUT_MS;
// quick reversal rounds, and never given up to staff while the 2601 is refused on purpose below
const sys = mockAndGateway({ ...FAST_REVERSAL, REVERSAL_MAX_ATTEMPTS: '100000' });

const scrape = async () => {
  const r = await api(sys.gw.url, 'GET', '/metrics', undefined, {}, { auth: 'admin' });
  expect(r.status).toBe(200);
  return r.text;
};

/** The value of one sample line, e.g. sample(text, 'yidi_platform_calls_total{infno="2207",outcome="succeeded"}'). */
function sample(text: string, series: string): number | undefined {
  const l = text.split('\n').find((x) => x.startsWith(`${series} `));
  return l === undefined ? undefined : Number(l.slice(series.length + 1));
}

async function visitReadyToSettle(bchno: string) {
  const reg = await api(sys.gw.url, 'POST', '/v1/outpatient/visits', visitBody({ mdtrt_cert_type: '01', mdtrt_cert_no: JILIN.token }));
  expect(reg.status, reg.text).toBe(201);
  const id = reg.body.visit.visit_id as string;
  expect((await api(sys.gw.url, 'POST', `/v1/outpatient/visits/${id}/diagnoses`, diagnosesBody())).status).toBeLessThan(300);
  expect(
    (await api(sys.gw.url, 'POST', `/v1/outpatient/visits/${id}/fees`, { chrg_bchno: bchno, lines: [line('1', CODES.consult, 1, 20)] }))
      .status,
  ).toBeLessThan(300);
  return id;
}

describe('/metrics (Prometheus)', () => {
  it('after a settlement shows the 2207 call as succeeded, the request histogram by route pattern, and an empty backlog', async () => {
    const id = await visitReadyToSettle('M1');
    const s = await api(sys.gw.url, 'POST', `/v1/outpatient/visits/${id}/settlement`, { medfee_sumamt: 20, acct_used_flag: '0' });
    expect(s.status, s.text).toBe(201);

    const text = await scrape();
    expect(sample(text, 'yidi_platform_calls_total{infno="2207",outcome="succeeded"}')).toBe(1);
    expect(sample(text, 'yidi_platform_call_duration_seconds_count{infno="2207"}')).toBe(1);
    // the route pattern, not the visit id
    const settle = 'yidi_http_request_duration_seconds_count{method="POST",route="/v1/outpatient/visits/:id/settlement",status="201"}';
    expect(sample(text, settle)).toBe(1);
    expect(sample(text, 'yidi_http_requests_total{method="POST",route="/v1/outpatient/visits/:id/settlement",status="201"}')).toBe(1);
    expect(text).not.toContain(id);
    expect(text).toMatch(
      /^yidi_http_request_duration_seconds_bucket\{le="0\.005",method="POST",route="\/v1\/outpatient\/visits\/:id\/settlement",status="201"\} \d+$/m,
    );
    for (const kind of ['pending', 'unresolved', 'reversing', 'inquiring', 'needs_manual', 'releasing', 'self_pay_pending'])
      expect(sample(text, `yidi_open_work{kind="${kind}"}`), kind).toBe(0);
    expect(text).toMatch(/^process_cpu_user_seconds_total \d/m); // default process metrics
    // the platform side: breaker closed, signed in (the start-up 9001)
    expect(sample(text, 'yidi_circuit_breaker_state{state="closed"}')).toBe(1);
    expect(sample(text, 'yidi_circuit_breaker_state{state="open"}')).toBe(0);
    expect(sample(text, 'yidi_platform_signed_in')).toBe(1);
    expect(sample(text, 'yidi_platform_sign_in_age_seconds')).toBeGreaterThanOrEqual(0);
    for (const kind of ['pending', 'reversing', 'needs_manual'])
      expect(sample(text, `yidi_open_work_oldest_age_seconds{kind="${kind}"}`)).toBe(0);
  });

  it('an error raised inside the /v1 router carries the same /v1 route pattern as a success (issue 15)', async () => {
    const r = await api(sys.gw.url, 'POST', '/v1/outpatient/visits/V-no-such-visit/settlement', { medfee_sumamt: 20, acct_used_flag: '0' });
    expect(r.status, r.text).toBe(404);
    const text = await scrape();
    expect(sample(text, 'yidi_http_requests_total{method="POST",route="/v1/outpatient/visits/:id/settlement",status="404"}')).toBe(1);
    expect(text).not.toMatch(/route="\/outpatient\//);
    expect(text).not.toContain('V-no-such-visit');
  });

  it('a settlement whose reply never comes counts as unknown and shows as open work (reversing) until resolved', async () => {
    const id = await visitReadyToSettle('M2');
    await api(sys.mock.control, 'POST', '/faults', { infno: '2207', latency_ms: 2 * PLATFORM_TIMEOUT_MS, after_booking: true, count: 1 });
    // every 2601 refused until the next test lifts it: the record stays open however fast the worker is
    await api(sys.mock.control, 'POST', '/faults', { infno: '2601', kind: 'reject', err_msg: '系统繁忙' });
    const s = await api(sys.gw.url, 'POST', `/v1/outpatient/visits/${id}/settlement`, { medfee_sumamt: 20, acct_used_flag: '0' });
    expect(s.body.error.code).toBe('GW_SYS_PLATFORM_OUTCOME_UNKNOWN');

    const text = await scrape();
    expect(sample(text, 'yidi_platform_calls_total{infno="2207",outcome="unknown"}')).toBe(1);
    expect(sample(text, 'yidi_open_work{kind="reversing"}')).toBe(1);
    expect(sample(text, 'yidi_open_work{kind="pending"}')).toBe(0);
    // the 5xx is labelled like the 201 of the first test, with /v1
    expect(sample(text, `yidi_http_requests_total{method="POST",route="/v1/outpatient/visits/:id/settlement",status="${s.status}"}`)).toBe(
      1,
    );
    // at least the platform timeout has passed since the call was made
    expect(sample(text, 'yidi_open_work_oldest_age_seconds{kind="reversing"}')).toBeGreaterThanOrEqual(PLATFORM_TIMEOUT_MS / 1000);
  });

  it('counts each 2601 attempt by its result; once reversed the open work and its age fall to 0', async () => {
    const count = (text: string, result: string) => sample(text, `yidi_reversal_attempts_total{result="${result}"}`) ?? 0;
    await until('a refused 2601 attempt counted as failed', async () => count(await scrape(), 'failed') >= 1);
    await api(sys.mock.control, 'DELETE', '/faults');
    const text = await until('the reversal counted as reversed', async () => {
      const t = await scrape();
      return count(t, 'reversed') === 1 && t;
    });
    expect(sample(text, 'yidi_open_work{kind="reversing"}')).toBe(0);
    expect(sample(text, 'yidi_open_work_oldest_age_seconds{kind="reversing"}')).toBe(0);
    expect(count(text, 'needs_manual')).toBe(0);
  });

  it('requests refused before routing are labelled by endpoint group, never by raw path', async () => {
    await api(sys.gw.url, 'GET', '/v1/transactions/H4403050000120261123000001', undefined, {}, { auth: 'pos' });
    const text = await scrape();
    expect(sample(text, 'yidi_http_requests_total{method="GET",route="/v1/transactions/*",status="403"}')).toBe(1);
    expect(text).not.toContain('H4403050000120261123000001');
  });

  it('is for admins only', async () => {
    for (const role of ['his', 'pos', 'staff'] as const) {
      expect((await api(sys.gw.url, 'GET', '/metrics', undefined, {}, { auth: role })).status).toBe(403);
    }
    expect((await api(sys.gw.url, 'GET', '/metrics', undefined, {}, { auth: false })).status).toBe(401);
  });

  it('a real scrape (after a settlement, an unknown outcome and a reversal) passes `promtool check metrics` clean', async () => {
    const text = await scrape();
    const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(r.error, 'promtool must be installed (Debian: apt-get install prometheus; .ci/run does it)').toBeUndefined();
    expect(`${r.stdout}${r.stderr}`.trim()).toBe('');
    expect(r.status).toBe(0);
  });

  it('every metric the alert rules (ops/prometheus) and the Grafana dashboard (ops/grafana) query is one the gateway exports', async () => {
    const exported = new Set(
      [...(await scrape()).matchAll(/^# TYPE (\S+) (\S+)$/gm)].flatMap(([, name, type]) =>
        type === 'histogram' ? [`${name}_bucket`, `${name}_sum`, `${name}_count`] : [name!],
      ),
    );
    const rules = parseYaml(readFileSync('ops/prometheus/yidi-gateway.rules.yml', 'utf8')) as { groups: { rules: { expr: string }[] }[] };
    const dashboard = JSON.parse(readFileSync('ops/grafana/yidi-gateway.json', 'utf8')) as { panels: { targets: { expr: string }[] }[] };
    const exprs = [
      ...rules.groups.flatMap((g) => g.rules.map((r) => r.expr)),
      ...dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr)),
    ];
    expect(exprs.length).toBeGreaterThan(10);
    const named = new Set(exprs.flatMap(metricNames));
    expect([...named].filter((n) => !exported.has(n))).toEqual([]);
    // what the issue asks to alert on and show is among them
    for (const n of [
      'yidi_circuit_breaker_state',
      'yidi_open_work',
      'yidi_open_work_oldest_age_seconds',
      'yidi_platform_sign_in_age_seconds',
      'yidi_reversal_attempts_total',
      'yidi_reconciliation_close_overdue',
      'yidi_identity_refusals_total',
      'yidi_http_requests_total',
    ])
      expect(named, n).toContain(n);
  });
});

/** PromQL keywords that look like names */
const PROMQL_WORDS = new Set([
  'and',
  'or',
  'unless',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'offset',
  'inf',
  'nan',
]);

/**
 * The metric names a PromQL expression reads: identifiers that are neither functions (followed by
 * `(`), keywords, label names (inside `{}` or a `by (...)` list), strings, durations nor Grafana variables.
 */
function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '')
    .replace(/\$\w+/g, '');
  return [...bare.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?/g)]
    .filter((m) => m[2] === undefined)
    .map((m) => m[1]!)
    .filter((w) => !PROMQL_WORDS.has(w.toLowerCase()));
}
