import { admissionStatus, visitStatus } from '../engine/settled-status.js';
import type { SettlementEntry } from '../engine/visit.js';
import { Router, type NextFunction, type Request, type Response } from 'express';
import { catalog, GatewayError } from '../errors/errors.js';
import { callKind } from '../engine/call-kinds.js';
import { SELF_PAY_QUEUE } from '../resilience/store-and-forward.js';
import type {
  AuditEntry,
  BusinessKeys,
  OpenWork,
  Outcome,
  OutboxEntry,
  PersonSearch,
  ResolutionState,
  TransactionQuery,
  TransactionRecord,
} from '../store/store.js';
import type { AppDeps } from './deps.js';
import { auditActor, handle } from './handler.js';
import type { Ops } from './openapi.js';
import { maskStages, staffSummary, summary } from './transaction-routes.js';
import { knownPersonalValues, maskPersonal, maskValue, personalValues, redactText } from '../privacy.js';
import { Decimal } from 'decimal.js';
import { amountOf } from '../store/search-facts.js';
import { type CsvItem, workQueueCsv } from './console-csv.js';
import { CHANNEL_TEXT, type IdentityChannel, type IdentityRefusal, refusalsCsv } from '../engine/identity-refusals.js';
import { criterionText, type EmergencyCriterion } from '../engine/emergency-criteria.js';
import { type SelfPayMark, selfPayView } from '../engine/self-pay-link.js';
import { cursorOf, decodeCursor, openWorkOf } from '../store/query.js';
import { auditCursorOf } from '../store/queue-keys.js';
import { sentStages } from '../engine/platform-client.js';
import { refundDecisionIds, type RefundOp } from '../engine/refund-op.js';
import { refundView } from './slip-view.js';

const OUTCOMES: Outcome[] = ['pending', 'succeeded', 'rejected', 'unknown', 'not_sent'];
const RESOLUTIONS: ResolutionState[] = [
  'reversing',
  'inquiring',
  'reversed',
  'not_booked',
  'confirmed',
  'done',
  'not_done',
  'needs_manual',
  'resolved_by_staff',
];
const UPLOAD_STATUSES = { pending_upload: 'pending', rejected_upload: 'rejected', delivered_upload: 'delivered' } as const;
/**
 * `needs_person` (the console page's default, issue 15): only what waits for a person — needs_manual
 * and undecided inquiries (a refund's unknown cancel or re-settle among them), rejected self-pay
 * uploads, open reconciliation differences of this and the last month, and the partial refunds that
 * need a decision (refunded in full, the kept lines not settled again: resettle_failed).
 * `failed` (the API's default): everything that did not simply succeed. `open`: the work list — unknown
 * outcomes not yet made final (reversing, needs_manual, or not yet resolved); a call that books
 * nothing is final at once and never in it.
 */
const STATUSES = ['needs_person', 'failed', 'open', ...OUTCOMES, ...RESOLUTIONS, ...Object.keys(UPLOAD_STATUSES)];
const FILTER_FIELDS = [
  'status',
  'infno',
  'from',
  'to',
  'psn_no',
  'mdtrt_id',
  'ipt_otp_no',
  'visit_id',
  'setl_id',
  'msgid',
  'invono',
  'error_code',
  'category',
  'psn_name',
  'certno',
  'amount_min',
  'amount_max',
  'limit',
  'cursor',
] as const;
/**
 * How many journal records of the chosen index one console search reads at most when it filters
 * by error code or category (which no index holds); the page shown is `limit`.
 */
const SCAN = 20_000;
/** The store's open work staff act on (the worker's own steps — in flight, releasing — are not theirs). */
const STAFF_OPEN: OpenWork[] = ['unresolved', 'reversing', 'inquiring', 'needs_manual'];
const FAILED: Outcome[] = ['pending', 'rejected', 'unknown', 'not_sent'];
/** The journal's share of `needs_person`: what no worker finishes on its own. */
const NEEDS_PERSON: OpenWork[] = ['needs_manual', 'inquiring'];
/** Searches by a person (exact, by keyed hash): never logged or audited in clear. */
const PERSON_FIELDS: PersonSearch[] = ['psn_name', 'certno'];
const AMOUNT = /^\d{1,12}(\.\d{1,2})?$/;

export interface ConsoleFilter {
  status: string;
  infno?: string;
  from?: string;
  to?: string;
  psn_no?: string;
  mdtrt_id?: string;
  ipt_otp_no?: string;
  visit_id?: string;
  setl_id?: string;
  msgid?: string;
  invono?: string;
  error_code?: string;
  category?: string;
  psn_name?: string;
  certno?: string;
  amount_min?: string;
  amount_max?: string;
  limit: number;
  cursor?: string;
}

/**
 * The failed-transaction console (role staff; admin too): find what went wrong by outcome,
 * resolution, date, business key, error code or category; see every stage of it (personal fields
 * masked — only admin may ask for them unmasked, and that view is audited); act on it — retry,
 * reverse, resolve — one by one or for a whole filter. Every view and every action goes into the
 * append-only audit log (GET /v1/console/audit).
 *
 * When a retry is allowed: only for a call that certainly booked nothing (outcome `not_sent` or
 * `rejected`), is not a booking transaction, and does not belong to an encounter (visit, admission,
 * sale) — i.e. a stand-alone query or upload. Anything of an encounter is retried by the HIS
 * through the encounter's own endpoint, which re-checks its state machine; a booking transaction
 * is never repeated blindly (design.md). Self-pay uploads are retried with their own action.
 */
export function consoleRoutes(d: AppDeps) {
  const r = Router({ caseSensitive: true });
  const audit = (req: Request, e: Omit<AuditEntry, 'at' | 'actor' | 'role' | 'request_id'>) =>
    d.store.appendAudit({
      at: d.clock.now().toISOString(),
      ...auditActor(req),
      request_id: req.id,
      ...e,
    });
  /**
   * A list or an export, audited with its filter — a search by name or ID number with WHICH kind of
   * search it was (its own entry, `search_person`), never the value searched for.
   */
  const auditSearch = async (req: Request, action: string, f: ConsoleFilter, items: Item[]) => {
    const kinds = PERSON_FIELDS.filter((k) => f[k] !== undefined);
    const { psn_name: _n, certno: _c, ...logged } = f;
    const filter = kinds.length ? { ...logged, person_search: kinds } : logged;
    if (kinds.length) await audit(req, { action: 'search_person', targets: items.map((x) => x.id), filter: { kinds, via: action } });
    await audit(req, { action, targets: action === 'export_list' ? items.map((x) => x.id) : [], filter });
  };

  r.get(
    '/console/transactions',
    handle(200, 'console-transactions.response', async (req) => {
      const f = parseFilter(req.query as Record<string, unknown>);
      const { items, next_cursor } = await search(d, f);
      await auditSearch(req, 'view_list', f, items);
      return { filter: shownFilter(f), items, count: items.length, ...(next_cursor ? { next_cursor } : {}) };
    }),
  );

  // the current filter as CSV (issue 15), masked like the list, audited like it
  r.get('/console/transactions.csv', (req: Request, res: Response, next: NextFunction) => {
    (async () => {
      const f = parseFilter(req.query as Record<string, unknown>);
      const { items } = await search(d, f);
      await auditSearch(req, 'export_list', f, items);
      sendCsv(res, `work-queue-${d.clock.now().toISOString().slice(0, 10)}.csv`, workQueueCsv(items as CsvItem[]));
    })().catch(next);
  });

  // what the page polls for its "N 条新待办" (issue 15): counts from the open-work indexes, no records read
  r.get(
    '/console/work-count',
    handle(200, 'console-work-count.response', async () => {
      const [journal, uploads, differences, refunds] = await Promise.all([
        d.store.countOpenWork(),
        d.store.countOutbox(SELF_PAY_QUEUE),
        d.reconciliation.status(),
        refundDecisionIds(d.store),
      ]);
      const counts = {
        needs_manual: journal.needs_manual,
        inquiring: journal.inquiring,
        rejected_uploads: uploads.rejected,
        reconciliation_differences: differences.open_differences,
        refund_decisions: refunds.length,
      };
      return {
        total: Object.values(counts).reduce((a, b) => a + b, 0),
        ...counts,
        at: d.clock.now().toISOString(),
        poll_after_seconds: Math.max(1, d.staff.settings.consolePollSeconds),
      };
    }),
  );

  r.get(
    '/console/transactions/:id',
    handle(200, 'console-transaction.response', async (req) => {
      const id = req.params.id as string;
      const unmasked = req.query.unmasked === 'true' || req.query.unmasked === '1';
      if (unmasked && req.client?.role !== 'admin') {
        throw new GatewayError('GW_SEC_FORBIDDEN', {
          message: 'Only an admin may see personal fields unmasked.',
          message_zh: '只有管理员可以查看未脱敏的个人信息',
          details: { role: req.client?.role ?? null },
        });
      }
      // an archived record is shown whole: its stages are read back from the archive
      const restore = (x: TransactionRecord) => d.archive.restore(x);
      const t = restore(await mustGet(d, id));
      const known = unmasked ? [] : await knownPersonalValues(d.store, t, restore);
      const reversals = (await Promise.all((t.resolution?.reversal_ids ?? []).map((x) => d.store.getTransaction(x)))).map((x) =>
        x ? restore(x) : x,
      );
      await audit(req, { action: unmasked ? 'view_personal' : 'view_detail', targets: [id] });
      const encounter = t.encounter_id ? await encounterSummary(d, t.encounter_id, unmasked ? undefined : known) : undefined;
      return {
        ...item(t, unmasked, known),
        ...(encounter ? { encounter } : {}),
        retry_allowed: retryRefusal(d, t) === undefined,
        stages: unmasked ? sentStages(t.stages) : maskStages(sentStages(t.stages), known),
        reversals: reversals
          .filter((x): x is TransactionRecord => !!x)
          .map((x) => ({
            ...(unmasked ? summary(x) : staffSummary(x, [...known, ...personalValues(x.stages)])),
            stages: unmasked ? sentStages(x.stages) : maskStages(sentStages(x.stages), known),
          })),
      };
    }),
  );

  r.post(
    '/console/transactions/:id/retry',
    handle(200, 'console-retry.response', async (req) => {
      const result = await retry(d, req.params.id as string, req.id);
      await audit(req, { action: 'retry', targets: [req.params.id as string, result.transaction_id] });
      return result;
    }),
  );

  r.post(
    '/console/transactions/:id/reverse',
    handle(202, 'console-transaction.response', async (req) => {
      const t = await d.resilience.reversals.reverseNow(req.params.id as string);
      await audit(req, { action: 'reverse', targets: [t.id] });
      return item(t);
    }),
  );

  r.post(
    '/console/transactions/:id/resolve',
    handle(200, 'console-transaction.response', async (req) => {
      const b = d.schemas.checkApi<{ reason: string; booked: boolean }>('console-resolve.request', req.body ?? {});
      const t = await d.resilience.reversals.resolve(req.params.id as string, req.client?.id ?? 'anonymous', b.reason, b.booked);
      await audit(req, { action: 'resolve', targets: [t.id], reason: b.reason });
      return item(t);
    }),
  );

  r.post(
    '/console/bulk/:action',
    handle(200, 'console-bulk.response', async (req) => {
      const action = req.params.action as string;
      if (!['retry', 'reverse', 'resolve'].includes(action))
        throw new GatewayError('GW_VAL_ROUTE_NOT_FOUND', { details: { action, allowed: ['retry', 'reverse', 'resolve'] } });
      const b = d.schemas.checkApi<{ filter: Record<string, unknown>; reason?: string; booked?: boolean; max?: number }>(
        'console-bulk.request',
        req.body ?? {},
      );
      if (action === 'resolve' && (b.reason === undefined || b.booked === undefined)) {
        throw new GatewayError('GW_VAL_SCHEMA', {
          message: 'A bulk resolve needs a reason and booked.',
          message_zh: '批量人工处理须填写原因（reason）和是否已记账（booked）',
          details: { errors: [{ field: 'reason', problem: 'is required for resolve' }] },
        });
      }
      const f = parseFilter({ ...b.filter, limit: String(b.max ?? 200) });
      const { items: found } = await search(d, f);
      const done: string[] = [];
      const skipped: Array<{ id: string; code: string; why?: unknown }> = [];
      for (const x of found) {
        if (x.type !== 'transaction') {
          skipped.push({
            id: x.id,
            code: 'GW_BIZ_CONSOLE_ACTION_NOT_ALLOWED',
            why:
              x.type === 'upload'
                ? 'uploads are retried with /v1/console/self-pay-uploads/{seq}/retry'
                : x.type === 'refund'
                  ? 'a refund that needs a decision is marked handled with /v1/console/refunds/{refund_id}/handled'
                  : 'a reconciliation difference is handled on its day: /v1/console/reconciliation/days/{day}/differences/{id}',
          });
          continue;
        }
        try {
          if (action === 'retry') await retry(d, x.id, req.id);
          else if (action === 'reverse') await d.resilience.reversals.reverseNow(x.id);
          else await d.resilience.reversals.resolve(x.id, req.client?.id ?? 'anonymous', b.reason!, b.booked!);
          done.push(x.id);
        } catch (e) {
          if (!(e instanceof GatewayError)) throw e;
          skipped.push({ id: x.id, code: e.code, why: (e.details as { why?: unknown } | undefined)?.why });
        }
      }
      const { psn_name: _n, certno: _c, ...logged } = f;
      await audit(req, { action: `bulk_${action}`, targets: done, filter: logged, reason: b.reason });
      return { action, filter: shownFilter(f), done, skipped };
    }),
  );

  // a refund that needs a decision (issue 15): staff say it is handled, with what they did
  r.post(
    '/console/refunds/:id/handled',
    handle(200, 'refund.response', async (req) => {
      const b = d.schemas.checkApi<{ reason: string }>('console-refund-handled.request', req.body ?? {});
      const { actor, actor_name } = auditActor(req);
      const op = await d.refunds.markHandled(req.params.id as string, { actor, ...(actor_name ? { actor_name } : {}) }, b.reason);
      await audit(req, { action: 'refund_handled', targets: [op.refund_id, op.setl_id], reason: b.reason });
      return refundView(op);
    }),
  );

  r.get(
    '/console/self-pay-uploads',
    handle(200, 'console-list.response', async (req) => {
      const state = typeof req.query.state === 'string' ? req.query.state : undefined;
      if (state !== undefined && !['pending', 'delivered', 'rejected'].includes(state)) {
        throw new GatewayError('GW_VAL_UNKNOWN_CODE', { details: { field: 'state', allowed: ['pending', 'delivered', 'rejected'] } });
      }
      const items = (await d.store.listOutbox(SELF_PAY_QUEUE, { state: state as OutboxEntry['state'] | undefined })).map(uploadView);
      await audit(req, { action: 'view_uploads', targets: [], filter: { state } });
      return { items, count: items.length };
    }),
  );

  r.post(
    '/console/self-pay-uploads/:seq/retry',
    handle(200, 'console-upload.response', async (req) => {
      const seq = Number(req.params.seq);
      if (!Number.isInteger(seq) || seq < 1)
        throw new GatewayError('GW_VAL_SCHEMA', { details: { field: 'seq', problem: 'must be a positive integer' } });
      const e = await d.resilience.uploads.requeue(SELF_PAY_QUEUE, seq);
      await audit(req, { action: 'retry_upload', targets: [e.id] });
      return uploadView(e);
    }),
  );

  // ---- 人卡一致 refusals (JS 24: 发现冒名顶替…及时报告当地医保部门) ----------------------------
  r.get(
    '/console/identity-refusals',
    handle(200, 'console-list.response', async (req) => {
      const q = refusalQuery(req.query as Record<string, unknown>);
      const items = await refusals(d, q);
      await audit(req, { action: 'view_identity_refusals', targets: [], filter: q });
      return { filter: q, items, count: items.length, csv: '/v1/console/identity-refusals.csv' };
    }),
  );
  r.get('/console/identity-refusals.csv', (req: Request, res: Response, next: NextFunction) => {
    (async () => {
      const q = refusalQuery(req.query as Record<string, unknown>);
      const items = await refusals(d, q);
      await audit(req, { action: 'export_identity_refusals', targets: items.map((x) => x.transaction_id), filter: q });
      sendCsv(res, `identity-refusals-${d.clock.now().toISOString().slice(0, 10)}.csv`, refusalsCsv(items));
    })().catch(next);
  });

  r.get(
    '/console/audit',
    handle(200, 'console-list.response', async (req) => {
      const q = req.query as Record<string, unknown>;
      const one = (k: string) => (typeof q[k] === 'string' ? (q[k] as string) : undefined);
      const limit = one('limit') === undefined ? 100 : Number(one('limit'));
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
        throw new GatewayError('GW_VAL_SCHEMA', { details: { field: 'limit', problem: 'must be 1..1000' } });
      const cursor = one('cursor');
      if (cursor !== undefined && !/^[A-Za-z0-9_-]{1,120}$/.test(cursor))
        throw new GatewayError('GW_VAL_SCHEMA', { details: { field: 'cursor', problem: 'is not a cursor this console gave out' } });
      const items = await d.store.listAudit({
        actor: one('actor'),
        action: one('action'),
        from: isoOrUndefined('from', one('from')),
        to: isoOrUndefined('to', one('to')),
        limit,
        cursor,
      });
      const last = items[items.length - 1];
      return { items, count: items.length, ...(items.length === limit && last ? { next_cursor: auditCursorOf(last) } : {}) };
    }),
  );
  return r;
}

// ---- 人卡一致 refusals ---------------------------------------------------------------------------

interface RefusalQuery {
  from?: string;
  to?: string;
  channel?: IdentityChannel;
  limit: number;
}

function refusalQuery(q: Record<string, unknown>): RefusalQuery {
  const allowed = ['from', 'to', 'channel', 'limit'];
  for (const k of Object.keys(q))
    if (!allowed.includes(k)) throw new GatewayError('GW_VAL_SCHEMA', { details: { field: k, problem: 'is not a filter', allowed } });
  const one = (k: string) => (typeof q[k] === 'string' && q[k] !== '' ? (q[k] as string) : undefined);
  const limit = one('limit') === undefined ? 200 : Number(one('limit'));
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
    throw new GatewayError('GW_VAL_SCHEMA', { details: { field: 'limit', problem: 'must be 1..1000' } });
  const channel = one('channel');
  if (channel !== undefined && !(channel in CHANNEL_TEXT))
    throw new GatewayError('GW_VAL_UNKNOWN_CODE', { details: { field: 'channel', allowed: Object.keys(CHANNEL_TEXT) } });
  const out: RefusalQuery = { limit };
  const from = isoOrUndefined('from', one('from'));
  const to = isoOrUndefined('to', one('to'));
  if (from) out.from = from;
  if (to) out.to = to;
  if (channel) out.channel = channel as IdentityChannel;
  return out;
}

async function refusals(d: AppDeps, q: RefusalQuery): Promise<IdentityRefusal[]> {
  // the channel is not an audit-log query field: read the period's refusals, then keep the channel's
  const all = await d.identityRefusals.list({ from: q.from, to: q.to, limit: q.channel ? 1000 : q.limit });
  return (q.channel ? all.filter((x) => x.channel === q.channel) : all).slice(0, q.limit);
}

/**
 * The visit or stay a transaction belongs to, as staff need it beside the transaction: its state, the
 * emergency flag with the criterion the hospital applied (LN 22), a self-pay upload (JL 22, HN 17).
 * Free text (the criterion's reason) is redacted like every other staff view.
 */
async function encounterSummary(d: AppDeps, id: string, known: readonly string[] | undefined) {
  const e = (await d.store.getEncounter<{ id: string; kind: string }>(id))?.value as
    | {
        id: string;
        kind: string;
        status?: string;
        facts?: { emergency?: boolean; med_type?: string; mdtrt_id?: string };
        emergency_criterion?: EmergencyCriterion;
        self_pay?: SelfPayMark;
        settlements?: Array<SettlementEntry & { mid_setl_flag?: string }>;
      }
    | undefined;
  if (!e || (e.kind !== 'inpatient' && e.kind !== 'outpatient')) return undefined;
  const settlements = e.settlements ?? [];
  const summary = {
    id: e.id,
    kind: e.kind,
    // what happened, as the HIS reads it (settled, refunded …), not only the state machine's stage
    status:
      e.kind === 'outpatient'
        ? visitStatus(e.status ?? '', settlements)
        : admissionStatus(
            e.status ?? '',
            settlements.map((x) => ({ ...x, mid_setl_flag: x.mid_setl_flag ?? '0' })),
          ),
    med_type: e.facts?.med_type,
    mdtrt_id: e.facts?.mdtrt_id,
    emergency: e.facts?.emergency ?? false,
    ...(e.emergency_criterion
      ? { emergency_criterion: e.emergency_criterion, emergency_criterion_text: criterionText(e.emergency_criterion) }
      : {}),
    ...(e.self_pay ? { self_pay: selfPayView(e.self_pay) } : {}),
  };
  return known ? (maskPersonal(summary, known) as typeof summary) : summary;
}

// ---- search -------------------------------------------------------------------------------------

function parseFilter(q: Record<string, unknown>): ConsoleFilter {
  const one = (k: string) => (typeof q[k] === 'string' && q[k] !== '' ? (q[k] as string) : undefined);
  for (const k of Object.keys(q)) {
    if (!(FILTER_FIELDS as readonly string[]).includes(k) && k !== 'unmasked')
      throw new GatewayError('GW_VAL_SCHEMA', { details: { field: k, problem: 'is not a filter', allowed: FILTER_FIELDS } });
  }
  const status = one('status') ?? 'failed';
  if (!STATUSES.includes(status)) throw new GatewayError('GW_VAL_UNKNOWN_CODE', { details: { field: 'status', allowed: STATUSES } });
  const infno = one('infno');
  if (infno !== undefined && !/^\d{4}$/.test(infno))
    throw new GatewayError('GW_VAL_SCHEMA', { details: { field: 'infno', problem: 'must be 4 digits' } });
  const category = one('category');
  const categories = ['validation', 'filing', 'system_fault', 'business', 'security'];
  if (category !== undefined && !categories.includes(category))
    throw new GatewayError('GW_VAL_UNKNOWN_CODE', { details: { field: 'category', allowed: categories } });
  const limit = one('limit') === undefined ? 100 : Number(one('limit'));
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
    throw new GatewayError('GW_VAL_SCHEMA', { details: { field: 'limit', problem: 'must be 1..1000' } });
  const f: ConsoleFilter = { status, limit };
  const cursor = one('cursor');
  if (cursor !== undefined) {
    if (decodeCursor(cursor) === undefined)
      throw new GatewayError('GW_VAL_SCHEMA', { details: { field: 'cursor', problem: 'is not a cursor this console gave out' } });
    f.cursor = cursor;
  }
  for (const k of ['psn_no', 'mdtrt_id', 'ipt_otp_no', 'visit_id', 'setl_id', 'msgid', 'invono', 'error_code'] as const) {
    const v = one(k);
    if (v !== undefined) f[k] = v;
  }
  for (const k of PERSON_FIELDS) {
    const v = one(k);
    if (v === undefined) continue;
    if (v.length > 64) throw new GatewayError('GW_VAL_SCHEMA', { details: { field: k, problem: 'is at most 64 characters' } });
    f[k] = v;
  }
  for (const k of ['amount_min', 'amount_max'] as const) {
    const v = one(k);
    if (v === undefined) continue;
    if (!AMOUNT.test(v))
      throw new GatewayError('GW_VAL_SCHEMA', { details: { field: k, problem: 'must be an amount in yuan, e.g. 120.50' } });
    f[k] = v;
  }
  if (f.amount_min && f.amount_max && new Decimal(f.amount_min).gt(f.amount_max))
    throw new GatewayError('GW_VAL_SCHEMA', { details: { field: 'amount_min', problem: 'must not exceed amount_max' } });
  if (infno) f.infno = infno;
  if (category) f.category = category;
  f.from = isoOrUndefined('from', one('from'));
  f.to = isoOrUndefined('to', one('to'));
  if (f.from === undefined) delete f.from;
  if (f.to === undefined) delete f.to;
  return f;
}

function isoOrUndefined(field: string, v: string | undefined) {
  if (v === undefined) return undefined;
  if (Number.isNaN(Date.parse(v)))
    throw new GatewayError('GW_VAL_SCHEMA', { details: { field, problem: 'must be an ISO date or timestamp' } });
  return new Date(v).toISOString();
}

/** The filter as the answer repeats it: a name or ID number searched for, masked (privacy.ts). */
function shownFilter(f: ConsoleFilter): ConsoleFilter {
  const out = { ...f };
  for (const k of PERSON_FIELDS) if (out[k] !== undefined) out[k] = maskValue(out[k]!);
  return out;
}

type Item = ReturnType<typeof item> | ReturnType<typeof uploadView> | ReturnType<typeof differenceView> | RefundItem;

async function search(d: AppDeps, f: ConsoleFilter): Promise<{ items: Item[]; next_cursor?: string }> {
  if (f.status === 'needs_person') return needsPerson(d, f);
  if (f.status in UPLOAD_STATUSES) {
    const state = UPLOAD_STATUSES[f.status as keyof typeof UPLOAD_STATUSES];
    // the uploads of one state are an index of their own: this costs what is in that state
    const uploads = await d.store.listOutbox(SELF_PAY_QUEUE, { state });
    return {
      items: uploads
        .filter((u) => uploadMatches(u, f))
        .slice(0, f.limit)
        .map(uploadView),
    };
  }
  if (f.psn_name !== undefined || f.certno !== undefined) return byPerson(d, f);
  return searchJournal(d, f);
}

/** Filters an upload (or a reconciliation difference) cannot answer: such a search finds none of them. */
const JOURNAL_ONLY = [
  'infno',
  'visit_id',
  'ipt_otp_no',
  'error_code',
  'category',
  'psn_name',
  'certno',
  'amount_min',
  'amount_max',
] as const;

function uploadMatches(u: OutboxEntry, f: ConsoleFilter): boolean {
  if (JOURNAL_ONLY.some((k) => f[k] !== undefined)) return false;
  if (f.from && u.created_at < f.from) return false;
  if (f.to && u.created_at > f.to) return false;
  for (const k of ['psn_no', 'mdtrt_id', 'setl_id', 'invono'] as const) if (f[k] !== undefined && u.keys[k] !== f[k]) return false;
  return !f.msgid || u.transaction_ids.includes(f.msgid);
}

type OpenDifference = Awaited<ReturnType<AppDeps['reconciliation']['openDifferences']>>[number];

function differenceMatches(x: OpenDifference, f: ConsoleFilter): boolean {
  if (f.msgid || f.invono || JOURNAL_ONLY.some((k) => f[k] !== undefined && !k.startsWith('amount'))) return false;
  if (f.from && x.seen_at < f.from) return false;
  if (f.to && x.seen_at > f.to) return false;
  for (const k of ['psn_no', 'mdtrt_id', 'setl_id'] as const) if (f[k] !== undefined && x.difference[k] !== f[k]) return false;
  return amountMatches(differenceAmount(x), f);
}

function amountMatches(a: Decimal | undefined, f: ConsoleFilter): boolean {
  if (f.amount_min === undefined && f.amount_max === undefined) return true;
  if (a === undefined) return false;
  return (f.amount_min === undefined || a.gte(f.amount_min)) && (f.amount_max === undefined || a.lte(f.amount_max));
}

const decimalOf = (v: string | undefined) => (v !== undefined && /^-?\d+(\.\d+)?$/.test(v) ? new Decimal(v) : undefined);
const recordAmount = (t: TransactionRecord) => decimalOf(t.medfee_sumamt ?? amountOf(t.stages));
const differenceAmount = (x: OpenDifference) => decimalOf(x.difference.platform?.medfee_sumamt ?? x.difference.gateway?.medfee_sumamt);

/**
 * What needs a person (the page's default view): the journal's needs_manual and undecided inquiries
 * through their open-work indexes, then — on the first page — the rejected uploads, the open
 * reconciliation differences and the refunds that need a decision, newest first. Uploads,
 * differences and refunds are never cut by the limit.
 */
async function needsPerson(d: AppDeps, f: ConsoleFilter): Promise<{ items: Item[]; next_cursor?: string }> {
  const journal =
    f.psn_name !== undefined || f.certno !== undefined ? await byPerson(d, f, NEEDS_PERSON) : await searchJournal(d, f, NEEDS_PERSON);
  if (f.cursor) return journal;
  const [uploads, differences, refunds] = await Promise.all([
    d.store.listOutbox(SELF_PAY_QUEUE, { state: 'rejected' }),
    d.reconciliation.openDifferences(),
    d.refunds.needingDecision(),
  ]);
  const items: Item[] = [
    ...journal.items,
    ...uploads.filter((u) => uploadMatches(u, f)).map(uploadView),
    ...differences.filter((x) => differenceMatches(x, f)).map(differenceView),
    ...refunds.map(refundItem).filter((x) => refundMatches(x, f)),
  ].sort((a, b) => (a.created_at < b.created_at ? 1 : a.created_at > b.created_at ? -1 : 0));
  return { items, ...(journal.next_cursor ? { next_cursor: journal.next_cursor } : {}) };
}

/** The person's records: the lookups that named them (by keyed hash), then every record of the psn_no those found. */
async function byPerson(d: AppDeps, f: ConsoleFilter, open?: OpenWork[]): Promise<{ items: Item[]; next_cursor?: string }> {
  const given = PERSON_FIELDS.filter((k) => f[k] !== undefined);
  const named = await Promise.all(
    given.map((k) => d.store.listTransactions({ person: { name: k, value: f[k]! }, originals: true, limit: 50 })),
  );
  // with both a name and a number: the records that named both
  const both = named[0]!.filter((r) => named.every((list) => list.some((x) => x.id === r.id)));
  const psnNos = new Set<string>();
  for (const r of both) {
    const psn = r.keys.psn_no ?? psnNoOfReply(d.archive.restore(r));
    if (psn && (f.psn_no === undefined || psn === f.psn_no)) psnNos.add(psn);
  }
  const lists = await Promise.all(
    [...psnNos].slice(0, 10).map((psn_no) => searchJournal(d, { ...f, psn_name: undefined, certno: undefined, psn_no }, open)),
  );
  const seen = new Set<string>();
  const records: Item[] = [];
  for (const x of [...both.filter((t) => matches(t, f, open)).map((t) => item(t)), ...lists.flatMap((l) => l.items)]) {
    if (seen.has(x.id)) continue;
    seen.add(x.id);
    records.push(x);
  }
  records.sort((a, b) => (a.created_at < b.created_at ? 1 : a.created_at > b.created_at ? -1 : a.id < b.id ? 1 : -1));
  return { items: records.slice(0, f.limit) };
}

function psnNoOfReply(t: TransactionRecord): string | undefined {
  const v = (t.stages.reply as { output?: { baseinfo?: { psn_no?: unknown } } } | undefined)?.output?.baseinfo?.psn_no;
  return typeof v === 'string' && v !== '' ? v : undefined;
}

async function searchJournal(d: AppDeps, f: ConsoleFilter, open?: OpenWork[]): Promise<{ items: Item[]; next_cursor?: string }> {
  if (f.msgid) {
    const t = await d.store.getTransaction(f.msgid);
    return { items: t && matches(t, f, open) ? [item(t)] : [] };
  }
  // the query goes to the store's most selective index (store/query.ts plan); what no index holds
  // (error code, category) is checked here, on at most SCAN records of that index
  // 2601 attempts are shown under their original (its resolution), never as rows of their own
  const q: TransactionQuery = { from: f.from, to: f.to, infno: f.infno, encounter_id: f.visit_id, cursor: f.cursor, originals: true };
  if (open) q.open = open;
  else if ((OUTCOMES as string[]).includes(f.status)) q.outcome = f.status as Outcome;
  else if (f.status === 'open') q.open = STAFF_OPEN;
  else if (f.status === 'failed') q.outcomes = FAILED;
  else if ((RESOLUTIONS as string[]).includes(f.status)) q.resolution = f.status as ResolutionState;
  const key = (['setl_id', 'mdtrt_id', 'ipt_otp_no', 'invono', 'psn_no'] as const).find((k) => f[k] !== undefined);
  if (key) q.key = { name: key, value: f[key]! };
  const residual = f.error_code !== undefined || f.category !== undefined || f.amount_min !== undefined || f.amount_max !== undefined;
  q.limit = residual ? SCAN : f.limit;
  const records = (await d.store.listTransactions(q)).filter((t) => matches(t, f, open)).slice(0, f.limit);
  const last = records[records.length - 1];
  return { items: records.map((t) => item(t)), ...(records.length === f.limit && last ? { next_cursor: cursorOf(last) } : {}) };
}

function matches(t: TransactionRecord, f: ConsoleFilter, open?: OpenWork[]): boolean {
  if (t.reverses && f.msgid === undefined) return false;
  if (open && !open.includes(openWorkOf(t) as OpenWork)) return false;
  if (f.status === 'failed' && t.outcome === 'succeeded') return false;
  if (f.status === 'open' && !STAFF_OPEN.includes(openWorkOf(t) as OpenWork)) return false;
  if (f.status === 'failed' && !FAILED.includes(t.outcome)) return false;
  if ((OUTCOMES as string[]).includes(f.status) && t.outcome !== f.status) return false;
  if ((RESOLUTIONS as string[]).includes(f.status) && t.resolution?.state !== f.status) return false;
  if (f.infno && t.infno !== f.infno) return false;
  if (f.from && t.created_at < f.from) return false;
  if (f.to && t.created_at > f.to) return false;
  if (f.visit_id && t.encounter_id !== f.visit_id) return false;
  for (const k of ['psn_no', 'mdtrt_id', 'ipt_otp_no', 'setl_id', 'invono'] as Array<keyof BusinessKeys>) {
    if (f[k as keyof ConsoleFilter] !== undefined && t.keys[k] !== f[k as keyof ConsoleFilter]) return false;
  }
  if (f.error_code && t.error?.code !== f.error_code) return false;
  if (f.category && (t.error ? catalog.get(t.error.code)?.category : undefined) !== f.category) return false;
  return amountMatches(recordAmount(t), f);
}

/** unmasked (admin, audited): the platform's words as stored; else redacted (README "Personal data") */
function item(t: TransactionRecord, unmasked = false, known?: readonly string[]) {
  return {
    type: 'transaction' as const,
    id: t.id,
    status: t.resolution?.state ?? t.outcome,
    category: t.error ? catalog.get(t.error.code)?.category : undefined,
    ...(unmasked ? summary(t) : staffSummary(t, known)),
    medfee_sumamt: recordAmount(t),
    // the 2601 attempts sent for it: shown here, never as rows of their own
    reversal_attempts: t.resolution?.reversal_ids.length,
  };
}

/** An open reconciliation difference in the work queue: staff act on it in the reconciliation tab. */
function differenceView(x: OpenDifference) {
  const g = x.difference;
  return {
    type: 'difference' as const,
    id: `${x.day}/${g.id}`,
    status: 'reconciliation_difference',
    created_at: x.seen_at,
    day: x.day,
    difference_id: g.id,
    kind: g.kind,
    keys: { psn_no: g.psn_no, mdtrt_id: g.mdtrt_id, setl_id: g.setl_id },
    medfee_sumamt: differenceAmount(x),
    transaction_id: g.journal?.transaction_id ?? g.gateway?.transaction_id,
    memo: g.memo === undefined ? undefined : redactText(g.memo),
  };
}

/**
 * A partial refund that needs a decision (refund-op.ts needsDecision): the settlement was refunded
 * in full and its kept lines were not settled again — what happened and what to do, as the printed
 * refund slip says it (print-sources.ts). It leaves the queue when staff mark it handled, or by
 * itself when the visit's kept lines are settled again.
 */
function refundItem(op: RefundOp) {
  const failed = op.steps.filter((s) => s.step === 'resettle').at(-1);
  const kept = op.keep_line_data?.map((l) => l.det_item_fee_sumamt);
  return {
    type: 'refund' as const,
    id: op.id,
    status: 'refund_resettle_failed',
    created_at: failed?.at ?? op.updated_at,
    refund_id: op.id,
    settlement_kind: op.target.kind,
    encounter_id: op.target.encounter_id,
    keys: { setl_id: op.setl_id, ...(op.invono ? { invono: op.invono } : {}) },
    cancel_setl_id: op.cancel?.cancel_setl_id,
    kept_line_ids: op.keep_lines,
    // what the kept lines come to: what is still to be settled (outpatient: their uploaded amounts)
    medfee_sumamt: kept?.length ? kept.reduce((a, v) => a.plus(v), new Decimal(0)) : undefined,
    transaction_id: op.error?.transaction_id,
    error: op.error && { code: op.error.code, platform_err_msg: redactText(op.error.platform_err_msg) },
    what: '保留明细未能重新结算，已全额退费',
    todo:
      op.target.kind === 'outpatient'
        ? '请重新结算保留的明细（该就诊重新结算后自动移出待办）；如按自费收取，处理后标记“已处理”'
        : '请为保留的明细重新办理结算或按自费收取，处理后标记“已处理”',
  };
}
type RefundItem = ReturnType<typeof refundItem>;

function refundMatches(x: RefundItem, f: ConsoleFilter): boolean {
  const unanswerable = ['msgid', 'psn_no', 'mdtrt_id', 'ipt_otp_no', 'infno', 'category', 'psn_name', 'certno'] as const;
  if (unanswerable.some((k) => f[k] !== undefined)) return false;
  if (f.from && x.created_at < f.from) return false;
  if (f.to && x.created_at > f.to) return false;
  if (f.setl_id && x.keys.setl_id !== f.setl_id && x.cancel_setl_id !== f.setl_id) return false;
  if (f.invono && x.keys.invono !== f.invono) return false;
  if (f.visit_id && x.encounter_id !== f.visit_id) return false;
  if (f.error_code && x.error?.code !== f.error_code) return false;
  return amountMatches(x.medfee_sumamt, f);
}

function uploadView(u: OutboxEntry) {
  const { input: _i, ...rest } = u;
  const last_error = u.last_error && {
    ...u.last_error,
    platform_err_msg: redactText(u.last_error.platform_err_msg, personalValues(u.input)),
  };
  return { type: 'upload' as const, status: `${u.state}_upload`, ...rest, last_error };
}

// ---- actions ------------------------------------------------------------------------------------

async function mustGet(d: AppDeps, id: string) {
  const t = await d.store.getTransaction(id);
  if (!t) throw new GatewayError('GW_BIZ_TRANSACTION_NOT_FOUND', { details: { transaction_id: id } });
  return t;
}

/** Why `t` may not be retried (see the rule above consoleRoutes), or undefined when it may. */
function retryRefusal(d: AppDeps, t: TransactionRecord): string | undefined {
  if (t.outcome !== 'not_sent' && t.outcome !== 'rejected')
    return `outcome ${t.outcome}: only a call that certainly booked nothing is retried`;
  if (callKind(t.infno) === 'reversible' || callKind(t.infno) === 'reversal')
    return 'a booking transaction is never repeated blindly; the HIS repeats it through its encounter';
  if (t.encounter_id) return 'it belongs to an encounter: the HIS repeats it through the encounter, which re-checks its state';
  if (t.infno === d.resilience.selfPayInfno) return 'a self-pay upload is retried with /v1/console/self-pay-uploads/{seq}/retry';
  if (t.infno === '9001') return 'sign-in is renewed by the gateway itself';
  return undefined;
}

async function retry(d: AppDeps, id: string, requestId: string) {
  const t = await mustGet(d, id);
  const why = retryRefusal(d, t);
  if (why) throw new GatewayError('GW_BIZ_CONSOLE_ACTION_NOT_ALLOWED', { details: { id, action: 'retry', why } });
  const insuplc_admdvs = (t.stages.envelope as { insuplc_admdvs?: string } | undefined)?.insuplc_admdvs || undefined;
  try {
    const r = await d.platform.call(t.infno, t.stages.message as object, {
      insuplc_admdvs,
      keys: t.keys,
      parent_id: t.id,
      request_id: requestId,
    });
    return { retried: t.id, transaction_id: r.transaction_id, outcome: 'succeeded' as const };
  } catch (e) {
    if (!(e instanceof GatewayError) || !e.transaction_id) throw e;
    const again = await d.store.getTransaction(e.transaction_id);
    return { retried: t.id, transaction_id: e.transaction_id, outcome: again?.outcome ?? 'unknown', error: again?.error };
  }
}

export const consoleOps: Ops = {
  '/v1/console/transactions': {
    get: {
      id: 'listFailedTransactions',
      tag: 'console',
      zh: '失败交易列表（含结果未明待处理）',
      response: 'console-transactions.response',
      summary:
        'The work queue and failed transactions: status (needs_person = what waits for a person: needs_manual, undecided inquiries, rejected self-pay uploads, open reconciliation differences, partial refunds that need a decision; failed, open = the work list of unknown outcomes not yet final, rejected, unknown, not_sent, reversing, reversed, not_booked, needs_manual, resolved_by_staff, confirmed, pending_upload, rejected_upload), from, to, psn_no, mdtrt_id, ipt_otp_no, visit_id, setl_id, msgid, invono, error_code, category, psn_name and certno (exact, audited as search_person without the value), amount_min, amount_max (medfee_sumamt), limit; 2601 attempts are shown under their original',
      status: 200,
    },
  },
  '/v1/console/transactions.csv': {
    get: {
      id: 'exportConsoleTransactions',
      tag: 'console',
      zh: '按当前筛选条件导出待办/失败交易 CSV（脱敏，留痕）',
      response: 'text',
      produces: 'text/csv',
      summary: 'The same list as CSV for Excel (UTF-8 with BOM, Chinese header, personal data masked), audited as export_list',
      status: 200,
    },
  },
  '/v1/console/work-count': {
    get: {
      id: 'countConsoleWork',
      tag: 'console',
      zh: '待人工处理事项计数（处理台自动刷新用）',
      response: 'console-work-count.response',
      summary:
        'How many items wait for a person, by kind, from the open-work indexes (the page polls it for "N new"); refund_decisions: partial refunds that need a decision',
      status: 200,
    },
  },
  '/v1/console/transactions/{id}': {
    get: {
      id: 'getFailedTransaction',
      tag: 'console',
      zh: '查询一笔失败交易及其各阶段（个人信息脱敏；管理员可查看明文，留痕）',
      response: 'console-transaction.response',
      summary: 'One transaction with every stage (personal fields masked; ?unmasked=true for admin, audited)',
      status: 200,
      params: ['id'],
    },
  },
  '/v1/console/transactions/{id}/retry': {
    post: {
      id: 'retryTransaction',
      tag: 'console',
      zh: '重试未记账且不属于任何就诊的调用（单独查询或上传）',
      response: 'console-retry.response',
      summary: 'Retry a call that booked nothing and belongs to no encounter (stand-alone query or upload)',
      status: 200,
      params: ['id'],
    },
  },
  '/v1/console/transactions/{id}/reverse': {
    post: {
      id: 'reverseTransaction',
      tag: 'console',
      zh: '对结果未明的记账交易立即发起冲正（2601）',
      response: 'console-transaction.response',
      summary: 'Queue a reversal (2601) now for an unknown booking transaction',
      status: 202,
      params: ['id'],
    },
  },
  '/v1/console/transactions/{id}/resolve': {
    post: {
      id: 'resolveTransaction',
      tag: 'console',
      zh: '人工处理结果未明的记账交易，须注明原因',
      response: 'console-transaction.response',
      summary: 'Mark an unknown booking transaction resolved, with a reason',
      body: 'console-resolve.request',
      status: 200,
      params: ['id'],
    },
  },
  '/v1/console/bulk/{action}': {
    post: {
      id: 'bulkConsoleAction',
      tag: 'console',
      zh: '按条件批量重试、冲正或人工处理',
      response: 'console-bulk.response',
      summary: 'retry, reverse or resolve every transaction a filter finds',
      body: 'console-bulk.request',
      status: 200,
      params: ['action'],
    },
  },
  '/v1/console/refunds/{id}/handled': {
    post: {
      id: 'markRefundHandled',
      tag: 'console',
      zh: '标记需人工决定的退费已处理（保留明细未能重新结算、已全额退费），须注明原因，留痕',
      response: 'refund.response',
      summary:
        'Mark a partial refund that needs a decision (resettle_failed: refunded in full, the kept lines not settled again) handled, with a reason; it leaves the work queue (also by itself once the visit settles the kept lines again); audited as refund_handled',
      body: 'console-refund-handled.request',
      status: 200,
      params: ['id'],
    },
  },
  '/v1/console/self-pay-uploads': {
    get: {
      id: 'listSelfPayUploads',
      tag: 'console',
      zh: '自费数据上传队列（待发送、已送达、被拒绝）',
      response: 'console-list.response',
      summary: 'Queued self-pay uploads (store-and-forward): state pending, delivered, rejected',
      status: 200,
    },
  },
  '/v1/console/self-pay-uploads/{seq}/retry': {
    post: {
      id: 'retrySelfPayUpload',
      tag: 'console',
      zh: '重新排队一条被拒绝的自费数据上传',
      response: 'console-upload.response',
      summary: 'Requeue a rejected self-pay upload',
      status: 200,
      params: ['seq'],
    },
  },
  '/v1/console/identity-refusals': {
    get: {
      id: 'listIdentityRefusals',
      tag: 'console',
      zh: '人卡不一致拒绝记录（江苏第二十四条），姓名证件号脱敏',
      response: 'console-list.response',
      summary:
        'Refused 人卡一致 identity checks (JS 24: 冒名顶替…及时报告当地医保部门), newest first, names and numbers masked: from, to, channel, limit',
      status: 200,
    },
  },
  '/v1/console/identity-refusals.csv': {
    get: {
      id: 'exportIdentityRefusals',
      tag: 'console',
      zh: '人卡不一致拒绝记录 CSV（报告当地医保部门用）',
      response: 'text',
      produces: 'text/csv',
      summary: 'The same refusals as CSV (UTF-8 with BOM, Chinese header) for the report to the local insurance office',
      status: 200,
    },
  },
  '/v1/console/audit': {
    get: {
      id: 'listAudit',
      tag: 'console',
      zh: '操作审计日志',
      response: 'console-list.response',
      summary: 'The append-only audit log: actor, action, from, to, limit',
      status: 200,
    },
  },
};

/** A CSV download for staff: never cached (it holds masked personal data all the same). */
function sendCsv(res: Response, filename: string, text: string) {
  res
    .status(200)
    .type('text/csv; charset=utf-8')
    .setHeader('content-disposition', `attachment; filename="${filename}"`)
    .setHeader('cache-control', 'no-store')
    .send(text);
}
