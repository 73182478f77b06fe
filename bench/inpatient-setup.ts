/**
 * Scenario (d), inpatient settle (出院结算): stays admitted, charged and discharged beforehand on
 * each side (unmeasured: 2401, 2301 with five lines, 2402), so that a measured iteration is the
 * discharge settlement only:
 * - gateway: POST /v1/inpatient/admissions/{id}/settlement — one request, two platform calls: the
 *   gateway re-checks the filing with 1101 right before the 2304 (JS 25, HN 27, LN 17, JL 22);
 * - baseline: POST /forward/1101 then /forward/2304 — the same two calls, as two requests.
 * The two sides differ in requests per iteration, so (d) is compared per settlement
 * (settlements/s, latency of the whole settlement), not per request.
 */
import { Decimal } from 'decimal.js';
import * as ip from '../adapters/platform/inpatient-messages.js';
import * as msg from '../adapters/platform/outpatient-messages.js';
import type { InpatientDischargeRequest } from '../gateway/generated/api/inpatient-discharge.request.js';
import { admissionFields, dischargeBody, standardLines } from '../test/helpers/bodies.js';
import { expectStatus, pool, postJson } from './http.js';
import { IterationQueue, idem, type Iteration, type SideName, type Sides, type Step } from './setup.js';
import {
  credential,
  forwardBody,
  personFrom1101,
  platformFeeLines,
  totalsFrom2204,
  type BaselinePerson,
  type HisFeeLine,
  PERSONS,
} from './workload.js';

const SETUP_CONCURRENCY = 10;
const MDTRTAREA_ADMVS = '440300';
/** Inside every bench person's filing (mocks/README.md): Jilin long-term, Jiangsu referral from 2026-09-01, Hunan temporary from 2026-10-01. */
const ADMITTED = '2026-11-02 08:00:00';
const FEES_DAY = '2026-11-02'; // standardLines bills at 10:00
const DISCHARGED = '2026-11-09 10:00:00';

/** The e2e suites' standard stay (test/helpers/bodies.ts), prices with two decimals: bed over its cap, nursing 甲类, appendectomy 乙类, cefixime 乙类, a 丙类 item — 3836.00. */
const LINES: HisFeeLine[] = standardLines(FEES_DAY).map((l) => ({ ...l, pric: new Decimal(l.pric).toFixed(2) }));
const TOTAL = LINES.reduce((s, l) => s.plus(new Decimal(l.pric).times(l.cnt)), new Decimal(0)).toFixed(2);

const runTag = Date.now().toString(36).toUpperCase();
let seq = 0;

function admissionRequest(i: number) {
  return {
    ...credential(i),
    ipt_no: `ZY${runTag}${(seq++).toString(36).toUpperCase()}`.slice(0, 30),
    ...admissionFields(ADMITTED),
  };
}

const DISCHARGE = dischargeBody(DISCHARGED);
const SETTLE_OPTIONS: ip.InpatientSettleOptions = { psn_setlway: '01', acct_used_flag: '0', mid_setl_flag: '0' };
const GATEWAY_SETTLE = JSON.stringify({ medfee_sumamt: TOTAL, acct_used_flag: '0', mid_setl_flag: '0' });

/** how often the setup sends again a request the gateway answered as safe to repeat */
const SAFE_REPEATS = 2;

export class InpatientSetup {
  readonly queues = { gateway: new IterationQueue(1), baseline: new IterationQueue(2) };
  private persons: BaselinePerson[] = [];
  private totals?: msg.SettlementTotals;
  private readonly platformLines = platformFeeLines(LINES);

  constructor(private readonly sides: Sides) {}

  /**
   * One request of the (unmeasured) setup. An answer the gateway itself calls safe to repeat — the
   * platform did not answer a call that books nothing (GW_SYS_PLATFORM_NO_REPLY_NOTHING_BOOKED) —
   * is sent again, as the HIS would, at most SAFE_REPEATS times, and said on stderr with its reason
   * (a full run once stopped on one such admission while preparing (d), 2026-12-01).
   */
  private async post(side: SideName, step: Step) {
    for (let repeat = 0; ; repeat++) {
      const r = await postJson(`${this.sides[side].url}${step.path}`, step.body, { ...this.sides[side].headers, ...step.headers });
      const error = (r.body as { error?: { code?: string; details?: { reason_en?: string } } } | undefined)?.error;
      if (r.status !== 502 || error?.code !== 'GW_SYS_PLATFORM_NO_REPLY_NOTHING_BOOKED' || repeat >= SAFE_REPEATS) return r;
      process.stderr.write(`[bench] (d) setup: ${step.path} answered ${error.code} (${error.details?.reason_en ?? '?'}); sent again\n`);
    }
  }

  /** The persons as the baseline knows them, the 2304 totals from one real 2301 reply, and one settlement per side to prove the path. */
  async init() {
    this.persons = [];
    for (let i = 0; i < PERSONS.length; i++) {
      const r = await this.post('baseline', { path: '/forward/1101', body: forwardBody(msg.personQuery1101(credential(i))) });
      this.persons.push(personFrom1101(expectStatus('baseline 1101', r, 200).output));
    }
    for (const side of ['baseline', 'gateway'] as const) {
      const steps = await this.stay(side, 0);
      let last: Awaited<ReturnType<typeof this.post>> | undefined;
      for (const step of steps) last = await this.post(side, step);
      const body = expectStatus(`${side} inpatient settlement`, last!, side === 'gateway' ? 201 : 200);
      if (side === 'gateway' && Number(body.slip.medfee_sumamt).toFixed(2) !== TOTAL)
        throw new Error(`(d): the gateway settled ${String(body.slip.medfee_sumamt)}, not ${TOTAL}`);
    }
  }

  async prepare(side: SideName, n: number) {
    await pool(n, SETUP_CONCURRENCY, async (i) => {
      this.queues[side].push(await this.stay(side, i));
    });
  }

  /** Admits, charges and discharges one stay (unmeasured); returns the measured iteration that settles it. */
  private async stay(side: SideName, i: number): Promise<Iteration> {
    const req = admissionRequest(i);
    if (side === 'gateway') {
      const adm = expectStatus(
        'gateway admission',
        await this.post('gateway', { path: '/v1/inpatient/admissions', body: JSON.stringify(req), headers: idem('adm') }),
        201,
      );
      const at = `/v1/inpatient/admissions/${adm.admission.admission_id as string}`;
      expectStatus(
        'gateway inpatient fees',
        await this.post('gateway', { path: `${at}/fees`, body: JSON.stringify({ lines: LINES }), headers: idem('ipfees') }),
        201,
      );
      expectStatus(
        'gateway discharge',
        await this.post('gateway', { path: `${at}/discharge`, body: JSON.stringify(DISCHARGE), headers: idem('dscg') }),
        200,
      );
      return [{ path: `${at}/settlement`, body: GATEWAY_SETTLE, headers: idem('ipsetl') }];
    }
    const p = this.persons[i % this.persons.length]!;
    const { mdtrt_cert_type, mdtrt_cert_no, ...details } = req;
    const facts = {
      psn_no: p.psn_no,
      insutype: p.insutype,
      ipt_no: req.ipt_no,
      mdtrt_cert_type,
      mdtrt_cert_no,
      begntime: ADMITTED,
      med_type: '21',
      emergency: false,
      trum_flag: '0',
      rel_ttp_flag: '0',
    };
    const fwd = (infno: string, input: object, what: string) =>
      this.post('baseline', { path: `/forward/${infno}`, body: forwardBody(input, p.insuplc_admdvs), headers: idem(what) });
    const adm = expectStatus(
      'baseline 2401',
      await fwd(
        '2401',
        ip.admit2401(facts, details as unknown as ip.AdmissionDetails, {
          insuplc_admdvs: p.insuplc_admdvs,
          mdtrtarea_admvs: MDTRTAREA_ADMVS,
        }),
        'adm',
      ),
      200,
    );
    const mdtrt_id = ((adm.output.result ?? adm.output.data) as { mdtrt_id: string }).mdtrt_id;
    const stay: ip.AdmissionFacts = { ...facts, mdtrt_id, endtime: DISCHARGED };
    const fees = expectStatus('baseline 2301', await fwd('2301', ip.feeUpload2301(stay, this.platformLines), 'ipfees'), 200);
    this.totals ??= totalsFrom2204(fees.output, this.platformLines);
    expectStatus(
      'baseline 2402',
      await fwd('2402', ip.discharge2402(stay, DISCHARGE as unknown as InpatientDischargeRequest), 'dscg'),
      200,
    );
    return [
      { path: '/forward/1101', body: forwardBody(msg.personQuery1101(credential(i))) },
      {
        path: '/forward/2304',
        body: forwardBody(ip.settle2304(stay, SETTLE_OPTIONS, this.totals), p.insuplc_admdvs),
        headers: idem('ipsetl'),
      },
    ];
  }
}
