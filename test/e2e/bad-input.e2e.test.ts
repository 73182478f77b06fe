import { beforeAll, describe, expect, it } from 'vitest';
import { catalog } from '../../gateway/errors/errors.js';
import { api } from '../helpers/harness.js';
import { mockAndGateway } from '../helpers/suite.js';
import { CODES, diagnosesBody, JILIN, line, visitBody } from './fixtures.js';

let visitId: string;
let settledVisitId: string;
let settledBody: Record<string, unknown>;

const sys = mockAndGateway();
beforeAll(async () => {
  const reg = await api(sys.gw.url, 'POST', '/v1/outpatient/visits', visitBody({ mdtrt_cert_type: '01', mdtrt_cert_no: JILIN.token }));
  visitId = reg.body.visit.visit_id;
  const reg2 = await api(sys.gw.url, 'POST', '/v1/outpatient/visits', visitBody({ mdtrt_cert_type: '01', mdtrt_cert_no: JILIN.token }));
  settledVisitId = reg2.body.visit.visit_id;
  await api(sys.gw.url, 'POST', `/v1/outpatient/visits/${settledVisitId}/diagnoses`, diagnosesBody());
  await api(sys.gw.url, 'POST', `/v1/outpatient/visits/${settledVisitId}/fees`, {
    chrg_bchno: 'B',
    lines: [line('1', CODES.consult, 1, 20)],
  });
  settledBody = { medfee_sumamt: 20, acct_used_flag: '0' };
  const s = await api(sys.gw.url, 'POST', `/v1/outpatient/visits/${settledVisitId}/settlement`, settledBody);
  expect(s.status, s.text).toBe(201);
});

/** The path of one of the test visit's endpoints, read when the case runs (the visit is registered in beforeAll). */
const ofVisit = (endpoint: string) => () => `/v1/outpatient/visits/${visitId}/${endpoint}`;
const fee = (over: Record<string, unknown>) => ({ chrg_bchno: 'B9', lines: [{ ...line('9', CODES.consult, 1, 20), ...over }] });

type Case = [
  name: string,
  method: string,
  path: () => string,
  body: unknown,
  status: number,
  code: string,
  headers?: Record<string, string>,
];

const cases: Case[] = [
  ['truncated JSON', 'POST', () => '/v1/persons/query', '{"mdtrt_cert_type":', 400, 'GW_VAL_MALFORMED_JSON'],
  ['a body that is not JSON at all', 'POST', () => '/v1/persons/query', 'mdtrt_cert_type=01', 400, 'GW_VAL_MALFORMED_JSON'],
  [
    'text/plain content type',
    'POST',
    () => '/v1/persons/query',
    'hello',
    415,
    'GW_VAL_UNSUPPORTED_MEDIA_TYPE',
    { 'content-type': 'text/plain' },
  ],
  ['JSON null', 'POST', () => '/v1/persons/query', 'null', 400, 'GW_VAL_SCHEMA'],
  ['a JSON array', 'POST', () => '/v1/persons/query', '[]', 400, 'GW_VAL_SCHEMA'],
  [
    'an unknown credential type',
    'POST',
    () => '/v1/persons/query',
    { mdtrt_cert_type: '09', mdtrt_cert_no: 'x' },
    400,
    'GW_VAL_UNKNOWN_CODE',
  ],
  [
    'a social card without card_sn',
    'POST',
    () => '/v1/persons/query',
    { mdtrt_cert_type: '03', mdtrt_cert_no: 'JL0000001' },
    400,
    'GW_VAL_SCHEMA',
  ],
  [
    'a credential number sent as a number',
    'POST',
    () => '/v1/persons/query',
    { mdtrt_cert_type: '02', mdtrt_cert_no: 220100198003150000 },
    400,
    'GW_VAL_SCHEMA',
  ],
  ['an unknown field', 'POST', () => '/v1/persons/query', { mdtrt_cert_type: '01', mdtrt_cert_no: 'x', hack: 1 }, 400, 'GW_VAL_SCHEMA'],
  [
    'a visit without the emergency flag',
    'POST',
    () => '/v1/outpatient/visits',
    (() => {
      const b: Record<string, unknown> = visitBody({ mdtrt_cert_type: '01', mdtrt_cert_no: JILIN.token });
      delete b.emergency;
      return b;
    })(),
    400,
    'GW_VAL_SCHEMA',
  ],
  [
    'the emergency flag as a string',
    'POST',
    () => '/v1/outpatient/visits',
    visitBody({ mdtrt_cert_type: '01', mdtrt_cert_no: JILIN.token }, { emergency: 'true' }),
    400,
    'GW_VAL_SCHEMA',
  ],
  [
    'a malformed begntime',
    'POST',
    () => '/v1/outpatient/visits',
    visitBody({ mdtrt_cert_type: '01', mdtrt_cert_no: JILIN.token }, { begntime: '2026/11/23 9:00' }),
    400,
    'GW_VAL_SCHEMA',
  ],
  [
    'an unknown insutype',
    'POST',
    () => '/v1/outpatient/visits',
    visitBody({ mdtrt_cert_type: '01', mdtrt_cert_no: JILIN.token }, { insutype: '999' }),
    400,
    'GW_VAL_UNKNOWN_CODE',
  ],
  ['an unknown med_type', 'POST', ofVisit('diagnoses'), diagnosesBody('77'), 400, 'GW_VAL_UNKNOWN_CODE'],
  ['diagnoses missing', 'POST', ofVisit('diagnoses'), { med_type: '11' }, 400, 'GW_VAL_SCHEMA'],
  ['a negative quantity', 'POST', ofVisit('fees'), fee({ cnt: -1 }), 400, 'GW_VAL_AMOUNT_FORMAT'],
  ['a price that is not a number', 'POST', ofVisit('fees'), fee({ pric: 'abc' }), 400, 'GW_VAL_AMOUNT_FORMAT'],
  ['a line total with three decimals', 'POST', ofVisit('fees'), fee({ det_item_fee_sumamt: '20.001' }), 400, 'GW_VAL_AMOUNT_FORMAT'],
  [
    'a line total that is not quantity × price',
    'POST',
    ofVisit('fees'),
    fee({ det_item_fee_sumamt: 19.99 }),
    422,
    'GW_VAL_LINE_AMOUNT_MISMATCH',
  ],
  ['a fee line without the ordering doctor code', 'POST', ofVisit('fees'), fee({ bilg_dr_codg: undefined }), 400, 'GW_VAL_SCHEMA'],
  [
    'the same feedetl_sn twice',
    'POST',
    ofVisit('fees'),
    { chrg_bchno: 'B8', lines: [line('7', CODES.consult, 1, 20), line('7', CODES.consult, 1, 20)] },
    422,
    'GW_VAL_DUPLICATE_FEE_LINE',
  ],
  ['no fee lines', 'POST', ofVisit('fees'), { chrg_bchno: 'B7', lines: [] }, 400, 'GW_VAL_SCHEMA'],
  ['an absurd amount', 'POST', ofVisit('settlement'), { medfee_sumamt: 1e20, acct_used_flag: '0' }, 400, 'GW_VAL_AMOUNT_FORMAT'],
  [
    'a total with three decimals',
    'POST',
    ofVisit('settlement'),
    { medfee_sumamt: '12.345', acct_used_flag: '0' },
    400,
    'GW_VAL_AMOUNT_FORMAT',
  ],
  ['an unknown account flag', 'POST', ofVisit('settlement'), { medfee_sumamt: 20, acct_used_flag: '7' }, 400, 'GW_VAL_UNKNOWN_CODE'],
  [
    'settlement before diagnoses',
    'POST',
    ofVisit('settlement'),
    { medfee_sumamt: 20, acct_used_flag: '0' },
    409,
    'GW_BIZ_VISIT_NO_DIAGNOSIS',
  ],
  [
    'a second settle of a settled visit',
    'POST',
    () => `/v1/outpatient/visits/${settledVisitId}/settlement`,
    { medfee_sumamt: 20, acct_used_flag: '0' },
    409,
    'GW_BIZ_VISIT_ALREADY_SETTLED',
  ],
  ['a 1 MB body', 'POST', ofVisit('fees'), JSON.stringify({ chrg_bchno: 'B', pad: 'x'.repeat(1024 * 1024) }), 413, 'GW_VAL_BODY_TOO_LARGE'],
  [
    'an unknown visit',
    'POST',
    () => '/v1/outpatient/visits/V000000/settlement',
    { medfee_sumamt: 20, acct_used_flag: '0' },
    404,
    'GW_BIZ_VISIT_NOT_FOUND',
  ],
  ['an unknown settlement', 'POST', () => '/v1/settlements/NOPE/cancel', {}, 404, 'GW_BIZ_SETTLEMENT_NOT_FOUND'],
  ['an unknown route', 'GET', () => '/v1/nothing-here', undefined, 404, 'GW_VAL_ROUTE_NOT_FOUND'],
  ['an unknown outcome filter', 'GET', () => '/v1/transactions?outcome=maybe', undefined, 400, 'GW_VAL_UNKNOWN_CODE'],
  ['an unknown code table', 'GET', () => '/v1/codes/nope', undefined, 400, 'GW_VAL_UNKNOWN_CODE'],
];

describe('bad input gets a 4xx with a catalog code, never a 5xx', () => {
  it('has at least 20 cases', () => expect(cases.length).toBeGreaterThanOrEqual(20));

  it.each(cases)('%s', async (_name, method, path, body, status, code, headers) => {
    const r = await api(sys.gw.url, method, path(), body, headers);
    expect(r.status, r.text.slice(0, 300)).toBe(status);
    expect(r.body.error.code).toBe(code);
    const entry = catalog.get(code)!;
    expect(r.body.error).toMatchObject({ category: entry.category, action: entry.action, action_en: entry.action_en });
    // the Chinese message: the catalog's, or as precise as the English one (naming the fields at fault)
    if (r.body.error.message !== entry.message) {
      expect(r.body.error.message).toMatch(/[\u4e00-\u9fff]/);
      for (const f of r.body.error.details?.errors ?? []) expect(r.body.error.message).toContain(f.field);
    }
    expect(r.headers.get('x-request-id')).toBeTruthy();
    expect(r.text).not.toMatch(/at .*\.(ts|js):\d+/); // no stack traces
  });

  it('a duplicate outpatient number is refused and points at the existing visit', async () => {
    const body = visitBody({ mdtrt_cert_type: '01', mdtrt_cert_no: JILIN.token });
    const a = await api(sys.gw.url, 'POST', '/v1/outpatient/visits', body);
    const b = await api(sys.gw.url, 'POST', '/v1/outpatient/visits', body);
    expect(a.status).toBe(201);
    expect([b.status, b.body.error.code, b.body.error.details.visit_id]).toEqual([409, 'GW_BIZ_DUPLICATE_VISIT', a.body.visit.visit_id]);
  });

  it('the gateway still serves after all of it', async () => {
    const r = await api(sys.gw.url, 'GET', `/v1/outpatient/visits/${settledVisitId}`);
    expect(r.status).toBe(200);
    expect(r.body.settlements).toHaveLength(1);
  });
});
