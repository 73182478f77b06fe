/**
 * The unmeasured part of the settlement scenario: visits registered and diagnosed beforehand on
 * each side, so that a measured iteration is exactly "upload the fee lines, then settle".
 * The gateway's visits go through its HIS API (1101 + 2201, then 2203); the baseline's through
 * its pass-through (2201, then 2203, with the person's 1101 facts looked up once).
 */
import * as msg from '../adapters/platform/outpatient-messages.js';
import { expectStatus, pool, postJson } from './http.js';
import {
  CHRG_BCHNO,
  DIAGNOSES,
  PERSONS,
  SETTLE_OPTIONS,
  credential,
  feeTotal,
  forwardBody,
  hisFeeLines,
  personFrom1101,
  platformFeeLines,
  totalsFrom2204,
  visitFacts,
  visitRequest,
  type BaselinePerson,
} from './workload.js';

export type SideName = 'gateway' | 'baseline';

/** Where a side listens, and the headers every request to it carries (the gateway's API key). */
export interface SideTarget {
  url: string;
  headers: Record<string, string>;
  /** the side's process and the mock platform's, for the CPU each spends per request (run.ts) */
  pids?: { side: number; platform: number };
}
export type Sides = Record<SideName, SideTarget>;

/** One HTTP request of an iteration. */
export interface Step {
  path: string;
  body: string;
  /** per-request headers (an Idempotency-Key) */
  headers?: Record<string, string>;
}
/** What one measured iteration sends, in order, on one connection. */
export type Iteration = Step[];

/** Iterations handed out once each, in order; a consumed one (even half-done) is never reused. */
export interface Workload {
  stepsPerIteration: number;
  next(): Iteration | undefined;
  /** iterations left (Infinity for a workload that can repeat itself) */
  remaining(): number;
}

export class IterationQueue implements Workload {
  private items: Iteration[] = [];
  private taken = 0;
  constructor(readonly stepsPerIteration: number) {}
  push(it: Iteration) {
    this.items.push(it);
  }
  next() {
    const it = this.items[this.taken];
    if (it) this.items[this.taken++] = []; // let the bodies go once handed out
    return it;
  }
  remaining() {
    return this.items.length - this.taken;
  }
}

/** A workload whose iterations may repeat (lookups): cycles through a fixed list. */
export class CyclicWorkload implements Workload {
  private i = 0;
  constructor(
    private readonly items: Iteration[],
    readonly stepsPerIteration = items[0]!.length,
  ) {}
  next() {
    return this.items[this.i++ % this.items.length];
  }
  remaining() {
    return Infinity;
  }
}

const SETUP_CONCURRENCY = 16;

/**
 * A conforming HIS sends an Idempotency-Key on every request that changes something (the
 * gateway's rule for mutating /v1 requests), so the settlement path carries one, unique per
 * request; the baseline receives the same header and ignores it (same bytes on the wire).
 */
let idemSeq = 0;
export const idem = (what: string) => ({ 'idempotency-key': `bench-${process.pid}-${(idemSeq++).toString(36)}-${what}` });

/**
 * Visits ready to settle, per side. `init` looks the persons up on the baseline and calibrates
 * the 2207 totals from one real 2204 reply (the baseline has no state: the bench supplies what the
 * gateway would have derived), then settles one visit on each side to prove the path works.
 */
export class SettlementSetup {
  readonly queues = { gateway: new IterationQueue(2), baseline: new IterationQueue(2) };
  private persons: BaselinePerson[] = [];
  private totals?: msg.SettlementTotals;
  private readonly hisLines;
  private readonly platformLines;
  private readonly gatewayFees: string;
  private readonly gatewaySettle: string;

  constructor(
    private readonly sides: Sides,
    readonly feeLines: number,
  ) {
    this.hisLines = hisFeeLines(feeLines);
    this.platformLines = platformFeeLines(this.hisLines);
    this.gatewayFees = JSON.stringify({ chrg_bchno: CHRG_BCHNO, lines: this.hisLines });
    this.gatewaySettle = JSON.stringify({ medfee_sumamt: feeTotal(this.hisLines), acct_used_flag: SETTLE_OPTIONS.acct_used_flag });
  }

  async init() {
    this.persons = [];
    for (let i = 0; i < PERSONS.length; i++) {
      const r = await this.post('baseline', { path: '/forward/1101', body: forwardBody(msg.personQuery1101(credential(i))) });
      this.persons.push(personFrom1101(expectStatus('baseline 1101', r, 200).output));
    }
    // calibration and proof on the baseline: 2201, 2203, 2204 -> totals, 2207
    const visit = await this.registerOnBaseline(0);
    this.totals = totalsFrom2204(expectStatus('baseline 2204', await this.post('baseline', visit.fees), 200).output, this.platformLines);
    expectStatus('baseline 2207', await this.post('baseline', this.settleStep(visit)), 200);
    // proof on the gateway: the same flow through the HIS API
    const [fees, settle] = await this.registerOnGateway(0);
    expectStatus('gateway fees', await this.post('gateway', fees!), 201);
    const slip = expectStatus('gateway settlement', await this.post('gateway', settle!), 201);
    if (Number(slip.slip.medfee_sumamt).toFixed(2) !== this.totals.medfee_sumamt.toFixed(2))
      throw new Error('the two sides settle different totals');
  }

  post(side: SideName, step: Step) {
    return postJson(`${this.sides[side].url}${step.path}`, step.body, { ...this.sides[side].headers, ...step.headers });
  }

  /** Prepares n more iterations for one side (unmeasured). */
  async prepare(side: 'gateway' | 'baseline', n: number) {
    const q = this.queues[side];
    await pool(n, SETUP_CONCURRENCY, async (i) => {
      if (side === 'gateway') q.push(await this.registerOnGateway(i));
      else {
        const v = await this.registerOnBaseline(i);
        q.push([v.fees, this.settleStep(v)]);
      }
    });
  }

  async registerOnGateway(i: number): Promise<Iteration> {
    const reg = expectStatus(
      'gateway registration',
      await this.post('gateway', { path: '/v1/outpatient/visits', body: JSON.stringify(visitRequest(i, 'G')), headers: idem('reg') }),
      201,
    );
    const id = reg.visit.visit_id as string;
    expectStatus(
      'gateway diagnoses',
      await this.post('gateway', { path: `/v1/outpatient/visits/${id}/diagnoses`, body: JSON.stringify(DIAGNOSES), headers: idem('dx') }),
      200,
    );
    return [
      { path: `/v1/outpatient/visits/${id}/fees`, body: this.gatewayFees, headers: idem('fees') },
      { path: `/v1/outpatient/visits/${id}/settlement`, body: this.gatewaySettle, headers: idem('setl') },
    ];
  }

  async registerOnBaseline(i: number) {
    const p = this.persons[i % this.persons.length]!;
    const req = visitRequest(i, 'B');
    const reg = expectStatus(
      'baseline 2201',
      await this.post('baseline', {
        path: '/forward/2201',
        body: forwardBody(msg.register2201(req, p.psn_no, p.insutype), p.insuplc_admdvs),
        headers: idem('reg'),
      }),
      200,
    );
    const facts = visitFacts(req, p, (reg.output.data as { mdtrt_id: string }).mdtrt_id);
    expectStatus(
      'baseline 2203',
      await this.post('baseline', {
        path: '/forward/2203',
        body: forwardBody(msg.visitInfo2203(facts, DIAGNOSES), p.insuplc_admdvs),
        headers: idem('dx'),
      }),
      200,
    );
    const fees: Step = {
      path: '/forward/2204',
      body: forwardBody(msg.feeUpload2204(facts, this.platformLines), p.insuplc_admdvs),
      headers: idem('fees'),
    };
    return { facts, insuplc_admdvs: p.insuplc_admdvs, fees };
  }

  settleStep(v: { facts: msg.VisitFacts; insuplc_admdvs: string }): Step {
    if (!this.totals) throw new Error('SettlementSetup.init() first');
    return {
      path: '/forward/2207',
      body: forwardBody(msg.settle2207(v.facts, SETTLE_OPTIONS, this.totals), v.insuplc_admdvs),
      headers: idem('setl'),
    };
  }
}

/** Person lookups (1101): the same three credentials, round robin, on both sides; a lookup books nothing, so no Idempotency-Key. */
export function lookupWorkloads() {
  return {
    gateway: new CyclicWorkload(PERSONS.map((_, i) => [{ path: '/v1/persons/query', body: JSON.stringify(credential(i)) }])),
    baseline: new CyclicWorkload(PERSONS.map((_, i) => [{ path: '/forward/1101', body: forwardBody(msg.personQuery1101(credential(i))) }])),
  };
}
