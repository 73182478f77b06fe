import { Router } from 'express';
import type { FeesCancelRequest } from '../generated/api/fees-cancel.request.js';
import type { FeesUploadRequest } from '../generated/api/fees-upload.request.js';
import type { SettlementCancelRequest } from '../generated/api/settlement-cancel.request.js';
import type { SettlementRequest } from '../generated/api/settlement.request.js';
import type { VisitCreateRequest } from '../generated/api/visit-create.request.js';
import type { VisitDiagnosesRequest } from '../generated/api/visit-diagnoses.request.js';
import type { AppDeps } from './app.js';
import { handle, meta } from './handler.js';
import { slipView } from './slip-view.js';

/** Outpatient direct settlement, named for what the counter does. */
export function outpatientRoutes(d: AppDeps) {
  const r = Router();
  const o = d.outpatient;
  const body = <T>(name: string, b: unknown) => d.schemas.checkApi<T>(name, b ?? {});

  r.post('/outpatient/visits', handle(201, async (req) => o.register(body<VisitCreateRequest>('visit-create.request', req.body), meta(req))));
  r.get('/outpatient/visits/:id', handle(200, async (req) => o.get(req.params.id as string)));
  r.post('/outpatient/visits/:id/cancel', handle(200, async (req) => o.cancelRegistration(req.params.id as string, meta(req))));
  r.post(
    '/outpatient/visits/:id/diagnoses',
    handle(200, async (req) => o.diagnose(req.params.id as string, body<VisitDiagnosesRequest>('visit-diagnoses.request', req.body), meta(req))),
  );
  r.post('/outpatient/visits/:id/fees', handle(201, async (req) => o.uploadFees(req.params.id as string, body<FeesUploadRequest>('fees-upload.request', req.body), meta(req))));
  r.post(
    '/outpatient/visits/:id/fees/cancel',
    handle(200, async (req) => o.cancelFees(req.params.id as string, body<FeesCancelRequest>('fees-cancel.request', req.body).chrg_bchno, meta(req))),
  );
  r.post(
    '/outpatient/visits/:id/pre-settlement',
    handle(200, async (req) => {
      const res = await o.preSettle(req.params.id as string, body<SettlementRequest>('settlement.request', req.body), meta(req));
      return { ...res, slip: slipView(res.slip) };
    }),
  );
  r.post(
    '/outpatient/visits/:id/settlement',
    handle(201, async (req) => {
      const res = await o.settle(req.params.id as string, body<SettlementRequest>('settlement.request', req.body), meta(req));
      return { ...res, slip: slipView(res.slip) };
    }),
  );
  r.post(
    '/settlements/:setl_id/cancel',
    handle(200, async (req) => {
      const b = body<SettlementCancelRequest>('settlement-cancel.request', req.body);
      const res = await o.cancelSettlement(req.params.setl_id as string, b.reason, meta(req));
      return { ...res, slip: slipView(res.slip) };
    }),
  );
  r.get(
    '/settlements/:setl_id',
    handle(200, async (req) => {
      const s = await o.settlement(req.params.setl_id as string);
      return { ...s, slip: slipView(s.slip), cancellation: s.cancellation ? { ...s.cancellation, slip: slipView(s.cancellation.slip) } : undefined };
    }),
  );
  return r;
}
