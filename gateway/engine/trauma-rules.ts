/**
 * Trauma and third party (JS 38, HN 56, LN 23): trauma with a third party is not payable by the
 * funds — the case turns to self-pay; trauma without one settles directly only once the patient
 * (or a near relative, with ID) signed 《外伤无第三方责任承诺书》 saying when, where and how the
 * injury happened. Pure.
 */
import { GatewayError } from '../errors/errors.js';
import type { TraumaCommitment } from './admission.js';

/** The commitment's fields (JS annex 7, HN annex 3) with the label the counter reads. */
export const COMMITMENT_FIELDS = {
  signer_name: '承诺人姓名',
  signer_relation: '承诺人与患者关系',
  signer_cert_type: '承诺人证件类型',
  signer_certno: '承诺人证件号码',
  injury_time: '受伤时间',
  injury_place: '受伤地点',
  injury_cause: '外伤经过',
  signed_at: '签署时间',
} as const;

export function missingCommitmentFields(c: Partial<TraumaCommitment> | undefined): Array<{ field: string; label: string }> {
  return Object.entries(COMMITMENT_FIELDS)
    .filter(([k]) => {
      const v = c?.[k as keyof TraumaCommitment];
      return typeof v !== 'string' || v.trim() === '';
    })
    .map(([field, label]) => ({ field, label }));
}

/** Throws the catalog error that stops a direct settlement (2303/2304) of a trauma case, if any. */
export function checkTrauma(flags: { trum_flag: string; rel_ttp_flag: string }, commitment: TraumaCommitment | undefined): void {
  if (flags.trum_flag !== '1') return;
  if (flags.rel_ttp_flag === '1') {
    throw new GatewayError('GW_BIZ_TRAUMA_THIRD_PARTY', { details: { trum_flag: '1', rel_ttp_flag: '1', settle_as: 'self_pay' } });
  }
  const missing = missingCommitmentFields(commitment);
  if (missing.length) {
    throw new GatewayError('GW_BIZ_TRAUMA_COMMITMENT_MISSING', {
      message: `The no-third-party commitment is ${commitment ? 'incomplete' : 'not recorded'}; missing: ${missing.map((m) => m.field).join(', ')}.`,
      details: { missing, missing_text: `缺少：${missing.map((m) => m.label).join('、')}` },
    });
  }
}
