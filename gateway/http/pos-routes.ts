import { Router } from 'express';
import type { Request } from 'express';
import { basketProblem, basketToPharmacyRequest } from '../../adapters/pos/basket.js';
import { posErrorOf } from '../../adapters/pos/pos-errors.js';
import type { Ops } from './openapi.js';
import { GatewayError } from '../errors/errors.js';
import type { PosBasketRequest } from '../generated/api/pos-basket.request.js';
import type { RefundRequest } from '../generated/api/refund.request.js';
import { saleStatus } from '../engine/settled-status.js';
import type { StoredSlip } from '../engine/visit.js';
import type { AppDeps } from './deps.js';
import { apiBody, handle as handleRaw, meta } from './handler.js';
import { refundView, slipView } from './slip-view.js';
import { Decimal } from 'decimal.js';

/** The receipt a POS request names: in the path, or the basket's. */
const receiptOf = (req: Request): string | undefined =>
  (req.params.receipt_no as string | undefined) ?? (typeof req.body?.receipt_no === 'string' ? req.body.receipt_no : undefined);

/** A POS route: the pharmacy flow's errors reach the POS in its own words (adapters/pos/pos-errors.json). */
const handle = (status: number, fn: (req: Request) => Promise<unknown>) =>
  handleRaw(status, async (req) => {
    try {
      return await fn(req);
    } catch (e) {
      const pos = e instanceof GatewayError ? posErrorOf(e.code, e.details, receiptOf(req)) : undefined;
      if (!pos) throw e;
      throw new GatewayError(pos.code, { details: pos.details, transaction_id: (e as GatewayError).transaction_id, cause: e });
    }
  });

/**
 * The POS API (role pos): a basket in, what to collect out. The POS needs no national field: the
 * basket is mapped by adapters/pos/basket.ts onto the pharmacy flow (1101 + 2101/2102/2103).
 */
export function posRoutes(d: AppDeps) {
  const r = Router({ caseSensitive: true });
  const body = apiBody(d.schemas);
  const basket = (b: unknown) => {
    const x = body<PosBasketRequest>('pos-basket.request', b);
    const problem = basketProblem(x);
    if (problem) throw new GatewayError('GW_POS_TOTAL_MISMATCH', { details: { ...problem, receipt_no: x.receipt_no } });
    return basketToPharmacyRequest(x, localNow(d.clock.now()));
  };

  r.post(
    '/pos/sales/quote',
    handle(200, async (req) => {
      const res = await d.pharmacy.preSettle(basket(req.body), meta(req));
      return { receipt_no: res.sale_no, transaction_id: res.transaction_id, collect: collect(res.slip), slip: slipView(res.slip) };
    }),
  );
  r.post(
    '/pos/sales',
    handle(201, async (req) => {
      const res = await d.pharmacy.settle(basket(req.body), meta(req));
      return {
        receipt_no: res.sale_no,
        setl_id: res.setl_id,
        transaction_id: res.transaction_id,
        line_ids: res.lines.map((l) => l.feedetl_sn),
        collect: collect(res.slip),
        slip: slipView(res.slip),
      };
    }),
  );
  r.get(
    '/pos/sales/:receipt_no',
    handle(200, async (req) => {
      const s = await d.pharmacy.bySaleNo(req.params.receipt_no as string);
      return {
        receipt_no: s.sale_no,
        status: saleStatus(s.status, s.settlements),
        settlements: s.settlements.map((x) => ({
          setl_id: x.setl_id,
          status: x.status,
          line_ids: x.feedetl_sns,
          cancel_setl_id: x.cancellation?.setl_id,
        })),
      };
    }),
  );
  r.post(
    '/pos/sales/:receipt_no/refund',
    handle(200, async (req) => {
      const b = body<RefundRequest>('refund.request', req.body);
      const s = await d.pharmacy.bySaleNo(req.params.receipt_no as string);
      const live = s.settlements.find((x) => x.status === 'booked');
      if (!live)
        throw new GatewayError('GW_POS_SALE_ALREADY_REFUNDED', {
          details: { receipt_no: s.sale_no, status: saleStatus(s.status, s.settlements) },
        });
      return { receipt_no: s.sale_no, ...refundView(await d.refunds.refund(live.setl_id, b, meta(req))) };
    }),
  );
  return r;
}

/** What the cashier collects: the person's cash part, what the account and the funds pay. */
function collect(slip: StoredSlip) {
  const a = (k: string) => new Decimal(slip.amounts[k] ?? 0);
  return { total: a('medfee_sumamt'), funds_pay: a('fund_pay_sumamt'), account_pays: a('acct_pay'), cash_to_collect: a('psn_cash_pay') };
}

/** yyyy-MM-dd HH:mm:ss in China Standard Time (the hospital's clock), whatever the host TZ. */
function localNow(now: Date) {
  const iso = new Date(now.getTime() + 8 * 3600_000).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
}

export const posOps: Ops = {
  '/v1/pos/sales/quote': {
    post: {
      id: 'quotePosSale',
      tag: 'pos',
      zh: '收银试算（1101 + 2101）：基金、个人账户与现金各付多少',
      response: 'pos-quote.response',
      summary: 'POS basket quote (1101 + 2101): what the funds, the account and the cashier would take',
      infno: '2101',
      body: 'pos-basket.request',
      status: 200,
    },
  },
  '/v1/pos/sales': {
    post: {
      id: 'settlePosSale',
      tag: 'pos',
      zh: '收银结算（1101 + 2102），每个小票号一次',
      response: 'pos-sale.response',
      summary: 'POS basket sale (1101 + 2102): settles the basket; one per receipt_no',
      infno: '2102',
      body: 'pos-basket.request',
      status: 201,
    },
  },
  '/v1/pos/sales/{receipt_no}': {
    get: {
      id: 'getPosSale',
      tag: 'pos',
      zh: '查询收银销售及其结算',
      response: 'pos-sale-view.response',
      summary: 'A POS sale and its settlements',
      status: 200,
      params: ['receipt_no'],
    },
  },
  '/v1/pos/sales/{receipt_no}/refund': {
    post: {
      id: 'refundPosSale',
      tag: 'pos',
      zh: '收银退货退费，全部或部分明细（2103，保留的明细再 2102）',
      response: 'pos-refund.response',
      summary: 'Refund the sale, whole or some line_ids (2103, then 2102 for the kept lines)',
      infno: '2103',
      body: 'refund.request',
      status: 200,
      params: ['receipt_no'],
    },
  },
};
