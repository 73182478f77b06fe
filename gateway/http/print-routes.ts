import { type NextFunction, type Request, type Response, Router } from 'express';
import { GatewayError } from '../errors/errors.js';
import {
  cancellationPrint,
  type PrintContext,
  type PrintDoc,
  refundPrint,
  salePrint,
  stayPrint,
  visitPrint,
} from '../engine/print-sources.js';
import type { AppDeps } from './deps.js';
import type { Op, Ops } from './openapi.js';
import { PAPERS, type Paper, printHtml } from './slip-print-view.js';

/**
 * Printable slips (打印结算单, issue 14 point 8): each settlement and each cancellation or refund as a
 * print-ready Chinese page (`?paper=a4`, the default, or `receipt` for an 80 mm roll), rendered from
 * what the gateway journaled — never recomputed, never a platform call. A print sits under the
 * resource it prints, so it takes that resource's roles (gateway/auth/access.ts): the HIS (and
 * admin) for visits, stays, settlements and refunds; the pharmacy's POS and the HIS for pharmacy
 * settlements. The page carries the patient's name (it is their document) and the ID number masked.
 */
export function printRoutes(d: AppDeps) {
  const r = Router({ caseSensitive: true });
  const ctx: PrintContext = {
    hospital: { ...d.inpatient.hospital, hospital_level: d.print?.hospitalLevel },
    codes: (t) => d.schemas.codes.get(t),
  };
  const p = (req: Request, name: string) => req.params[name] as string;

  r.get(
    '/outpatient/visits/:id/settlement/print',
    page(async (req) => visitPrint(ctx, await d.outpatient.record(p(req, 'id')))),
  );
  r.get(
    '/settlements/:setl_id/cancellation/print',
    page(async (req) => {
      const { visit_id } = await d.outpatient.settlement(p(req, 'setl_id'));
      return cancellationPrint(ctx, await d.outpatient.record(visit_id), p(req, 'setl_id'));
    }),
  );
  r.get(
    '/inpatient/admissions/:id/settlement/print',
    page(async (req) => stayPrint(ctx, await d.inpatient.record(p(req, 'id')))),
  );
  r.get(
    '/inpatient/settlements/:setl_id/cancellation/print',
    page(async (req) => {
      const { admission_id } = await d.inpatient.settlement(p(req, 'setl_id'));
      return cancellationPrint(ctx, await d.inpatient.record(admission_id), p(req, 'setl_id'));
    }),
  );
  const sale = async (setl_id: string) => {
    const { sale_id } = await d.pharmacy.settlement(setl_id);
    const s = await d.pharmacy.load(sale_id);
    if (!s) throw new GatewayError('GW_BIZ_SETTLEMENT_NOT_FOUND', { details: { setl_id } });
    return s;
  };
  r.get(
    '/pharmacy/settlements/:setl_id/print',
    page(async (req) => salePrint(ctx, await sale(p(req, 'setl_id')), p(req, 'setl_id'))),
  );
  r.get(
    '/pharmacy/settlements/:setl_id/cancellation/print',
    page(async (req) => cancellationPrint(ctx, await sale(p(req, 'setl_id')), p(req, 'setl_id'))),
  );
  r.get(
    '/refunds/:refund_id/print',
    page(async (req) => {
      const { op, encounter } = await d.refunds.record(p(req, 'refund_id'));
      return refundPrint(ctx, op, encounter);
    }),
  );
  return r;
}

/** `?paper=`: a4 (default) or receipt; anything else is a 400 naming the value. */
function paperOf(req: Request): Paper {
  const v = req.query.paper;
  if (v === undefined) return 'a4';
  if (typeof v === 'string' && (PAPERS as readonly string[]).includes(v)) return v as Paper;
  throw new GatewayError('GW_VAL_PRINT_PAPER', { details: { paper: typeof v === 'string' ? v : JSON.stringify(v), allowed: PAPERS } });
}

/** The document as a page: text/html, no cache (it names the patient), nothing it may fetch. */
function page(build: (req: Request) => Promise<PrintDoc>) {
  return (req: Request, res: Response, next: NextFunction) => {
    req.log?.debug({ step: 'route', method: req.method, route: `${req.baseUrl}${req.route?.path ?? ''}` }, 'request step: route');
    Promise.resolve()
      .then(async () => {
        const paper = paperOf(req);
        const html = printHtml(await build(req), paper);
        res
          .status(200)
          .type('text/html; charset=utf-8')
          .setHeader('cache-control', 'no-store')
          .setHeader('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'");
        res.send(html);
      })
      .catch(next);
  };
}

const PAPER_PARAM = {
  name: 'paper',
  description: 'a4 (default): A4, one sheet per page; receipt: an 80 mm receipt roll',
  schema: { type: 'string', enum: [...PAPERS], default: 'a4' },
};

const print = (id: string, tag: Op['tag'], zh: string, summary: string, params: string[]): Record<string, Op> => ({
  get: { id, tag, zh, summary, response: 'text', produces: 'text/html', status: 200, params, query: [PAPER_PARAM] },
});

const PAPER_NOTE =
  '?paper=a4 (default: A4, one sheet per page) or ?paper=receipt (80 mm roll). A Chinese, self-contained page (inline CSS, no fetches) from the journaled slip; the patient name printed, the ID number masked. 409 GW_BIZ_PRINT_NOT_SETTLED / GW_BIZ_PRINT_NOT_CANCELLED when there is nothing to print, GW_BIZ_PRINT_OUTCOME_UNKNOWN while an outcome is unknown';

export const printOps: Ops = {
  '/v1/outpatient/visits/{id}/settlement/print': print(
    'printVisitSettlement',
    'outpatient',
    '打印门诊结算单（HTML，A4 或 80mm 小票）',
    `The visit's standing settlement slip as a printable page. ${PAPER_NOTE}`,
    ['id'],
  ),
  '/v1/settlements/{setl_id}/cancellation/print': print(
    'printSettlementCancellation',
    'refunds',
    '打印门诊结算撤销（全额退费）单（HTML）',
    `The cancellation (2208: a cancel or a whole refund) of an outpatient settlement as a printable page. ${PAPER_NOTE}`,
    ['setl_id'],
  ),
  '/v1/inpatient/admissions/{id}/settlement/print': print(
    'printAdmissionSettlement',
    'inpatient',
    '打印住院结算单（江苏附件9；参保地辽宁另附医疗费用汇总单）（HTML）',
    `The stay's discharge (else latest) settlement slip as a printable page, laid out as the insured province's annex (JS 40 annex 9; LN 19 annex 5 with the annex 6 fee summary sheet). ${PAPER_NOTE}`,
    ['id'],
  ),
  '/v1/inpatient/settlements/{setl_id}/cancellation/print': print(
    'printInpatientCancellation',
    'inpatient',
    '打印住院结算撤销（召回）单（HTML）',
    `The cancellation (2305, 召回) of an inpatient settlement as a printable page. ${PAPER_NOTE}`,
    ['setl_id'],
  ),
  '/v1/pharmacy/settlements/{setl_id}/print': print(
    'printPharmacySettlement',
    'pharmacy',
    '打印药店购药结算单（HTML）',
    `A pharmacy settlement's slip (2102) as a printable page, marked if since cancelled. ${PAPER_NOTE}`,
    ['setl_id'],
  ),
  '/v1/pharmacy/settlements/{setl_id}/cancellation/print': print(
    'printPharmacyCancellation',
    'pharmacy',
    '打印药店结算撤销（退费）单（HTML）',
    `The cancellation (2103) of a pharmacy settlement as a printable page. ${PAPER_NOTE}`,
    ['setl_id'],
  ),
  '/v1/refunds/{refund_id}/print': print(
    'printRefund',
    'refunds',
    '打印部分退费单：撤销、保留明细重新结算、退还金额（HTML）',
    `A partial refund once definite: the cancellation, the re-settlement of the kept lines, and the money back, as a printable page. ${PAPER_NOTE}`,
    ['refund_id'],
  ),
};
