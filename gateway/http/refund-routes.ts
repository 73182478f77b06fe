import { Router } from 'express';
import type { Ops } from './openapi.js';
import type { RefundRequest } from '../generated/api/refund.request.js';
import type { StoredSlip } from '../engine/visit.js';
import type { AppDeps } from './deps.js';
import { handle, meta } from './handler.js';
import { slipView } from './slip-view.js';

/**
 * Refunds (退费) of any earlier outpatient or pharmacy settlement by setl_id (隔笔退费, 跨年退费,
 * 清算后退费: JS 45, HN 52, LN 54); `/v1/settlements/{setl_id}/cancel` stays the outpatient cancel.
 */
export function refundRoutes(d: AppDeps) {
  const r = Router();
  r.post(
    '/settlements/:setl_id/refund',
    handle(200, async (req) =>
      refundView(
        await d.refunds.refund(
          req.params.setl_id as string,
          d.schemas.checkApi<RefundRequest>('refund.request', req.body ?? {}),
          meta(req),
        ),
      ),
    ),
  );
  r.get(
    '/refunds/:refund_id',
    handle(200, async (req) => refundView(await d.refunds.get(req.params.refund_id as string))),
  );
  return r;
}

/** Slips as the HIS receives them (two-decimal numbers). */
export function refundView<T extends { cancellation_slip?: StoredSlip; settlement_slip?: StoredSlip }>(r: T) {
  return {
    ...r,
    cancellation_slip: r.cancellation_slip ? slipView(r.cancellation_slip) : undefined,
    settlement_slip: r.settlement_slip ? slipView(r.settlement_slip) : undefined,
  };
}

export const refundOps: Ops = {
  '/v1/settlements/{setl_id}/refund': {
    post: {
      summary:
        'Refund any outpatient (2208) or pharmacy (2103) settlement, not only the latest; return_lines = partial refund (cancel, then settle the kept lines again); reason benefit_difference is refused (LN 54)',
      infno: '2208',
      body: 'refund.request',
      status: 200,
      params: ['setl_id'],
    },
  },
  '/v1/refunds/{refund_id}': { get: { summary: 'A partial refund operation: status, steps, slips', status: 200, params: ['refund_id'] } },
};
