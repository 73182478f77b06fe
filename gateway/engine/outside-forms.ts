/**
 * Outside-hospital purchase forms (住院期间外院检查治疗或定点药店购药单, JS 39, HN 57, LN 44): a
 * form needs an open admission and a date inside the stay; its tests or drugs go on the stay as
 * fee lines flagged as outside (etip_flag 1) with the outside institution's code (etip_hosp_code),
 * so this admission's settlement includes them. Pure.
 */
import type { FeeLine } from '../../adapters/platform/outpatient-messages.js';
import type { OutsideFormRequest } from '../generated/api/outside-form.request.js';
import { GatewayError } from '../errors/errors.js';
import { toFeeLine } from './fee-lines.js';

export const ETIP_FLAG = '1';

/** form_date (yyyy-MM-dd) within [admission date, discharge date] (open-ended while in hospital). */
export function checkFormDate(form_date: string, begntime: string, endtime: string | undefined): void {
  const from = begntime.slice(0, 10);
  const to = endtime?.slice(0, 10);
  if (form_date < from || (to !== undefined && form_date > to)) {
    throw new GatewayError('GW_VAL_OUTSIDE_FORM_DATE', { details: { form_date, stay: { from, to: to ?? null } } });
  }
}

/** The form's lines as fee lines of the stay, flagged as outside (外检/外购). */
export function formFeeLines(req: OutsideFormRequest): FeeLine[] {
  return req.lines.map((l) => toFeeLine('', { ...l, etip_flag: ETIP_FLAG, etip_hosp_code: req.outside_institution.code } as typeof l));
}
