/**
 * Issue 16, point 7: the mock insured-area engine as the seeds word it, over real HTTP:
 *  - HN 8: a Hunan patient's ordinary outpatient visit settles directly without a filing;
 *  - LN 21: the local-rate birth is for births inside Liaoning (a mock and a gateway playing a
 *    Liaoning hospital), not across provinces (test/e2e/inpatient.e2e.test.ts has that side);
 *  - the mock's business clock, set through its control API (POST /__mock/clock), so that 跨年退费
 *    (JS 45, HN 52, LN 54) and filing validity across a year end (JS 13, HN 14, LN 11) run end to end
 *    with a gateway on its own (system) clock — the x-tif timestamps are still checked against the
 *    mock's transport clock.
 */
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { api } from '../helpers/harness.js';
import { REFUND_SLIP_KEYS, slipPicker } from '../helpers/slip.js';
import { mockAndGateway } from '../helpers/suite.js';
import { CODES as OP_CODES, JILIN, JILIN_UNFILED, line } from './fixtures.js';
import { readyVisit, settle } from './resilience-fixtures.js';
import { admissionBody, CODES, inpatientClient, ipLine, P, pick } from './inpatient-fixtures.js';

const HUNAN_TOKEN = P.hunan.token;

describe('the mock platform, Shenzhen hospital, system clock for the gateway', () => {
  const sys = mockAndGateway();
  let c: ReturnType<typeof inpatientClient>;
  beforeAll(() => {
    c = inpatientClient(sys.gw.url);
  });
  beforeEach(async () => {
    await api(sys.mock.control, 'POST', '/reset'); // also puts the business clock back on the system clock
  });
  const control = async (m: string, p: string, b?: unknown) => (await api(sys.mock.control, m, p, b)).body;
  const setClock = async (now: string) => {
    const r = await api(sys.mock.control, 'POST', '/clock', { now });
    expect(r.status, r.text).toBe(200);
    return r.body;
  };
  const refundPick = slipPicker(REFUND_SLIP_KEYS);

  /** An outpatient visit of `token` on `begntime` with `lines`, settled (readyVisit: register, diagnose, fees). */
  async function outpatient(token: string, begntime: string, lines: unknown[]) {
    const v = await readyVisit(sys.gw.url, { mdtrt_cert_type: '01', mdtrt_cert_no: token }, { visit: { begntime }, lines });
    return { id: v.id, setl: await settle(sys.gw.url, v.id, v.total) };
  }

  it('HN 8 (普通门诊费用直接结算的，无需办理异地就医备案登记手续): a Hunan outpatient visit outside any filing settles directly; a Jilin one is refused', async () => {
    // 湘临行's filing begins 2026-10-01; the visit is on 2026-09-15
    const hn = await outpatient(HUNAN_TOKEN, '2026-09-15 09:00:00', [line('1', OP_CODES.consult, 1, 20)]);
    expect(hn.setl.status, hn.setl.text).toBe(201);
    // Hunan 390 outpatient: deductible 100 → the 20.00 goes to it; hifp 0; cash 20.00
    expect(hn.setl.body.slip).toMatchObject({ medfee_sumamt: 20, act_pay_dedc: 20, hifp_pay: 0, psn_cash_pay: 20 });
    const jl = await outpatient(JILIN_UNFILED.token, '2026-09-15 09:00:00', [line('1', OP_CODES.consult, 1, 20)]);
    expect([jl.setl.status, jl.setl.body.error.code]).toEqual([422, 'GW_FIL_NOT_FILED']);
    // a Hunan stay still needs one (HN 8: 跨省异地就医住院费用直接结算应办理异地就医备案登记手续), made before discharge (HN 27)
    const stay = await c.stay(
      admissionBody(HUNAN_TOKEN, '2026-09-15 08:00:00'),
      [ipLine('N1', CODES.nursing, 2, 25, '2026-09-15 10:00:00')],
      '2026-09-16 10:00:00',
    );
    const refused = await c.settle(stay, '50.00');
    expect([refused.status, refused.body.error.code]).toEqual([422, 'GW_FIL_FILED_AFTER_DEADLINE']);
  });

  it('the control API: GET / POST / DELETE /__mock/clock; bad input is refused with 400', async () => {
    expect(await control('GET', '/clock')).toMatchObject({ mode: 'system' });
    for (const body of [
      {},
      { now: '2026-13-01 00:00:00' },
      { now: '2026-12-31' },
      { now: 'tomorrow' },
      { now: '2026-12-31 23:59:00', frozen: 'yes' },
    ]) {
      const r = await api(sys.mock.control, 'POST', '/clock', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(typeof r.body.error).toBe('string');
    }
    const frozen = await api(sys.mock.control, 'POST', '/clock', { now: '2026-12-31T15:59:30Z', frozen: true });
    expect(frozen.body).toMatchObject({ mode: 'fixed', cst: '2026-12-31 23:59:30' });
    await new Promise((r) => setTimeout(r, 20));
    expect((await control('GET', '/clock')).now).toBe('2026-12-31T15:59:30.000Z');
    const running = await setClock('2027-01-01 00:00:05');
    expect(running).toMatchObject({ mode: 'offset' });
    expect(Date.parse(running.now)).toBeGreaterThanOrEqual(Date.parse('2026-12-31T16:00:05Z'));
    expect(await control('DELETE', '/clock')).toMatchObject({ mode: 'system' });
  });

  it("JS 45, HN 52, LN 54 (跨年退费): with the mock clock set to December and then January, a December settlement is refunded in January and moves December's accumulations", async () => {
    await setClock('2026-12-20 10:00:00');
    // 阿莫西林 10 × 30.00 = 300.00 (甲类): Jilin deductible 200, then round2(100 × 0.6) = 60; cash 240
    const dec = await outpatient(JILIN.token, '2026-12-20 09:00:00', [line('1', OP_CODES.amoxicillin, 10, 30)]);
    expect(dec.setl.status, dec.setl.text).toBe(201);
    expect(dec.setl.body.slip.setl_time).toMatch(/^2026-12-20 10:00/);
    expect(await control('POST', '/clearing', { month: '2026-12' })).toEqual({ month: '2026-12', cleared: 1 });

    await setClock('2027-01-05 10:00:00');
    const jan = await outpatient(JILIN.token, '2027-01-05 09:00:00', [line('1', OP_CODES.amoxicillin, 4, 25)]);
    expect(jan.setl.body.slip).toMatchObject({ act_pay_dedc: 100, hifp_pay: 0 }); // a new year, a new deductible
    expect((await control('GET', `/persons/${JILIN.psn_no}`)).accumulations).toEqual({
      '2026': { dedc_used: 200, pool_paid: 60 },
      '2027': { dedc_used: 100, pool_paid: 0 },
    });

    const refund = await c.call('POST', `/v1/settlements/${dec.setl.body.setl_id}/refund`, { reason_code: 'drug_return' });
    expect(refund.status, refund.text).toBe(200);
    expect(refundPick(refund.body.cancellation_slip)).toMatchObject({
      medfee_sumamt: -300,
      act_pay_dedc: -200,
      hifp_pay: -60,
      psn_cash_pay: -240,
    });
    expect(refund.body.cancellation_slip.setl_time).toMatch(/^2027-01-05/);
    expect((await control('GET', `/persons/${JILIN.psn_no}`)).accumulations).toEqual({ '2027': { dedc_used: 100, pool_paid: 0 } });
    const ledger = (await control('GET', '/ledger')) as Array<Record<string, unknown>>;
    expect(ledger.find((e) => e.setl_id === refund.body.cancel_setl_id)).toMatchObject({ kind: 'cancellation', after_clearing: true });
  });

  it('JS 13 / HN 14 / LN 11 across a year end: a stay admitted inside a filing that ends on 31 December settles in January under it; a January visit is not filed; "today" is the mock\'s', async () => {
    expect(
      (
        await api(sys.mock.control, 'POST', `/persons/${P.jilinUnfiled.psn_no}/filings`, {
          file_type: '6',
          begndate: '2026-07-01',
          enddate: '2026-12-31',
        })
      ).status,
    ).toBe(201);
    await setClock('2026-12-30 09:00:00');
    const id = await c.admit(admissionBody(P.jilinUnfiled.token, '2026-12-30 08:00:00'));
    await c.fees(id, [
      ipLine('Y1', CODES.nursing, 4, 25, '2026-12-30 10:00:00'),
      ipLine('Y2', CODES.appendectomy, 1, 2400, '2026-12-31 09:00:00'),
      ipLine('Y3', CODES.nursing, 4, 25, '2027-01-02 10:00:00'),
    ]);
    await setClock('2027-01-04 12:00:00');
    await c.discharge(id, '2027-01-04 10:00:00');
    const setl = await c.settle(id, '2600.00');
    expect(setl.status, setl.text).toBe(201);
    expect(setl.body.filing_used).toMatchObject({ status: 'filed', file_type: '6', enddate: '2026-12-31', basis: 'admission_date' });
    // Jilin other temporary (JL 12: −20 points): in scope 2480.00; hifp = round2((2480 − 1000) × 0.65) = 962.00; person 1638.00
    expect(pick(setl.body.slip)).toMatchObject({
      medfee_sumamt: 2600,
      act_pay_dedc: 1000,
      hifp_pay: 962,
      pool_prop_selfpay: 0.65,
      psn_cash_pay: 1638,
    });
    expect(setl.body.slip.setl_time).toMatch(/^2027-01-04 12:/);
    const entry = ((await control('GET', '/ledger')) as Array<Record<string, unknown>>).find((e) => e.setl_id === setl.body.setl_id);
    expect(entry).toMatchObject({ accrual_date: '2027-01-04' });

    // a visit on 2027-01-04: the filing ended on 2026-12-31
    const visit = await outpatient(JILIN_UNFILED.token, '2027-01-04 13:00:00', [line('1', OP_CODES.consult, 1, 20)]);
    expect([visit.setl.status, visit.setl.body.error.code]).toEqual([422, 'GW_FIL_NOT_FILED']);

    // Liaoning files an un-filed patient "today" on 1101 (LN 20): today is the mock's 2027-01-04
    const q = await c.call('POST', '/v1/persons/query', { mdtrt_cert_type: '01', mdtrt_cert_no: P.liaoning.token });
    expect(q.status, q.text).toBe(200);
    expect((await control('GET', `/persons/${P.liaoning.psn_no}`)).filings).toEqual([
      { file_type: '6', mdtrtarea_admvs: '440300', begndate: '2027-01-04', enddate: '2027-07-04' },
    ]);
  });
});

describe('LN 21 inside Liaoning: a mock and a gateway playing a hospital in 大连 (210200)', () => {
  const ln = mockAndGateway({ MDTRTAREA_ADMVS: '210200' }, { mock: { mdtrtareaAdmvs: '210200' } });
  it('LN 21 (需在省内异地联网定点医疗机构住院的…自动为参保人备案…执行参保地本地就医待遇标准): an un-filed Liaoning mother is filed as a birth and settles at the local ratio; the birth filing lapses after it', async () => {
    const c = inpatientClient(ln.gw.url);
    const adm = await c.admission(
      admissionBody(P.liaoningMother.token, '2026-11-08 06:00:00', {
        med_type: '52',
        maternity: { matn_type: '1', geso_val: 39, fetts: 1, fetus_cnt: 1 },
      }),
    );
    expect(adm.scope).toBe('in_province');
    const id = adm.admission_id as string;
    await c.fees(id, [
      ipLine('M1', CODES.bed, 6, 50, '2026-11-08 07:00:00'),
      ipLine('M2', CODES.appendectomy, 1, 2400, '2026-11-08 09:00:00'),
    ]);
    await c.discharge(id, '2026-11-13 10:00:00');
    // in scope 2580.00, deductible 800, local ratio 0.85: hifp = round2(1780 × 0.85) = 1513.00; person 1187.00
    const setl = await c.settle(id, '2700.00');
    expect(setl.status, setl.text).toBe(201);
    expect(pick(setl.body.slip)).toMatchObject({
      medfee_sumamt: 2700,
      act_pay_dedc: 800,
      hifp_pay: 1513,
      pool_prop_selfpay: 0.85,
      psn_cash_pay: 1187,
    });
    const filings = (await api(ln.mock.control, 'GET', `/persons/${P.liaoningMother.psn_no}`)).body.filings as Array<
      Record<string, unknown>
    >;
    // the birth filing from the admission date, ended on the discharge date by the discharge settlement
    expect(filings).toContainEqual({
      file_type: '6',
      mdtrtarea_admvs: '210200',
      begndate: '2026-11-08',
      enddate: '2026-11-13',
      purpose: 'birth',
    });
  });
});
