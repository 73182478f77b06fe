/**
 * Scenario (e), refund (退费): outpatient settlements prepared beforehand on each side (unmeasured:
 * register, diagnoses, one fee line, settle — through the gateway's HIS API, or forwarded by the
 * baseline), so that a measured iteration is exactly one full refund:
 * - gateway: POST /v1/settlements/{setl_id}/refund { reason_code: patient_request } → 2208;
 * - baseline: POST /forward/2208 for a settlement it booked itself.
 * Each side refunds its newest settlement first: the mock re-derives the person's later
 * settlements of the year on every 2208 (隔笔退费, LN 54), and newest-first keeps that work small
 * and alike on both sides.
 */
import * as msg from '../adapters/platform/outpatient-messages.js';
import { expectStatus, pool } from './http.js';
import { IterationQueue, SettlementSetup, idem, type SideName, type Sides } from './setup.js';
import { forwardBody } from './workload.js';

const SETUP_CONCURRENCY = 10;
const REFUND_BODY = JSON.stringify({ reason_code: 'patient_request', reason: '患者申请退费 (bench)' });

export class RefundSetup {
  readonly queues = { gateway: new IterationQueue(1), baseline: new IterationQueue(1) };
  private readonly settlements: SettlementSetup;

  constructor(sides: Sides) {
    // one fee line: the settlement is only the thing refunded; its size is not what is measured
    this.settlements = new SettlementSetup(sides, 1);
  }

  /** Persons and the baseline's totals (SettlementSetup.init), then one refund per side to prove the path. */
  async init() {
    await this.settlements.init();
    for (const side of ['gateway', 'baseline'] as const) {
      const [refund] = await this.settle(side, 0);
      const r = await this.settlements.post(side, refund!);
      expectStatus(`${side} refund`, r, 200);
    }
  }

  /** n more settled transactions for one side, queued newest first. */
  async prepare(side: SideName, n: number) {
    const made: Array<{ i: number; it: Array<{ path: string; body: string; headers?: Record<string, string> }> }> = [];
    await pool(n, SETUP_CONCURRENCY, async (i) => {
      made.push({ i, it: await this.settle(side, i) });
    });
    // newest first: those booked last are refunded first (the push order above is completion order)
    for (const { it } of made.reverse()) this.queues[side].push(it);
  }

  private async settle(side: SideName, i: number) {
    const s = this.settlements;
    if (side === 'gateway') {
      const [fees, settle] = await s.registerOnGateway(i);
      expectStatus('gateway fees', await s.post('gateway', fees!), 201);
      const slip = expectStatus('gateway settlement', await s.post('gateway', settle!), 201);
      return [{ path: `/v1/settlements/${slip.setl_id as string}/refund`, body: REFUND_BODY, headers: idem('refund') }];
    }
    const v = await s.registerOnBaseline(i);
    expectStatus('baseline 2204', await s.post('baseline', v.fees), 200);
    const setl = expectStatus('baseline 2207', await s.post('baseline', s.settleStep(v)), 200);
    const setl_id = (setl.output.setlinfo as { setl_id: string }).setl_id;
    return [
      { path: '/forward/2208', body: forwardBody(msg.cancelSettlement2208(v.facts, setl_id), v.insuplc_admdvs), headers: idem('refund') },
    ];
  }
}
