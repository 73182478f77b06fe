import { Router, type Request, type Response, type NextFunction } from 'express';
import type { Ops } from './openapi.js';
import type { InpatientAdmissionChangeRequest } from '../generated/api/inpatient-admission-change.request.js';
import type { InpatientAdmissionRequest } from '../generated/api/inpatient-admission.request.js';
import type { InpatientDischargeRequest } from '../generated/api/inpatient-discharge.request.js';
import type { InpatientFeesCancelRequest } from '../generated/api/inpatient-fees-cancel.request.js';
import type { InpatientFeesRequest } from '../generated/api/inpatient-fees.request.js';
import type { InpatientSettlementRequest } from '../generated/api/inpatient-settlement.request.js';
import type { InpatientTraumaCommitmentRequest } from '../generated/api/inpatient-trauma-commitment.request.js';
import type { OutsideFormRequest } from '../generated/api/outside-form.request.js';
import type { OutsideFormVoidRequest } from '../generated/api/outside-form-void.request.js';
import type { SettlementCancelRequest } from '../generated/api/settlement-cancel.request.js';
import type { AppDeps } from './deps.js';
import { apiBody, handle, meta } from './handler.js';
import { outsideFormHtml } from './outside-form-view.js';
import { settlementView, withSlip } from './slip-view.js';

/**
 * Inpatient direct settlement, named for what the ward and the counter do. Recall has its own
 * resource (/v1/inpatient/settlements/{setl_id}/cancel, 2305): its rule differs from the
 * outpatient refund's (only the latest settlement of a stay, LN 54), and so does its infno.
 */
export function inpatientRoutes(d: AppDeps) {
  const r = Router({ caseSensitive: true });
  const s = d.inpatient;
  const body = apiBody(d.schemas);
  const id = (req: Request) => req.params.id as string;

  r.post(
    '/inpatient/admissions',
    handle(201, 'admission-step.response', async (req) =>
      s.admit(body<InpatientAdmissionRequest>('inpatient-admission.request', req.body), meta(req)),
    ),
  );
  r.get(
    '/inpatient/admissions/:id',
    handle(200, 'admission.response', async (req) => s.get(id(req))),
  );
  r.post(
    '/inpatient/admissions/:id/change',
    handle(200, 'admission-step.response', async (req) =>
      s.change(id(req), body<InpatientAdmissionChangeRequest>('inpatient-admission-change.request', req.body), meta(req)),
    ),
  );
  r.post(
    '/inpatient/admissions/:id/cancel',
    handle(200, 'admission-step.response', async (req) => s.cancel(id(req), meta(req))),
  );
  r.post(
    '/inpatient/admissions/:id/fees',
    handle(201, 'inpatient-fees.response', async (req) =>
      s.uploadFees(id(req), body<InpatientFeesRequest>('inpatient-fees.request', req.body), meta(req)),
    ),
  );
  r.post(
    '/inpatient/admissions/:id/fees/cancel',
    handle(200, 'admission-step.response', async (req) =>
      s.cancelFees(id(req), body<InpatientFeesCancelRequest>('inpatient-fees-cancel.request', req.body).feedetl_sn, meta(req)),
    ),
  );
  r.post(
    '/inpatient/admissions/:id/trauma-commitment',
    handle(200, 'trauma-commitment.response', async (req) =>
      s.recordCommitment(id(req), body<InpatientTraumaCommitmentRequest>('inpatient-trauma-commitment.request', req.body)),
    ),
  );
  r.post(
    '/inpatient/admissions/:id/outside-forms',
    handle(201, 'outside-form.response', async (req) =>
      s.createForm(id(req), body<OutsideFormRequest>('outside-form.request', req.body), meta(req)),
    ),
  );
  r.get(
    '/inpatient/admissions/:id/outside-forms',
    handle(200, 'outside-forms.response', async (req) => s.listForms(id(req))),
  );
  r.post(
    '/inpatient/admissions/:id/outside-forms/:form_id/void',
    handle(200, 'outside-form-void.response', async (req) =>
      s.voidForm(
        id(req),
        req.params.form_id as string,
        body<OutsideFormVoidRequest>('outside-form-void.request', req.body).reason,
        meta(req),
      ),
    ),
  );
  r.get('/inpatient/admissions/:id/outside-forms/:form_id/print', (req: Request, res: Response, next: NextFunction) => {
    s.form(id(req), req.params.form_id as string).then(({ admission, form, lines }) => {
      res
        .status(200)
        .type('text/html; charset=utf-8')
        .setHeader('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'");
      res.send(
        outsideFormHtml(admission, form, lines, (t) => d.schemas.codes.get(t), s.hospital.fixmedins_name, s.hospital.mdtrtarea_admvs),
      );
    }, next);
  });
  r.post(
    '/inpatient/admissions/:id/discharge',
    handle(200, 'admission-step.response', async (req) =>
      s.discharge(id(req), body<InpatientDischargeRequest>('inpatient-discharge.request', req.body), meta(req)),
    ),
  );
  r.post(
    '/inpatient/admissions/:id/discharge/cancel',
    handle(200, 'admission-step.response', async (req) => s.cancelDischarge(id(req), meta(req))),
  );
  r.post(
    '/inpatient/admissions/:id/pre-settlement',
    handle(200, 'inpatient-quote.response', async (req) =>
      withSlip(await s.preSettle(id(req), body<InpatientSettlementRequest>('inpatient-settlement.request', req.body), meta(req))),
    ),
  );
  r.post(
    '/inpatient/admissions/:id/settlement',
    handle(201, 'inpatient-settlement.response', async (req) =>
      withSlip(await s.settle(id(req), body<InpatientSettlementRequest>('inpatient-settlement.request', req.body), meta(req))),
    ),
  );
  r.post(
    '/inpatient/settlements/:setl_id/cancel',
    handle(200, 'settlement-cancel.response', async (req) =>
      withSlip(
        await s.cancelSettlement(
          req.params.setl_id as string,
          body<SettlementCancelRequest>('settlement-cancel.request', req.body).reason,
          meta(req),
        ),
      ),
    ),
  );
  r.get(
    '/inpatient/settlements/:setl_id',
    handle(200, 'inpatient-settlement-view.response', async (req) => settlementView(await s.settlement(req.params.setl_id as string))),
  );
  // staff (another module maps /v1/audit to the staff role)
  r.get(
    '/audit/inpatient-settlements',
    handle(200, 'audit-settlements.response', async (req) =>
      s.auditList(typeof req.query.status === 'string' ? req.query.status : undefined),
    ),
  );
  return r;
}

const P = '/v1/inpatient/admissions/{id}';
export const inpatientOps: Ops = {
  '/v1/inpatient/admissions': {
    post: {
      id: 'admit',
      tag: 'inpatient',
      zh: '入院办理（1101 + 2401），须报外伤、第三方及急诊标志',
      response: 'admission-step.response',
      summary:
        'Admit (1101 + 2401); trum_flag, rel_ttp_flag and emergency (住院类型 急诊) are required, emergency true with its emergency_criterion (LN 22)',
      infno: '2401',
      body: 'inpatient-admission.request',
      status: 201,
    },
  },
  [P]: {
    get: {
      id: 'getAdmission',
      tag: 'inpatient',
      zh: '查询住院及其状态',
      response: 'admission.response',
      summary: 'An admission and its state',
      status: 200,
      params: ['id'],
    },
  },
  [`${P}/change`]: {
    post: {
      id: 'changeAdmission',
      tag: 'inpatient',
      zh: '入院信息变更（2403）',
      response: 'admission-step.response',
      summary: 'Change the admission (2403)',
      infno: '2403',
      body: 'inpatient-admission-change.request',
      status: 200,
      params: ['id'],
    },
  },
  [`${P}/cancel`]: {
    post: {
      id: 'cancelAdmission',
      tag: 'inpatient',
      zh: '入院撤销（2404）：出院后或有有效结算时不可撤销',
      response: 'admission-step.response',
      summary: 'Cancel the admission (2404); not after discharge or with a live settlement',
      infno: '2404',
      status: 200,
      params: ['id'],
    },
  },
  [`${P}/fees`]: {
    post: {
      id: 'uploadAdmissionFees',
      tag: 'inpatient',
      zh: '上传住院费用明细（2301），返回每条明细的平台分类',
      response: 'inpatient-fees.response',
      summary: 'Upload fee lines (2301); returns the platform classification of each line',
      infno: '2301',
      body: 'inpatient-fees.request',
      status: 201,
      params: ['id'],
    },
  },
  [`${P}/fees/cancel`]: {
    post: {
      id: 'cancelAdmissionFees',
      tag: 'inpatient',
      zh: '撤销未结算的住院费用明细（2302），"0000" 为全部',
      response: 'admission-step.response',
      summary: 'Cancel an unsettled fee line (2302); "0000" = all',
      infno: '2302',
      body: 'inpatient-fees-cancel.request',
      status: 200,
      params: ['id'],
    },
  },
  [`${P}/trauma-commitment`]: {
    post: {
      id: 'recordTraumaCommitment',
      tag: 'inpatient',
      zh: '登记《外伤无第三方责任承诺书》，返回尚缺项目',
      response: 'trauma-commitment.response',
      summary:
        "Record the 外伤无第三方责任承诺书 (or part of it: JS annex 7, HN annex 3); refuses wrong fields (phone, the signer's ID number), says which are still missing",
      body: 'inpatient-trauma-commitment.request',
      status: 200,
      params: ['id'],
    },
  },
  [`${P}/outside-forms`]: {
    post: {
      id: 'issueOutsideForm',
      tag: 'inpatient',
      zh: '开具住院期间外院检查治疗或定点药店购药单，其明细带外检标志上传（2301）',
      response: 'outside-form.response',
      summary:
        "Issue an outside-hospital test / pharmacy purchase form under the treatment area's annex (JS 39, HN 57, LN 44); every line inside the stay and not before the form's date; the patient is the 1101 person; its lines go up with etip_flag (2301)",
      infno: '2301',
      body: 'outside-form.request',
      status: 201,
      params: ['id'],
    },
    get: {
      id: 'listOutsideForms',
      tag: 'inpatient',
      zh: '查询本次住院的外院检查治疗或购药单',
      response: 'outside-forms.response',
      summary: "The admission's outside-purchase forms",
      status: 200,
      params: ['id'],
    },
  },
  [`${P}/outside-forms/{form_id}/void`]: {
    post: {
      id: 'voidOutsideForm',
      tag: 'inpatient',
      zh: '作废外院检查治疗或购药单，其明细逐条撤销（2302）',
      response: 'outside-form-void.response',
      summary: 'Void a form: its lines are cancelled (2302 each)',
      infno: '2302',
      body: 'outside-form-void.request',
      status: 200,
      params: ['id', 'form_id'],
    },
  },
  [`${P}/outside-forms/{form_id}/print`]: {
    get: {
      id: 'printOutsideForm',
      tag: 'inpatient',
      zh: '打印外院检查治疗或购药单（HTML）',
      response: 'text',
      produces: 'text/html',
      summary: 'The form as a printable page (text/html)',
      status: 200,
      params: ['id', 'form_id'],
    },
  },
  [`${P}/discharge`]: {
    post: {
      id: 'discharge',
      tag: 'inpatient',
      zh: '出院办理（2402）',
      response: 'admission-step.response',
      summary: 'Discharge (2402)',
      infno: '2402',
      body: 'inpatient-discharge.request',
      status: 200,
      params: ['id'],
    },
  },
  [`${P}/discharge/cancel`]: {
    post: {
      id: 'cancelDischarge',
      tag: 'inpatient',
      zh: '出院撤销（2405）：出院结算后不可撤销',
      response: 'admission-step.response',
      summary: 'Cancel the discharge (2405); not after the discharge settlement',
      infno: '2405',
      status: 200,
      params: ['id'],
    },
  },
  [`${P}/pre-settlement`]: {
    post: {
      id: 'preSettleAdmission',
      tag: 'inpatient',
      zh: '住院预结算（2303），不记账；出院预结算重新核验备案（1101）',
      summary: 'Pre-settlement quote (2303): nothing is booked; the discharge quote re-checks filing (1101)',
      infno: '2303',
      body: 'inpatient-settlement.request',
      status: 200,
      response: 'inpatient-quote.response',
      params: ['id'],
    },
  },
  [`${P}/settlement`]: {
    post: {
      id: 'settleAdmission',
      tag: 'inpatient',
      zh: '住院结算（2304）：中途结算或出院结算；3万元及以上标记费用协查',
      summary: 'Settle (2304): mid-stay (mid_setl_flag 1) or at discharge (0, after 1101 re-check); ≥ 30,000 yuan is marked for audit',
      infno: '2304',
      body: 'inpatient-settlement.request',
      status: 201,
      response: 'inpatient-settlement.response',
      params: ['id'],
    },
  },
  '/v1/inpatient/settlements/{setl_id}': {
    get: {
      id: 'getInpatientSettlement',
      tag: 'inpatient',
      zh: '查询住院结算及结算单',
      response: 'inpatient-settlement-view.response',
      summary: 'An inpatient settlement and its slip',
      status: 200,
      params: ['setl_id'],
    },
  },
  '/v1/inpatient/settlements/{setl_id}/cancel': {
    post: {
      id: 'cancelInpatientSettlement',
      tag: 'inpatient',
      zh: '住院结算召回（2305，召回重结）：仅本次住院最近一次结算（不得隔次召回，辽宁第五十四条）',
      summary: 'Recall a settlement (2305, 召回重结): only the latest of the stay (no 隔次召回, LN 54)',
      infno: '2305',
      body: 'settlement-cancel.request',
      status: 200,
      response: 'settlement-cancel.response',
      params: ['setl_id'],
    },
  },
  '/v1/audit/inpatient-settlements': {
    get: {
      id: 'listAuditSettlements',
      tag: 'inpatient',
      zh: '医保办：3万元及以上的住院结算（费用协查）',
      response: 'audit-settlements.response',
      summary:
        'Staff: settlements of stays ≥ 30,000 yuan marked for 费用协查 (JS 56, HN 76, LN 77), with the fields the insured area may query',
      status: 200,
    },
  },
};
