/**
 * Issue 16, seed fidelity — the hospital-side obligations as the articles word them, over real HTTP
 * against the mock platform (gateway and mock on one clock the test moves):
 *  1. the trauma commitment (JS 38 annex 7, HN 56 annex 3): 联系电话 required and plausible; a patient
 *     who signs (本人) carries their own ID number, a relative theirs;
 *  2. self-pay then never direct (JL 22, HN 17), and the late-filing deadline by insured province
 *     (HN 27 / LN 17 出院前, JS 25 / JL 22 结算前);
 *  3. outside-hospital forms (JS 39 annex 8, HN 57 annex 4, LN 44): every line inside the stay and not
 *     before the form's date; the patient is the 1101 person; the treatment area's title;
 *  4. refused 人卡一致 checks recorded for the office (JS 24), listed, exported, counted;
 *  5. the emergency flag carries the criterion applied (LN 22 《急危重病种标准》);
 *  6. refusals that turn the patient to self-pay say so in Chinese, with the next step.
 */
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { api, TEST_KEYS } from '../helpers/harness.js';
import { mockAndGateway } from '../helpers/suite.js';
import { CODES as OP_CODES, JIANGSU, JILIN, JILIN_UNFILED, visitBody } from './fixtures.js';
import { readyVisit, settle, until } from './resilience-fixtures.js';
import {
  admissionBody,
  CODES,
  dischargeBody,
  EMERGENCY_CRITERION,
  inpatientClient,
  ipLine,
  outsideFormBody,
  P,
  pick,
  standardLines,
  standardStaySlip,
} from './inpatient-fixtures.js';

let now = new Date('2026-11-23T02:00:00Z'); // 10:00 in 深圳 (CST)
const clock = { now: () => new Date(now) };
const sys = mockAndGateway({}, { clock });
let c: ReturnType<typeof inpatientClient>;
beforeAll(() => {
  c = inpatientClient(sys.gw.url);
});
beforeEach(async () => {
  now = new Date('2026-11-23T02:00:00Z');
  await api(sys.mock.control, 'POST', '/reset'); // seeded filings again; the gateway signs in again by itself
});

const UNFILED = { mdtrt_cert_type: '01', mdtrt_cert_no: JILIN_UNFILED.token };
const staff = (m: string, p: string, b?: unknown) => api(sys.gw.url, m, p, b, {}, { auth: 'staff' });
const control = async (m: string, p: string, b?: unknown) => (await api(sys.mock.control, m, p, b)).body;
const addFiling = (psn_no: string, body: unknown) => api(sys.mock.control, 'POST', `/persons/${psn_no}/filings`, body);
const ledgerOf = async (mdtrt_id: string) =>
  ((await control('GET', '/ledger')) as Array<{ mdtrt_id: string; kind: string }>).filter((e) => e.mdtrt_id === mdtrt_id);
const journal = async (encounter_id: string) =>
  (await staff('GET', `/v1/transactions?encounter_id=${encounter_id}&limit=100`)).body.items as Array<{
    transaction_id: string;
    infno: string;
  }>;

const traumaStay = () => c.standardStay(P.jilin.token, '2026-11-06', '2026-11-08', { med_type: '22', trum_flag: '1', rel_ttp_flag: '0' });
const commit = (id: string, body: Record<string, unknown>) => c.call('POST', `/v1/inpatient/admissions/${id}/trauma-commitment`, body);
const INJURY = {
  injury_time: '2026-11-06 07:30:00',
  injury_place: '深圳市南山区某小区楼梯间',
  injury_cause: '下楼梯时踩空摔倒，右腕着地',
  signed_at: '2026-11-06 09:00:00',
};

describe('1. the trauma commitment as JS annex 7 / HN annex 3 lay it out (承诺人 | 联系电话 | 证件类型 | 证件号码)', () => {
  it('JS 38, HN 56: a commitment without 联系电话 is incomplete and does not settle; an implausible phone is refused, nothing recorded; a landline with its area code settles', async () => {
    const { id } = await traumaStay();
    // the patient signs (本人) with the ID number 1101 holds for them; no phone yet
    const part = await commit(id, {
      signer_name: P.jilin.name,
      signer_relation: '1',
      signer_cert_type: '01',
      signer_certno: P.jilin.certno,
      ...INJURY,
    });
    expect(part.status, part.text).toBe(200);
    expect(part.body).toMatchObject({
      complete: false,
      missing: [{ field: 'signer_tel', label: '联系电话' }],
      missing_text: '缺少：联系电话',
    });
    const refused = await c.settle(id, '3836.00');
    expect([refused.status, refused.body.error.code]).toEqual([422, 'GW_BIZ_TRAUMA_COMMITMENT_MISSING']);
    expect(refused.body.error.details.missing_text).toContain('联系电话');
    expect(refused.body.error.message).toContain('按自费结算');

    for (const tel of ['12345', '23900000000', '13900000', '075586001234x', '0755-123']) {
      const bad = await commit(id, { signer_tel: tel });
      expect([bad.status, bad.body.error.code], tel).toEqual([422, 'GW_BIZ_TRAUMA_COMMITMENT_INVALID']);
      expect(bad.body.error.details.invalid).toEqual([
        { field: 'signer_tel', label: '联系电话', problem: expect.stringContaining('手机号码') },
      ]);
      expect(bad.body.error.details.invalid_text).toMatch(/^有误：联系电话（/);
    }
    // nothing of a refused call was recorded
    expect((await c.call('GET', `/v1/inpatient/admissions/${id}`)).body.trauma.commitment_missing).toEqual(['signer_tel']);

    const ok = await commit(id, { signer_tel: '0755-86001234' });
    expect(ok.body).toMatchObject({ complete: true, missing: [] });
    const setl = await c.settle(id, '3836.00');
    expect(setl.status, setl.text).toBe(201);
    // a mobile number is as good: 1[3-9] and nine digits
    const other = await traumaStay();
    const mobile = await commit(other.id, {
      signer_name: P.jilin.name,
      signer_relation: '1',
      signer_cert_type: '01',
      signer_certno: P.jilin.certno.toLowerCase(),
      signer_tel: '139 0000 0000',
      ...INJURY,
    });
    expect(mobile.body).toMatchObject({ complete: true });
  });

  it("JS annex 7 温馨提示 (患者本人无法签字的由其近亲属代签，并填写身份证号码): a signer who is 本人 carries the patient's own ID number; a relative signs with their own", async () => {
    const { id } = await traumaStay();
    // 本人, with another person's ID number
    const impostor = await commit(id, {
      signer_name: P.jilin.name,
      signer_relation: '1',
      signer_cert_type: '01',
      signer_certno: JIANGSU.certno,
      signer_tel: '13900000000',
      ...INJURY,
    });
    expect([impostor.status, impostor.body.error.code]).toEqual([422, 'GW_BIZ_TRAUMA_COMMITMENT_INVALID']);
    expect(impostor.body.error.details.invalid).toEqual([
      { field: 'signer_certno', label: '承诺人证件号码', problem: '承诺人为患者本人时，证件号码须为患者本人的证件号码' },
    ]);
    // the refusal names the field, never a number
    expect(impostor.text).not.toContain(P.jilin.certno);
    expect(impostor.text).not.toContain(JIANGSU.certno);
    expect(sys.gw.logs.text).not.toContain(P.jilin.certno);

    // a relative (配偶) with the patient's ID number
    const relative = await commit(id, {
      signer_name: '吉长红',
      signer_relation: '2',
      signer_cert_type: '01',
      signer_certno: P.jilin.certno,
    });
    expect(relative.body.error.details.invalid).toEqual([
      { field: 'signer_certno', label: '承诺人证件号码', problem: '近亲属代签时须填写代签人本人的证件号码，不能填写患者的证件号码' },
    ]);
    // a relative's 身份证号码 is an 18-character ID number
    const short = await commit(id, {
      signer_name: '吉长红',
      signer_relation: '2',
      signer_cert_type: '01',
      signer_certno: '22010019820506',
    });
    expect(short.body.error.details.invalid_text).toBe('有误：承诺人证件号码（居民身份证号码应为18位（末位可为X））');
    // 本人 with the patient's number but another credential type than 1101's
    const wrongType = await commit(id, { signer_relation: '1', signer_cert_type: '08', signer_certno: P.jilin.certno });
    expect(wrongType.body.error.details.invalid.map((x: { field: string }) => x.field)).toEqual(['signer_cert_type']);
    expect((await c.call('GET', `/v1/inpatient/admissions/${id}`)).body.trauma.commitment_recorded).toBe(false);

    // the relative with their own ID number and a phone: complete, settles
    const done = await commit(id, {
      signer_name: '吉长红',
      signer_relation: '2',
      signer_cert_type: '01',
      signer_certno: '22010019820506001X',
      signer_tel: '13900000000',
      ...INJURY,
    });
    expect(done.body).toMatchObject({ complete: true });
    expect((await c.settle(id, '3836.00')).status).toBe(201);

    // the same check when the commitment comes with the admission (after 1101 found the patient)
    const withAdmission = await c.call(
      'POST',
      '/v1/inpatient/admissions',
      admissionBody(P.jilin.token, '2026-11-10 08:00:00', {
        med_type: '22',
        trum_flag: '1',
        rel_ttp_flag: '0',
        trauma_commitment: { signer_relation: '1', signer_certno: JIANGSU.certno },
      }),
    );
    expect([withAdmission.status, withAdmission.body.error.code]).toEqual([422, 'GW_BIZ_TRAUMA_COMMITMENT_INVALID']);
  });
});

/** The standard stay's lines as self-pay data (the full bill the patient paid). */
const selfPayLines = (day: string) =>
  standardLines(day).map((l) => ({
    feedetl_sn: l.feedetl_sn,
    fee_ocur_time: l.fee_ocur_time,
    med_list_codg: l.med_list_codg,
    medins_list_codg: l.medins_list_codg,
    cnt: l.cnt,
    pric: l.pric,
  }));

describe('2. self-pay then never direct (JL 22, HN 17); the late-filing deadline by insured province (HN 27, LN 17, JS 25, JL 22)', () => {
  it('JL 22 / HN 17: a stay refused as not filed, paid as self-pay and uploaded naming its admission, is not settled directly once a filing appears: 手工报销', async () => {
    const s = await c.standardStay(P.jilinUnfiled.token, '2026-11-16', '2026-11-20');
    const refused = await c.settle(s.id, '3836.00');
    expect([refused.status, refused.body.error.code]).toEqual([422, 'GW_FIL_NOT_FILED']);
    // 6. the counter is told in Chinese: self-pay, then manual reimbursement once filed
    expect(refused.body.error.message).toContain('请按自费结算，备案后可向参保地经办机构申请手工报销');

    const adm = (await c.call('GET', `/v1/inpatient/admissions/${s.id}`)).body;
    const upload = {
      encounter_id: s.id,
      psn_no: P.jilinUnfiled.psn_no,
      insuplc_admdvs: '220100',
      ipt_otp_no: adm.ipt_no,
      mdtrt_id: adm.mdtrt_id,
      med_type: '21',
      begntime: '2026-11-16 08:00:00',
      endtime: '2026-11-20 10:00:00',
      setl_time: '2026-11-20 11:00:00',
      medfee_sumamt: '3836.00',
      fail_rea: '参保人未办理异地就医备案，出院全自费结算',
      lines: selfPayLines('2026-11-16'),
    };
    // the upload must be this stay's: another patient's number is refused, nothing queued
    const wrong = await api(sys.gw.url, 'POST', '/v1/self-pay-uploads', { ...upload, psn_no: P.jilin.psn_no }, {}, { auth: 'his' });
    expect([wrong.status, wrong.body.error.code]).toEqual([422, 'GW_VAL_SELF_PAY_ENCOUNTER_MISMATCH']);
    expect(wrong.body.error.details.mismatched_fields).toEqual(['psn_no']);
    const missing = await api(
      sys.gw.url,
      'POST',
      '/v1/self-pay-uploads',
      { ...upload, encounter_id: 'A20261116NOSUCHSTAY' },
      {},
      { auth: 'his' },
    );
    expect([missing.status, missing.body.error.code]).toEqual([404, 'GW_BIZ_ADMISSION_NOT_FOUND']);
    const { encounter_id: _e, ...unnamed } = upload;
    const anonymous = await api(sys.gw.url, 'POST', '/v1/self-pay-uploads', unnamed, {}, { auth: 'his' });
    expect([anonymous.status, anonymous.body.error.code]).toEqual([400, 'GW_VAL_SCHEMA']);

    const up = await api(sys.gw.url, 'POST', '/v1/self-pay-uploads', upload, {}, { auth: 'his' });
    expect(up.status, up.text).toBe(202);
    expect(up.body).toMatchObject({ encounter_id: s.id, encounter_kind: 'inpatient', direct_settlement: 'refused_from_now_on' });
    const view = (await c.call('GET', `/v1/inpatient/admissions/${s.id}`)).body;
    expect(view.self_pay).toMatchObject({ upload_ids: [up.body.upload_id], direct_settlement: 'refused' });

    // afterwards the patient files (from before the admission, so that it would cover the whole stay)
    expect((await addFiling(P.jilinUnfiled.psn_no, { file_type: '2', begndate: '2026-11-01', enddate: null })).status).toBe(201);
    for (const r of [await c.preSettle(s.id, '3836.00'), await c.settle(s.id, '3836.00')]) {
      expect([r.status, r.body.error.code]).toEqual([409, 'GW_BIZ_SELF_PAY_UPLOADED']);
      expect(r.body.error.message).toContain('申请医保手工报销');
      expect(r.body.error.details).toMatchObject({ next_step: 'manual_reimbursement', self_pay: { upload_ids: [up.body.upload_id] } });
    }
    // nothing was settled at the platform; the self-pay data reached it
    expect(await ledgerOf(s.mdtrt_id)).toEqual([]);
    await until(
      'the self-pay data to reach the platform',
      async () =>
        ((await control('GET', '/self-pay')) as Array<{ ipt_otp_no: string }>).some((u) => u.ipt_otp_no === adm.ipt_no) || undefined,
    );
    // staff see the mark beside the stay's transactions
    const t2401 = (await journal(s.id)).find((t) => t.infno === '2401')!;
    const detail = await staff('GET', `/v1/console/transactions/${t2401.transaction_id}`);
    expect(detail.body.encounter).toMatchObject({ id: s.id, kind: 'inpatient', self_pay: { upload_ids: [up.body.upload_id] } });
  });

  it('JL 22 / HN 17: an outpatient visit paid as self-pay and uploaded is not settled directly either', async () => {
    const { visit: v } = await readyVisit(sys.gw.url, UNFILED);
    const up = await api(
      sys.gw.url,
      'POST',
      '/v1/self-pay-uploads',
      {
        encounter_id: v.visit_id,
        psn_no: v.psn_no,
        insuplc_admdvs: v.insuplc_admdvs,
        ipt_otp_no: v.ipt_otp_no,
        med_type: '11',
        begntime: '2026-11-23 09:00:00',
        setl_time: '2026-11-23 09:40:00',
        medfee_sumamt: '20.00',
        fail_rea: '未备案，全自费结算',
        lines: [
          {
            feedetl_sn: '1',
            fee_ocur_time: '2026-11-23 09:20:00',
            med_list_codg: OP_CODES.consult,
            medins_list_codg: 'H-1',
            cnt: 1,
            pric: 20,
          },
        ],
      },
      {},
      { auth: 'his' },
    );
    expect(up.status, up.text).toBe(202);
    expect(up.body.encounter_kind).toBe('outpatient');
    await addFiling(JILIN_UNFILED.psn_no, { file_type: '2', begndate: '2026-11-01', enddate: null });
    const r = await settle(sys.gw.url, v.visit_id);
    expect([r.status, r.body.error.code]).toEqual([409, 'GW_BIZ_SELF_PAY_UPLOADED']);
  });

  it('HN 27 出院前 vs JS 25 结算前: a filing begun after the discharge covers a Hunan stay not at all, a Jiangsu stay only before the discharge settlement', async () => {
    // Hunan: the filing (其他临时外出) began 2026-10-01; the stay ended 2026-09-10; today 2026-10-02
    now = new Date('2026-10-02T02:00:00Z');
    const hn = await c.stay(
      admissionBody(P.hunan.token, '2026-09-01 08:00:00'),
      [ipLine('H1', CODES.nursing, 8, 25, '2026-09-02 10:00:00')],
      '2026-09-10 10:00:00',
    );
    const hnAdm = (await c.call('GET', `/v1/inpatient/admissions/${hn}`)).body;
    for (const r of [await c.preSettle(hn, '200.00'), await c.settle(hn, '200.00')]) {
      expect([r.status, r.body.error.code], r.text).toEqual([422, 'GW_FIL_FILED_AFTER_DEADLINE']);
      expect(r.body.error.message).toContain('请按自费结算，参保人可向参保地经办机构申请手工报销');
      expect(r.body.error.details).toMatchObject({
        rule: { province: '43', deadline: 'discharge', source: 'HN 27 (and HN 17)' },
        filing: { file_type: '6', begndate: '2026-10-01' },
        discharge_date: '2026-09-10',
        latest_begndate: '2026-09-10',
        settle_as: 'self_pay',
      });
      expect(r.body.error.details.rule.quote).toContain('出院前完成异地就医登记备案');
      expect(r.body.error.details.deadline_text).toContain('出院前');
    }
    expect(await ledgerOf(hnAdm.mdtrt_id)).toEqual([]); // refused before any 2303/2304

    // the same back-dated Hunan stay as an emergency (视同已备案: HN 55) is not the filing's business
    const em = await c.stay(
      admissionBody(P.hunan.token, '2026-09-03 02:00:00', { med_type: '24', emergency: true, emergency_criterion: EMERGENCY_CRITERION }),
      [ipLine('H2', CODES.nursing, 8, 25, '2026-09-03 10:00:00')],
      '2026-09-09 10:00:00',
    );
    expect((await c.settle(em, '200.00')).status).toBe(201);

    // Jiangsu: the referral filing began 2026-09-01, two days after a discharge on 2026-08-30, settled 2026-09-02
    now = new Date('2026-09-02T02:00:00Z');
    const js = await c.standardStay(P.jiangsu.token, '2026-08-25', '2026-08-30');
    const setl = await c.settle(js.id, '3836.00');
    expect(setl.status, setl.text).toBe(201);
    expect(setl.body.filing_used).toMatchObject({ status: 'filed', file_type: '4', begndate: '2026-09-01', basis: 'before_settlement' });
    // JS referral (−5 points): hifp = round2((3290.40 − 900) × 0.83) = 1984.03; person 1851.97
    expect(pick(setl.body.slip)).toEqual(
      standardStaySlip({ act_pay_dedc: 900, hifp_pay: 1984.03, pool_prop_selfpay: 0.83, psn_cash_pay: 1851.97 }),
    );
  });

  it('JL 22 结算前, read with JS 13 / LN 11 (coverage follows the admission inside the 备案有效期): a filing begun months after a back-dated stay does not cover it', async () => {
    // the stay ran 2026-06-01 → 2026-06-10 and is settled today, 2026-11-23, under a filing begun today
    const s = await c.standardStay(P.jilinUnfiled.token, '2026-06-01', '2026-06-10');
    expect((await addFiling(P.jilinUnfiled.psn_no, { file_type: '6', begndate: '2026-11-23', enddate: '2027-05-22' })).status).toBe(201);
    const r = await c.settle(s.id, '3836.00');
    expect([r.status, r.body.error.code]).toEqual([422, 'GW_FIL_FILED_AFTER_DEADLINE']);
    expect(r.body.error.details).toMatchObject({
      rule: { province: '22', deadline: 'settlement', source: 'JL 22', window_days: 7 },
      filing: { begndate: '2026-11-23' },
      discharge_date: '2026-06-10',
      settlement_day: '2026-11-23',
      latest_begndate: '2026-06-17',
    });
    expect(r.body.error.details.deadline_text).toContain('出院结算前');
    expect(await ledgerOf(s.mdtrt_id)).toEqual([]);
  });
});

const formBody = outsideFormBody;

const printed = async (base: string, id: string, form_id: string) =>
  (await fetch(`${base}/v1/inpatient/admissions/${id}/outside-forms/${form_id}/print`, { headers: { 'x-api-key': TEST_KEYS.his } })).text();

describe('3. outside-hospital tests and purchases (JS 39, HN 57, LN 44)', () => {
  it("JS 39 (住院期间…纳入本次住院费用直接结算): every line inside the stay and not before the form's date; the discharge may not leave a line outside", async () => {
    const id = await c.admit(admissionBody(P.jilin.token, '2026-11-15 08:00:00'));
    const form = (date: string, t: string, sn: string) =>
      c.call('POST', `/v1/inpatient/admissions/${id}/outside-forms`, formBody(date, [ipLine(sn, CODES.ct, 1, 150, t)]));
    const beforeAdmission = await form('2026-11-15', '2026-11-14 10:00:00', 'X0');
    expect([beforeAdmission.status, beforeAdmission.body.error.code]).toEqual([422, 'GW_VAL_OUTSIDE_FORM_DATE']);
    expect(beforeAdmission.body.error.details.lines).toEqual([
      { feedetl_sn: 'X0', fee_ocur_time: '2026-11-14 10:00:00', problem: 'before the admission' },
    ]);
    const sameDayEarlier = await form('2026-11-15', '2026-11-15 07:00:00', 'X0');
    expect(sameDayEarlier.body.error.details.lines[0].problem).toBe('before the admission');
    const beforeForm = await form('2026-11-16', '2026-11-15 10:00:00', 'X0');
    expect(beforeForm.body.error.details.lines).toEqual([
      { feedetl_sn: 'X0', fee_ocur_time: '2026-11-15 10:00:00', problem: "before the form's date" },
    ]);
    expect(beforeForm.body.error.message).toContain('不在本次住院期间或早于购药单日期');

    const ok = await form('2026-11-16', '2026-11-16 14:00:00', 'X1');
    expect(ok.status, ok.text).toBe(201);
    // a discharge before the outside test happened would leave it outside the stay
    const early = await c.call('POST', `/v1/inpatient/admissions/${id}/discharge`, dischargeBody('2026-11-16 09:00:00'));
    expect([early.status, early.body.error.code]).toEqual([422, 'GW_VAL_OUTSIDE_FORM_DATE']);
    expect(early.body.error.details.lines).toEqual([
      { feedetl_sn: 'X1', fee_ocur_time: '2026-11-16 14:00:00', problem: 'after the discharge' },
    ]);
    await c.discharge(id, '2026-11-17 10:00:00');
    const late = await form('2026-11-17', '2026-11-17 11:00:00', 'X2');
    expect(late.body.error.details.lines[0].problem).toBe('after the discharge');
  });

  it("JS annex 8 / HN annex 4: the form's 姓名, 性别, 年龄, 证件 come from the 1101 person, not from the HIS; the default treatment area prints the HN/LN title", async () => {
    const id = await c.admit(admissionBody(P.jilin.token, '2026-11-15 08:00:00'));
    const line1 = [ipLine('Y1', CODES.ct, 1, 150, '2026-11-16 14:00:00')];
    const stranger = await c.call(
      'POST',
      `/v1/inpatient/admissions/${id}/outside-forms`,
      formBody('2026-11-16', line1, { psn_name: '某人', gend: '2' }),
    );
    expect([stranger.status, stranger.body.error.code]).toEqual([422, 'GW_ID_PERSON_CREDENTIAL_MISMATCH']);
    expect(stranger.body.error.details.mismatched_fields).toEqual(['psn_name', 'gend']);
    // nothing of the patient sent (an age sent is ignored): the person is 1101's
    const f = await c.call('POST', `/v1/inpatient/admissions/${id}/outside-forms`, formBody('2026-11-16', line1, { age: 99 }));
    expect(f.status, f.text).toBe(201);
    expect(f.body.form.form).not.toHaveProperty('psn_name');
    expect(f.body.form.annex).toMatchObject({ key: 'default', title: '住院期间外院检查治疗或定点药店购药单' });
    const html = await printed(sys.gw.url, id, f.body.form_id);
    expect(html).toContain('<h1>住院期间外院检查治疗或定点药店购药单</h1>');
    // 吉长青, 男, born 1980-03-15: 46 on 2026-11-16; 居民身份证 and the ID number 1101 holds
    expect(html).toContain(`姓名 ${P.jilin.name} 性别 男 年龄 46 科别 普外科`);
    expect(html).toContain(`证件号码 ${P.jilin.certno}`);
    expect(html).not.toContain('年龄 99');
  });
});

describe('3. (cont.) a hospital in Jiangsu prints JS annex 8', () => {
  const js = mockAndGateway({ MDTRTAREA_ADMVS: '320100' }, { clock, mock: { mdtrtareaAdmvs: '320100' } });
  it('JS 39 annex 8: 《住院期间外院检查治疗或双通道定点药店购药证明》, its 双通道定点药店 for a purchase', async () => {
    const j = inpatientClient(js.gw.url);
    const id = await j.admit(admissionBody(P.jilin.token, '2026-11-15 08:00:00'));
    const f = await j.call(
      'POST',
      `/v1/inpatient/admissions/${id}/outside-forms`,
      formBody('2026-11-16', [ipLine('Z1', CODES.cefixime, 1, 45.6, '2026-11-16 15:00:00')], { form_type: '2' }),
    );
    expect(f.status, f.text).toBe(201);
    expect(f.body.form.annex).toMatchObject({ key: 'JS', title: '住院期间外院检查治疗或双通道定点药店购药证明' });
    const html = await printed(js.gw.url, id, f.body.form_id);
    expect(html).toContain('<h1>住院期间外院检查治疗或双通道定点药店购药证明</h1>');
    expect(html).toContain('类别 双通道定点药店购药');
    expect(html).toContain('JS 39');
    expect(html).not.toContain('定点药店购药单');
  });
});

describe('4. impersonation (JS 24: 如发现冒名顶替等情况应暂停其就医行为，并及时报告当地医保部门)', () => {
  it('JS 24: every refused 人卡一致 check is recorded, masked, with time, counter and what differed; staff list it, export the CSV; it is counted', async () => {
    const t0 = new Date(now.getTime() - 1000).toISOString();
    const reg = await c.call(
      'POST',
      '/v1/outpatient/visits',
      visitBody(
        { mdtrt_cert_type: '01', mdtrt_cert_no: JILIN.token },
        {
          counter_person: { certno: JIANGSU.certno, psn_name: JIANGSU.psn_name },
          counter_operator: { opter_no: 'C0012', opter_name: '张收费' },
        },
      ),
    );
    expect([reg.status, reg.body.error.code]).toEqual([422, 'GW_ID_PERSON_CREDENTIAL_MISMATCH']);
    expect(reg.body.error.details).toEqual({ mismatched_fields: ['certno', 'psn_name'], recorded: true });
    expect(reg.body.error.message).toContain('请暂停办理并核实身份');
    now = new Date(now.getTime() + 60_000);
    const adm = await c.call(
      'POST',
      '/v1/inpatient/admissions',
      admissionBody(P.jilin.token, '2026-11-23 08:00:00', { counter_person: { psn_name: '别人' } }),
    );
    expect(adm.body.error.code).toBe('GW_ID_PERSON_CREDENTIAL_MISMATCH');
    now = new Date(now.getTime() + 60_000);
    const q = await c.call('POST', '/v1/persons/query', {
      mdtrt_cert_type: '01',
      mdtrt_cert_no: JILIN.token,
      counter_person: { psn_cert_type: '08' },
    });
    expect(q.body.error.code).toBe('GW_ID_PERSON_CREDENTIAL_MISMATCH');
    // a check that passes is not recorded
    const fine = await c.call('POST', '/v1/persons/query', {
      mdtrt_cert_type: '01',
      mdtrt_cert_no: JILIN.token,
      counter_person: { certno: JILIN.certno, psn_name: JILIN.psn_name },
    });
    expect(fine.status).toBe(200);

    const list = await staff('GET', `/v1/console/identity-refusals?from=${encodeURIComponent(t0)}`);
    expect(list.status, list.text).toBe(200);
    expect(list.body.items.map((x: { channel: string }) => x.channel)).toEqual([
      'person_query',
      'inpatient_admission',
      'outpatient_registration',
    ]);
    const r = list.body.items[2];
    expect(r).toMatchObject({
      channel: 'outpatient_registration',
      channel_text: '门诊挂号',
      client_id: 'test-his',
      client_role: 'his',
      operator: { opter_no: 'C0012', opter_name: '张*费' },
      mismatched_fields: ['certno', 'psn_name'],
      mismatched_text: '人卡不一致：证件号码、姓名不符',
      credential_type: '01',
      owner: { psn_no: JILIN.psn_no, psn_name: '吉*青', psn_cert_type: '01', certno: '2****************1', insuplc_admdvs: '220100' },
      counter_person: { psn_name: '苏*诊', certno: '3****************3' },
      ipt_otp_no: expect.any(String),
      transaction_id: expect.stringMatching(/^H44030500001\d{18}$/),
    });
    expect(Date.parse(r.at)).toBeGreaterThanOrEqual(Date.parse(t0));
    // the 1101 that found the credential's owner is in the journal
    expect((await staff('GET', `/v1/transactions/${r.transaction_id}`)).body.infno).toBe('1101');
    const only = await staff('GET', `/v1/console/identity-refusals?channel=inpatient_admission&from=${encodeURIComponent(t0)}`);
    expect(only.body.items).toHaveLength(1);
    expect((await staff('GET', '/v1/console/identity-refusals?channel=nope')).body.error.code).toBe('GW_VAL_UNKNOWN_CODE');
    expect((await api(sys.gw.url, 'GET', '/v1/console/identity-refusals', undefined, {}, { auth: 'his' })).status).toBe(403);

    // the CSV for the report to the local office
    const csv = await fetch(`${sys.gw.url}/v1/console/identity-refusals.csv?from=${encodeURIComponent(t0)}`, {
      headers: { 'x-api-key': TEST_KEYS.staff },
    });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    expect(csv.headers.get('content-disposition')).toMatch(/attachment; filename="identity-refusals-\d{4}-\d{2}-\d{2}\.csv"/);
    const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(await csv.arrayBuffer());
    expect(text.charCodeAt(0)).toBe(0xfeff);
    const rows = text.slice(1).trim().split('\r\n');
    expect(rows[0]).toMatch(/^发现时间,业务环节,柜台系统\(接入方\),操作员编号/);
    expect(rows).toHaveLength(4);
    expect(rows[3]).toContain('门诊挂号,test-his,C0012,张*费,证件号码、姓名,01,22000000000000000001,吉*青');

    // never a name or a number in clear: not in the list, the CSV, or the logs
    for (const secret of [JILIN.certno, JILIN.psn_name, JIANGSU.certno, JIANGSU.psn_name, '张收费']) {
      expect(list.text).not.toContain(secret);
      expect(text).not.toContain(secret);
    }
    expect(sys.gw.logs.text).not.toContain(JIANGSU.certno);
    expect(sys.gw.logs.text).not.toContain(JILIN.certno);

    // counted
    const metrics = (await api(sys.gw.url, 'GET', '/metrics', undefined, {}, { auth: 'admin' })).text;
    expect(metrics).toMatch(/^yidi_identity_refusals_total\{channel="outpatient_registration",fields="certno\+psn_name"\} [1-9]/m);
    expect(metrics).toMatch(/^yidi_identity_refusals_total\{channel="person_query",fields="psn_cert_type"\} [1-9]/m);
    // viewing and exporting are audited
    const audit = (await staff('GET', '/v1/console/audit?limit=20')).body.items.map((e: { action: string }) => e.action);
    expect(audit).toEqual(expect.arrayContaining(['view_identity_refusals', 'export_identity_refusals', 'identity_refused']));
  });
});

describe('5. the emergency criterion (LN 22: 经就医地定点医疗机构认定符合《急危重病种标准》)', () => {
  it('LN 22: emergency true without the criterion is refused naming what is missing; the criterion is recorded and shown on the stay, its settlement and in the console', async () => {
    const base = admissionBody(P.jilinUnfiled.token, '2026-11-05 02:10:00', { med_type: '24', emergency: true });
    const bare = await c.call('POST', '/v1/inpatient/admissions', base);
    expect([bare.status, bare.body.error.code]).toEqual([422, 'GW_VAL_EMERGENCY_CRITERION_MISSING']);
    expect(bare.body.error.details.missing_text).toContain('《急危重病种标准》类别');
    expect(bare.body.error.details.source).toBe('LN 22');
    const noReason = await c.call('POST', '/v1/inpatient/admissions', { ...base, emergency_criterion: { diag_code: 'K35.800' } });
    expect(noReason.body.error.details.missing).toEqual([{ field: 'emergency_criterion.reason', label: '认定理由' }]);
    const unknown = await c.call('POST', '/v1/inpatient/admissions', { ...base, emergency_criterion: { category: '99' } });
    expect([unknown.status, unknown.body.error.code]).toEqual([400, 'GW_VAL_UNKNOWN_CODE']);
    const notEmergency = await c.call(
      'POST',
      '/v1/inpatient/admissions',
      admissionBody(P.jilin.token, '2026-11-05 08:00:00', { emergency_criterion: EMERGENCY_CRITERION }),
    );
    expect(notEmergency.body.error.code).toBe('GW_VAL_EMERGENCY_FLAG_MISMATCH');
    // the table: the hospital's configuration (the standard's own list is not in the seeds)
    const table = await c.call('GET', '/v1/codes/emergency_criterion');
    expect(table.status).toBe(200);
    expect(JSON.stringify(table.body)).toContain('急腹症');

    const ok = await c.call('POST', '/v1/inpatient/admissions', { ...base, emergency_criterion: { category: '10' } });
    expect(ok.status, ok.text).toBe(201);
    const id = ok.body.admission.admission_id as string;
    expect(ok.body.admission.emergency_criterion).toMatchObject({ category: '10', basis: 'category', table: 'emergency_criterion' });
    expect(ok.body.admission.emergency_criterion.category_name).toContain('急腹症');
    await c.fees(id, [
      ipLine('E1', CODES.nursing, 8, 25, '2026-11-05 03:00:00'),
      ipLine('E2', CODES.appendectomy, 1, 2400, '2026-11-05 04:00:00'),
    ]);
    // the printed outside form names the stay as an emergency, with the criterion
    const form = await c.call(
      'POST',
      `/v1/inpatient/admissions/${id}/outside-forms`,
      formBody('2026-11-06', [ipLine('E3', CODES.ct, 1, 150, '2026-11-06 10:00:00')]),
    );
    expect(form.status, form.text).toBe(201);
    expect(await printed(sys.gw.url, id, form.body.form_id)).toContain('住院类型 急诊（认定依据：《急危重病种标准》10 急腹症');
    await c.discharge(id, '2026-11-12 10:00:00');
    const setl = await c.settle(id, '2750.00');
    expect(setl.status, setl.text).toBe(201);
    expect(setl.body.emergency).toMatchObject({ emergency: true, criterion: { category: '10' } });
    expect((await c.call('GET', `/v1/inpatient/settlements/${setl.body.setl_id}`)).body.emergency.criterion.category).toBe('10');
    const t2401 = (await journal(id)).find((t) => t.infno === '2401')!;
    const detail = await staff('GET', `/v1/console/transactions/${t2401.transaction_id}`);
    expect(detail.body.encounter).toMatchObject({ id, kind: 'inpatient', emergency: true });
    expect(detail.body.encounter.emergency_criterion_text).toMatch(/^《急危重病种标准》10 急腹症/);

    // a change that makes a stay an emergency needs the criterion too
    const plain = await c.admit(admissionBody(P.jilin.token, '2026-11-06 08:00:00'));
    const change = await c.call('POST', `/v1/inpatient/admissions/${plain}/change`, { emergency: true });
    expect(change.body.error.code).toBe('GW_VAL_EMERGENCY_CRITERION_MISSING');
    const changed = await c.call('POST', `/v1/inpatient/admissions/${plain}/change`, {
      emergency: true,
      emergency_criterion: { diag_code: 'I21.900', diag_name: '急性心肌梗死', reason: '胸痛伴心电图ST段抬高' },
    });
    expect(changed.status, changed.text).toBe(200);
    expect(changed.body.admission.emergency_criterion).toMatchObject({ basis: 'diagnosis', diag_code: 'I21.900' });
  });

  it('LN 22 (门诊急诊转诊标志): an outpatient emergency carries its criterion (a diagnosis and a reason), shown with the settlement', async () => {
    const bare = await c.call('POST', '/v1/outpatient/visits', visitBody(UNFILED, { emergency: true }));
    expect([bare.status, bare.body.error.code]).toEqual([422, 'GW_VAL_EMERGENCY_CRITERION_MISSING']);
    const { id, visit } = await readyVisit(sys.gw.url, UNFILED, {
      visit: { emergency: true, emergency_criterion: { diag_code: 'R10.000', diag_name: '急性腹痛', reason: '剧烈腹痛2小时，需立即处置' } },
      med_type: '13',
    });
    expect(visit.emergency_criterion).toMatchObject({ basis: 'diagnosis', diag_code: 'R10.000' });
    const setl = await settle(sys.gw.url, id);
    expect(setl.status, setl.text).toBe(201);
    expect(setl.body.emergency).toMatchObject({ emergency: true, criterion: { basis: 'diagnosis', reason: '剧烈腹痛2小时，需立即处置' } });
  });
});

describe('6. refusals that turn the patient to self-pay say so in Chinese, with the next step', () => {
  it('JL 22 / HN 17: the not-filed refusal of an outpatient visit tells the counter to settle as self-pay and how to claim', async () => {
    const { id } = await readyVisit(sys.gw.url, UNFILED);
    const r = await settle(sys.gw.url, id);
    expect(r.body.error).toMatchObject({
      code: 'GW_FIL_NOT_FILED',
      message:
        '参保人未办理异地就医备案，不能直接结算。可在出院结算前补办备案后再结算；否则请按自费结算，备案后可向参保地经办机构申请手工报销',
    });
  });
});
