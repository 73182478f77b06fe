/** 2204 门诊费用明细上传 (classified under the treatment area's catalogue), 2205 费用明细撤销. */
import { BusinessError } from '../envelope.js';
import type { MockState } from '../state.js';
import type { FeeLine, Visit } from '../types.js';
import { lineResultView } from '../views.js';
import { requireOpenVisit, requireVisit, type TxContext } from './context.js';
import { classifyUpload, duplicateSn, type UploadedLine } from './fee-lines.js';

/** chrg_bchno "0000" = every batch. */
export const ALL_BATCHES = '0000';

interface FeeDetailInput extends UploadedLine {
  mdtrt_id: string;
  psn_no: string;
  chrg_bchno: string;
  exp_content?: string;
}

interface FeeUploadInput {
  feedetail: FeeDetailInput[];
}

interface FeeCancelInput {
  data: { mdtrt_id: string; chrg_bchno: string; psn_no: string };
}

interface PendingLine {
  visit: Visit;
  line: FeeLine;
}

function refuseDuplicateSn(visit: Visit, sn: string, pending: readonly PendingLine[]): void {
  const taken = visit.lines.some((l) => l.feedetl_sn === sn) || pending.some((p) => p.visit === visit && p.line.feedetl_sn === sn);
  if (taken) throw duplicateSn(sn);
}

/** Checks one uploaded line and classifies it; nothing is stored yet. */
function prepareLine(state: MockState, detail: FeeDetailInput, pending: readonly PendingLine[]): PendingLine {
  const visit = requireOpenVisit(state, detail.mdtrt_id, detail.psn_no);
  refuseDuplicateSn(visit, detail.feedetl_sn, pending);
  const line = classifyUpload(state.catalogue, detail, detail.chrg_bchno);
  return { visit, line };
}

/** All lines are checked before any is stored: an upload is all or nothing. */
export function uploadFees(ctx: TxContext): Record<string, unknown> {
  const { feedetail } = ctx.envelope.input as unknown as FeeUploadInput;
  if (feedetail.length === 0) throw new BusinessError('费用明细不能为空');
  const pending: PendingLine[] = [];
  for (const detail of feedetail) pending.push(prepareLine(ctx.state, detail, pending));
  for (const { visit, line } of pending) visit.lines.push(line);
  // the 门诊急诊标志 as openhis sends it: feedetail[].exp_content, a JSON string {"er_flag": "1"}
  for (const [i, detail] of feedetail.entries()) {
    const flag = erFlagOf(detail.exp_content);
    if (flag) pending[i]!.visit.er_flag = flag;
  }
  return { result: pending.map(({ line }) => lineResultView(line.feedetl_sn, line.classification)) };
}

function erFlagOf(expContent: unknown): string | undefined {
  if (typeof expContent !== 'string') return undefined;
  try {
    const v = (JSON.parse(expContent) as { er_flag?: unknown } | null)?.er_flag;
    return typeof v === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}

export function inBatch(line: FeeLine, chrgBchno: string): boolean {
  return chrgBchno === ALL_BATCHES || line.chrg_bchno === chrgBchno;
}

export function cancelFees(ctx: TxContext): Record<string, unknown> {
  const { data } = ctx.envelope.input as unknown as FeeCancelInput;
  const visit = requireVisit(ctx.state, data.mdtrt_id, data.psn_no);
  const batch = visit.lines.filter((l) => inBatch(l, data.chrg_bchno));
  const unsettled = batch.filter((l) => l.setl_id === null);
  if (unsettled.length === 0 && batch.length > 0) throw new BusinessError('该批次费用已结算，请先撤销结算');
  visit.lines = visit.lines.filter((l) => !unsettled.includes(l));
  return {};
}
