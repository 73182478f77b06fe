/**
 * 4201 (UNVERIFIED infno) 自费病人就诊及费用明细上传: the full self-pay data of a patient who could
 * not settle directly (HN 59, HN 20/53), kept so that the insured area can handle the manual claim
 * online. The mock keeps every upload in arrival order (GET /__mock/self-pay) so a test can check
 * that uploads queued during an outage arrive, in order, once.
 */
import { BusinessError } from '../envelope.js';
import type { MockState } from '../state.js';
import { requirePerson, type TxContext } from './context.js';

export interface SelfPayUpload {
  msgid: string;
  psn_no: string;
  ipt_otp_no: string;
  medfee_sumamt: number;
  lines: number;
  received_at: string;
}

/** Uploads by state object (reset with it: resetState builds a new state's contents, see uploadsOf). */
const uploads = new WeakMap<MockState['ledger'], SelfPayUpload[]>();

/** The uploads received since the last reset (keyed by the ledger array, which reset replaces). */
export function uploadsOf(state: MockState): SelfPayUpload[] {
  let list = uploads.get(state.ledger);
  if (!list) {
    list = [];
    uploads.set(state.ledger, list);
  }
  return list;
}

export function selfPayUpload(ctx: TxContext): Record<string, unknown> {
  const { data } = ctx.envelope.input as unknown as {
    data: { psn_no: string; ipt_otp_no: string; medfee_sumamt: number; feedetail: unknown[] };
  };
  requirePerson(ctx.state, data.psn_no);
  const list = uploadsOf(ctx.state);
  if (list.some((u) => u.ipt_otp_no === data.ipt_otp_no && u.psn_no === data.psn_no)) throw new BusinessError('该就诊自费信息已上传');
  list.push({
    msgid: ctx.envelope.msgid,
    psn_no: data.psn_no,
    ipt_otp_no: data.ipt_otp_no,
    medfee_sumamt: data.medfee_sumamt,
    lines: data.feedetail.length,
    received_at: ctx.now.toISOString(),
  });
  return {};
}
