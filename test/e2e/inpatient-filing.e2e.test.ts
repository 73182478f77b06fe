/**
 * Filing (备案) and the inpatient discharge settlement, over real HTTP against the mock platform:
 *  - a patient not filed at admission who files during the stay, or after the discharge but before
 *    the settlement, is settled directly at the tier of that filing, because the gateway re-checks
 *    the filing (1101) before 2304 (JS 25 出院结算前, HN 27, LN 17, JL 22 结算前补办);
 *  - Liaoning files an un-filed patient automatically (LN 17, LN 20: on 获取异地人员信息 1101 and
 *    入院登记 2401), also at discharge when the filing the stay began under has lapsed; that stay
 *    still settles under the filing valid on its admission date (LN 11).
 * The gateway and the mock run on one clock the test moves (the mock checks x-tif timestamps against
 * its own, and files automatically "today").
 */
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { api } from '../helpers/harness.js';
import { mockAndGateway } from '../helpers/suite.js';
import { admissionBody, inpatientClient, P, pick, standardLines, standardStaySlip } from './inpatient-fixtures.js';

let now = new Date('2026-11-23T02:00:00Z'); // 10:00 in 深圳 (CST)
const clock = { now: () => new Date(now) };
const sys = mockAndGateway({}, { clock });
let control: string;
let base: string;
let c: ReturnType<typeof inpatientClient>;

beforeAll(() => {
  control = sys.mock.control;
  base = sys.gw.url;
  c = inpatientClient(base);
});
beforeEach(async () => {
  now = new Date('2026-11-23T02:00:00Z');
  await api(control, 'POST', '/reset'); // seeded filings again; the gateway signs in again by itself
});

type Filing = { file_type: string; mdtrtarea_admvs: string; begndate: string; enddate: string | null; purpose?: string };
const filingsOf = async (psn_no: string) => ((await api(control, 'GET', `/persons/${psn_no}`)).body as { filings: Filing[] }).filings;
const addFiling = (psn_no: string, body: unknown) => api(control, 'POST', `/persons/${psn_no}/filings`, body);
const ledgerOf = async (mdtrt_id: string) =>
  ((await api(control, 'GET', '/ledger')).body as Array<{ mdtrt_id: string }>).filter((e) => e.mdtrt_id === mdtrt_id);
const journal = async (id: string) =>
  (
    (await api(base, 'GET', `/v1/transactions?encounter_id=${id}`, undefined, {}, { auth: 'staff' })).body.items as Array<{
      infno: string;
      outcome: string;
    }>
  ).map((t) => `${t.infno}:${t.outcome}`);

describe('late filing (补办备案): filed before the discharge settlement, settled directly (JS 25, HN 27, LN 17, JL 22)', () => {
  it('Jilin, not filed at admission, files a referral during the stay: refused before, settled at the referral tier after (JL 12: −10 points)', async () => {
    expect(await filingsOf(P.jilinUnfiled.psn_no)).toEqual([]);
    // admission of an un-filed, non-emergency patient is accepted: the filing may still come before the settlement
    const s = await c.standardStay(P.jilinUnfiled.token, '2026-11-16', '2026-11-22');
    expect(s.admission).toMatchObject({ status: 'admitted', scope: 'cross_province', filing: { status: 'not_filed' } });

    const before = await c.preSettle(s.id, '3836.00');
    expect(before.status, before.text).toBe(422);
    expect(before.body.error).toMatchObject({ code: 'GW_FIL_NOT_FILED', category: 'filing' });
    expect(before.body.error.details.platform_err_msg).toContain('备案');
    const refused = await c.settle(s.id, '3836.00');
    expect([refused.status, refused.body.error.code]).toEqual([422, 'GW_FIL_NOT_FILED']);
    expect(await ledgerOf(s.mdtrt_id)).toEqual([]);

    // the insured area registers a referral (转诊) filing that began on 2026-11-20, during the stay
    const filed = await addFiling(P.jilinUnfiled.psn_no, { file_type: '4', begndate: '2026-11-20', enddate: '2027-05-19' });
    expect(filed.status, filed.text).toBe(201);

    // Jilin referral = tier 2 (JL 12): 0.85 − 0.10 = 0.75; deductible 1000
    //   hifp_pay = round2((3290.40 − 1000) × 0.75) = round2(1717.80) = 1717.80
    //   psn_part = 3836.00 − 1717.80 = 2118.20, no account use: all cash
    const expected = standardStaySlip({ act_pay_dedc: 1000, hifp_pay: 1717.8, pool_prop_selfpay: 0.75, psn_cash_pay: 2118.2 });
    const pre = await c.preSettle(s.id, '3836.00');
    expect(pre.status, pre.text).toBe(200);
    expect(pick(pre.body.slip)).toEqual(expected);
    const setl = await c.settle(s.id, '3836.00', '0', { invono: 'ZYLATE0001' });
    expect(setl.status, setl.text).toBe(201);
    expect(pick(setl.body.slip)).toEqual(expected);
    const used = {
      status: 'filed',
      file_type: '4',
      term: 'temporary',
      begndate: '2026-11-20',
      enddate: '2027-05-19',
      basis: 'before_discharge',
    };
    expect(setl.body.filing_used).toEqual(used);
    // the settlement keeps which filing it went under
    const shown = await c.call('GET', `/v1/inpatient/settlements/${setl.body.setl_id}`);
    expect(shown.body.filing_used).toEqual(used);
    // each discharge-settlement attempt re-checked the filing (1101) right before its 2303 / 2304
    expect((await journal(s.id)).slice(0, 4)).toEqual(['2304:succeeded', '1101:succeeded', '2303:succeeded', '1101:succeeded']);
  });

  it("Jilin, filed after the discharge but before the settlement (JL 22 结算前补办): settled at that filing's tier (other temporary: −20 points)", async () => {
    const s = await c.standardStay(P.jilinUnfiled.token, '2026-11-16', '2026-11-20');
    const refused = await c.settle(s.id, '3836.00');
    expect([refused.status, refused.body.error.code]).toEqual([422, 'GW_FIL_NOT_FILED']);

    // today (2026-11-23), after the discharge on 2026-11-20, the patient files as 其他临时外出 (6)
    expect((await addFiling(P.jilinUnfiled.psn_no, { file_type: '6', begndate: '2026-11-23', enddate: '2027-05-22' })).status).toBe(201);
    // Jilin other temporary = tier 3 (JL 12): 0.85 − 0.20 = 0.65
    //   hifp_pay = round2((3290.40 − 1000) × 0.65) = round2(1488.76) = 1488.76; psn_part = 3836.00 − 1488.76 = 2347.24
    const setl = await c.settle(s.id, '3836.00');
    expect(setl.status, setl.text).toBe(201);
    expect(pick(setl.body.slip)).toMatchObject({ act_pay_dedc: 1000, hifp_pay: 1488.76, pool_prop_selfpay: 0.65, psn_cash_pay: 2347.24 });
    expect(setl.body.filing_used).toEqual({
      status: 'filed',
      file_type: '6',
      term: 'temporary',
      begndate: '2026-11-23',
      enddate: '2027-05-22',
      basis: 'before_settlement',
    });
  });
});

describe('Liaoning: the insured area files automatically (LN 17, LN 20)', () => {
  it('an un-filed patient is filed by the first 1101 (获取异地人员信息), on the admission day: one filing, which the stay settles under', async () => {
    expect(await filingsOf(P.liaoning.psn_no)).toEqual([]);
    const s = await c.standardStay(P.liaoning.token, '2026-11-23', '2026-11-27');
    // 1101 at admission filed '6' (其他临时外出) from today for 6 months; 2401, 2402 and the discharge 1101 found it valid
    expect(await filingsOf(P.liaoning.psn_no)).toEqual([
      { file_type: '6', mdtrtarea_admvs: '440300', begndate: '2026-11-23', enddate: '2027-05-23' },
    ]);
    const setl = await c.settle(s.id, '3836.00');
    expect(setl.status, setl.text).toBe(201);
    // Liaoning 临时外出 (LN 20; the mock's −10 points): hifp = round2((3290.40 − 800) × 0.75) = 1867.80; psn 1968.20
    expect(pick(setl.body.slip)).toMatchObject({ act_pay_dedc: 800, hifp_pay: 1867.8, pool_prop_selfpay: 0.75, psn_cash_pay: 1968.2 });
    expect(setl.body.filing_used).toMatchObject({ status: 'filed', file_type: '6', begndate: '2026-11-23', basis: 'admission_date' });
  });

  it('a filing that lapses during the stay: the discharge re-check files the patient again automatically, and the stay settles under the filing it began in (LN 11)', async () => {
    // filed automatically at an earlier visit, 2026-05-24 → 2026-11-24 (6 months): valid when the patient is admitted
    expect((await addFiling(P.liaoning.psn_no, { file_type: '6', begndate: '2026-05-24', enddate: '2026-11-24' })).status).toBe(201);
    const r = await c.call('POST', '/v1/inpatient/admissions', admissionBody(P.liaoning.token, '2026-11-23 08:00:00'));
    expect(r.status, r.text).toBe(201);
    const id = r.body.admission.admission_id as string;
    expect(r.body.admission.filing).toMatchObject({ status: 'filed', begndate: '2026-05-24', enddate: '2026-11-24' });
    await c.fees(id, standardLines('2026-11-23'));
    // filed at admission: neither the 1101 nor the 2401 filed anything
    expect(await filingsOf(P.liaoning.psn_no)).toHaveLength(1);

    now = new Date('2026-11-30T02:00:00Z'); // a week later; the filing ended on 2026-11-24
    await c.discharge(id, '2026-11-30 10:00:00');
    expect(await filingsOf(P.liaoning.psn_no)).toHaveLength(1); // the stay is still covered (LN 11): 2402 files nothing

    const setl = await c.settle(id, '3836.00');
    expect(setl.status, setl.text).toBe(201);
    // the 1101 before the 2304 met a patient un-filed as of today: the insured area filed them as
    // 非急诊且未转诊临时外出 (LN 17, LN 20) — a filing for the patient's next visits
    expect(await filingsOf(P.liaoning.psn_no)).toEqual([
      { file_type: '6', mdtrtarea_admvs: '440300', begndate: '2026-05-24', enddate: '2026-11-24' },
      { file_type: '6', mdtrtarea_admvs: '440300', begndate: '2026-11-30', enddate: '2027-05-30' },
    ]);
    // this stay began inside the first filing's validity, so it settles under that one (LN 11: 备案有效期内办理入院手续的，无论出院日期是否超出备案有效期，均属于有效备案)
    expect(setl.body.filing_used).toEqual({
      status: 'filed',
      file_type: '6',
      term: 'temporary',
      begndate: '2026-05-24',
      enddate: '2026-11-24',
      basis: 'admission_date',
    });
    expect(pick(setl.body.slip)).toMatchObject({ medfee_sumamt: 3836, act_pay_dedc: 800, hifp_pay: 1867.8, psn_cash_pay: 1968.2 });
  });
});

describe('the mock control endpoint POST /__mock/persons/:psn_no/filings', () => {
  it('refuses bad input with 400 and an unknown person with 404; adds nothing then', async () => {
    const psn = P.jilinUnfiled.psn_no;
    for (const body of [
      { begndate: '2026-11-20', enddate: null },
      { file_type: '7', begndate: '2026-11-20', enddate: null },
      { file_type: 4, begndate: '2026-11-20', enddate: null },
      { file_type: '4', begndate: '2026-11-31x', enddate: null },
      { file_type: '4', begndate: '2026-13-01', enddate: null },
      { file_type: '4', begndate: '2026-11-20' },
      { file_type: '4', begndate: '2026-11-20', enddate: '2026-11-19' },
      { file_type: '4', begndate: '2026-11-20', enddate: null, mdtrtarea_admvs: '4403' },
      [1, 2],
    ]) {
      const r = await addFiling(psn, body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(typeof r.body.error).toBe('string');
    }
    expect((await addFiling('99999999999999999999', { file_type: '4', begndate: '2026-11-20', enddate: null })).status).toBe(404);
    expect(await filingsOf(psn)).toEqual([]);
    // a long-term filing has no end date
    const ok = await addFiling(psn, { file_type: '2', begndate: '2026-11-20', enddate: null });
    expect(ok.status).toBe(201);
    expect(ok.body.filings).toEqual([{ file_type: '2', mdtrtarea_admvs: '440300', begndate: '2026-11-20', enddate: null }]);
  });
});
