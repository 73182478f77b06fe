import { Router } from 'express';
import { Decimal } from 'decimal.js';
import { GatewayError } from '../errors/errors.js';
import type { SelfPayUploadRequest } from '../generated/api/self-pay-upload.request.js';
import { round2, sumOf } from '../engine/money.js';
import { SELF_PAY_QUEUE } from '../resilience/store-and-forward.js';
import type { AppDeps } from './deps.js';
import { handle } from './handler.js';
import type { Ops } from './openapi.js';

/**
 * Self-pay data (HN 59, HN 20/53; JL 22, HN 17): the patient could not settle directly and paid in
 * full; the HIS hands the gateway the full self-pay data, naming the visit or stay it belongs to
 * (encounter_id), which is marked first — from then on that visit or stay is never settled directly
 * (a later filing leads to manual reimbursement, 409 GW_BIZ_SELF_PAY_UPLOADED) — and then the data is
 * queued durably and forwarded to the platform in order: at once when it is up, after recovery when
 * it is down. 202: accepted into the queue (not yet delivered); the entry's `seq` and `id` let staff
 * find it. Marked before queued: should the queueing fail, the encounter stays refused for direct
 * settlement (the safe side) and the HIS sends the upload again.
 */
export function selfPayRoutes(d: AppDeps) {
  const r = Router({ caseSensitive: true });
  r.post(
    '/self-pay-uploads',
    handle(202, async (req) => {
      const b = d.schemas.checkApi<SelfPayUploadRequest>('self-pay-upload.request', req.body ?? {});
      const lines = b.lines.map((l) => ({
        feedetl_sn: l.feedetl_sn,
        fee_ocur_time: l.fee_ocur_time,
        med_list_codg: l.med_list_codg,
        medins_list_codg: l.medins_list_codg,
        cnt: new Decimal(l.cnt),
        pric: new Decimal(l.pric),
        det_item_fee_sumamt: round2(new Decimal(l.cnt).times(l.pric)),
      }));
      const total = sumOf(lines.map((l) => l.det_item_fee_sumamt));
      if (!total.eq(new Decimal(b.medfee_sumamt))) {
        throw new GatewayError('GW_VAL_TOTAL_MISMATCH', {
          details: { his_total: new Decimal(b.medfee_sumamt), lines_total: total, lines: lines.length },
        });
      }
      const { lines: _l, insuplc_admdvs, encounter_id, ...head } = b;
      const input = {
        data: {
          ...head,
          medfee_sumamt: new Decimal(b.medfee_sumamt).toNumber(),
          feedetail: lines.map((l) => ({
            ...l,
            cnt: l.cnt.toNumber(),
            pric: l.pric.toNumber(),
            det_item_fee_sumamt: l.det_item_fee_sumamt.toNumber(),
          })),
        },
      };
      const problems = d.schemas.checkPlatform(`${d.resilience.selfPayInfno}.input`, input);
      if (problems.length)
        throw new GatewayError('GW_VAL_PLATFORM_FIELD', { details: { infno: d.resilience.selfPayInfno, errors: problems } });

      // the visit or stay it names: it must exist and be this patient's; marked before anything is queued
      const upload_id = d.resilience.uploads.newId();
      const claim = { psn_no: b.psn_no, ipt_otp_no: b.ipt_otp_no, insuplc_admdvs, mdtrt_id: b.mdtrt_id };
      const kind = (await d.store.getEncounter(encounter_id))?.value.kind;
      let linked: { encounter_id: string; kind: string; mdtrt_id?: string };
      if (kind === 'inpatient') linked = await d.inpatient.markSelfPay(encounter_id, claim, upload_id, req.client?.id);
      else if (kind === 'outpatient') linked = await d.outpatient.markSelfPay(encounter_id, claim, upload_id, req.client?.id);
      else
        throw new GatewayError(encounter_id.startsWith('A') ? 'GW_BIZ_ADMISSION_NOT_FOUND' : 'GW_BIZ_VISIT_NOT_FOUND', {
          message: 'The self-pay upload names no visit or admission of this gateway (encounter_id).',
          message_zh: '自费数据所指的就诊或住院（encounter_id）在本网关不存在',
          details: { encounter_id },
        });

      const e = await d.resilience.uploads.enqueue(SELF_PAY_QUEUE, d.resilience.selfPayInfno, input, {
        id: upload_id,
        insuplc_admdvs,
        keys: { psn_no: b.psn_no, ipt_otp_no: b.ipt_otp_no, mdtrt_id: b.mdtrt_id ?? linked.mdtrt_id, invono: b.invono },
        enqueued_by: req.client?.id,
      });
      return {
        upload_id: e.id,
        seq: e.seq,
        state: e.state,
        created_at: e.created_at,
        encounter_id,
        encounter_kind: linked.kind,
        direct_settlement: 'refused_from_now_on',
      };
    }),
  );
  return r;
}

export const selfPayOps: Ops = {
  '/v1/self-pay-uploads': {
    post: {
      id: 'uploadSelfPay',
      tag: 'self_pay',
      zh: '上传无法直接结算患者的全部自费数据（存储转发），该就诊此后不再直接结算',
      response: 'self-pay-upload.response',
      summary:
        'Queue the full self-pay data of a patient who could not settle directly, naming the visit or stay (encounter_id), which is never settled directly afterwards (JL 22, HN 17; store-and-forward; platform infno unverified)',
      body: 'self-pay-upload.request',
      status: 202,
    },
  },
};
