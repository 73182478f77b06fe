import { Router } from 'express';
import { sentStages } from '../engine/platform-client.js';
import type { Ops } from './openapi.js';
import { GatewayError } from '../errors/errors.js';
import type { BusinessKeys, Outcome, TransactionQuery, TransactionRecord } from '../store/store.js';
import { cursorOf, decodeCursor } from '../store/query.js';
import type { AppDeps } from './deps.js';
import { handle } from './handler.js';
import { knownPersonalValues, maskPersonal, personalValues, redactText } from '../privacy.js';

const OUTCOMES: Outcome[] = ['pending', 'succeeded', 'rejected', 'unknown', 'not_sent'];
/** his_msgid: `<client id>:<msgid>`, the msgid an HIS sent the national-format door */
const KEYS: Array<keyof BusinessKeys> = ['psn_no', 'mdtrt_id', 'setl_id', 'ipt_otp_no', 'invono', 'his_msgid'];

/** The journal, for staff: find any transaction by outcome, infno, date or business key. */
export function transactionRoutes(d: AppDeps) {
  const r = Router({ caseSensitive: true });
  r.get(
    '/transactions',
    handle(200, async (req) => {
      const q = parseQuery(req.query as Record<string, unknown>);
      const items = await d.store.listTransactions(q);
      const last = items[items.length - 1];
      const next = items.length === (q.limit ?? 100) && last ? { next_cursor: cursorOf(last) } : {};
      return { items: items.map((t) => staffSummary(t)), count: items.length, ...next };
    }),
  );
  r.get(
    '/transactions/:id',
    handle(200, async (req) => {
      const t = await d.store.getTransaction(req.params.id as string);
      if (!t) throw new GatewayError('GW_BIZ_TRANSACTION_NOT_FOUND', { details: { transaction_id: req.params.id } });
      const restore = (x: TransactionRecord) => d.archive.restore(x);
      return maskedView(restore(t), await knownPersonalValues(d.store, t, restore));
    }),
  );
  return r;
}

function parseQuery(q: Record<string, unknown>): TransactionQuery {
  const one = (k: string) => (typeof q[k] === 'string' ? (q[k] as string) : undefined);
  const out: TransactionQuery = {};
  const outcome = one('outcome');
  if (outcome !== undefined) {
    if (!OUTCOMES.includes(outcome as Outcome))
      throw new GatewayError('GW_VAL_UNKNOWN_CODE', { details: { field: 'outcome', allowed: OUTCOMES } });
    out.outcome = outcome as Outcome;
  }
  const infno = one('infno');
  if (infno !== undefined) {
    if (!/^\d{4}$/.test(infno)) throw new GatewayError('GW_VAL_SCHEMA', { details: { field: 'infno', problem: 'must be 4 digits' } });
    out.infno = infno;
  }
  for (const k of ['from', 'to'] as const) {
    const v = one(k);
    if (v !== undefined) {
      if (Number.isNaN(Date.parse(v)))
        throw new GatewayError('GW_VAL_SCHEMA', { details: { field: k, problem: 'must be an ISO date or timestamp' } });
      out[k] = new Date(v).toISOString();
    }
  }
  for (const k of KEYS) {
    const v = one(k);
    if (v !== undefined) out.key = { name: k, value: v };
  }
  const cursor = one('cursor');
  if (cursor !== undefined) {
    if (decodeCursor(cursor) === undefined)
      throw new GatewayError('GW_VAL_SCHEMA', { details: { field: 'cursor', problem: 'is not a cursor this API gave out' } });
    out.cursor = cursor;
  }
  const limit = one('limit');
  if (limit !== undefined) {
    const n = Number(limit);
    if (!Number.isInteger(n) || n < 1 || n > 1000)
      throw new GatewayError('GW_VAL_SCHEMA', { details: { field: 'limit', problem: 'must be 1..1000' } });
    out.limit = n;
  }
  return out;
}

export function summary(t: TransactionRecord) {
  return {
    ...(t.archived ? { archived_in: t.archived.file } : {}),
    transaction_id: t.id,
    msgid: t.id,
    infno: t.infno,
    outcome: t.outcome,
    created_at: t.created_at,
    updated_at: t.updated_at,
    encounter_id: t.encounter_id,
    parent_id: t.parent_id,
    keys: t.keys,
    error: t.error,
    // an unknown booking transaction: how its reversal (冲正) stands (issue 5)
    resolution: t.resolution,
    reverses: t.reverses,
    wire_digest: t.wire_digest,
    reply_wire_digest: t.reply_wire_digest,
  };
}

/**
 * Personal fields are masked for staff by the one field list (gateway/privacy.ts); an admin may ask
 * the console for them unmasked, audited.
 */
export function maskStages(v: unknown, known?: readonly string[]): unknown {
  return maskPersonal(v, known);
}

/**
 * A transaction as staff see it by default: the stages masked by field, and the platform's own
 * words (err_msg kept on the error, a reversal's or inquiry's last_error) with ID and phone numbers
 * and the encounter's names and credential numbers redacted — staff need the platform's words, not
 * the ID number inside them. The stored record keeps them as they came (admin, unmasked). `known`:
 * the person's names and numbers (knownPersonalValues, for one record); lists use the record's own
 * stages and redactText's patterns.
 */
export function staffSummary(t: TransactionRecord, known: readonly string[] = personalValues(t.stages)) {
  const s = summary(t);
  return {
    ...s,
    error: s.error && {
      ...s.error,
      reason: redactText(s.error.reason, known),
      platform_err_msg: redactText(s.error.platform_err_msg, known),
    },
    resolution: s.resolution && { ...s.resolution, last_error: redactText(s.resolution.last_error, known) },
  };
}

export function maskedView(t: TransactionRecord, known?: readonly string[]) {
  return { ...staffSummary(t, known), stages: maskStages(sentStages(t.stages), known ?? personalValues(t.stages)) };
}

export const transactionOps: Ops = {
  '/v1/transactions': {
    get: {
      id: 'searchTransactions',
      tag: 'outcomes',
      zh: '交易流水查询',
      response: 'transactions.response',
      summary:
        'Journal search: outcome, infno, from, to, psn_no, mdtrt_id, setl_id, ipt_otp_no, invono, his_msgid (the national-format door), limit',
      status: 200,
    },
  },
  '/v1/transactions/{id}': {
    get: {
      id: 'getTransaction',
      tag: 'outcomes',
      zh: '查询一笔平台交易及其各阶段报文（个人信息脱敏）',
      response: 'transaction.response',
      summary: 'One journaled platform call with its stages (personal fields masked)',
      status: 200,
      params: ['id'],
    },
  },
};

/**
 * What the HIS (or POS) polls after a "outcome unknown, being reversed" answer: the outcome and its
 * resolution, no stages, no personal data.
 */
export function outcomeRoutes(d: AppDeps) {
  const r = Router({ caseSensitive: true });
  r.get(
    '/outcomes/:id',
    handle(200, async (req) => {
      const t = await d.store.getTransaction(req.params.id as string);
      if (!t) throw new GatewayError('GW_BIZ_TRANSACTION_NOT_FOUND', { details: { transaction_id: req.params.id } });
      return {
        transaction_id: t.id,
        infno: t.infno,
        outcome: t.outcome,
        resolution: t.resolution?.state,
        final:
          t.outcome !== 'pending' &&
          (t.outcome !== 'unknown' || (t.resolution !== undefined && !['reversing', 'inquiring'].includes(t.resolution.state))),
        error: t.error?.code,
        updated_at: t.updated_at,
      };
    }),
  );
  return r;
}

export const outcomeOps: Ops = {
  '/v1/outcomes/{id}': {
    get: {
      id: 'getOutcome',
      tag: 'outcomes',
      zh: '查询交易结果及结果未明交易的处理进度（收费窗口轮询）',
      response: 'outcome.response',
      summary:
        'The outcome of one platform call and, for an unknown one, its resolution (reversing, reversed, not_booked, needs_manual ...): what the counter polls',
      status: 200,
      params: ['id'],
    },
  },
};
