/**
 * Trauma and third party (JS 38, HN 56, LN 23): trauma with a third party is not payable by the
 * funds — the case turns to self-pay; trauma without one settles directly only once the patient
 * (or a near relative, with their own ID number and a phone number) signed 《外伤无第三方责任承诺书》
 * saying when, where and how the injury happened. Pure.
 *
 * The form (JS annex 7, HN annex 3) is laid out as "承诺人 | 联系电话 | 证件类型 | 证件号码", and its
 * 温馨提示 says "由承诺人本人手写签名，患者本人无法签字的由其近亲属代签，并填写身份证号码和联系方式":
 * so the phone is part of a complete form, a patient who signs (本人) gives their own ID number (the
 * one 1101 holds for them), and a relative who signs gives theirs — not the patient's.
 */
import { GatewayError } from '../errors/errors.js';
import type { TraumaCommitment } from './admission.js';

/** The commitment's fields (JS annex 7, HN annex 3) with the label the counter reads, in the form's order. */
export const COMMITMENT_FIELDS = {
  signer_name: '承诺人姓名',
  signer_relation: '承诺人与患者关系',
  signer_tel: '联系电话',
  signer_cert_type: '承诺人证件类型',
  signer_certno: '承诺人证件号码',
  injury_time: '受伤时间',
  injury_place: '受伤地点',
  injury_cause: '外伤经过',
  signed_at: '签署时间',
} as const;

type CommitmentField = keyof typeof COMMITMENT_FIELDS;

/** 承诺人与患者关系 1 = 本人 (schemas/codes/relation.json). */
export const SELF = '1';
/** 居民身份证 (schemas/codes/psn_cert_type.json): the form's 温馨提示 asks a relative for their 身份证号码. */
const RESIDENT_ID_CARD = '01';

/** The patient as 1101 knows them: what a signer who is 本人 must carry. Never logged, never echoed. */
export interface CommitmentPatient {
  certno: string;
  psn_cert_type: string;
}

export interface FieldProblem {
  field: string;
  label: string;
  problem: string;
}

export function missingCommitmentFields(c: Partial<TraumaCommitment> | undefined): Array<{ field: string; label: string }> {
  return Object.entries(COMMITMENT_FIELDS)
    .filter(([k]) => {
      const v = c?.[k as keyof TraumaCommitment];
      return typeof v !== 'string' || v.trim() === '';
    })
    .map(([field, label]) => ({ field, label }));
}

const MOBILE = /^1[3-9]\d{9}$/;
/** area code 0 + 2-3 digits (010, 021, 0755 ...), a local number of 7-8 digits not starting with 0/1, an optional extension */
const LANDLINE = /^(?:0\d{2,3}-?|\(0\d{2,3}\))[2-9]\d{6,7}(?:-\d{1,6})?$/;

/** A plausible mainland phone number: a mobile (1[3-9] + 9 digits) or a landline with its area code. */
export function plausiblePhone(tel: string): boolean {
  const t = tel.replace(/\s+/g, '');
  return MOBILE.test(t) || LANDLINE.test(t);
}

const norm = (s: string) => s.trim().toUpperCase();
const present = (v: unknown): v is string => typeof v === 'string' && v.trim() !== '';

/**
 * The fields present but wrong, each with the counter's label and what is wrong in Chinese. Only
 * what is there is judged (a commitment may be recorded in several calls); `patient` is the 1101
 * person of the stay. The problems name fields, never values.
 */
export function invalidCommitmentFields(c: Partial<TraumaCommitment> | undefined, patient: CommitmentPatient | undefined): FieldProblem[] {
  const out: FieldProblem[] = [];
  const bad = (field: CommitmentField, problem: string) => out.push({ field, label: COMMITMENT_FIELDS[field], problem });
  if (!c) return out;
  if (present(c.signer_tel) && !plausiblePhone(c.signer_tel)) bad('signer_tel', '应为11位手机号码（1开头）或带区号的固定电话');
  if (present(c.signer_relation) && patient) {
    const isPatient = c.signer_relation === SELF;
    const samePerson = present(c.signer_certno) && norm(c.signer_certno) === norm(patient.certno);
    if (isPatient) {
      if (present(c.signer_certno) && !samePerson) bad('signer_certno', '承诺人为患者本人时，证件号码须为患者本人的证件号码');
      if (present(c.signer_cert_type) && patient.psn_cert_type && c.signer_cert_type !== patient.psn_cert_type)
        bad('signer_cert_type', '承诺人为患者本人时，证件类型须与患者参保登记的证件类型一致');
    } else if (samePerson) {
      bad('signer_certno', '近亲属代签时须填写代签人本人的证件号码，不能填写患者的证件号码');
    }
  }
  const relative = c.signer_relation !== undefined && c.signer_relation !== SELF;
  if (relative && c.signer_cert_type === RESIDENT_ID_CARD && present(c.signer_certno) && !/^\d{17}[\dX]$/.test(norm(c.signer_certno)))
    if (!out.some((p) => p.field === 'signer_certno')) bad('signer_certno', '居民身份证号码应为18位（末位可为X）');
  return out;
}

const listText = (ps: Array<{ label: string; problem?: string }>) =>
  ps.map((p) => (p.problem ? `${p.label}（${p.problem}）` : p.label)).join('、');

/** What the counter is told: each missing and each wrong field, by its Chinese label. */
export function commitmentProblems(c: Partial<TraumaCommitment> | undefined, patient: CommitmentPatient | undefined) {
  const missing = missingCommitmentFields(c);
  const invalid = invalidCommitmentFields(c, patient);
  return {
    missing,
    invalid,
    ...(missing.length ? { missing_text: `缺少：${listText(missing)}` } : {}),
    ...(invalid.length ? { invalid_text: `有误：${listText(invalid)}` } : {}),
  };
}

/** Refuses a commitment (as it would stand once recorded) with a wrong field: nothing of it is recorded. */
export function refuseInvalidCommitment(c: Partial<TraumaCommitment> | undefined, patient: CommitmentPatient | undefined): void {
  const invalid = invalidCommitmentFields(c, patient);
  if (!invalid.length) return;
  throw new GatewayError('GW_BIZ_TRAUMA_COMMITMENT_INVALID', {
    message: `The no-third-party commitment has wrong fields: ${invalid.map((m) => m.field).join(', ')}.`,
    message_zh: `外伤无第三方责任承诺书填写有误，未登记：${listText(invalid)}；请核对后重新填写`,
    details: { invalid, invalid_text: `有误：${listText(invalid)}` },
  });
}

/** Throws the catalog error that stops a direct settlement (2303/2304) of a trauma case, if any. */
export function checkTrauma(
  flags: { trum_flag: string; rel_ttp_flag: string },
  commitment: TraumaCommitment | undefined,
  patient: CommitmentPatient | undefined,
): void {
  if (flags.trum_flag !== '1') return;
  if (flags.rel_ttp_flag === '1') {
    throw new GatewayError('GW_BIZ_TRAUMA_THIRD_PARTY', { details: { trum_flag: '1', rel_ttp_flag: '1', settle_as: 'self_pay' } });
  }
  const p = commitmentProblems(commitment, patient);
  if (p.missing.length) {
    throw new GatewayError('GW_BIZ_TRAUMA_COMMITMENT_MISSING', {
      message: `The no-third-party commitment is ${commitment ? 'incomplete' : 'not recorded'}; missing: ${p.missing.map((m) => m.field).join(', ')}.`,
      message_zh: `外伤无第三方责任承诺书${commitment ? '填写不全' : '未登记'}，不能直接结算；缺少：${listText(p.missing)}。补全后再结算，无法签署承诺书的请按自费结算`,
      details: p,
    });
  }
  if (p.invalid.length) {
    throw new GatewayError('GW_BIZ_TRAUMA_COMMITMENT_INVALID', {
      message: `The no-third-party commitment has wrong fields: ${p.invalid.map((m) => m.field).join(', ')}.`,
      details: p,
    });
  }
}
