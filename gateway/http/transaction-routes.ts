import { Router } from 'express';
import { sentStages } from '../engine/platform-client.js';
import type { Ops } from './openapi.js';
import { GatewayError } from '../errors/errors.js';
import type { BusinessKeys, Outcome, TransactionQuery, TransactionRecord } from '../store/store.js';
import type { AppDeps } from './deps.js';
import { handle } from './handler.js';

const OUTCOMES: Outcome[] = ['pending', 'succeeded', 'rejected', 'unknown', 'not_sent'];
const KEYS: Array<keyof BusinessKeys> = ['psn_no', 'mdtrt_id', 'setl_id', 'ipt_otp_no', 'invono'];

/** The journal, for staff: find any transaction by outcome, infno, date or business key. */
export function transactionRoutes(d: AppDeps) {
  const r = Router({ caseSensitive: true });
  r.get(
    '/transactions',
    handle(200, async (req) => {
      const q = parseQuery(req.query as Record<string, unknown>);
      const items = await d.store.listTransactions(q);
      return { items: items.map(summary), count: items.length };
    }),
  );
  r.get(
    '/transactions/:id',
    handle(200, async (req) => {
      const t = await d.store.getTransaction(req.params.id as string);
      if (!t) throw new GatewayError('GW_BIZ_TRANSACTION_NOT_FOUND', { details: { transaction_id: req.params.id } });
      return { ...summary(t), stages: maskStages(sentStages(t.stages)) };
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
  };
}

const PERSONAL = new Set(['certno', 'psn_name', 'mdtrt_cert_no', 'card_sn', 'cainfo', 'sign_no', 'brdy']);

/** Personal fields are masked (a later issue lets privileged roles see them, with an audit record). */
export function maskStages(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(maskStages);
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, PERSONAL.has(k) && typeof x === 'string' ? mask(x) : maskStages(x)]));
  }
  return v;
}

const mask = (s: string) => (s.length <= 2 ? '*'.repeat(s.length) : `${s[0]}${'*'.repeat(Math.max(1, s.length - 2))}${s[s.length - 1]}`);

export const transactionOps: Ops = {
  '/v1/transactions': {
    get: { summary: 'Journal search: outcome, infno, from, to, psn_no, mdtrt_id, setl_id, ipt_otp_no, invono, limit', status: 200 },
  },
  '/v1/transactions/{id}': {
    get: { summary: 'One journaled platform call with its stages (personal fields masked)', status: 200, params: ['id'] },
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
      summary:
        'The outcome of one platform call and, for an unknown one, its resolution (reversing, reversed, not_booked, needs_manual ...): what the counter polls',
      status: 200,
      params: ['id'],
    },
  },
};
