import { type Request, type Response, Router } from 'express';
import type { AuditEntry } from '../store/store.js';
import type { AppDeps } from './deps.js';
import { reconMoneyView } from '../engine/reconciliation/money-view.js';
import { apiBody, auditActor, handle as handleRaw } from './handler.js';
import type { Ops } from './openapi.js';

/**
 * Reconciliation with the platform (对账, issue 12) in the staff console: a day's run on demand,
 * the day's and the month's reports (JSON, and CSV for the hospital's 申报), the open days and the
 * month-close warning, the actions on a day's work items, and the month's close. Every action and
 * every report taken away is audited.
 */
/** Every JSON answer of these routes: the documents' amounts as numbers with two decimals. */
const handle = (status: number, fn: (req: Request) => Promise<unknown>) => handleRaw(status, async (req) => reconMoneyView(await fn(req)));

export function reconciliationRoutes(d: AppDeps) {
  const r = Router({ caseSensitive: true });
  const body = apiBody(d.schemas);
  const rec = d.reconciliation;
  const who = (req: Request) => req.client?.id ?? 'anonymous';
  const audit = (req: Request, e: Omit<AuditEntry, 'at' | 'actor' | 'role' | 'request_id'>) =>
    d.store.appendAudit({ at: d.clock.now().toISOString(), ...auditActor(req), request_id: req.id, ...e });
  const day = (req: Request) => req.params.day as string;
  const month = (req: Request) => req.params.month as string;
  const id = (req: Request) => req.params.id as string;

  r.get(
    '/console/reconciliation',
    handle(200, async () => rec.overview()),
  );
  r.get(
    '/console/reconciliation/days/:day',
    handle(200, async (req) => rec.day(day(req))),
  );
  r.get(
    '/console/reconciliation/days/:day/report.csv',
    csv(async (req) => {
      const text = await rec.dayCsv(day(req));
      await audit(req, { action: 'reconciliation_report', targets: [`day:${day(req)}`] });
      return { name: `reconciliation-${day(req)}.csv`, text };
    }),
  );
  r.post(
    '/console/reconciliation/days/:day/run',
    handle(202, async (req) => {
      const out = await rec.run(day(req), who(req));
      await audit(req, { action: 'reconciliation_run', targets: [`day:${day(req)}`] });
      return out;
    }),
  );
  r.post(
    '/console/reconciliation/days/:day/differences/:id/reverse',
    handle(202, async (req) => {
      const out = await rec.reverse(day(req), id(req), who(req));
      await audit(req, {
        action: 'reconciliation_reverse',
        targets: [`day:${day(req)}`, id(req), ...(out.journal ? [out.journal.transaction_id] : [])],
      });
      return out;
    }),
  );
  r.post(
    '/console/reconciliation/days/:day/differences/:id/adopt',
    handle(200, async (req) => {
      const b = body<{ reason: string; insutype?: string }>('recon-adopt.request', req.body);
      const out = await rec.adopt(day(req), id(req), who(req), b.reason, b.insutype);
      await audit(req, { action: 'reconciliation_adopt', targets: [`day:${day(req)}`, id(req)], reason: b.reason });
      return out;
    }),
  );
  r.post(
    '/console/reconciliation/days/:day/differences/:id/close',
    handle(200, async (req) => {
      const b = body<{ reason: string }>('recon-close.request', req.body);
      const out = await rec.close(day(req), id(req), who(req), b.reason);
      await audit(req, { action: 'reconciliation_close_difference', targets: [`day:${day(req)}`, id(req)], reason: b.reason });
      return out;
    }),
  );
  r.get(
    '/console/reconciliation/months/:month',
    handle(200, async (req) => rec.month(month(req))),
  );
  r.get(
    '/console/reconciliation/months/:month/report.csv',
    csv(async (req) => {
      const text = await rec.monthCsv(month(req));
      await audit(req, { action: 'reconciliation_report', targets: [`month:${month(req)}`] });
      return { name: `reconciliation-${month(req)}.csv`, text };
    }),
  );
  r.post(
    '/console/reconciliation/months/:month/close',
    handle(200, async (req) => {
      const out = await rec.closeMonth(month(req), who(req));
      await audit(req, { action: 'reconciliation_close_month', targets: [`month:${month(req)}`] });
      return out;
    }),
  );
  return r;
}

/** A CSV download (text/csv, UTF-8 with a BOM); errors leave through the catalog's error handler. */
function csv(fn: (req: Request) => Promise<{ name: string; text: string }>) {
  return (req: Request, res: Response, next: (e?: unknown) => void) => {
    fn(req).then(({ name, text }) => {
      res.status(200).type('text/csv; charset=utf-8').setHeader('content-disposition', `attachment; filename="${name}"`);
      res.send(text);
    }, next);
  };
}

export const reconciliationOps: Ops = {
  '/v1/console/reconciliation': {
    get: {
      id: 'getReconciliationOverview',
      tag: 'reconciliation',
      zh: '对账概况：本月与上月的未对平日期、差异及关账提醒（江苏第四十三条）',
      response: 'recon-overview.response',
      summary:
        'Reconciliation (对账) overview: this month and the last — open days, open differences, the close warning (from the 1st; overdue after RECON_CLOSE_BY_DAY, JS 43)',
      status: 200,
    },
  },
  '/v1/console/reconciliation/days/{day}': {
    get: {
      id: 'getReconciliationDay',
      tag: 'reconciliation',
      zh: '某日对账：分组汇总、差异及处理、执行记录',
      response: 'recon-day.response',
      summary:
        "A day's reconciliation: status, groups (3201 per insutype × clr_type × setl_optins) with counts and sums per fund, the differences and how each was resolved, the runs",
      status: 200,
      params: ['day'],
    },
  },
  '/v1/console/reconciliation/days/{day}/report.csv': {
    get: {
      id: 'getReconciliationDayReport',
      tag: 'reconciliation',
      zh: '某日对账报表 CSV',
      response: 'text',
      produces: 'text/csv',
      summary: "The day's report as CSV (text/csv)",
      status: 200,
      params: ['day'],
    },
  },
  '/v1/console/reconciliation/days/{day}/run': {
    post: {
      id: 'runReconciliationDay',
      tag: 'reconciliation',
      zh: '立即执行某日对账（3201，不平时 9101 + 3202 + 9102）',
      response: 'recon-day.response',
      summary: 'Run the day now (3201, and where a group is not 对平 9101 + 3202 + 9102); 409 while a run of it is in progress anywhere',
      infno: '3201',
      status: 202,
      params: ['day'],
    },
  },
  '/v1/console/reconciliation/days/{day}/differences/{id}/reverse': {
    post: {
      id: 'reverseReconciliationDifference',
      tag: 'reconciliation',
      zh: '冲正（2601）平台有而网关无的记账',
      response: 'recon-difference.response',
      summary: 'Reverse (2601) a booking the platform holds and the gateway lacks, found in the journal by its msgid',
      infno: '2601',
      status: 202,
      params: ['day', 'id'],
    },
  },
  '/v1/console/reconciliation/days/{day}/differences/{id}/adopt': {
    post: {
      id: 'adoptReconciliationDifference',
      tag: 'reconciliation',
      zh: '将平台有而网关无的记账认定为本院交易',
      response: 'recon-difference.response',
      summary: "Adopt such a booking as the hospital's: counted on the gateway's side from the next run on",
      body: 'recon-adopt.request',
      status: 200,
      params: ['day', 'id'],
    },
  },
  '/v1/console/reconciliation/days/{day}/differences/{id}/close': {
    post: {
      id: 'closeReconciliationDifference',
      tag: 'reconciliation',
      zh: '关闭对账差异（须注明原因）',
      response: 'recon-difference.response',
      summary: 'Close a difference (work item) with a reason',
      body: 'recon-close.request',
      status: 200,
      params: ['day', 'id'],
    },
  },
  '/v1/console/reconciliation/months/{month}': {
    get: {
      id: 'getReconciliationMonth',
      tag: 'reconciliation',
      zh: '某月对账：每日情况、未对平日期、是否关账',
      response: 'recon-month.response',
      summary: "A month's reconciliation: every day's line, the open days, closed or not, the warning",
      status: 200,
      params: ['month'],
    },
  },
  '/v1/console/reconciliation/months/{month}/report.csv': {
    get: {
      id: 'getReconciliationMonthReport',
      tag: 'reconciliation',
      zh: '某月对账报表 CSV',
      response: 'text',
      produces: 'text/csv',
      summary: "The month's report as CSV (text/csv)",
      status: 200,
      params: ['month'],
    },
  },
  '/v1/console/reconciliation/months/{month}/close': {
    post: {
      id: 'closeReconciliationMonth',
      tag: 'reconciliation',
      zh: '月度关账：仅当该月每日均已对平',
      response: 'recon-month.response',
      summary: 'Close the month: only when every one of its days balanced (409 GW_BIZ_RECON_MONTH_OPEN lists the open days)',
      status: 200,
      params: ['month'],
    },
  },
};
