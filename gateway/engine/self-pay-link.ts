/**
 * Self-pay, then never direct (JL 22 "结算后补办异地就医备案手续的，可向经办机构申请医保手工报销";
 * HN 17 "出院自费结算后按规定补办备案手续的，可以按参保地规定申请医保手工报销"; LN 50): a visit or
 * stay the patient paid in full, whose self-pay data the hospital uploaded (POST /v1/self-pay-uploads,
 * naming the encounter), is marked; a later direct settlement of it is refused — a filing that appears
 * afterwards leads to manual reimbursement at the insured area, not to a second, direct settlement.
 * Pure (the services write the mark through their EncounterRunner).
 */
import { GatewayError } from '../errors/errors.js';

export interface SelfPayMark {
  first_at: string;
  uploads: Array<{ upload_id: string; at: string; by?: string }>;
}

/** What the upload says of its encounter, checked against the encounter. */
export interface SelfPayClaim {
  psn_no: string;
  ipt_otp_no: string;
  insuplc_admdvs: string;
  mdtrt_id?: string;
}

export function addSelfPayMark(mark: SelfPayMark | undefined, upload_id: string, at: string, by?: string): SelfPayMark {
  return { first_at: mark?.first_at ?? at, uploads: [...(mark?.uploads ?? []), { upload_id, at, ...(by ? { by } : {}) }] };
}

/** The upload must be this encounter's: the same person, number, insured area and (when given) mdtrt_id. */
export function checkSelfPayClaim(
  claim: SelfPayClaim,
  e: { id: string; psn_no: string; number: string; insuplc_admdvs: string; mdtrt_id?: string },
): void {
  const mismatched: string[] = [];
  if (claim.psn_no !== e.psn_no) mismatched.push('psn_no');
  if (claim.ipt_otp_no !== e.number) mismatched.push('ipt_otp_no');
  if (claim.insuplc_admdvs !== e.insuplc_admdvs) mismatched.push('insuplc_admdvs');
  if (claim.mdtrt_id !== undefined && claim.mdtrt_id !== e.mdtrt_id) mismatched.push('mdtrt_id');
  if (mismatched.length)
    throw new GatewayError('GW_VAL_SELF_PAY_ENCOUNTER_MISMATCH', { details: { encounter_id: e.id, mismatched_fields: mismatched } });
}

/** Guard of every direct settlement (and its quote): an encounter with a self-pay upload is not settled directly. */
export function refuseIfSelfPaid(e: { id: string; self_pay?: SelfPayMark }): void {
  if (!e.self_pay) return;
  throw new GatewayError('GW_BIZ_SELF_PAY_UPLOADED', {
    details: {
      encounter_id: e.id,
      self_pay: { first_at: e.self_pay.first_at, upload_ids: e.self_pay.uploads.map((u) => u.upload_id) },
      next_step: 'manual_reimbursement',
      next_step_text: '请参保人持自费票据和费用清单向参保地经办机构申请医保手工报销',
      source: 'JL 22, HN 17, LN 50',
    },
  });
}

/** What the HIS sees of the mark on a visit or stay. */
export const selfPayView = (m: SelfPayMark | undefined) =>
  m ? { first_at: m.first_at, upload_ids: m.uploads.map((u) => u.upload_id), direct_settlement: 'refused' as const } : undefined;
