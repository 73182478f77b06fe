/** 2301 住院费用明细上传 (classified under the treatment area's catalogue), 2302 住院费用明细撤销. */
import { BusinessError } from '../envelope.js';
import type { Admission, InpatientFeeLine } from '../types.js';
import { lineResultView } from '../views.js';
import type { TxContext } from './context.js';
import { classifyUpload, duplicateSn, type UploadedLine } from './fee-lines.js';
import { finalSettlementOf, requireAdmission } from './inpatient-admission.js';

/** feedetl_sn "0000" = every unsettled line of the stay. */
export const ALL_LINES = '0000';

interface InpatientFeeInput extends UploadedLine {
  mdtrt_id: string;
  psn_no: string;
  etip_flag?: string;
  etip_hosp_code?: string;
}

interface FeeCancelInput {
  data: { feedetl_sn: string; mdtrt_id: string; psn_no: string };
}

/** All lines are checked before any is stored: an upload is all or nothing. */
export function uploadInpatientFees(ctx: TxContext): Record<string, unknown> {
  const { feedetail } = ctx.envelope.input as unknown as { feedetail: InpatientFeeInput[] };
  if (feedetail.length === 0) throw new BusinessError('费用明细不能为空');
  const pending: Array<{ adm: Admission; line: InpatientFeeLine }> = [];
  for (const d of feedetail) {
    const adm = requireAdmission(ctx.state, d.mdtrt_id, d.psn_no);
    if (finalSettlementOf(ctx.state.ledger, adm.mdtrt_id)) throw new BusinessError('该住院已出院结算，不能上传费用');
    if (adm.lines.some((l) => l.feedetl_sn === d.feedetl_sn) || pending.some((p) => p.adm === adm && p.line.feedetl_sn === d.feedetl_sn)) {
      throw duplicateSn(d.feedetl_sn);
    }
    if (d.etip_flag === '1' && !d.etip_hosp_code) throw new BusinessError(`外检标志为是时外检医院编码不能为空: ${d.feedetl_sn}`);
    const line = classifyUpload(ctx.state.catalogue, d, '');
    pending.push({ adm, line: { ...line, etip_flag: d.etip_flag ?? null, etip_hosp_code: d.etip_hosp_code ?? null } });
  }
  for (const { adm, line } of pending) adm.lines.push(line);
  return { result: pending.map(({ line }) => lineResultView(line.feedetl_sn, line.classification)) };
}

export function cancelInpatientFees(ctx: TxContext): Record<string, unknown> {
  const { data } = ctx.envelope.input as unknown as FeeCancelInput;
  const adm = requireAdmission(ctx.state, data.mdtrt_id, data.psn_no);
  if (data.feedetl_sn === ALL_LINES) {
    adm.lines = adm.lines.filter((l) => l.setl_id !== null);
    return {};
  }
  const line = adm.lines.find((l) => l.feedetl_sn === data.feedetl_sn);
  if (!line) throw new BusinessError(`费用明细流水号不存在: ${data.feedetl_sn}`);
  if (line.setl_id !== null) throw new BusinessError('该费用明细已结算，请先撤销结算');
  adm.lines = adm.lines.filter((l) => l !== line);
  return {};
}
