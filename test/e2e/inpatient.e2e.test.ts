import { beforeAll, describe, expect, it } from 'vitest';
import { api } from '../helpers/harness.js';
import { mockAndGateway } from '../helpers/suite.js';
import {
  admissionBody,
  CODES,
  EMERGENCY_CRITERION,
  inpatientClient,
  ipLine,
  outsideFormBody,
  P,
  pick,
  STANDARD_TOTALS_JSON,
  standardStaySlip,
} from './inpatient-fixtures.js';

let c: ReturnType<typeof inpatientClient>;

const sys = mockAndGateway();
beforeAll(async () => {
  c = inpatientClient(sys.gw.url);
});

const ledger = async () => (await api(sys.mock.control, 'GET', '/ledger')).body as Array<Record<string, any>>;
const mockPerson = async (psn_no: string) => (await api(sys.mock.control, 'GET', `/persons/${psn_no}`)).body as Record<string, any>;

describe('inpatient direct settlement: one patient per province, slips as hand-computed', () => {
  it('Jilin, long-term filing (tier 1, JL 12): local ratio 85 %, deductible 1000', async () => {
    const { id } = await c.standardStay(P.jilin.token, '2026-11-02', '2026-11-09');
    // act_pay_dedc = min(3290.40, 1000) = 1000.00
    // hifp_pay     = round2((3290.40 − 1000) × 0.85) = round2(1946.84) = 1946.84
    // psn_part     = 3836.00 − 1946.84 = 1889.16, no account use: all cash
    const expected = standardStaySlip({ act_pay_dedc: 1000, hifp_pay: 1946.84, pool_prop_selfpay: 0.85, psn_cash_pay: 1889.16 });
    // the stay's totals before settlement: numbers with two decimals in the answer's text
    const before = await c.call('GET', `/v1/inpatient/admissions/${id}`);
    expect(before.body.status).toBe('discharged');
    expect(before.text).toContain(`"unsettled_totals":${STANDARD_TOTALS_JSON}`);
    const pre = await c.preSettle(id, '3836.00');
    expect(pre.status, pre.text).toBe(200);
    expect(pick(pre.body.slip)).toEqual(expected);
    const setl = await c.settle(id, '3836.00', '0', { invono: 'ZYINV0001' });
    expect(setl.status, setl.text).toBe(201);
    expect(pick(setl.body.slip)).toEqual(expected);
    expect(setl.body.slip).toMatchObject({ kind: 'settlement', med_type: '21', clr_type: '21' });
    expect(setl.body.filing_used).toMatchObject({ status: 'filed', file_type: '2', term: 'long_term', basis: 'admission_date' });
    expect(setl.body.audit).toBe(false);
    expect(setl.text).toContain('"psn_cash_pay":1889.16');
    expect(setl.text).toContain('"medfee_sumamt":3836.00');
    expect(setl.body.admission.status).toBe('settled'); // not "discharged" after the discharge settlement
    // the discharge settlement re-checked the filing with 1101 right before the 2304
    const journal = await api(sys.gw.url, 'GET', `/v1/transactions?encounter_id=${id}`, undefined, {}, { auth: 'staff' });
    const infnos = (journal.body.transactions ?? journal.body.items ?? journal.body).map((t: { infno: string }) => t.infno);
    expect(infnos.slice(0, 2)).toEqual(['2304', '1101']);
  });

  it('Jiangsu, referral filing (JS 17-19: −5 points): 83 %, deductible 900; the stay began inside the filing and ends after it (JS 13)', async () => {
    // filing 4 转诊 valid 2026-09-01 → 2027-02-28; the stay runs 2027-02-20 → 2027-03-05
    const { id } = await c.standardStay(P.jiangsu.token, '2027-02-20', '2027-03-05');
    // hifp_pay = round2((3290.40 − 900) × (0.88 − 0.05)) = round2(2390.40 × 0.83) = round2(1984.032) = 1984.03
    // psn_part = 3836.00 − 1984.03 = 1851.97
    const setl = await c.settle(id, '3836.00');
    expect(setl.status, setl.text).toBe(201);
    expect(pick(setl.body.slip)).toEqual(
      standardStaySlip({ act_pay_dedc: 900, hifp_pay: 1984.03, pool_prop_selfpay: 0.83, psn_cash_pay: 1851.97 }),
    );
    expect(setl.body.filing_used).toMatchObject({ status: 'filed', file_type: '4', enddate: '2027-02-28', basis: 'admission_date' });
  });

  it('Hunan, resident insurance 390, other temporary filing (HN 20: −10 points): 60 %, deductible 600', async () => {
    const { id } = await c.standardStay(P.hunan.token, '2026-11-03', '2026-11-10');
    // hifp_pay = round2((3290.40 − 600) × (0.70 − 0.10)) = round2(2690.40 × 0.60) = 1614.24
    // psn_part = 3836.00 − 1614.24 = 2221.76
    const setl = await c.settle(id, '3836.00');
    expect(setl.status, setl.text).toBe(201);
    expect(pick(setl.body.slip)).toEqual(
      standardStaySlip({ act_pay_dedc: 600, hifp_pay: 1614.24, pool_prop_selfpay: 0.6, psn_cash_pay: 2221.76 }),
    );
    expect(setl.body.slip.setldetail).toEqual([expect.objectContaining({ fund_pay_type: '390100', fund_payamt: 1614.24 })]);
  });

  it('Liaoning, not filed: filed automatically as temporary (LN 17/20), settles at the 临时外出 rate 75 % with deductible 800', async () => {
    const { id } = await c.standardStay(P.liaoning.token, '2026-11-04', '2026-11-11');
    // LN 20: 按临时外出待遇 — the mock's 0.85 − 0.10 (the seed does not give the size)
    // hifp_pay = round2((3290.40 − 800) × 0.75) = round2(2490.40 × 0.75) = 1867.80
    // psn_part = 3836.00 − 1867.80 = 1968.20
    const setl = await c.settle(id, '3836.00');
    expect(setl.status, setl.text).toBe(201);
    expect(pick(setl.body.slip)).toEqual(
      standardStaySlip({ act_pay_dedc: 800, hifp_pay: 1867.8, pool_prop_selfpay: 0.75, psn_cash_pay: 1968.2 }),
    );
    // the 1101 re-check before the discharge settlement saw the insured area's automatic filing
    expect(setl.body.filing_used).toMatchObject({ status: 'filed', file_type: '6', term: 'temporary', begndate: '2026-11-04' });
  });
});

describe('flags at admission', () => {
  it('an emergency admission (住院类型 急诊, med_type 24) of an un-filed patient settles at the emergency tier; without the flag it is refused', async () => {
    const body = admissionBody(P.jilinUnfiled.token, '2026-11-05 02:10:00', {
      med_type: '24',
      emergency: true,
      emergency_criterion: EMERGENCY_CRITERION,
    });
    const id = await c.stay(
      body,
      [ipLine('E1', CODES.nursing, 8, 25, '2026-11-05 03:00:00'), ipLine('E2', CODES.appendectomy, 1, 2400, '2026-11-05 04:00:00')],
      '2026-11-12 10:00:00',
    );
    // in scope 200.00 + 2280.00 = 2480.00, prepay 120.00, total 2600.00
    // Jilin emergency = tier 2 (JL 12): 0.85 − 0.10 = 0.75; hifp = round2((2480 − 1000) × 0.75) = 1110.00; person 1490.00
    const setl = await c.settle(id, '2600.00');
    expect(setl.status, setl.text).toBe(201);
    expect(pick(setl.body.slip)).toMatchObject({
      medfee_sumamt: 2600,
      act_pay_dedc: 1000,
      hifp_pay: 1110,
      pool_prop_selfpay: 0.75,
      psn_cash_pay: 1490,
    });

    // the same patient, same kind of stay, no emergency flag: not filed, no direct settlement
    const plain = await c.stay(
      admissionBody(P.jilinUnfiled.token, '2026-11-14 09:00:00'),
      [ipLine('N1', CODES.nursing, 2, 25, '2026-11-14 10:00:00')],
      '2026-11-16 10:00:00',
    );
    const refused = await c.settle(plain, '50.00');
    expect(refused.status, refused.text).toBe(422);
    expect(refused.body.error).toMatchObject({ code: 'GW_FIL_NOT_FILED', category: 'filing' });
    expect(refused.body.error.details.platform_err_msg).toContain('备案');
  });

  it('trauma without a third party: refused until the signed commitment is recorded, naming what is missing; then it settles', async () => {
    const { id } = await c.standardStay(P.jilin.token, '2026-11-06', '2026-11-08', { med_type: '22', trum_flag: '1', rel_ttp_flag: '0' });
    const none = await c.settle(id, '3836.00');
    expect(none.status, none.text).toBe(422);
    expect(none.body.error.code).toBe('GW_BIZ_TRAUMA_COMMITMENT_MISSING');
    expect(none.body.error.details.missing.map((m: { field: string }) => m.field)).toEqual([
      'signer_name',
      'signer_relation',
      'signer_tel',
      'signer_cert_type',
      'signer_certno',
      'injury_time',
      'injury_place',
      'injury_cause',
      'signed_at',
    ]);
    expect(none.body.error.details.missing_text).toContain('受伤地点');

    // a relative signs (the patient cannot); the cause is not written yet
    const part = await c.call('POST', `/v1/inpatient/admissions/${id}/trauma-commitment`, {
      signer_name: '吉长红',
      signer_relation: '2',
      signer_cert_type: '01',
      signer_certno: '220100198205060011',
      signer_tel: '13900000000',
      injury_time: '2026-11-06 07:30:00',
      injury_place: '深圳市南山区某小区楼梯间',
      signed_at: '2026-11-06 09:00:00',
    });
    expect(part.status, part.text).toBe(200);
    expect(part.body).toMatchObject({ complete: false, missing: [{ field: 'injury_cause', label: '外伤经过' }] });
    const pre = await c.preSettle(id, '3836.00');
    expect(pre.status).toBe(422);
    expect(pre.body.error.details.missing).toEqual([{ field: 'injury_cause', label: '外伤经过' }]);

    const done = await c.call('POST', `/v1/inpatient/admissions/${id}/trauma-commitment`, { injury_cause: '下楼梯时踩空摔倒，右腕着地' });
    expect(done.body).toMatchObject({ complete: true, missing: [] });
    const setl = await c.settle(id, '3836.00');
    expect(setl.status, setl.text).toBe(201);
    expect(setl.body.slip.hifp_pay).toBe(1946.84);
  });

  it('trauma with a third party: direct settlement refused, the counter is told to settle as self-pay', async () => {
    const { id } = await c.standardStay(P.jiangsu.token, '2026-11-07', '2026-11-09', { med_type: '22', trum_flag: '1', rel_ttp_flag: '1' });
    for (const r of [await c.preSettle(id, '3836.00'), await c.settle(id, '3836.00')]) {
      expect(r.status, r.text).toBe(422);
      expect(r.body.error).toMatchObject({ code: 'GW_BIZ_TRAUMA_THIRD_PARTY', category: 'business' });
      expect(r.body.error.message).toContain('按自费结算，出院后回参保地手工报销');
      expect(r.body.error.action).toContain('按自费结算，出院后回参保地手工报销');
    }
    // nothing was sent to the platform: no 2304 in the ledger for this stay
    const adm = await c.call('GET', `/v1/inpatient/admissions/${id}`);
    expect((await ledger()).filter((e) => e.mdtrt_id === adm.body.mdtrt_id)).toEqual([]);
  });

  it('trum_flag and rel_ttp_flag are required on every admission', async () => {
    const { trum_flag: _t, ...noTrauma } = admissionBody(P.jilin.token, '2026-11-01 08:00:00');
    const r = await c.call('POST', '/v1/inpatient/admissions', noTrauma);
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('GW_VAL_SCHEMA');
    expect(r.body.error.message_en).toContain('trum_flag');
  });
});

describe('maternity (生育住院, med_type 52)', () => {
  it('Liaoning, a birth outside the province: filed automatically as temporary (LN 17/20), not at the local rate LN 21 keeps for births inside Liaoning', async () => {
    const id = await c.stay(
      admissionBody(P.liaoningMother.token, '2026-11-08 06:00:00', {
        med_type: '52',
        maternity: { matn_type: '1', geso_val: 39, fetts: 1, fetus_cnt: 1 },
      }),
      [ipLine('M1', CODES.bed, 6, 50, '2026-11-08 07:00:00'), ipLine('M2', CODES.appendectomy, 1, 2400, '2026-11-08 09:00:00')],
      '2026-11-13 10:00:00',
    );
    // in scope 300.00 + 2280.00 = 2580.00, prepay 120.00, total 2700.00
    // the hospital is in 深圳 (广东): LN 21 (省内异地) does not apply; 临时外出 0.85 − 0.10 = 0.75, deductible 800:
    //   hifp = round2((2580 − 800) × 0.75) = 1335.00; person 1365.00
    const setl = await c.settle(id, '2700.00');
    expect(setl.status, setl.text).toBe(201);
    expect(pick(setl.body.slip)).toMatchObject({
      medfee_sumamt: 2700,
      act_pay_dedc: 800,
      hifp_pay: 1335,
      pool_prop_selfpay: 0.75,
      psn_cash_pay: 1365,
    });
    expect(setl.body.slip.med_type).toBe('52');
    const filings = (await mockPerson(P.liaoningMother.psn_no)).filings as Array<Record<string, unknown>>;
    // filed from the admission date by 2401 (and from today by the 1101s), never as a birth filing
    expect(filings).toContainEqual({ file_type: '6', mdtrtarea_admvs: '440300', begndate: '2026-11-08', enddate: '2027-05-08' });
    expect(filings.filter((f) => f.purpose === 'birth')).toEqual([]);
    expect(setl.body.filing_used).toMatchObject({ status: 'filed', file_type: '6', begndate: '2026-11-08' });
  });

  it('Jilin: the birth filing lapses after that birth (JL 16); a later stay is no longer filed', async () => {
    const id = await c.stay(
      admissionBody(P.jilinBirth.token, '2026-11-10 06:00:00', { med_type: '52' }),
      [ipLine('B1', CODES.nursing, 4, 25, '2026-11-10 07:00:00'), ipLine('B2', CODES.appendectomy, 1, 2400, '2026-11-10 09:00:00')],
      '2026-11-14 10:00:00',
    );
    // in scope 100.00 + 2280.00 = 2380.00; long-term (birth) filing: local 0.85, deductible 1000
    // hifp = round2((2380 − 1000) × 0.85) = 1173.00; total 2500.00; person 1327.00
    const setl = await c.settle(id, '2500.00');
    expect(setl.status, setl.text).toBe(201);
    expect(pick(setl.body.slip)).toMatchObject({ medfee_sumamt: 2500, hifp_pay: 1173, pool_prop_selfpay: 0.85, psn_cash_pay: 1327 });
    const birth = ((await mockPerson(P.jilinBirth.psn_no)).filings as Array<Record<string, unknown>>).find((f) => f.purpose === 'birth');
    expect(birth).toMatchObject({ begndate: '2026-06-01', enddate: '2026-11-14' });

    const later = await c.stay(
      admissionBody(P.jilinBirth.token, '2026-11-20 09:00:00'),
      [ipLine('L1', CODES.nursing, 2, 25, '2026-11-20 10:00:00')],
      '2026-11-22 10:00:00',
    );
    const refused = await c.settle(later, '50.00');
    expect(refused.status, refused.text).toBe(422);
    expect(refused.body.error.code).toBe('GW_FIL_NOT_FILED');
  });
});

/** The form as an HIS that still sends the patient's identity sends it: it must be the admitted person's. */
const formBody = (form_date: string, lines: unknown[], extra: Record<string, unknown> = {}) =>
  outsideFormBody(form_date, lines, { psn_name: P.jilin.name, gend: '1', age: 46, psn_cert_type: '01', certno: P.jilin.certno, ...extra });

describe('outside-hospital purchase forms (JS 39, HN 57, LN 44)', () => {
  it("a form's lines go up with etip_flag and appear in the slip; a form dated outside the stay is refused; print and void", async () => {
    const id = await c.admit(admissionBody(P.jilin.token, '2026-11-15 08:00:00'));
    await c.fees(id, [ipLine('W1', CODES.nursing, 4, 25, '2026-11-15 10:00:00')]); // 100.00 in scope

    const before = await c.call(
      'POST',
      `/v1/inpatient/admissions/${id}/outside-forms`,
      formBody('2026-11-14', [ipLine('X0', CODES.ct, 1, 150, '2026-11-14 10:00:00')]),
    );
    expect(before.status, before.text).toBe(422);
    expect(before.body.error).toMatchObject({
      code: 'GW_VAL_OUTSIDE_FORM_DATE',
      details: { form_date: '2026-11-14', stay: { from: '2026-11-15', to: null } },
    });

    // CT at the outside centre: 1 × 150.00, 乙类 10 %: prepay 15.00, in scope 135.00
    const form = await c.call(
      'POST',
      `/v1/inpatient/admissions/${id}/outside-forms`,
      formBody('2026-11-16', [ipLine('X1', CODES.ct, 1, 150, '2026-11-16 14:00:00')]),
    );
    expect(form.status, form.text).toBe(201);
    expect(form.body.lines).toEqual([
      expect.objectContaining({ feedetl_sn: 'X1', inscp_scp_amt: 135, preselfpay_amt: 15, form_id: form.body.form_id }),
    ]);
    expect(form.text).toContain('"det_item_fee_sumamt":150.00');
    expect(form.text).toContain('"inscp_scp_amt":135.00');
    // the 2301 message carried the outside flags
    const journal = await api(sys.gw.url, 'GET', `/v1/transactions/${form.body.transaction_id}`, undefined, {}, { auth: 'staff' });
    expect(JSON.stringify(journal.body)).toContain('"etip_flag":"1"');
    expect(JSON.stringify(journal.body)).toContain('"etip_hosp_code":"H44030500099"');

    const other = await c.call(
      'POST',
      `/v1/inpatient/admissions/${id}/outside-forms`,
      formBody('2026-11-17', [ipLine('X2', CODES.cefixime, 1, 45.6, '2026-11-17 09:00:00')], { form_type: '2' }),
    );
    expect(other.status, other.text).toBe(201);
    const voided = await c.call('POST', `/v1/inpatient/admissions/${id}/outside-forms/${other.body.form_id}/void`, {
      reason: '患者未取药',
    });
    expect(voided.status, voided.text).toBe(200);
    const again = await c.call('POST', `/v1/inpatient/admissions/${id}/outside-forms/${other.body.form_id}/void`, {});
    expect(again.status).toBe(409);

    const list = await c.call('GET', `/v1/inpatient/admissions/${id}/outside-forms`);
    expect(list.text).toContain('"preselfpay_amt":15.00');
    expect(list.body.forms.map((f: { form_id: string; status: string }) => [f.form_id, f.status])).toEqual([
      [form.body.form_id, 'active'],
      [other.body.form_id, 'void'],
    ]);
    expect(list.body.forms[0].form).toMatchObject({
      outside_institution: { code: 'H44030500099' },
      physician: { name: '李医生' },
      insurance_office_stamp: { stamped_by: '医保办王五' },
    });

    // through the e2e helper: the page is checked against the document (and recorded as its example)
    const page = await c.call('GET', `/v1/inpatient/admissions/${id}/outside-forms/${form.body.form_id}/print`);
    const html = page.text;
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(html).toContain('住院期间外院检查治疗或定点药店购药单');
    expect(html).toContain('深圳市示例影像中心');
    expect(html).toContain('外检或外购药原因：本院CT设备检修，需外院检查 &lt;急&gt;');
    expect(html).not.toContain('<急>');

    await c.discharge(id, '2026-11-18 10:00:00');
    const late = await c.call(
      'POST',
      `/v1/inpatient/admissions/${id}/outside-forms`,
      formBody('2026-11-19', [ipLine('X3', CODES.ct, 1, 150, '2026-11-19 10:00:00')]),
    );
    expect(late.status).toBe(422);
    expect(late.body.error.code).toBe('GW_VAL_OUTSIDE_FORM_DATE');

    // slip: 100.00 (ward) + 150.00 (outside CT) = 250.00; in scope 235.00 < deductible 1000: the fund pays nothing
    const setl = await c.settle(id, '250.00');
    expect(setl.status, setl.text).toBe(201);
    expect(pick(setl.body.slip)).toMatchObject({
      medfee_sumamt: 250,
      preselfpay_amt: 15,
      inscp_scp_amt: 235,
      act_pay_dedc: 235,
      hifp_pay: 0,
      psn_cash_pay: 250,
    });
    const shown = await c.call('GET', `/v1/inpatient/settlements/${setl.body.setl_id}`);
    expect(shown.body.feedetl_sns).toEqual(['W1', 'X1']);
    const booked = (await ledger()).find((e) => e.setl_id === setl.body.setl_id)!;
    expect(booked.feedetl_sns).toEqual(['W1', 'X1']);
  });
});

describe('a stay across the new year (JL 25, JS 44, HN 51, LN 48)', () => {
  it('2025-12-28 → 2026-01-05 settles once, at the discharge date; the lines keep their own dates', async () => {
    const id = await c.admit(admissionBody(P.jilin.token, '2025-12-28 08:00:00'));
    const up = await c.fees(id, [
      ipLine('Y1', CODES.nursing, 4, 25, '2025-12-28 10:00:00'),
      ipLine('Y2', CODES.appendectomy, 1, 2400, '2025-12-30 09:00:00'),
      ipLine('Y3', CODES.nursing, 4, 25, '2026-01-03 10:00:00'),
    ]);
    expect(up.lines.map((l: { fee_ocur_time: string }) => l.fee_ocur_time)).toEqual([
      '2025-12-28 10:00:00',
      '2025-12-30 09:00:00',
      '2026-01-03 10:00:00',
    ]);
    await c.discharge(id, '2026-01-05 10:00:00');
    // in scope 100 + 2280 + 100 = 2480.00; hifp = round2((2480 − 1000) × 0.85) = 1258.00; total 2600.00
    const setl = await c.settle(id, '2600.00');
    expect(setl.status, setl.text).toBe(201);
    expect(pick(setl.body.slip)).toMatchObject({ medfee_sumamt: 2600, act_pay_dedc: 1000, hifp_pay: 1258 });
    const adm = await c.call('GET', `/v1/inpatient/admissions/${id}`);
    const entries = (await ledger()).filter((e) => e.mdtrt_id === adm.body.mdtrt_id);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ kind: 'settlement', accrual_date: '2026-01-05', feedetl_sns: ['Y1', 'Y2', 'Y3'] });
  });
});

describe('recall and re-settle (召回重结, LN 54)', () => {
  it('only the latest settlement of a stay can be cancelled; mid-stay settlements share one deductible', async () => {
    const id = await c.admit(admissionBody(P.jilin.token, '2026-11-16 08:00:00'));
    await c.fees(id, [
      ipLine('R1', CODES.nursing, 8, 25, '2026-11-16 10:00:00'),
      ipLine('R2', CODES.appendectomy, 1, 2400, '2026-11-17 10:00:00'),
    ]);
    const tooEarly = await c.settle(id, '2600.00', '0');
    expect(tooEarly.status).toBe(409);
    expect(tooEarly.body.error.code).toBe('GW_BIZ_ADMISSION_STATE');
    // mid-stay: in scope 2480.00; hifp = round2((2480 − 1000) × 0.85) = 1258.00
    const mid = await c.settle(id, '2600.00', '1');
    expect(mid.status, mid.text).toBe(201);
    expect(mid.body.admission.status).toBe('admitted'); // a mid-stay settlement: the patient is still in hospital
    expect(pick(mid.body.slip)).toMatchObject({ act_pay_dedc: 1000, hifp_pay: 1258 });
    await c.fees(id, [ipLine('R3', CODES.cefixime, 10, '45.60', '2026-11-20 10:00:00')]);
    await c.discharge(id, '2026-11-21 10:00:00');
    // discharge settlement: in scope 410.40; the stay's deductible is used up: hifp = round2(410.40 × 0.85) = 348.84
    const fin = await c.settle(id, '456.00', '0');
    expect(fin.status, fin.text).toBe(201);
    expect(pick(fin.body.slip)).toMatchObject({ medfee_sumamt: 456, act_pay_dedc: 0, hifp_pay: 348.84, psn_cash_pay: 107.16 });

    const skip = await c.call('POST', `/v1/inpatient/settlements/${mid.body.setl_id}/cancel`, { reason: '补录费用' });
    expect(skip.status).toBe(409);
    expect(skip.body.error).toMatchObject({ code: 'GW_BIZ_INPATIENT_RECALL_NOT_LATEST', details: { latest_setl_id: fin.body.setl_id } });
    expect(skip.body.error.message).toContain('隔次召回');

    const recallFinal = await c.call('POST', `/v1/inpatient/settlements/${fin.body.setl_id}/cancel`, { reason: '召回重结' });
    expect(recallFinal.status, recallFinal.text).toBe(200);
    expect(pick(recallFinal.body.slip)).toMatchObject({ medfee_sumamt: -456, hifp_pay: -348.84 });
    expect(recallFinal.text).toContain('"medfee_sumamt":-456.00');
    expect((await c.call('GET', `/v1/inpatient/admissions/${id}`)).body.status).toBe('settlement_cancelled');
    const recallMid = await c.call('POST', `/v1/inpatient/settlements/${mid.body.setl_id}/cancel`, {});
    expect(recallMid.status, recallMid.text).toBe(200);

    // re-settle the whole stay at discharge: in scope 2480.00 + 410.40 = 2890.40; hifp = round2(1890.40 × 0.85) = 1606.84
    const again = await c.settle(id, '3056.00', '0');
    expect(again.status, again.text).toBe(201);
    expect(pick(again.body.slip)).toMatchObject({ medfee_sumamt: 3056, act_pay_dedc: 1000, hifp_pay: 1606.84, psn_cash_pay: 1449.16 });
    expect(again.body.admission.status).toBe('settled');
  });
});

describe('audit threshold (费用协查, JS 56, HN 76, LN 77)', () => {
  it('a stay of ≥ 30,000.00 yuan is marked and staff can list it with the fields the insured area may query; 29,999.99 is not', async () => {
    const big = await c.stay(
      admissionBody(P.hunan.token, '2026-11-17 08:00:00'),
      [ipLine('A1', CODES.appendectomy, 1, '30000.00', '2026-11-18 10:00:00')],
      '2026-11-25 10:00:00',
    );
    const s1 = await c.settle(big, '30000.00', '0', { invono: 'ZY30000' });
    expect(s1.status, s1.text).toBe(201);
    expect(s1.body.audit).toBe(true);

    const small = await c.stay(
      admissionBody(P.hunan.token, '2026-11-19 08:00:00'),
      [ipLine('A2', CODES.appendectomy, 1, '29999.99', '2026-11-19 10:00:00')],
      '2026-11-26 10:00:00',
    );
    const s2 = await c.settle(small, '29999.99');
    expect(s2.status, s2.text).toBe(201);
    expect(s2.body.audit).toBe(false);

    const list = await api(sys.gw.url, 'GET', '/v1/audit/inpatient-settlements', undefined, {}, { auth: 'staff' });
    expect(list.status, list.text).toBe(200);
    expect(list.text).toContain('"threshold":30000.00');
    expect(list.text).toContain('"medfee_sumamt":30000.00,"stay_total":30000.00');
    const mine = list.body.settlements.filter((e: { setl_id: string }) => [s1.body.setl_id, s2.body.setl_id].includes(e.setl_id));
    expect(mine).toEqual([
      expect.objectContaining({
        setl_id: s1.body.setl_id,
        certno: '430100196507070005',
        psn_name: '湘临行',
        gend: '1',
        fixmedins_code: 'H44030500001',
        ipt_no: expect.any(String),
        invono: 'ZY30000',
        begntime: '2026-11-17 08:00:00',
        endtime: '2026-11-25 10:00:00',
        medfee_sumamt: 30000,
        stay_total: 30000,
        status: 'booked',
      }),
    ]);
    const his = await api(sys.gw.url, 'GET', '/v1/audit/inpatient-settlements', undefined, {}, { auth: 'his' });
    expect(his.status).toBe(403);

    const recall = await c.call('POST', `/v1/inpatient/settlements/${s1.body.setl_id}/cancel`, {});
    expect(recall.status, recall.text).toBe(200);
    const after = await api(sys.gw.url, 'GET', '/v1/audit/inpatient-settlements?status=booked', undefined, {}, { auth: 'staff' });
    expect(after.body.settlements.map((e: { setl_id: string }) => e.setl_id)).not.toContain(s1.body.setl_id);
  });
});
