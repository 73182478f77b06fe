import { describe, expect, it } from 'vitest';
import { api } from '../helpers/harness.js';
import { mockAndGateway } from '../helpers/suite.js';
import type { TransactionRecord } from '../../gateway/store/store.js';
import { JIANGSU, JILIN } from './fixtures.js';
import {
  FAST_REVERSAL,
  fault,
  finalWithinMs,
  HOLD_PAST_TIMEOUT_MS,
  ledger,
  readyVisit,
  settle,
  sleep,
  transaction,
  until,
} from './resilience-fixtures.js';

/**
 * Chaos: 500 outpatient settlements against the mock with about 20 % of the 2207s hit by mixed
 * faults (seeded), 10 at a time, the HIS side behaving as the README tells it to: a 502 means wait
 * for the reversal and then settle again; a 503 means the platform is down, try again later; a
 * refusal may be repeated. Afterwards the platform's ledger and the gateway's journal must agree.
 */
const SETTLEMENTS = 500;
const CONCURRENCY = 10;
const SEED = 20261123;
const LOCAL = { token: 'EVT44000000000000000006C1D2E3F4' };
const PERSONS = [JILIN.token, LOCAL.token, JIANGSU.token];

const MAX_ATTEMPTS = 6;
const sys = mockAndGateway({
  ...FAST_REVERSAL,
  RATE_LIMIT_PER_MINUTE: '1000000',
  BREAKER_MIN_CALLS: '20',
  BREAKER_RESET_MS: '300',
  REVERSAL_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
});
/** an unknown outcome is final after at most MAX_ATTEMPTS 2601s (one may be followed by an inquiry) */
const RESOLUTION_CEILING_MS = finalWithinMs(MAX_ATTEMPTS + 1);

const FINAL = new Set(['reversed', 'not_booked', 'needs_manual', 'confirmed']);

/** The HIS side of one visit: settle until it is settled (or the platform needs a person to look). */
async function settleWithRetries(id: string): Promise<'settled' | 'needs_manual'> {
  for (let i = 0; i < 12; i++) {
    const r = await settle(sys.gw.url, id);
    if (r.status === 201) return 'settled';
    const code = r.body?.error?.code as string | undefined;
    if (r.status === 502) {
      const t = await until(
        `the resolution of ${r.body.error.transaction_id}`,
        async () => {
          const x = await transaction(sys.gw.url, r.body.error.transaction_id);
          return x.resolution && FINAL.has(x.resolution.state) && (x.resolution.encounter_released || x.resolution.state !== 'reversed')
            ? x
            : undefined;
        },
        RESOLUTION_CEILING_MS,
      );
      if (t.resolution.state === 'needs_manual') return 'needs_manual';
      if (t.resolution.state === 'not_booked' && !t.resolution.encounter_released) await sleep(100);
      continue;
    }
    if (code === 'GW_BIZ_OUTCOME_UNKNOWN_PENDING' || r.status === 503 || r.status === 422) {
      await sleep(150);
      continue;
    }
    throw new Error(`unexpected answer ${r.status}: ${r.text}`);
  }
  throw new Error(`visit ${id} never settled`);
}

describe('chaos: 500 settlements with ~20 % injected faults', () => {
  it('every transaction ends succeeded, rejected, reversed or needs_manual, and the platform ledger agrees with the journal', async () => {
    const p = (kind: string, probability: number, extra: Record<string, unknown> = {}) =>
      fault(sys.mock.control, { kind, infno: '2207', probability, seed: SEED + probability * 1000 + kind.length, ...extra });
    await p('drop_reply', 0.03, { after_booking: true });
    await p('timeout_after_booking', 0.02, { hold_ms: HOLD_PAST_TIMEOUT_MS });
    await p('http_500', 0.02, { after_booking: true });
    await p('http_500', 0.02);
    await p('malformed', 0.03);
    await p('infcode_-1', 0.02);
    await p('infcode_-1', 0.02, { booked: false });
    await p('infcode_-2', 0.04, { err_msg: '模拟：结算服务繁忙，请重试' });
    await p('latency', 0.1, { latency_ms: 30 });
    // reversals fail now and then too: they are retried
    await fault(sys.mock.control, { kind: 'http_500', infno: '2601', probability: 0.15, seed: SEED });

    const outcomes: Array<{ id: string; mdtrt_id: string; result: string }> = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < SETTLEMENTS) {
          const n = next++;
          const v = await readyVisit(sys.gw.url, { mdtrt_cert_type: '01', mdtrt_cert_no: PERSONS[n % PERSONS.length]! });
          outcomes.push({ ...v, result: await settleWithRetries(v.id) });
        }
      }),
    );
    expect(outcomes).toHaveLength(SETTLEMENTS);

    // nothing still being reversed or waiting to be rolled back
    const journal = await until(
      'every reversal to finish',
      async () => {
        const all = await sys.gw.gw.store.listTransactions({ infno: '2207', limit: 100_000 });
        return all.every(
          (t) =>
            t.outcome !== 'unknown' ||
            (t.resolution && FINAL.has(t.resolution.state) && (t.resolution.encounter_released || t.resolution.state === 'needs_manual')),
        )
          ? all
          : undefined;
      },
      RESOLUTION_CEILING_MS,
    );

    // the chaos was real: many 2207s had an unknown outcome or a refusal
    const unknown = journal.filter((t) => t.outcome === 'unknown');
    expect(unknown.length).toBeGreaterThan(SETTLEMENTS * 0.08);
    expect(journal.filter((t) => t.outcome === 'rejected').length).toBeGreaterThan(5);

    // every 2207 ended in a definite state
    for (const t of journal) {
      const final = t.outcome === 'unknown' ? t.resolution?.state : t.outcome;
      expect(['succeeded', 'rejected', 'not_sent', 'reversed', 'not_booked', 'needs_manual']).toContain(final);
    }

    const byMsgid = new Map<string, TransactionRecord>(journal.map((t) => [t.id, t]));
    const book = (await ledger(sys.mock.control)).filter((e) => e.infno === '2207' && e.kind === 'settlement');
    // every settlement booked and standing at the platform is one the gateway reports as booked (or flags for staff)
    for (const e of book.filter((x) => x.status === 'booked')) {
      const t = byMsgid.get(e.msgid);
      expect(t, `ledger ${e.setl_id}`).toBeDefined();
      expect(
        t!.outcome === 'succeeded' || ['confirmed', 'needs_manual'].includes(t!.resolution?.state ?? ''),
        `${t!.id} ${t!.outcome} ${t!.resolution?.state}`,
      ).toBe(true);
    }
    // every settlement the gateway reports succeeded stands at the platform; every reversal is reversed there
    const ledgerByMsgid = new Map(book.map((e) => [e.msgid, e]));
    for (const t of journal) {
      if (t.outcome === 'succeeded') expect(ledgerByMsgid.get(t.id)?.status, t.id).toBe('booked');
      if (t.resolution?.state === 'reversed') expect(ledgerByMsgid.get(t.id)?.status, t.id).toBe('reversed');
      if (t.resolution?.state === 'not_booked') expect(ledgerByMsgid.get(t.id)?.status ?? 'none', t.id).not.toBe('booked');
      if (t.outcome === 'rejected' || t.outcome === 'not_sent') expect(ledgerByMsgid.has(t.id), t.id).toBe(false);
    }
    // no visit booked twice
    const live = new Map<string, number>();
    for (const e of book.filter((x) => x.status === 'booked')) live.set(e.mdtrt_id, (live.get(e.mdtrt_id) ?? 0) + 1);
    expect([...live.values()].filter((n) => n > 1)).toEqual([]);
    // every visit the HIS saw settled has exactly its one live booking
    for (const o of outcomes.filter((x) => x.result === 'settled')) expect(live.get(o.mdtrt_id), o.id).toBe(1);
    const manual = outcomes.filter((x) => x.result === 'needs_manual');
    expect(outcomes.filter((x) => x.result === 'settled').length + manual.length).toBe(SETTLEMENTS);
    // whatever needs a person is in the console
    const listed = (await api(sys.gw.url, 'GET', '/v1/console/transactions?status=needs_manual&infno=2207&limit=1000')).body
      .items as unknown[];
    expect(listed).toHaveLength(journal.filter((t) => t.resolution?.state === 'needs_manual').length);
  });
});
