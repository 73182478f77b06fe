import { describe, expect, it } from 'vitest';
import { api } from '../helpers/harness.js';
import { mockAndGateway } from '../helpers/suite.js';
import { CODES, diagnosesBody, JIANGSU, JILIN, line, visitBody } from './fixtures.js';

const sys = mockAndGateway();

describe('logs carry no personal data', () => {
  it('a whole flow, including refusals, leaves none of the patient identifiers in the captured log', async () => {
    const call = (m: string, p: string, b?: unknown) => api(sys.gw.url, m, p, b);
    await call('POST', '/v1/persons/query', {
      mdtrt_cert_type: '03',
      mdtrt_cert_no: JILIN.card_no,
      card_sn: JILIN.card_sn,
      counter_person: { certno: JILIN.certno, psn_name: JILIN.psn_name },
    });
    await call('POST', '/v1/persons/query', {
      mdtrt_cert_type: '01',
      mdtrt_cert_no: JILIN.token,
      counter_person: { certno: JIANGSU.certno },
    }); // mismatch
    await call('POST', '/v1/persons/query', { mdtrt_cert_type: '02', mdtrt_cert_no: '999999199001011234' }); // unknown person
    const reg = await call(
      'POST',
      '/v1/outpatient/visits',
      visitBody({ mdtrt_cert_type: '02', mdtrt_cert_no: JILIN.certno }, { counter_person: { psn_name: JILIN.psn_name } }),
    );
    const id = reg.body.visit.visit_id;
    await call('POST', `/v1/outpatient/visits/${id}/diagnoses`, diagnosesBody());
    await call('POST', `/v1/outpatient/visits/${id}/fees`, { chrg_bchno: 'L1', lines: [line('1', CODES.consult, 1, 20)] });
    await call('POST', `/v1/outpatient/visits/${id}/pre-settlement`, { medfee_sumamt: 20, acct_used_flag: '1' });
    const s = await call('POST', `/v1/outpatient/visits/${id}/settlement`, { medfee_sumamt: 20, acct_used_flag: '1' });
    expect(s.status, s.text).toBe(201);
    await call('POST', `/v1/settlements/${s.body.setl_id}/cancel`, {});
    await api(sys.mock.control, 'POST', '/sign-ins/expire');
    await call('POST', '/v1/persons/query', { mdtrt_cert_type: '01', mdtrt_cert_no: JILIN.token });

    const text = sys.gw.logs.text;
    expect(sys.gw.logs.lines.length).toBeGreaterThan(20); // the flow was logged, as structured JSON
    for (const l of sys.gw.logs.lines) expect(() => JSON.parse(l)).not.toThrow();
    expect(text).toContain('"infno":"2207"');
    for (const secret of [
      JILIN.psn_name,
      JILIN.certno,
      JILIN.token,
      JILIN.card_no,
      JILIN.card_sn,
      JIANGSU.certno,
      '999999199001011234',
      'demo-secret-change-me',
    ]) {
      expect(text, `log contains ${secret}`).not.toContain(secret);
    }
  });

  it('redacts personal fields even when code logs an object that carries them', async () => {
    sys.gw.gw.logger.info(
      { req: { certno: JILIN.certno, nested: { psn_name: JILIN.psn_name, mdtrt_cert_no: JILIN.token } } },
      'should be redacted',
    );
    const last = sys.gw.logs.lines.at(-1)!;
    expect(last).toContain('[redacted]');
    expect(last).not.toContain(JILIN.certno);
    expect(last).not.toContain(JILIN.psn_name);
    expect(last).not.toContain(JILIN.token);
  });
});
