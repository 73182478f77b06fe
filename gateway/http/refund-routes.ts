import { Router } from 'express';
import type { Ops } from './openapi.js';
import type { RefundRequest } from '../generated/api/refund.request.js';
import type { AppDeps } from './deps.js';
import { apiBody, handle, meta } from './handler.js';
import { refundView } from './slip-view.js';

/**
 * Refunds (退费) of any earlier outpatient or pharmacy settlement by setl_id (隔笔退费, 跨年退费,
 * 清算后退费: JS 45, HN 52, LN 54); `/v1/settlements/{setl_id}/cancel` stays the outpatient cancel.
 */
export function refundRoutes(d: AppDeps) {
  const r = Router({ caseSensitive: true });
  r.post('/settlements/:setl_id/refund', refundSettlement(d));
  r.get(
    '/refunds/:refund_id',
    handle(200, async (req) => refundView(await d.refunds.get(req.params.refund_id as string))),
  );
  return r;
}

/** POST …/{setl_id}/refund: a refund of the settlement `setl_id` (mounted here and under /v1/pharmacy). */
export function refundSettlement(d: AppDeps) {
  const body = apiBody(d.schemas);
  return handle(200, async (req) =>
    refundView(await d.refunds.refund(req.params.setl_id as string, body<RefundRequest>('refund.request', req.body), meta(req))),
  );
}

export const refundOps: Ops = {
  '/v1/settlements/{setl_id}/refund': {
    post: {
      id: 'refundSettlement',
      tag: 'refunds',
      zh: '退费：任一门诊（2208）或药店（2103）结算（隔笔退费），部分退费先撤销再结算保留明细；不得因待遇差退费（辽宁第五十四条）',
      response: 'refund.response',
      summary:
        'Refund any outpatient (2208) or pharmacy (2103) settlement, not only the latest; line_ids = partial refund (cancel, then settle the kept lines again; return_lines, the old name, is deprecated); reason benefit_difference is refused (LN 54)',
      infno: '2208',
      body: 'refund.request',
      status: 200,
      params: ['setl_id'],
    },
  },
  '/v1/refunds/{refund_id}': {
    get: {
      id: 'getRefund',
      tag: 'refunds',
      zh: '查询部分退费操作：状态、步骤、结算单',
      response: 'refund.response',
      summary: 'A partial refund operation: status, steps, slips',
      status: 200,
      params: ['refund_id'],
    },
  },
};
