import { randomUUID } from 'node:crypto';
import * as msg from '../../adapters/platform/outpatient-messages.js';
import { slipFromOutput, type Slip } from '../../adapters/platform/slip.js';
import type { Clock } from '../../adapters/platform/msgid.js';
import type { FeesUploadRequest } from '../generated/api/fees-upload.request.js';
import type { SettlementRequest } from '../generated/api/settlement.request.js';
import type { VisitCreateRequest } from '../generated/api/visit-create.request.js';
import type { VisitDiagnosesRequest } from '../generated/api/visit-diagnoses.request.js';
import { GatewayError } from '../errors/errors.js';
import type { Store } from '../store/store.js';
import { EncounterRunner, type RequestMeta, type StepResult } from './encounter-runner.js';
import { asArray, checkHisTotal, classify, expectTotal, lineTotals, lineView, storeSlip, toFeeLine, totalsView } from './fee-lines.js';
import type { Persons } from './persons.js';
import type { CallContext, PlatformClient } from './platform-client.js';
import { liveSettlement, type OutpatientVisit, type SettlementEntry, type StoredFeeLine } from './visit.js';

export type { RequestMeta };
/** moved to fee-lines.ts (shared with inpatient); re-exported for the modules that import it from here */
export { storeSlip };

const EMERGENCY_MED_TYPE = '13';

/**
 * Outpatient direct settlement (门诊直接结算): registration, visit information, fees, pre-settlement,
 * settlement and their cancellations, each guarded by the visit's state machine:
 * no settlement before fees and diagnoses, no fees after settlement, one live settlement per visit,
 * a settlement cancelled at most once, one transaction in flight per visit.
 */
export class OutpatientService {
  private readonly runner: EncounterRunner<OutpatientVisit>;

  constructor(
    private readonly store: Store,
    private readonly platform: PlatformClient,
    private readonly persons: Persons,
    private readonly clock: Clock,
  ) {
    this.runner = new EncounterRunner<OutpatientVisit>(store, clock, 'outpatient', 'GW_BIZ_VISIT_NOT_FOUND', (v, meta) =>
      this.ctx(v, meta),
    );
  }

  // ---- registration (1101 + 2201) -------------------------------------------------------------
  async register(req: VisitCreateRequest, meta: RequestMeta) {
    const existingId = await this.store.findEncounterId('ipt_otp_no', req.ipt_otp_no);
    const existing = existingId ? await this.runner.load(existingId) : undefined;
    if (existing && existing.value.status !== 'registration_failed') {
      throw new GatewayError('GW_BIZ_DUPLICATE_VISIT', { details: { visit_id: existing.value.id, status: existing.value.status } });
    }
    const person = await this.persons.lookup(req, { request_id: meta.request_id, keys: { ipt_otp_no: req.ipt_otp_no } });
    if (req.psn_no && req.psn_no !== person.psn_no) {
      throw new GatewayError('GW_ID_PERSON_CREDENTIAL_MISMATCH', {
        transaction_id: person.transaction_id,
        details: { mismatched_fields: ['psn_no'] },
      });
    }
    const view = this.persons.view(person, req.begntime, req.insutype, !!req.counter_person);
    const insutype = this.persons.insuranceOf(person, req.insutype).insutype;
    const now = this.clock.now().toISOString();
    const token = randomUUID();
    const visit: OutpatientVisit = {
      id: existing?.value.id ?? `V${now.slice(0, 10).replace(/-/g, '')}${randomUUID().replace(/-/g, '').slice(0, 12)}`,
      kind: 'outpatient',
      status: 'registering',
      created_at: existing?.value.created_at ?? now,
      updated_at: now,
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
      insuplc_admdvs: view.insuplc_admdvs,
      scope: view.scope,
      filing: view.filing,
      dept_code: req.dept_code,
      diagnosed: false,
      lines: [],
      settlements: [],
      inflight: { op: 'register', token, since: now },
    };
    const r = await this.runner.open(
      visit,
      existing?.version ?? null,
      { ipt_otp_no: req.ipt_otp_no },
      '2201',
      () => new GatewayError('GW_BIZ_DUPLICATE_VISIT', { details: { ipt_otp_no: req.ipt_otp_no } }),
      async (v) => {
        const call = await this.platform.call(
          '2201',
          msg.register2201(req, person.psn_no, insutype),
          this.ctx(v, meta, { his_input: redactCredential(req) }),
        );
        const { mdtrt_id } = call.output.data as { mdtrt_id: string };
        return {
          transaction_id: call.transaction_id,
          indexes: { mdtrt_id },
          apply: (w: OutpatientVisit) => {
            w.status = 'registered';
            w.facts.mdtrt_id = mdtrt_id;
          },
        };
      },
      (v, unknown) => {
        v.status = unknown ? 'registration_unknown' : 'registration_failed';
      },
    );
    return { visit: visitView(r.encounter), person: view, transaction_id: r.transaction_id };
  }

  async get(id: string) {
    return visitView((await this.runner.mustLoad(id)).value);
  }

  // ---- cancel registration (2202) -------------------------------------------------------------
  async cancelRegistration(id: string, meta: RequestMeta) {
    return this.run(
      id,
      '2202',
      meta,
      (v) => {
        mustBeRegistered(v);
        if (liveSettlement(v)) throw new GatewayError('GW_BIZ_VISIT_HAS_SETTLEMENT', { details: { setl_id: liveSettlement(v)?.setl_id } });
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
        mustBeRegistered(v);
        noLiveSettlement(v);
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
        const r = await this.platform.call('2203', msg.visitInfo2203(facts(v), req), { ...ctx, his_input: req });
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

  // ---- fee upload (2204) ----------------------------------------------------------------------
  async uploadFees(id: string, req: FeesUploadRequest, meta: RequestMeta) {
    const lines = req.lines.map((l) => toFeeLine(req.chrg_bchno, l));
    const seen = new Set<string>();
    for (const l of lines) {
      if (seen.has(l.feedetl_sn)) throw new GatewayError('GW_VAL_DUPLICATE_FEE_LINE', { details: { feedetl_sn: l.feedetl_sn } });
      seen.add(l.feedetl_sn);
    }
    let classified: StoredFeeLine[] = [];
    const result = await this.run(
      id,
      '2204',
      meta,
      (v) => {
        mustBeRegistered(v);
        noLiveSettlement(v);
        const dup = v.lines.find((x) => seen.has(x.feedetl_sn));
        if (dup) throw new GatewayError('GW_VAL_DUPLICATE_FEE_LINE', { details: { feedetl_sn: dup.feedetl_sn } });
      },
      async (v, ctx) => {
        const r = await this.platform.call('2204', msg.feeUpload2204(facts(v), lines), { ...ctx, his_input: req });
        const results = asArray(r.output.result);
        classified = lines.map((l) =>
          classify(
            l,
            results.find((x) => String(x.feedetl_sn) === l.feedetl_sn),
          ),
        );
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

  // ---- fee cancel (2205) ----------------------------------------------------------------------
  async cancelFees(id: string, chrg_bchno: string, meta: RequestMeta) {
    return this.run(
      id,
      '2205',
      meta,
      (v) => {
        mustBeRegistered(v);
        noLiveSettlement(v);
      },
      async (v, ctx) => {
        const r = await this.platform.call('2205', msg.feeCancel2205(facts(v), chrg_bchno), ctx);
        return {
          transaction_id: r.transaction_id,
          apply: (w: OutpatientVisit) => {
            w.lines = w.lines.filter((l) => l.setl_id !== undefined || (chrg_bchno !== '0000' && l.chrg_bchno !== chrg_bchno));
          },
        };
      },
    );
  }

  // ---- pre-settlement (2206) and settlement (2207) --------------------------------------------
  async preSettle(id: string, req: SettlementRequest, meta: RequestMeta) {
    let slip: Slip | undefined;
    const r = await this.run(
      id,
      '2206',
      meta,
      (v) => settleGuard(v, req),
      async (v, ctx) => {
        const { opts, totals } = settlementInputs(v, req);
        const call = await this.platform.call('2206', msg.preSettle2206(facts(v), opts, totals), {
          ...ctx,
          his_input: req,
          expect: expectTotal(totals.medfee_sumamt),
        });
        slip = slipFromOutput('pre_settlement', call.output);
        return { transaction_id: call.transaction_id, apply: () => {} };
      },
    );
    return { ...r, slip: storeSlip(slip!) };
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
        const call = await this.platform.call('2207', msg.settle2207(facts(v), opts, totals), {
          ...ctx,
          keys: { ...ctx.keys, invono: req.invono },
          his_input: req,
          expect: expectTotal(totals.medfee_sumamt),
        });
        const slip = slipFromOutput('settlement', call.output);
        const setl_id = slip.setl_id ?? '';
        entry = {
          setl_id,
          status: 'booked',
          transaction_id: call.transaction_id,
          settled_at: this.clock.now().toISOString(),
          invono: req.invono,
          feedetl_sns: lines.map((l) => l.feedetl_sn),
          slip: storeSlip(slip),
        };
        const booked = entry;
        return {
          transaction_id: call.transaction_id,
          indexes: { setl_id },
          apply: (w: OutpatientVisit) => {
            w.settlements.push(booked);
            for (const l of w.lines) if (booked.feedetl_sns.includes(l.feedetl_sn)) l.setl_id = setl_id;
          },
        };
      },
    );
    return { ...r, setl_id: entry!.setl_id, slip: entry!.slip };
  }

  // ---- settlement cancel (2208) ---------------------------------------------------------------
  async cancelSettlement(setl_id: string, reason: string | undefined, meta: RequestMeta) {
    const id = await this.store.findEncounterId('setl_id', setl_id);
    if (!id) throw new GatewayError('GW_BIZ_SETTLEMENT_NOT_FOUND', { details: { setl_id } });
    let cancellation: SettlementEntry['cancellation'];
    const r = await this.run(
      id,
      '2208',
      meta,
      (v) => {
        const s = v.settlements.find((x) => x.setl_id === setl_id);
        if (!s) throw new GatewayError('GW_BIZ_SETTLEMENT_NOT_FOUND', { details: { setl_id } });
        if (s.status === 'cancelled')
          throw new GatewayError('GW_BIZ_SETTLEMENT_ALREADY_CANCELLED', { details: { setl_id, cancellation: s.cancellation?.setl_id } });
      },
      async (v, ctx) => {
        const call = await this.platform.call('2208', msg.cancelSettlement2208(facts(v), setl_id), {
          ...ctx,
          keys: { ...ctx.keys, setl_id },
          his_input: { setl_id, reason },
        });
        const slip = slipFromOutput('cancellation', call.output);
        cancellation = {
          setl_id: slip.setl_id,
          transaction_id: call.transaction_id,
          cancelled_at: this.clock.now().toISOString(),
          reason,
          slip: storeSlip(slip),
        };
        const done = cancellation;
        return {
          transaction_id: call.transaction_id,
          apply: (w: OutpatientVisit) => {
            const s = w.settlements.find((x) => x.setl_id === setl_id)!;
            s.status = 'cancelled';
            s.cancellation = done;
            for (const l of w.lines) if (l.setl_id === setl_id) delete l.setl_id;
          },
        };
      },
    );
    return { ...r, setl_id, cancel_setl_id: cancellation!.setl_id, slip: cancellation!.slip };
  }

  async settlement(setl_id: string) {
    const id = await this.store.findEncounterId('setl_id', setl_id);
    const v = id ? await this.runner.load(id) : undefined;
    const s = v?.value.settlements.find((x) => x.setl_id === setl_id);
    if (!v || !s) throw new GatewayError('GW_BIZ_SETTLEMENT_NOT_FOUND', { details: { setl_id } });
    return { visit_id: v.value.id, ...s };
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
    if (!transaction.encounter_id) return 'not_waiting' as const;
    return this.runner.release(transaction.encounter_id, transaction.id);
  }

  // ---- the state machine's mechanics ----------------------------------------------------------
  private ctx(v: OutpatientVisit, meta: RequestMeta, extra: Partial<CallContext> = {}): CallContext {
    return {
      insuplc_admdvs: v.insuplc_admdvs,
      encounter_id: v.id,
      request_id: meta.request_id,
      keys: { psn_no: v.facts.psn_no, mdtrt_id: v.facts.mdtrt_id, ipt_otp_no: v.facts.ipt_otp_no },
      ...extra,
    };
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

// ---- pure helpers (the ones shared with inpatient live in fee-lines.ts) --------------------------

function facts(v: OutpatientVisit): msg.VisitFacts {
  return { ...v.facts, mdtrt_id: v.facts.mdtrt_id ?? '' };
}

function mustBeRegistered(v: OutpatientVisit) {
  if (v.status === 'cancelled') throw new GatewayError('GW_BIZ_VISIT_CANCELLED');
  if (v.status !== 'registered')
    throw new GatewayError('GW_BIZ_VISIT_NOT_FOUND', {
      message: `The visit is not registered (status ${v.status}).`,
      details: { status: v.status },
    });
}

function noLiveSettlement(v: OutpatientVisit) {
  const s = liveSettlement(v);
  if (s) throw new GatewayError('GW_BIZ_VISIT_ALREADY_SETTLED', { details: { setl_id: s.setl_id } });
}

function selectedLines(v: OutpatientVisit, chrg_bchno: string) {
  return v.lines.filter((l) => l.setl_id === undefined && (chrg_bchno === '0000' || l.chrg_bchno === chrg_bchno));
}

function settleGuard(v: OutpatientVisit, req: SettlementRequest) {
  mustBeRegistered(v);
  noLiveSettlement(v);
  if (!v.diagnosed) throw new GatewayError('GW_BIZ_VISIT_NO_DIAGNOSIS');
  const lines = selectedLines(v, req.chrg_bchno ?? '0000');
  if (!lines.length) throw new GatewayError('GW_BIZ_VISIT_NO_FEES');
  checkHisTotal(lines, req.medfee_sumamt);
}

function settlementInputs(v: OutpatientVisit, req: SettlementRequest) {
  const chrg_bchno = req.chrg_bchno ?? '0000';
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
    status: v.status,
    ...f,
    insuplc_admdvs: v.insuplc_admdvs,
    scope: v.scope,
    filing: v.filing,
    diagnosed: v.diagnosed,
    lines: v.lines.length,
    unsettled_lines: v.lines.filter((l) => l.setl_id === undefined).length,
    settlements: v.settlements.map((s) => ({
      setl_id: s.setl_id,
      status: s.status,
      transaction_id: s.transaction_id,
      cancel_setl_id: s.cancellation?.setl_id,
    })),
    pending: v.inflight
      ? { op: v.inflight.op, outcome: v.inflight.outcome ?? 'in_flight', transaction_id: v.inflight.transaction_id }
      : undefined,
    last_error: v.last_error,
    created_at: v.created_at,
    updated_at: v.updated_at,
  };
}

function redactCredential(req: VisitCreateRequest) {
  // The journal keeps what the HIS sent, but the credential travels only in the platform message.
  const { mdtrt_cert_no: _n, card_sn: _s, counter_person: _c, ...rest } = req;
  return rest;
}
