import { Router } from 'express';
import type { Ops } from './openapi.js';
import type { FeesCancelRequest } from '../generated/api/fees-cancel.request.js';
import type { FeesUploadRequest } from '../generated/api/fees-upload.request.js';
import type { SettlementCancelRequest } from '../generated/api/settlement-cancel.request.js';
import type { SettlementRequest } from '../generated/api/settlement.request.js';
import type { VisitCreateRequest } from '../generated/api/visit-create.request.js';
import type { VisitDiagnosesRequest } from '../generated/api/visit-diagnoses.request.js';
import type { AppDeps } from './deps.js';
import { apiBody, handle, meta } from './handler.js';
import { settlementView, withSlip } from './slip-view.js';

/** Outpatient direct settlement, named for what the counter does. */
export function outpatientRoutes(d: AppDeps) {
  const r = Router({ caseSensitive: true });
  const o = d.outpatient;
  const body = apiBody(d.schemas);

  r.post(
    '/outpatient/visits',
    handle(201, 'visit-step.response', async (req) => o.register(body<VisitCreateRequest>('visit-create.request', req.body), meta(req))),
  );
  r.get(
    '/outpatient/visits/:id',
    handle(200, 'visit.response', async (req) => o.get(req.params.id as string)),
  );
  r.post(
    '/outpatient/visits/:id/cancel',
    handle(200, 'visit-step.response', async (req) => o.cancelRegistration(req.params.id as string, meta(req))),
  );
  r.post(
    '/outpatient/visits/:id/diagnoses',
    handle(200, 'visit-step.response', async (req) =>
      o.diagnose(req.params.id as string, body<VisitDiagnosesRequest>('visit-diagnoses.request', req.body), meta(req)),
    ),
  );
  r.post(
    '/outpatient/visits/:id/fees',
    handle(201, 'fees-upload.response', async (req) =>
      o.uploadFees(req.params.id as string, body<FeesUploadRequest>('fees-upload.request', req.body), meta(req)),
    ),
  );
  r.post(
    '/outpatient/visits/:id/fees/cancel',
    handle(200, 'visit-step.response', async (req) =>
      o.cancelFees(req.params.id as string, body<FeesCancelRequest>('fees-cancel.request', req.body).chrg_bchno, meta(req)),
    ),
  );
  r.post(
    '/outpatient/visits/:id/pre-settlement',
    handle(200, 'outpatient-quote.response', async (req) =>
      withSlip(await o.preSettle(req.params.id as string, body<SettlementRequest>('settlement.request', req.body), meta(req))),
    ),
  );
  r.post(
    '/outpatient/visits/:id/settlement',
    handle(201, 'outpatient-settlement.response', async (req) =>
      withSlip(await o.settle(req.params.id as string, body<SettlementRequest>('settlement.request', req.body), meta(req))),
    ),
  );
  r.post(
    '/settlements/:setl_id/cancel',
    handle(200, 'settlement-cancel.response', async (req) => {
      const b = body<SettlementCancelRequest>('settlement-cancel.request', req.body);
      return withSlip(await o.cancelSettlement(req.params.setl_id as string, b.reason, meta(req)));
    }),
  );
  r.get(
    '/settlements/:setl_id',
    handle(200, 'settlement.response', async (req) => settlementView(await o.settlement(req.params.setl_id as string))),
  );
  return r;
}

export const outpatientOps: Ops = {
  '/v1/outpatient/visits': {
    post: {
      id: 'registerVisit',
      tag: 'outpatient',
      zh: '门诊挂号（1101 + 2201），须报急诊标志',
      response: 'visit-step.response',
      summary: 'Register an outpatient visit (1101 + 2201); the emergency flag is required',
      infno: '2201',
      body: 'visit-create.request',
      status: 201,
    },
  },
  '/v1/outpatient/visits/{id}': {
    get: {
      id: 'getVisit',
      tag: 'outpatient',
      zh: '查询门诊就诊及其状态',
      response: 'visit.response',
      summary: 'A visit and its state',
      status: 200,
      params: ['id'],
    },
  },
  '/v1/outpatient/visits/{id}/cancel': {
    post: {
      id: 'cancelVisit',
      tag: 'outpatient',
      zh: '门诊挂号撤销（2202）',
      response: 'visit-step.response',
      summary: 'Cancel the registration (2202)',
      infno: '2202',
      status: 200,
      params: ['id'],
    },
  },
  '/v1/outpatient/visits/{id}/diagnoses': {
    post: {
      id: 'uploadVisitDiagnoses',
      tag: 'outpatient',
      zh: '上传就诊信息和诊断（2203）',
      response: 'visit-step.response',
      summary: 'Visit information and diagnoses (2203)',
      infno: '2203',
      body: 'visit-diagnoses.request',
      status: 200,
      params: ['id'],
    },
  },
  '/v1/outpatient/visits/{id}/fees': {
    post: {
      id: 'uploadVisitFees',
      tag: 'outpatient',
      zh: '上传门诊费用明细（2204），返回每条明细的平台分类',
      response: 'fees-upload.response',
      summary: 'Upload fee lines (2204); returns the platform classification of each line',
      infno: '2204',
      body: 'fees-upload.request',
      status: 201,
      params: ['id'],
    },
  },
  '/v1/outpatient/visits/{id}/fees/cancel': {
    post: {
      id: 'cancelVisitFees',
      tag: 'outpatient',
      zh: '撤销未结算的门诊费用明细（2205），"0000" 为全部',
      response: 'visit-step.response',
      summary: 'Cancel unsettled fee lines of a batch (2205); "0000" = all',
      infno: '2205',
      body: 'fees-cancel.request',
      status: 200,
      params: ['id'],
    },
  },
  '/v1/outpatient/visits/{id}/pre-settlement': {
    post: {
      id: 'preSettleVisit',
      tag: 'outpatient',
      zh: '门诊预结算（2206），不记账',
      summary: 'Pre-settlement quote (2206): nothing is booked',
      infno: '2206',
      body: 'settlement.request',
      status: 200,
      response: 'outpatient-quote.response',
      params: ['id'],
    },
  },
  '/v1/outpatient/visits/{id}/settlement': {
    post: {
      id: 'settleVisit',
      tag: 'outpatient',
      zh: '门诊结算（2207），返回结算单',
      summary: 'Settle (2207): books the settlement, returns the slip',
      infno: '2207',
      body: 'settlement.request',
      status: 201,
      response: 'outpatient-settlement.response',
      params: ['id'],
    },
  },
  '/v1/settlements/{setl_id}': {
    get: {
      id: 'getSettlement',
      tag: 'outpatient',
      zh: '查询门诊结算及结算单',
      summary: 'A settlement and its slip',
      status: 200,
      response: 'settlement.response',
      params: ['setl_id'],
    },
  },
  '/v1/settlements/{setl_id}/cancel': {
    post: {
      id: 'cancelSettlement',
      tag: 'outpatient',
      zh: '门诊结算撤销（2208），仅一次',
      summary: 'Cancel a settlement (2208), at most once',
      infno: '2208',
      body: 'settlement-cancel.request',
      status: 200,
      response: 'settlement-cancel.response',
      params: ['setl_id'],
    },
  },
};
