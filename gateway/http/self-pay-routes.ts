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
 * Self-pay data (HN 59, HN 20/53): the patient could not settle directly and paid in full; the
 * HIS hands the gateway the full self-pay data, which is queued durably and forwarded to the
 * platform in order — at once when it is up, after recovery when it is down. 202: accepted into
 * the queue (not yet delivered); the entry's `seq` and `id` let staff find it.
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
          details: { his_total: new Decimal(b.medfee_sumamt).toFixed(2), lines_total: total.toFixed(2), lines: lines.length },
        });
      }
      const { lines: _l, insuplc_admdvs, ...head } = b;
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
      const e = await d.resilience.uploads.enqueue(SELF_PAY_QUEUE, d.resilience.selfPayInfno, input, {
        insuplc_admdvs,
        keys: { psn_no: b.psn_no, ipt_otp_no: b.ipt_otp_no, mdtrt_id: b.mdtrt_id, invono: b.invono },
        enqueued_by: req.client?.id,
      });
      return { upload_id: e.id, seq: e.seq, state: e.state, created_at: e.created_at };
    }),
  );
  return r;
}

export const selfPayOps: Ops = {
  '/v1/self-pay-uploads': {
    post: {
      summary: 'Queue the full self-pay data of a patient who could not settle directly (store-and-forward; platform infno unverified)',
      body: 'self-pay-upload.request',
      status: 202,
    },
  },
};
