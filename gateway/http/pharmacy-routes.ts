import { Router } from 'express';
import type { Ops } from './openapi.js';
import type { PharmacySettlementRequest } from '../generated/api/pharmacy-settlement.request.js';
import type { AppDeps } from './deps.js';
import { apiBody, handle, meta } from './handler.js';
import { refundSettlement } from './refund-routes.js';
import { settlementView, withSlip } from './slip-view.js';

/** Pharmacy direct settlement (药店购药) for the hospital pharmacy's system and POS integrators (roles his, pos). */
export function pharmacyRoutes(d: AppDeps) {
  const r = Router({ caseSensitive: true });
  const p = d.pharmacy;
  const body = apiBody(d.schemas);

  r.post(
    '/pharmacy/pre-settlement',
    handle(200, async (req) =>
      withSlip(await p.preSettle(body<PharmacySettlementRequest>('pharmacy-settlement.request', req.body), meta(req))),
    ),
  );
  r.post(
    '/pharmacy/settlements',
    handle(201, async (req) =>
      withSlip(await p.settle(body<PharmacySettlementRequest>('pharmacy-settlement.request', req.body), meta(req))),
    ),
  );
  r.get(
    '/pharmacy/settlements/:setl_id',
    handle(200, async (req) => settlementView(await p.settlement(req.params.setl_id as string))),
  );
  // the same refund as /v1/settlements/{setl_id}/refund, under the pharmacy's own path
  r.post('/pharmacy/settlements/:setl_id/refund', refundSettlement(d));
  return r;
}

export const pharmacyOps: Ops = {
  '/v1/pharmacy/pre-settlement': {
    post: {
      summary: 'Pharmacy quote (1101 人卡一致 + 2101): nothing is booked',
      infno: '2101',
      body: 'pharmacy-settlement.request',
      status: 200,
      response: 'slip.response',
    },
  },
  '/v1/pharmacy/settlements': {
    post: {
      summary: 'Pharmacy settlement (1101 人卡一致 + 2102): books the sale, returns the slip; one per sale_no',
      infno: '2102',
      body: 'pharmacy-settlement.request',
      status: 201,
      response: 'slip.response',
    },
  },
  '/v1/pharmacy/settlements/{setl_id}': {
    get: { summary: 'A pharmacy settlement and its slip', status: 200, response: 'slip.response', params: ['setl_id'] },
  },
  '/v1/pharmacy/settlements/{setl_id}/refund': {
    post: {
      summary: 'Refund a pharmacy settlement (2103), whole or some lines (2103 + 2102)',
      infno: '2103',
      body: 'refund.request',
      status: 200,
      params: ['setl_id'],
    },
  },
};
