/**
 * Issue 16's rule data (unit level; the e2e suites are
 * test/e2e/seed-fidelity*.e2e.test.ts): the late-filing deadline by insured province, the outside
 * form's annex by treatment area, the commitment's phone and signer checks, and the catalog's
 * self-pay refusals in Chinese.
 */
import { describe, expect, it } from 'vitest';
import { catalog } from '../gateway/errors/errors.js';
import { annexFor } from '../gateway/engine/outside-form-annexes.js';
import { filingForStay, lateFilingRule } from '../gateway/engine/stay-filing.js';
import { invalidCommitmentFields, plausiblePhone } from '../gateway/engine/trauma-rules.js';

describe('late filing (补办备案) by insured province: late-filing.json', () => {
  it('HN 27 and LN 17 say 出院前, JS 25 and JL 22 say 结算前; any other province the national rule (出院结算前)', () => {
    expect(lateFilingRule('430100')).toMatchObject({ deadline: 'discharge', source: 'HN 27 (and HN 17)' });
    expect(lateFilingRule('210100')).toMatchObject({ deadline: 'discharge', source: 'LN 17' });
    expect(lateFilingRule('320100')).toMatchObject({ deadline: 'settlement', source: 'JS 25', window_days: 7 });
    expect(lateFilingRule('220100')).toMatchObject({ deadline: 'settlement', source: 'JL 22', window_days: 7 });
    expect(lateFilingRule('510100')).toMatchObject({ deadline: 'settlement' });
  });

  const filing = (insuplc_admdvs: string, begndate: string, enddate: string | null = null) => ({
    file_type: '6',
    insuplc_admdvs,
    begndate,
    enddate,
  });
  it('a filing begun after the discharge: never for 出院前 (LN 17), within the window for 结算前; a filing begun during the stay always', () => {
    const stay = ['2026-11-01 08:00:00', '2026-11-10 10:00:00'] as const;
    const ln = filingForStay([filing('210100', '2026-11-11')], '210100', '440300', ...stay, '2026-11-11');
    expect(ln).toMatchObject({ status: 'not_filed', late: { rule: { source: 'LN 17' }, latest_begndate: '2026-11-10' } });
    const lnDuring = filingForStay([filing('210100', '2026-11-10')], '210100', '440300', ...stay, '2026-11-11');
    expect(lnDuring).toMatchObject({ status: 'filed', basis: 'before_discharge' });
    const js = filingForStay([filing('320100', '2026-11-17')], '320100', '440300', ...stay, '2026-11-17');
    expect(js).toMatchObject({ status: 'filed', basis: 'before_settlement' });
    const jsLate = filingForStay([filing('320100', '2026-11-18')], '320100', '440300', ...stay, '2026-11-18');
    expect(jsLate).toMatchObject({ status: 'not_filed', late: { latest_begndate: '2026-11-17' } });
    // a filing valid at admission is the admission's, whatever the deadline (JS 13, LN 11)
    const atAdmission = filingForStay([filing('430100', '2026-10-01', '2026-11-05')], '430100', '440300', ...stay, '2026-11-20');
    expect(atAdmission).toMatchObject({ status: 'filed', basis: 'admission_date' });
  });
});

describe('the outside form follows the treatment area annex: outside-form-annexes.json', () => {
  it('JS annex 8 in Jiangsu, HN annex 4 in Hunan, LN annex 17 in Liaoning, the configured default elsewhere', () => {
    expect(annexFor('320500')).toMatchObject({ key: 'JS', title: '住院期间外院检查治疗或双通道定点药店购药证明' });
    expect(annexFor('430100')).toMatchObject({ key: 'HN', title: '住院期间外院检查治疗或定点药店购药单' });
    expect(annexFor('210200')).toMatchObject({ key: 'LN', title: '住院期间外院检查治疗或定点药店购药单' });
    expect(annexFor('440300')).toMatchObject({ key: 'default', configured: expect.stringContaining('HOSPITAL CONFIGURATION') });
    expect(
      annexFor('320500')
        .rows.flat()
        .map(([f]) => f),
    ).toEqual([
      'psn_name',
      'gend',
      'age',
      'dept_name',
      'psn_cert_type',
      'certno',
      'diagnosis',
      'outside_institution',
      'items',
      'reason',
      'physician',
      'insurance_office_stamp',
      'form_date',
    ]);
  });
});

describe('the trauma commitment (JS annex 7, HN annex 3)', () => {
  it('联系电话: a mainland mobile or a landline with its area code', () => {
    for (const ok of [
      '13900000000',
      '19912345678',
      '139 0000 0000',
      '0755-86001234',
      '075586001234',
      '010-62345678',
      '(021)62345678',
      '0755-86001234-801',
    ])
      expect(plausiblePhone(ok), ok).toBe(true);
    for (const bad of [
      '',
      '12345678901',
      '1390000000',
      '139000000001',
      '86001234',
      '0755-0600123',
      '0755-123',
      'tel:13900000000',
      '+8613900000000',
    ])
      expect(plausiblePhone(bad), bad).toBe(false);
  });

  it("本人 carries the patient's number and credential type; a relative not the patient's number; only what is there is judged", () => {
    const patient = { certno: '220100198003150001', psn_cert_type: '01' };
    expect(invalidCommitmentFields({ signer_relation: '1', signer_certno: '220100198003150001' }, patient)).toEqual([]);
    expect(invalidCommitmentFields({ signer_relation: '1', signer_certno: '320100198812080003' }, patient).map((x) => x.field)).toEqual([
      'signer_certno',
    ]);
    expect(invalidCommitmentFields({ signer_relation: '4', signer_certno: '220100198003150001' }, patient).map((x) => x.field)).toEqual([
      'signer_certno',
    ]);
    expect(invalidCommitmentFields({ signer_relation: '4', signer_cert_type: '08', signer_certno: 'E1234567' }, patient)).toEqual([]);
    expect(invalidCommitmentFields({ signer_certno: '320100198812080003' }, patient)).toEqual([]);
    // a platform that sends no 人员证件类型 cannot contradict the signer's
    expect(invalidCommitmentFields({ signer_relation: '1', signer_cert_type: '01' }, { ...patient, psn_cert_type: '' })).toEqual([]);
  });
});

describe('refusals that turn the patient to self-pay say so in Chinese, with the next step', () => {
  it('every catalog entry whose action sends the patient to self-pay says 自费 in its Chinese message, and what comes next (手工报销, 重试, 核对, 重新结算)', () => {
    const selfPay = [...catalog.values()].filter((e) => /self-pay/i.test(e.action_en));
    expect(selfPay.map((e) => e.code).sort()).toEqual(
      [
        'GW_BIZ_REFUND_RESETTLE_FAILED',
        'GW_BIZ_SELF_PAY_UPLOADED',
        'GW_BIZ_TRAUMA_COMMITMENT_MISSING',
        'GW_BIZ_TRAUMA_THIRD_PARTY',
        'GW_FIL_FILED_AFTER_DEADLINE',
        'GW_FIL_NOT_FILED',
        'GW_ID_PERSON_NOT_FOUND',
        'GW_POS_REFUND_RESELL_FAILED',
        'GW_SYS_PLATFORM_CIRCUIT_OPEN',
        'GW_SYS_PLATFORM_UNAVAILABLE',
      ].sort(),
    );
    for (const e of selfPay) {
      expect(e.action, e.code).toMatch(/自费/);
      expect(e.message, e.code).toMatch(/自费/);
      expect(e.message, e.code).toMatch(/手工报销|重试|核对|补全|重新结算/);
    }
    expect(catalog.get('GW_FIL_NOT_FILED')!.message).toContain('请按自费结算，备案后可向参保地经办机构申请手工报销');
  });
});
