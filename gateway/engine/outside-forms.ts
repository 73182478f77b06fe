/**
 * Outside-hospital test / purchase forms (JS 39 《住院期间外院检查治疗或双通道定点药店购药证明》, HN 57
 * and LN 44 《住院期间外院检查治疗或定点药店购药单》): a form needs an open admission and a date inside
 * the stay; its tests or drugs go on the stay as fee lines flagged as outside (etip_flag 1) with the
 * outside institution's code (etip_hosp_code), so this admission's settlement includes them —
 * "住院期间…纳入本次住院费用直接结算": every line must have happened during the stay (admission to
 * discharge) and, since the hospital issues the form for the test or purchase it names (医师签字,
 * 医保办盖章, then the patient goes to the other hospital or the pharmacy), not before the form's own
 * date. The form's patient (姓名, 性别, 年龄, 证件) is the 1101 person of the stay, never what the HIS
 * typed. Pure.
 */
import type { FeeLine } from '../../adapters/platform/outpatient-messages.js';
import type { OutsideFormRequest } from '../generated/api/outside-form.request.js';
import { GatewayError } from '../errors/errors.js';
import type { Admission } from './admission.js';
import { toFeeLine } from './fee-lines.js';

export const ETIP_FLAG = '1';

/** form_date (yyyy-MM-dd) within [admission date, discharge date] (open-ended while in hospital). */
export function checkFormDate(form_date: string, begntime: string, endtime: string | undefined): void {
  const from = begntime.slice(0, 10);
  const to = endtime?.slice(0, 10);
  if (form_date < from || (to !== undefined && form_date > to)) {
    throw new GatewayError('GW_VAL_OUTSIDE_FORM_DATE', {
      message: `The form's date ${form_date} is outside the stay (${from} to ${to ?? 'now'}).`,
      message_zh: `购药单日期 ${form_date} 不在本次住院期间（${from} 至 ${to ?? '今'}）`,
      // no line is at fault, the form's own date is
      details: { form_date, stay: { from, to: to ?? null }, lines: [] },
    });
  }
}

type DatedLine = { feedetl_sn: string; fee_ocur_time: string };

/**
 * Every line of a form inside the stay — not before the admission time, not after the discharge
 * time (yyyy-MM-dd HH:mm:ss compare as strings) — and on or after the form's date.
 */
export function checkFormLines(form_date: string, lines: readonly DatedLine[], begntime: string, endtime: string | undefined): void {
  const bad = lines.flatMap((l) => {
    const problem =
      l.fee_ocur_time < begntime
        ? 'before the admission'
        : endtime !== undefined && l.fee_ocur_time > endtime
          ? 'after the discharge'
          : l.fee_ocur_time.slice(0, 10) < form_date
            ? "before the form's date"
            : undefined;
    return problem ? [{ feedetl_sn: l.feedetl_sn, fee_ocur_time: l.fee_ocur_time, problem }] : [];
  });
  if (bad.length) {
    throw new GatewayError('GW_VAL_OUTSIDE_FORM_DATE', {
      message: `Outside-form lines not inside the stay or before the form's date: ${bad.map((b) => `${b.feedetl_sn} (${b.problem})`).join(', ')}.`,
      message_zh: `外院检查治疗或购药单的项目发生日期不在本次住院期间或早于购药单日期：${bad.map((b) => b.feedetl_sn).join('、')}（见 details.lines）`,
      details: { form_date, stay: { from: begntime, to: endtime ?? null }, lines: bad },
    });
  }
}

/** The identity fields an HIS may still send on a form: each must be the admitted (1101) person's. */
const IDENTITY = ['psn_name', 'gend', 'psn_cert_type', 'certno'] as const;
const norm = (s: string) => s.trim().toUpperCase();

/**
 * The form's patient comes from 1101 (Admission.person). The HIS need not send psn_name, gend, age,
 * psn_cert_type or certno; what it does send must match the person (age is computed, a sent age is
 * ignored). Refused with the fields that differ, never their values.
 */
export function checkFormPerson(req: Partial<Pick<OutsideFormRequest, (typeof IDENTITY)[number]>>, person: Admission['person']): void {
  const mismatched = IDENTITY.filter((k) => {
    const v = req[k];
    if (v === undefined) return false;
    return k === 'certno' ? norm(v) !== norm(person.certno) : String(v).trim() !== String(person[k] ?? '').trim();
  });
  // a platform that sends no 人员证件类型 ("") cannot contradict the one the HIS gives
  const real = mismatched.filter((k) => !(k === 'psn_cert_type' && !person.psn_cert_type));
  if (real.length) throw new GatewayError('GW_ID_PERSON_CREDENTIAL_MISMATCH', { details: { mismatched_fields: real, on: 'outside_form' } });
}

/** The form's fields as kept: what the HIS fills in, without the patient's identity (that is 1101's). */
export function formFields(req: OutsideFormRequest) {
  const { lines: _l, psn_name: _n, gend: _g, age: _a, psn_cert_type: _t, certno: _c, ...form } = req;
  return form;
}

/** The form's lines as fee lines of the stay, flagged as outside (外检/外购). */
export function formFeeLines(req: OutsideFormRequest): FeeLine[] {
  return req.lines.map((l) => toFeeLine('', { ...l, etip_flag: ETIP_FLAG, etip_hosp_code: req.outside_institution.code } as typeof l));
}

/** Whole years between a birth date (yyyy-MM-dd) and a date (yyyy-MM-dd). */
export function ageOn(brdy: string, on: string): number | undefined {
  const b = /^(\d{4})-(\d{2})-(\d{2})/.exec(brdy);
  const d = /^(\d{4})-(\d{2})-(\d{2})/.exec(on);
  if (!b || !d) return undefined;
  const [by, bm, bd] = [Number(b[1]), Number(b[2]), Number(b[3])];
  const [y, m, dd] = [Number(d[1]), Number(d[2]), Number(d[3])];
  return y - by - (m > bm || (m === bm && dd >= bd) ? 0 : 1);
}

/** The patient as the form prints them: the 1101 person, the age on the form's date. */
export function formPatient(person: Admission['person'], form_date: string) {
  const age = person.brdy ? ageOn(person.brdy, form_date) : undefined;
  return {
    psn_name: person.psn_name,
    gend: person.gend,
    age: age ?? (person.age === undefined || person.age === '' ? undefined : Number(person.age)),
    psn_cert_type: person.psn_cert_type,
    certno: person.certno,
  };
}
