/**
 * A partial refund (部分退费: 2208, then 2205 / 2204 / 2207 for the kept lines) whose gateway dies
 * (kill -9) while the platform holds the re-settlement step: the restarted gateway (same DATA_DIR)
 * takes the operation over by itself (Refunds.resumeUnfinished) and brings it to one definite state
 * the HIS can read — completed, or needs_reversal naming the transaction to reverse (JS 45, HN 52,
 * LN 54; design.md "Never retry a booking transaction blindly").
 *
 * The platform is the mock over real HTTP; its `latency` fault holds one call before it runs. A
 * held call still runs at the platform after the caller died — as a real platform would — and each
 * test waits for that before restarting, so what the restarted gateway meets is fixed.
 */
import { rmSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { api, startMock, tmpDir } from '../helpers/harness.js';
import { spawnGateway, type GatewayProcess } from '../helpers/process.js';
import { CODES, diagnosesBody, JILIN, line, visitBody } from './fixtures.js';
import { until } from './resilience-fixtures.js';

let mock: Awaited<ReturnType<typeof startMock>>;
const dirs: string[] = [];
const running: GatewayProcess[] = [];

beforeAll(async () => {
  mock = await startMock();
});
beforeEach(async () => {
  await api(mock.control, 'POST', '/reset'); // fresh accumulations: the amounts below are hand-computed from zero
});
afterEach(async () => {
  for (const g of running.splice(0)) {
    if (g.child.exitCode === null && g.child.signalCode === null) {
      g.child.kill('SIGTERM');
      await g.exited;
    }
  }
});
afterAll(async () => {
  await mock?.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

type Call = { infno: string; msgid: string | null; infcode: number | null };
type LedgerEntry = {
  setl_id: string;
  kind: string;
  status: string;
  mdtrt_id: string;
  msgid: string;
  feedetl_sns: string[];
  amounts: Record<string, number>;
  orig_setl_id?: string;
};
const calls = async (infno: string) => (await api(mock.control, 'GET', `/calls?infno=${infno}`)).body as Call[];
const ledgerOf = async (mdtrt_id: string) =>
  ((await api(mock.control, 'GET', '/ledger')).body as LedgerEntry[]).filter((e) => e.mdtrt_id === mdtrt_id);

/**
 * A gateway process on `dataDir`; the reversal worker is kept from acting during the test (its own
 * suites cover it) unless `env` says otherwise.
 */
async function gateway(dataDir: string, env: Record<string, string> = {}) {
  const g = await spawnGateway({
    PLATFORM_BASE_URL: mock.url,
    DATA_DIR: dataDir,
    PLATFORM_TIMEOUT_MS: '30000',
    REVERSAL_FIRST_DELAY_MS: '600000',
    REVERSAL_INTERVAL_MS: '600000',
    ...env,
  });
  running.push(g);
  return g;
}

/**
 * The Jilin patient's outpatient visit (deductible 200, ratio 60 %), settled without the account:
 *   line 1: 阿莫西林 10 × 30.00 = 300.00, line 2: 4 × 25.00 = 100.00 (甲类, all in scope)
 *   400.00: act_pay_dedc 200; hifp = round2(200 × 0.6) = 120.00; cash 280.00
 */
async function settledVisit(base: string) {
  const call = (method: string, path: string, body?: unknown) => api(base, method, path, body);
  const reg = await call('POST', '/v1/outpatient/visits', visitBody({ mdtrt_cert_type: '01', mdtrt_cert_no: JILIN.token }));
  expect(reg.status, reg.text).toBe(201);
  const id = reg.body.visit.visit_id as string;
  expect((await call('POST', `/v1/outpatient/visits/${id}/diagnoses`, diagnosesBody())).status).toBe(200);
  const fees = await call('POST', `/v1/outpatient/visits/${id}/fees`, {
    chrg_bchno: 'B1',
    lines: [line('1', CODES.amoxicillin, 10, 30), line('2', CODES.amoxicillin, 4, 25)],
  });
  expect(fees.status, fees.text).toBe(201);
  const setl = await call('POST', `/v1/outpatient/visits/${id}/settlement`, { medfee_sumamt: '400.00', acct_used_flag: '0' });
  expect(setl.status, setl.text).toBe(201);
  expect(setl.body.slip).toMatchObject({ medfee_sumamt: 400, act_pay_dedc: 200, hifp_pay: 120, psn_cash_pay: 280 });
  return { id, setl_id: setl.body.setl_id as string, mdtrt_id: (await call('GET', `/v1/outpatient/visits/${id}`)).body.mdtrt_id as string };
}

/** A gateway process on a fresh data directory (removed after the file), and the visit settled through it. */
async function settledOnNewGateway(prefix: string) {
  const dataDir = tmpDir(prefix);
  dirs.push(dataDir);
  const first = await gateway(dataDir);
  return { dataDir, first, s: await settledVisit(first.url) };
}

/**
 * How long the platform holds the call the gateway is killed in: the kill must come first, and
 * between the platform receiving the call and the kill are a poll and a signal — tens of ms, a
 * second or more on a stalled machine (at 1.5 s a stall could let the reply through first).
 */
const HOLD_MS = 5_000;

/**
 * Starts the partial refund of line 2 with the platform holding `infno` for HOLD_MS, kills the
 * gateway (SIGKILL) while the platform holds it, and waits until the platform has run the held
 * call anyway. Returns the held call as the platform saw it.
 */
async function killWhileHeld(first: GatewayProcess, setl_id: string, infno: string) {
  const before = (await calls(infno)).length;
  await api(mock.control, 'POST', '/faults', { infno, latency_ms: HOLD_MS, count: 1 });
  const answer = api(first.url, 'POST', `/v1/settlements/${setl_id}/refund`, { reason_code: 'drug_return', return_lines: ['2'] }).catch(
    (e: Error) => e,
  );
  await until(`the platform to hold ${infno}`, async () => ((await calls(infno)).length > before ? true : undefined), 20_000);
  first.child.kill('SIGKILL');
  await first.exited;
  expect(await answer).toBeInstanceOf(Error); // the HIS lost its connection: no answer at all
  const held = await until(
    `the held ${infno} to run at the platform`,
    async () => {
      const c = (await calls(infno))[before];
      return c && c.infcode !== null ? c : undefined;
    },
    HOLD_MS + 20_000,
  );
  await api(mock.control, 'DELETE', '/faults');
  return held;
}

/** The HIS asks again with the same request: the refusal names the operation; its state is polled until definite. */
async function definiteState(base: string, setl_id: string) {
  const again = await api(base, 'POST', `/v1/settlements/${setl_id}/refund`, { reason_code: 'drug_return', return_lines: ['2'] });
  expect(again.status, again.text).toBe(409);
  expect(['GW_BIZ_SETTLEMENT_ALREADY_CANCELLED', 'GW_BIZ_REFUND_IN_PROGRESS']).toContain(again.body.error.code);
  const refund_id = again.body.error.details.refund_id as string;
  expect(refund_id).toMatch(/^R\d{8}/);
  return until(
    'the refund operation to reach a definite state',
    async () => {
      const op = await api(base, 'GET', `/v1/refunds/${refund_id}`);
      expect(op.status, op.text).toBe(200);
      return ['cancelling', 'resettling'].includes(op.body.status) ? undefined : op.body;
    },
    20_000,
  );
}

describe('partial refund: the gateway is killed (kill -9) while the platform holds the re-settlement', () => {
  it('held at 2204 (fee upload): the restarted gateway learns by inquiry (5204) that the platform got the kept line, settles it once — completed', async () => {
    const { dataDir, first, s } = await settledOnNewGateway('refund-restart-a');

    const held = await killWhileHeld(first, s.setl_id, '2204');
    // the dead gateway's upload of line 1 reached the platform (infcode 0) but the gateway never learned it
    expect(held.infcode).toBe(0);

    // the restarted gateway's worker inquires the lost 2204 (its send time + timeout + margin)
    const second = await gateway(dataDir, { PLATFORM_TIMEOUT_MS: '3000', REVERSAL_FIRST_DELAY_MS: '300', REVERSAL_INTERVAL_MS: '100' });
    const op = await definiteState(second.url, s.setl_id);
    // completed: the visit waited on the inquiry of the lost 2204 (a write 2601 does not reverse);
    // 5204 showed the kept line at the platform, the visit took it, and only then was the 2207 sent, once
    expect(op).toMatchObject({
      status: 'completed',
      refund_type: 'partial',
      line_ids: ['2'],
      kept_line_ids: ['1'],
      resumed_at: [expect.any(String)],
    });
    // cancel −400 (dedc −200, hifp −120, cash −280); re-settle line 1, 300.00: dedc 200, hifp round2(100 × 0.6) = 60, cash 240
    expect(op.cancellation_slip).toMatchObject({ medfee_sumamt: -400, act_pay_dedc: -200, hifp_pay: -120, psn_cash_pay: -280 });
    expect(op.settlement_slip).toMatchObject({ medfee_sumamt: 300, act_pay_dedc: 200, hifp_pay: 60, psn_cash_pay: 240 });
    expect(op.net_refund).toEqual({ psn_cash_pay: 40, acct_pay: 0, fund_pay_sumamt: 60 });

    // the platform's ledger: the original cancelled, exactly one live settlement — of the kept line
    const ledger = await ledgerOf(s.mdtrt_id);
    const live = ledger.filter((e) => e.kind === 'settlement' && e.status === 'booked');
    expect(live).toHaveLength(1);
    expect(live[0]).toMatchObject({
      setl_id: op.new_setl_id,
      feedetl_sns: ['1'],
      amounts: expect.objectContaining({ medfee_sumamt: 300, hifp_pay: 60 }),
    });
    expect(ledger.find((e) => e.setl_id === s.setl_id)).toMatchObject({ status: 'cancelled' });
    // one 2207 for the kept line (plus the original settlement's): the re-settlement was not doubled
    expect((await calls('2207')).filter((c) => c.infcode === 0)).toHaveLength(2);

    // the journal: the held 2204 is unknown (its answer died with the process); the resumed steps follow
    const journal = await api(second.url, 'GET', '/v1/transactions?limit=1000', undefined, {}, { auth: 'staff' });
    const steps = (journal.body.items as Array<{ infno: string; outcome: string; encounter_id?: string; transaction_id: string }>)
      .filter((t) => t.encounter_id === s.id)
      .reverse()
      .map((t) => `${t.infno}:${t.outcome}`);
    expect(steps.slice(-4)).toEqual(['2208:succeeded', '2205:succeeded', '2204:unknown', '2207:succeeded']);
    const visit = await api(second.url, 'GET', `/v1/outpatient/visits/${s.id}`);
    expect(visit.body.pending).toBeUndefined();
    expect(visit.body.settlements).toEqual([
      expect.objectContaining({ setl_id: s.setl_id, status: 'cancelled' }),
      expect.objectContaining({ setl_id: op.new_setl_id, status: 'booked' }),
    ]);
  });

  it('held at 2207 (booking): the platform booked it after the gateway died; the restarted gateway never sends it again — needs_reversal naming that 2207', async () => {
    const { dataDir, first, s } = await settledOnNewGateway('refund-restart-b');

    const held = await killWhileHeld(first, s.setl_id, '2207');
    expect(held.infcode).toBe(0);
    // at the platform the kept line IS settled: the original cancelled, the held 2207 booked
    const booked = (await ledgerOf(s.mdtrt_id)).filter((e) => e.kind === 'settlement' && e.status === 'booked');
    expect(booked).toEqual([expect.objectContaining({ msgid: held.msgid, feedetl_sns: ['1'] })]);

    const second = await gateway(dataDir);
    const op = await definiteState(second.url, s.setl_id);
    // needs_reversal: the gateway cannot know whether that 2207 booked (its answer died with the
    // process) and must not settle the kept line a second time; the 2207 is the one to reverse (冲正)
    expect(op).toMatchObject({
      status: 'needs_reversal',
      kept_line_ids: ['1'],
      resumed_at: [expect.any(String)],
      reversal: { step: 'resettle', transaction_id: held.msgid },
    });
    expect(op.cancellation_slip).toMatchObject({ medfee_sumamt: -400 });
    expect(op.new_setl_id).toBeUndefined();
    // the journal names it: outcome unknown, on the visit, which waits for the reversal
    const t = await api(second.url, 'GET', `/v1/transactions/${held.msgid}`, undefined, {}, { auth: 'staff' });
    expect(t.body).toMatchObject({ infno: '2207', outcome: 'unknown', encounter_id: s.id });
    const visit = await api(second.url, 'GET', `/v1/outpatient/visits/${s.id}`);
    expect(visit.body.pending).toMatchObject({ op: '2207', outcome: 'unknown', transaction_id: held.msgid });
    // nothing was booked twice: still the one 2207 of the dead process (plus the original settlement's)
    expect((await calls('2207')).length).toBe(2);
    expect((await ledgerOf(s.mdtrt_id)).filter((e) => e.kind === 'settlement' && e.status === 'booked')).toHaveLength(1);
  });
});
