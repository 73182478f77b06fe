import * as msg from '../../adapters/platform/outpatient-messages.js';
import type { Clock } from '../../adapters/platform/msgid.js';
import type { FeesUploadRequest } from '../generated/api/fees-upload.request.js';
import type { SettlementRequest } from '../generated/api/settlement.request.js';
import type { VisitCreateRequest } from '../generated/api/visit-create.request.js';
import type { VisitDiagnosesRequest } from '../generated/api/visit-diagnoses.request.js';
import { GatewayError } from '../errors/errors.js';
import type { Store, TransactionRecord } from '../store/store.js';
import { cancellable, distinctLineIds, notSettled, nothingSettledUnder, notYetUploaded, settleable } from './encounter-guards.js';
import {
  EncounterRunner,
  encounterContext,
  failedAs,
  openedStep,
  openingDraft,
  type RequestMeta,
  runState,
  type StepResult,
} from './encounter-runner.js';
import { cancellationStep, findSettlement, settlementOwner, settlementStep, slipCall } from './encounter-steps.js';
import { OutpatientInquiries, withdrawn } from './outpatient-inquiry.js';
import { visitStatus } from './settled-status.js';
import { classifyAll, lineTotals, lineView, toFeeLine, totalsView, unsettled } from './fee-lines.js';
import { emergencyCriterion } from './emergency-criteria.js';
import { type Persons, withoutCredential } from './persons.js';
import { addSelfPayMark, checkSelfPayClaim, refuseIfSelfPaid, type SelfPayClaim, selfPayView } from './self-pay-link.js';
import type { CallContext, PlatformClient } from './platform-client.js';
import { cancellationRecord, settlementRecord, settlementSummary } from './settlement-records.js';
import {
  ALL_BATCHES,
  type Cancellation,
  EMERGENCY_MED_TYPE,
  liveSettlement,
  type OutpatientVisit,
  type SettlementEntry,
  type StoredSlip,
} from './visit.js';

/**
 * Outpatient direct settlement (门诊直接结算): registration, visit information, fees, pre-settlement,
 * settlement and their cancellations, each guarded by the visit's state machine:
 * no settlement before fees and diagnoses, no fees after settlement, one live settlement per visit,
 * a settlement cancelled at most once, one transaction in flight per visit.
 */
export class OutpatientService {
  private readonly runner: EncounterRunner<OutpatientVisit>;
  private readonly inquiries: OutpatientInquiries;

  constructor(
    private readonly store: Store,
    private readonly platform: PlatformClient,
    private readonly persons: Persons,
    private readonly clock: Clock,
    /** where the 门诊急诊标志 goes (adapters/platform/outpatient-messages.ts ErFlagPlacement) */
    private readonly erFlagAt: msg.ErFlagPlacement = 'fee_exp_content',
    /**
     * After a settlement of a visit with a cancelled settlement (Refunds.visitSettled: a refund whose
     * kept lines the counter settles again leaves the console's work queue); never throws.
     */
    private readonly afterRefundedVisitSettled?: (visit_id: string) => Promise<void>,
  ) {
    this.runner = new EncounterRunner<OutpatientVisit>(store, clock, 'outpatient', 'GW_BIZ_VISIT_NOT_FOUND', ctxOf);
    this.inquiries = new OutpatientInquiries(this.runner);
  }

  // ---- registration (1101 + 2201) -------------------------------------------------------------
  async register(req: VisitCreateRequest, meta: RequestMeta) {
    const emergency_criterion = emergencyCriterion(req.emergency, req.emergency_criterion, this.now());
    const existing = await this.runner.reopenable(
      'ipt_otp_no',
      req.ipt_otp_no,
      'registration_failed',
      (v) => new GatewayError('GW_BIZ_DUPLICATE_VISIT', { details: { visit_id: v.id, status: visitStatus(v.status, v.settlements) } }),
    );
    // a visit paid as self-pay and uploaded is not registered again for direct settlement (JL 22, HN 17)
    if (existing?.value.self_pay) refuseIfSelfPaid(existing.value);
    const person = await this.persons.identify(
      req,
      req.psn_no,
      { request_id: meta.request_id, keys: { ipt_otp_no: req.ipt_otp_no } },
      { ...meta, channel: 'outpatient_registration' },
    );
    const view = this.persons.view(person, req.begntime, req.insutype, !!req.counter_person);
    const insutype = this.persons.insuranceOf(person, req.insutype).insutype;
    const visit: OutpatientVisit = {
      ...openingDraft(existing?.value, 'V', 'outpatient', 'registering', 'register', this.now()),
      facts: {
        psn_no: person.psn_no,
        insutype,
        ipt_otp_no: req.ipt_otp_no,
        mdtrt_cert_type: req.mdtrt_cert_type,
        mdtrt_cert_no: req.mdtrt_cert_no,
        card_sn: req.card_sn,
        begntime: req.begntime,
        emergency: req.emergency,
      },
      ...(emergency_criterion ? { emergency_criterion } : {}),
      insuplc_admdvs: view.insuplc_admdvs,
      scope: view.scope,
      filing: view.filing,
      dept_code: req.dept_code,
      dept_name: req.dept_name,
      diagnosed: false,
      lines: [],
      settlements: [],
    };
    const r = await this.runner.open(
      visit,
      existing?.version ?? null,
      { ipt_otp_no: req.ipt_otp_no },
      '2201',
      (w) =>
        new GatewayError('GW_BIZ_DUPLICATE_VISIT', {
          details: { ipt_otp_no: req.ipt_otp_no, ...(w ? { visit_id: w.id, status: w.status } : {}) },
        }),
      async (v) => {
        const call = await this.platform.call(
          '2201',
          msg.register2201(req, person.psn_no, insutype, this.erFlagAt),
          ctxOf(v, meta, { his_input: hisInputOf(req) }),
        );
        const { mdtrt_id } = call.output.data as { mdtrt_id: string };
        return openedStep<OutpatientVisit>(call.transaction_id, mdtrt_id, 'registered');
      },
      failedAs<OutpatientVisit>('registration_unknown', 'registration_failed'),
    );
    return { visit: visitView(r.encounter), person: view, transaction_id: r.transaction_id };
  }

  async get(id: string) {
    return visitView((await this.runner.mustLoad(id)).value);
  }

  /** The visit as journaled, for the printed slip (print-sources.ts); never answered as such. */
  async record(id: string) {
    return (await this.runner.mustLoad(id)).value;
  }

  // ---- cancel registration (2202) -------------------------------------------------------------
  async cancelRegistration(id: string, meta: RequestMeta) {
    return this.run(
      id,
      '2202',
      meta,
      (v) => {
        mustBeRegistered(v);
        nothingSettledUnder(liveSettlement(v));
      },
      async (v, ctx) => {
        const r = await this.platform.call('2202', msg.cancelRegistration2202(facts(v)), ctx);
        return {
          transaction_id: r.transaction_id,
          apply: (w: OutpatientVisit) => {
            w.status = 'cancelled';
          },
        };
      },
    );
  }

  // ---- visit information and diagnoses (2203) -------------------------------------------------
  async diagnose(id: string, req: VisitDiagnosesRequest, meta: RequestMeta) {
    return this.run(
      id,
      '2203',
      meta,
      (v) => {
        mustBeOpen(v);
        const isEmergencyType = req.med_type === EMERGENCY_MED_TYPE;
        if (isEmergencyType !== v.facts.emergency) {
          throw new GatewayError('GW_VAL_EMERGENCY_FLAG_MISMATCH', {
            details: {
              emergency: v.facts.emergency,
              med_type: req.med_type,
              expected_med_type: v.facts.emergency ? EMERGENCY_MED_TYPE : 'not 13',
            },
          });
        }
      },
      async (v, ctx) => {
        const r = await this.platform.call('2203', msg.visitInfo2203(facts(v), req, this.erFlagAt), { ...ctx, his_input: req });
        return {
          transaction_id: r.transaction_id,
          apply: (w: OutpatientVisit) => {
            w.diagnosed = true;
            w.facts.med_type = req.med_type;
          },
        };
      },
    );
  }

  // ---- fee upload (2204) and cancel (2205) ----------------------------------------------------
  async uploadFees(id: string, req: FeesUploadRequest, meta: RequestMeta) {
    const lines = req.lines.map((l) => toFeeLine(req.chrg_bchno, l));
    const ids = distinctLineIds(lines);
    let classified: OutpatientVisit['lines'] = [];
    const result = await this.run(
      id,
      '2204',
      meta,
      (v) => {
        mustBeOpen(v);
        notYetUploaded(v.lines, ids);
      },
      async (v, ctx) => {
        const r = await this.platform.call('2204', msg.feeUpload2204(facts(v), lines, this.erFlagAt), { ...ctx, his_input: req });
        classified = classifyAll(lines, r.output.result);
        return {
          transaction_id: r.transaction_id,
          apply: (w: OutpatientVisit) => {
            w.lines.push(...classified);
          },
        };
      },
    );
    return { ...result, chrg_bchno: req.chrg_bchno, lines: classified.map(lineView), totals: totalsView(classified) };
  }

  async cancelFees(id: string, chrg_bchno: string, meta: RequestMeta) {
    return this.run(id, '2205', meta, mustBeOpen, async (v, ctx) => {
      const r = await this.platform.call('2205', msg.feeCancel2205(facts(v), chrg_bchno), ctx);
      return {
        transaction_id: r.transaction_id,
        apply: (w: OutpatientVisit) => {
          const gone = new Set(withdrawn(w, chrg_bchno));
          w.lines = w.lines.filter((l) => !gone.has(l));
        },
      };
    });
  }

  // ---- pre-settlement (2206) and settlement (2207) --------------------------------------------
  async preSettle(id: string, req: SettlementRequest, meta: RequestMeta) {
    let slip: StoredSlip | undefined;
    const r = await this.run(
      id,
      '2206',
      meta,
      (v) => settleGuard(v, req),
      async (v, ctx) => {
        const { opts, totals } = settlementInputs(v, req);
        const quote = await slipCall(this.platform, '2206', msg.preSettle2206(facts(v), opts, totals), ctx, 'pre_settlement', {
          his_input: req,
          total: totals.medfee_sumamt,
        });
        slip = quote.slip;
        return { transaction_id: quote.transaction_id, apply: () => {} };
      },
    );
    return { ...r, slip: slip! };
  }

  async settle(id: string, req: SettlementRequest, meta: RequestMeta) {
    let entry: SettlementEntry | undefined;
    const r = await this.run(
      id,
      '2207',
      meta,
      (v) => settleGuard(v, req),
      async (v, ctx) => {
        const { opts, totals, lines } = settlementInputs(v, req);
        const { transaction_id, slip } = await slipCall(this.platform, '2207', msg.settle2207(facts(v), opts, totals), ctx, 'settlement', {
          keys: { invono: req.invono },
          his_input: req,
          total: totals.medfee_sumamt,
        });
        entry = settlementRecord(transaction_id, slip, lines, req.invono, this.now());
        return settlementStep(entry);
      },
    );
    // only a visit with a cancelled settlement can have a refund waiting for its kept lines
    if (this.afterRefundedVisitSettled && r.visit.settlements.some((x) => x.status === 'cancelled'))
      await this.afterRefundedVisitSettled(id);
    const emergency = r.visit.emergency ? { emergency: { emergency: true as const, criterion: r.visit.emergency_criterion } } : {};
    return { ...r, setl_id: entry!.setl_id, ...emergency, slip: entry!.slip };
  }

  // ---- settlement cancel (2208) ---------------------------------------------------------------
  async cancelSettlement(setl_id: string, reason: string | undefined, meta: RequestMeta, refund?: Cancellation['refund']) {
    const id = await settlementOwner(this.store, setl_id);
    let cancellation: Cancellation | undefined;
    const r = await this.run(
      id,
      '2208',
      meta,
      (v) => cancellable(v.settlements, setl_id),
      async (v, ctx) => {
        const { transaction_id, slip } = await slipCall(
          this.platform,
          '2208',
          msg.cancelSettlement2208(facts(v), setl_id),
          ctx,
          'cancellation',
          { keys: { setl_id }, his_input: { setl_id, reason } },
        );
        cancellation = cancellationRecord(transaction_id, slip, reason, this.now(), refund);
        return cancellationStep(setl_id, cancellation);
      },
    );
    return { ...r, setl_id, cancel_setl_id: cancellation!.setl_id, slip: cancellation!.slip };
  }

  async settlement(setl_id: string) {
    const { encounter, settlement } = await findSettlement(this.store, this.runner, setl_id);
    return { visit_id: encounter.id, ...settlement };
  }

  /**
   * After a restart: a transaction journaled 'pending' never got its answer. Its outcome is unknown;
   * a visit waiting on a booking transaction stays blocked (visible to staff) until it is resolved.
   */
  async recoverAfterCrash(transaction: { id: string; infno: string; encounter_id?: string }) {
    await this.runner.recover(transaction, (v) => {
      if (v.status === 'registering') v.status = 'registration_unknown';
    });
  }

  /**
   * Reversal hook (gateway/resilience/reversal-worker.ts): the unknown `transaction` is undone at
   * the platform (reversed by 2601, or it never booked). Nothing of it was applied to the visit, so
   * releasing the visit is the whole rollback: after a 2207 the lines are unsettled and the visit
   * can be settled again; after a 2208 the settlement stays booked and may be cancelled again.
   */
  async releaseAfterReversal(transaction: { id: string; encounter_id?: string }) {
    return this.runner.release(transaction);
  }

  /** Inquiry hooks (reversal worker): outpatient-inquiry.ts. */
  inquiryPlan(transaction: TransactionRecord) {
    return this.inquiries.plan(transaction);
  }
  bookingInquiry(transaction: TransactionRecord) {
    return this.inquiries.bookingPlan(transaction);
  }
  inquired(transaction: TransactionRecord) {
    return this.inquiries.adopt(transaction);
  }

  // ---- self-pay (store-and-forward upload of the full self-pay data) -------------------------
  /**
   * The visit was paid as self-pay and its self-pay data is being uploaded (POST /v1/self-pay-uploads
   * naming this visit): marked, so that it is never settled directly afterwards (JL 22, HN 17).
   */
  async markSelfPay(id: string, claim: SelfPayClaim, upload_id: string, by?: string) {
    const { token } = await this.runner.take(id, 'self_pay_upload', (v) => {
      checkSelfPayClaim(claim, {
        id: v.id,
        psn_no: v.facts.psn_no,
        number: v.facts.ipt_otp_no,
        insuplc_admdvs: v.insuplc_admdvs,
        mdtrt_id: v.facts.mdtrt_id,
      });
      const live = liveSettlement(v);
      if (live) throw new GatewayError('GW_BIZ_VISIT_ALREADY_SETTLED', { details: { visit_id: v.id, setl_id: live.setl_id } });
    });
    const saved = await this.runner.finish(id, token, undefined, (v) => {
      v.self_pay = addSelfPayMark(v.self_pay, upload_id, this.now(), by);
    });
    return { encounter_id: id, kind: 'outpatient' as const, mdtrt_id: saved.facts.mdtrt_id };
  }

  // ---- the state machine's mechanics ----------------------------------------------------------
  private now() {
    return this.clock.now().toISOString();
  }

  private async run(
    id: string,
    infno: string,
    meta: RequestMeta,
    guard: (v: OutpatientVisit) => void,
    exec: (v: OutpatientVisit, ctx: CallContext) => Promise<StepResult<OutpatientVisit>>,
  ) {
    const r = await this.runner.run(id, infno, meta, guard, exec);
    return { visit: visitView(r.encounter), transaction_id: r.transaction_id };
  }
}

// ---- pure helpers ---------------------------------------------------------------------------------

/** What the journal keeps of a registration's HIS input: no credential, no counter operator. */
function hisInputOf(req: VisitCreateRequest) {
  const { counter_operator: _o, ...rest } = withoutCredential(req);
  return rest;
}

function ctxOf(v: OutpatientVisit, meta: RequestMeta, extra: Partial<CallContext> = {}): CallContext {
  return encounterContext(v, meta, { psn_no: v.facts.psn_no, mdtrt_id: v.facts.mdtrt_id, ipt_otp_no: v.facts.ipt_otp_no }, extra);
}

function facts(v: OutpatientVisit): msg.VisitFacts {
  return { ...v.facts, mdtrt_id: v.facts.mdtrt_id ?? '' };
}

function mustBeRegistered(v: OutpatientVisit) {
  if (v.status === 'cancelled') throw new GatewayError('GW_BIZ_VISIT_CANCELLED');
  if (v.status !== 'registered')
    throw new GatewayError('GW_BIZ_VISIT_NOT_FOUND', {
      message: `The visit is not registered (status ${v.status}).`,
      message_zh: `该就诊未处于已挂号状态（当前状态 ${v.status}）`,
      details: { status: v.status },
    });
}

/** Registered and not settled: the visit still takes diagnoses and fees. */
function mustBeOpen(v: OutpatientVisit) {
  mustBeRegistered(v);
  notSettled(liveSettlement(v));
}

function selectedLines(v: OutpatientVisit, chrg_bchno: string) {
  return unsettled(v.lines).filter((l) => chrg_bchno === ALL_BATCHES || l.chrg_bchno === chrg_bchno);
}

function settleGuard(v: OutpatientVisit, req: SettlementRequest) {
  mustBeOpen(v);
  refuseIfSelfPaid(v);
  if (!v.diagnosed) throw new GatewayError('GW_BIZ_VISIT_NO_DIAGNOSIS');
  settleable(selectedLines(v, req.chrg_bchno ?? ALL_BATCHES), req.medfee_sumamt);
}

function settlementInputs(v: OutpatientVisit, req: SettlementRequest) {
  const chrg_bchno = req.chrg_bchno ?? ALL_BATCHES;
  const lines = selectedLines(v, chrg_bchno);
  return {
    lines,
    opts: {
      chrg_bchno,
      psn_setlway: req.psn_setlway ?? '01',
      acct_used_flag: req.acct_used_flag,
      invono: req.invono,
      med_type: v.facts.med_type ?? '11',
    },
    totals: lineTotals(lines),
  };
}

/** What the HIS sees of a visit: never the credential number. */
export function visitView(v: OutpatientVisit) {
  const { mdtrt_cert_no: _n, card_sn: _s, ...f } = v.facts;
  return {
    visit_id: v.id,
    status: visitStatus(v.status, v.settlements),
    ...f,
    insuplc_admdvs: v.insuplc_admdvs,
    scope: v.scope,
    filing: v.filing,
    ...(v.emergency_criterion ? { emergency_criterion: v.emergency_criterion } : {}),
    ...(v.self_pay ? { self_pay: selfPayView(v.self_pay) } : {}),
    diagnosed: v.diagnosed,
    lines: v.lines.length,
    unsettled_lines: unsettled(v.lines).length,
    settlements: v.settlements.map(settlementSummary),
    ...runState(v),
  };
}
