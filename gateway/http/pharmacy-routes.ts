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
    handle(200, 'pharmacy-quote.response', async (req) =>
      withSlip(await p.preSettle(body<PharmacySettlementRequest>('pharmacy-settlement.request', req.body), meta(req))),
    ),
  );
  r.post(
    '/pharmacy/settlements',
    handle(201, 'pharmacy-sale.response', async (req) =>
      withSlip(await p.settle(body<PharmacySettlementRequest>('pharmacy-settlement.request', req.body), meta(req))),
    ),
  );
  r.get(
    '/pharmacy/settlements/:setl_id',
    handle(200, 'pharmacy-settlement.response', async (req) => settlementView(await p.settlement(req.params.setl_id as string))),
  );
  // the same refund as /v1/settlements/{setl_id}/refund, under the pharmacy's own path
  r.post('/pharmacy/settlements/:setl_id/refund', refundSettlement(d));
  return r;
}

export const pharmacyOps: Ops = {
  '/v1/pharmacy/pre-settlement': {
    post: {
      id: 'preSettlePharmacy',
      tag: 'pharmacy',
      zh: '药店预结算（1101 人卡一致 + 2101），不记账',
      summary: 'Pharmacy quote (1101 人卡一致 + 2101): nothing is booked',
      infno: '2101',
      body: 'pharmacy-settlement.request',
      status: 200,
      response: 'pharmacy-quote.response',
    },
  },
  '/v1/pharmacy/settlements': {
    post: {
      id: 'settlePharmacy',
      tag: 'pharmacy',
      zh: '药店结算（1101 人卡一致 + 2102），每个销售单号一次',
      summary: 'Pharmacy settlement (1101 人卡一致 + 2102): books the sale, returns the slip; one per sale_no',
      infno: '2102',
      body: 'pharmacy-settlement.request',
      status: 201,
      response: 'pharmacy-sale.response',
    },
  },
  '/v1/pharmacy/settlements/{setl_id}': {
    get: {
      id: 'getPharmacySettlement',
      tag: 'pharmacy',
      zh: '查询药店结算及结算单',
      summary: 'A pharmacy settlement and its slip',
      status: 200,
      response: 'pharmacy-settlement.response',
      params: ['setl_id'],
    },
  },
  '/v1/pharmacy/settlements/{setl_id}/refund': {
    post: {
      id: 'refundPharmacySettlement',
      tag: 'pharmacy',
      zh: '药店退费（2103），全部或部分明细（2103 + 2102）',
      response: 'refund.response',
      summary: 'Refund a pharmacy settlement (2103), whole or some lines (2103 + 2102)',
      infno: '2103',
      body: 'refund.request',
      status: 200,
      params: ['setl_id'],
    },
  },
};
