import { randomUUID } from 'node:crypto';
import type { EnvelopeSettings } from '../../adapters/platform/envelope.js';
import * as msg from '../../adapters/platform/inpatient-messages.js';
import type { FeeLine } from '../../adapters/platform/outpatient-messages.js';
import { interfaceDateTime, type Clock } from '../../adapters/platform/msgid.js';
import { slipFromOutput, type Slip } from '../../adapters/platform/slip.js';
import type { InpatientAdmissionChangeRequest } from '../generated/api/inpatient-admission-change.request.js';
import type { InpatientAdmissionRequest } from '../generated/api/inpatient-admission.request.js';
import type { InpatientDischargeRequest } from '../generated/api/inpatient-discharge.request.js';
import type { InpatientFeesRequest } from '../generated/api/inpatient-fees.request.js';
import type { InpatientSettlementRequest } from '../generated/api/inpatient-settlement.request.js';
import type { InpatientTraumaCommitmentRequest } from '../generated/api/inpatient-trauma-commitment.request.js';
import type { OutsideFormRequest } from '../generated/api/outside-form.request.js';
import { GatewayError } from '../errors/errors.js';
import type { Store } from '../store/store.js';
import {
  AUDIT_REGISTER_ID,
  bookedSettlements,
  finalSettlement,
  latestSettlement,
  type Admission,
  type AuditRecord,
  type AuditRegister,
  type InpatientFeeLine,
  type InpatientSettlement,
  type OutsideForm,
} from './admission.js';
import { EncounterRunner, type RequestMeta, type StepResult } from './encounter-runner.js';
import { classifyAll, checkHisTotal, lineTotals, lineView, toFeeLine, totalsView } from './fee-lines.js';
import { expectTotal, storeSlip } from './settlement-records.js';
import { Decimal, sumOf } from './money.js';
import { checkFormDate, formFeeLines } from './outside-forms.js';
import type { Persons } from './persons.js';
import type { CallContext, PlatformClient } from './platform-client.js';
import { filingForStay } from './stay-filing.js';
import { checkTrauma, missingCommitmentFields } from './trauma-rules.js';

/** 医疗类别 of a stay (schemas/codes/med_type.json): 2x 住院, 52 生育住院, 3101 低自付住院. */
const INPATIENT_MED_TYPES = new Set(['21', '22', '23', '24', '25', '26', '28', '52', '2114', '3101']);
/** 急诊转住院: the emergency flag (住院类型 急诊) must be set with it. */
const EMERGENCY_MED_TYPE = '24';
/** 费用协查 threshold (JS 56, HN 76, LN 77): a stay total ≥ 30,000 yuan may be queried by the insured area. */
const AUDIT_THRESHOLD = new Decimal(30000);
const ALL_LINES = '0000';
/** UTC+8, the platform's time (PLATFORM_TZ_OFFSET_MINUTES): the day a settlement happens on. */
const CHINA_STANDARD_TIME = 480;

/**
 * Inpatient direct settlement (住院直接结算): admission, changes, fees, outside-purchase forms,
 * discharge, mid-stay and discharge settlement, recall (召回重结) — each guarded by the admission's
 * state and run one at a time through the EncounterRunner, like the outpatient flow.
 */
export class InpatientService {
  private readonly runner: EncounterRunner<Admission>;

  constructor(
    private readonly store: Store,
    private readonly platform: PlatformClient,
    private readonly persons: Persons,
    private readonly clock: Clock,
    readonly hospital: Pick<EnvelopeSettings, 'fixmedins_code' | 'fixmedins_name' | 'mdtrtarea_admvs'> &
      Partial<Pick<EnvelopeSettings, 'timeZoneOffsetMinutes'>>,
  ) {
    this.runner = new EncounterRunner<Admission>(store, clock, 'inpatient', 'GW_BIZ_ADMISSION_NOT_FOUND', (a, meta) => this.ctx(a, meta));
  }

  // ---- admission (1101 + 2401) ----------------------------------------------------------------
  async admit(req: InpatientAdmissionRequest, meta: RequestMeta) {
    checkMedType(req.med_type, req.emergency);
    const existingId = await this.store.findEncounterId('ipt_no', req.ipt_no);
    const existing = existingId ? await this.runner.load(existingId) : undefined;
    if (existing && existing.value.status !== 'admission_failed') {
      throw new GatewayError('GW_BIZ_DUPLICATE_ADMISSION', { details: { admission_id: existing.value.id, status: existing.value.status } });
    }
    const person = await this.persons.lookup(req, { request_id: meta.request_id, keys: { ipt_otp_no: req.ipt_no } });
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
    const { mdtrt_cert_type, mdtrt_cert_no, card_sn, counter_person: _c, psn_no: _p, insutype: _i, trauma_commitment, ...details } = req;
    const adm: Admission = {
      id: existing?.value.id ?? `A${now.slice(0, 10).replace(/-/g, '')}${randomUUID().replace(/-/g, '').slice(0, 12)}`,
      kind: 'inpatient',
      status: 'admitting',
      created_at: existing?.value.created_at ?? now,
      updated_at: now,
      facts: {
        psn_no: person.psn_no,
        insutype,
        ipt_no: req.ipt_no,
        mdtrt_cert_type,
        mdtrt_cert_no,
        card_sn,
        begntime: req.begntime,
        med_type: req.med_type,
        emergency: req.emergency,
        trum_flag: req.trum_flag,
        rel_ttp_flag: req.rel_ttp_flag,
      },
      details,
      person: { psn_name: person.psn_name, gend: person.gend, psn_cert_type: person.psn_cert_type, certno: person.certno },
      insuplc_admdvs: view.insuplc_admdvs,
      scope: view.scope,
      filing: view.filing,
      lines: [],
      commitment: trauma_commitment ? { ...trauma_commitment, recorded_at: now } : undefined,
      outside_forms: [],
      settlements: [],
      inflight: { op: 'admit', token, since: now },
    };
    const input = msg.admit2401(adm.facts, details, {
      insuplc_admdvs: view.insuplc_admdvs,
      mdtrtarea_admvs: this.hospital.mdtrtarea_admvs,
    });
    const r = await this.runner.open(
      adm,
      existing?.version ?? null,
      { ipt_no: req.ipt_no },
      '2401',
      () => new GatewayError('GW_BIZ_DUPLICATE_ADMISSION', { details: { ipt_no: req.ipt_no } }),
      async (a) => {
        const call = await this.platform.call('2401', input, this.ctx(a, meta, { his_input: redact(req) }));
        const { mdtrt_id } = (call.output.result ?? call.output.data) as { mdtrt_id: string };
        return {
          transaction_id: call.transaction_id,
          indexes: { mdtrt_id },
          apply: (w: Admission) => {
            w.status = 'admitted';
            w.facts.mdtrt_id = mdtrt_id;
          },
        };
      },
      (a, unknown) => {
        a.status = unknown ? 'admission_unknown' : 'admission_failed';
      },
    );
    return { admission: admissionView(r.encounter), person: view, transaction_id: r.transaction_id };
  }

  async get(id: string) {
    return admissionView((await this.runner.mustLoad(id)).value);
  }

  // ---- change (2403) and cancel (2404) --------------------------------------------------------
  async change(id: string, req: InpatientAdmissionChangeRequest, meta: RequestMeta) {
    return this.run(
      id,
      '2403',
      meta,
      (a) => {
        mustBeOpen(a);
        checkMedType(req.med_type ?? a.facts.med_type, req.emergency ?? a.facts.emergency);
      },
      async (a, ctx) => {
        const { begntime, med_type, emergency, trum_flag, rel_ttp_flag, ...rest } = req;
        const facts = { ...a.facts, ...defined({ begntime, med_type, emergency, trum_flag, rel_ttp_flag }) };
        const details = {
          ...a.details,
          ...defined({ begntime, med_type, emergency, trum_flag, rel_ttp_flag }),
          ...defined(rest),
        } as msg.AdmissionDetails;
        const r = await this.platform.call('2403', msg.change2403(stayFacts({ ...a, facts }), details), { ...ctx, his_input: req });
        return {
          transaction_id: r.transaction_id,
          apply: (w: Admission) => {
            w.facts = facts;
            w.details = details;
          },
        };
      },
    );
  }

  async cancel(id: string, meta: RequestMeta) {
    return this.run(
      id,
      '2404',
      meta,
      (a) => {
        if (a.status !== 'admitted') throw stateError(a, 'cancel the admission', 'only an admission not yet discharged can be cancelled');
        const live = latestSettlement(a);
        if (live) throw new GatewayError('GW_BIZ_VISIT_HAS_SETTLEMENT', { details: { setl_id: live.setl_id } });
      },
      async (a, ctx) => {
        const r = await this.platform.call('2404', msg.cancelAdmission2404(stayFacts(a)), ctx);
        return {
          transaction_id: r.transaction_id,
          apply: (w: Admission) => {
            w.status = 'cancelled';
          },
        };
      },
    );
  }

  // ---- fees (2301 / 2302) ---------------------------------------------------------------------
  async uploadFees(id: string, req: InpatientFeesRequest, meta: RequestMeta) {
    const lines = req.lines.map((l) => toFeeLine('', l));
    const classified = await this.upload(id, lines, meta, req);
    return { ...classified.result, lines: classified.lines.map(lineView), totals: totalsView(classified.lines) };
  }

  async cancelFees(id: string, feedetl_sn: string, meta: RequestMeta) {
    return this.run(
      id,
      '2302',
      meta,
      (a) => {
        mustBeOpen(a);
        if (feedetl_sn === ALL_LINES) return;
        const line = a.lines.find((l) => l.feedetl_sn === feedetl_sn);
        if (!line)
          throw new GatewayError('GW_VAL_SCHEMA', { message: `No fee line ${feedetl_sn} on this admission.`, details: { feedetl_sn } });
        if (line.setl_id) throw new GatewayError('GW_BIZ_VISIT_ALREADY_SETTLED', { details: { feedetl_sn, setl_id: line.setl_id } });
        if (line.form_id)
          throw new GatewayError('GW_BIZ_OUTSIDE_FORM_VOIDED', {
            message: 'A line of an outside-purchase form is removed by voiding the form.',
            details: { form_id: line.form_id },
          });
      },
      async (a, ctx) => {
        const r = await this.platform.call('2302', msg.feeCancel2302(stayFacts(a), feedetl_sn), ctx);
        return {
          transaction_id: r.transaction_id,
          apply: (w: Admission) => {
            const gone = (l: InpatientFeeLine) => l.setl_id === undefined && (feedetl_sn === ALL_LINES || l.feedetl_sn === feedetl_sn);
            const goneForms = new Set(
              w.lines
                .filter(gone)
                .map((l) => l.form_id)
                .filter(Boolean),
            );
            w.lines = w.lines.filter((l) => !gone(l));
            // "0000" takes every unsettled line, the forms' lines too: those forms are void now
            for (const f of w.outside_forms) {
              if (f.status === 'active' && goneForms.has(f.form_id))
                Object.assign(f, { status: 'void', voided_at: this.now(), void_reason: '费用明细全部撤销 (2302 "0000")' });
            }
          },
        };
      },
    );
  }

  // ---- trauma commitment (no platform call) ---------------------------------------------------
  async recordCommitment(id: string, req: InpatientTraumaCommitmentRequest) {
    const { token } = await this.runner.take(id, 'trauma_commitment', mustBeOpen);
    const saved = await this.runner.finish(id, token, undefined, (a) => {
      a.commitment = { ...a.commitment, ...req, recorded_at: this.now() };
    });
    const missing = missingCommitmentFields(saved.commitment);
    return { admission_id: id, commitment: saved.commitment, complete: missing.length === 0, missing };
  }

  // ---- outside-purchase forms (2301 with etip_flag / 2302) ------------------------------------
  async createForm(id: string, req: OutsideFormRequest, meta: RequestMeta) {
    const current = (await this.runner.mustLoad(id)).value;
    mustBeOpen(current);
    checkFormDate(req.form_date, current.facts.begntime, current.facts.endtime);
    if (
      req.certno.trim().toUpperCase() !== current.person.certno.trim().toUpperCase() ||
      req.psn_cert_type !== current.person.psn_cert_type
    ) {
      throw new GatewayError('GW_ID_PERSON_CREDENTIAL_MISMATCH', { details: { mismatched_fields: ['certno'] } });
    }
    const form_id = `F${randomUUID().replace(/-/g, '').slice(0, 16).toUpperCase()}`;
    const lines = formFeeLines(req);
    const { lines: _l, ...form } = req;
    const r = await this.upload(
      id,
      lines,
      meta,
      req,
      form_id,
      (a) => {
        checkFormDate(req.form_date, a.facts.begntime, a.facts.endtime);
      },
      (a, transaction_id) => {
        a.outside_forms.push({
          form_id,
          status: 'active',
          form,
          feedetl_sns: lines.map((l) => l.feedetl_sn),
          created_at: this.now(),
          transaction_id,
        });
      },
    );
    return {
      ...r.result,
      form_id,
      form: formView(r.result.admission_id, r.form!),
      lines: r.lines.map(lineView),
      totals: totalsView(r.lines),
    };
  }

  async listForms(id: string) {
    const a = (await this.runner.mustLoad(id)).value;
    return { admission_id: id, forms: a.outside_forms.map((f) => formView(id, f, a)) };
  }

  async form(id: string, form_id: string) {
    const a = (await this.runner.mustLoad(id)).value;
    const f = a.outside_forms.find((x) => x.form_id === form_id);
    if (!f) throw new GatewayError('GW_BIZ_OUTSIDE_FORM_NOT_FOUND', { details: { form_id } });
    return { admission: a, form: f, lines: a.lines.filter((l) => l.form_id === form_id) };
  }

  /** Voids a form: each of its (unsettled) lines is cancelled with 2302; progress is kept line by line. */
  async voidForm(id: string, form_id: string, reason: string | undefined, meta: RequestMeta) {
    const { encounter, token } = await this.runner.take(id, '2302', (a) => {
      mustBeOpen(a);
      const f = a.outside_forms.find((x) => x.form_id === form_id);
      if (!f) throw new GatewayError('GW_BIZ_OUTSIDE_FORM_NOT_FOUND', { details: { form_id } });
      if (f.status === 'void') throw new GatewayError('GW_BIZ_OUTSIDE_FORM_VOIDED', { details: { form_id } });
      if (a.lines.some((l) => l.form_id === form_id && l.setl_id))
        throw new GatewayError('GW_BIZ_OUTSIDE_FORM_VOIDED', { details: { form_id, settled: true } });
    });
    const ctx = this.ctx(encounter, meta);
    const cancelled: string[] = [];
    const transactions: string[] = [];
    try {
      for (const l of encounter.lines.filter((x) => x.form_id === form_id)) {
        const r = await this.platform.call('2302', msg.feeCancel2302(stayFacts(encounter), l.feedetl_sn), {
          ...ctx,
          his_input: { form_id, reason },
        });
        cancelled.push(l.feedetl_sn);
        transactions.push(r.transaction_id);
      }
    } catch (e) {
      await this.runner.finish(id, token, undefined, (a) => {
        a.lines = a.lines.filter((l) => !cancelled.includes(l.feedetl_sn));
        a.last_error = this.runner.errorNote(e);
      });
      throw e;
    }
    const saved = await this.runner.finish(id, token, undefined, (a) => {
      a.lines = a.lines.filter((l) => !cancelled.includes(l.feedetl_sn));
      const f = a.outside_forms.find((x) => x.form_id === form_id)!;
      Object.assign(f, { status: 'void', voided_at: this.now(), void_reason: reason });
    });
    return { admission: admissionView(saved), form_id, status: 'void', transaction_ids: transactions, transaction_id: transactions.at(-1) };
  }

  // ---- discharge (2402) and its cancellation (2405) -------------------------------------------
  async discharge(id: string, req: InpatientDischargeRequest, meta: RequestMeta) {
    return this.run(
      id,
      '2402',
      meta,
      (a) => {
        if (a.status !== 'admitted') throw stateError(a, 'discharge', 'the patient is not in hospital');
        if (req.endtime < a.facts.begntime)
          throw new GatewayError('GW_VAL_SCHEMA', {
            message: 'endtime is before the admission time.',
            details: { begntime: a.facts.begntime, endtime: req.endtime },
          });
        for (const f of a.outside_forms.filter((x) => x.status === 'active'))
          checkFormDate(f.form.form_date, a.facts.begntime, req.endtime);
      },
      async (a, ctx) => {
        const r = await this.platform.call('2402', msg.discharge2402(stayFacts(a), req), { ...ctx, his_input: req });
        return {
          transaction_id: r.transaction_id,
          apply: (w: Admission) => {
            w.status = 'discharged';
            w.facts.endtime = req.endtime;
          },
        };
      },
    );
  }

  async cancelDischarge(id: string, meta: RequestMeta) {
    return this.run(
      id,
      '2405',
      meta,
      (a) => {
        if (a.status !== 'discharged') throw stateError(a, 'cancel the discharge', 'the patient is not discharged');
        const s = finalSettlement(a);
        if (s) throw new GatewayError('GW_BIZ_VISIT_HAS_SETTLEMENT', { details: { setl_id: s.setl_id } });
      },
      async (a, ctx) => {
        const r = await this.platform.call('2405', msg.cancelDischarge2405(stayFacts(a)), ctx);
        return {
          transaction_id: r.transaction_id,
          apply: (w: Admission) => {
            w.status = 'admitted';
            delete w.facts.endtime;
          },
        };
      },
    );
  }

  // ---- pre-settlement (2303) and settlement (2304) --------------------------------------------
  async preSettle(id: string, req: InpatientSettlementRequest, meta: RequestMeta) {
    let slip: Slip | undefined;
    let filing_used: InpatientSettlement['filing_used'] | undefined;
    const r = await this.run(
      id,
      '2303',
      meta,
      (a) => settleGuard(a, req),
      async (a, ctx) => {
        filing_used = await this.filingNow(a, req, ctx);
        const { opts, totals } = settlementInputs(a, req);
        const call = await this.platform.call('2303', msg.preSettle2303(stayFacts(a), opts, totals), {
          ...ctx,
          his_input: req,
          expect: expectTotal(totals.medfee_sumamt),
        });
        slip = slipFromOutput('pre_settlement', call.output);
        return { transaction_id: call.transaction_id, apply: () => {} };
      },
    );
    return { ...r, filing_used, slip: storeSlip(slip!) };
  }

  async settle(id: string, req: InpatientSettlementRequest, meta: RequestMeta) {
    let entry: InpatientSettlement | undefined;
    let audit: AuditRecord | undefined;
    const r = await this.run(
      id,
      '2304',
      meta,
      (a) => settleGuard(a, req),
      async (a, ctx) => {
        const filing_used = await this.filingNow(a, req, ctx);
        const { opts, totals, lines } = settlementInputs(a, req);
        const call = await this.platform.call('2304', msg.settle2304(stayFacts(a), opts, totals), {
          ...ctx,
          keys: { ...ctx.keys, invono: req.invono },
          his_input: req,
          expect: expectTotal(totals.medfee_sumamt),
        });
        const slip = slipFromOutput('settlement', call.output);
        const setl_id = slip.setl_id ?? '';
        const settled_at = this.now();
        const stayTotal = sumOf([...bookedSettlements(a).map((s) => s.slip.amounts.medfee_sumamt ?? '0'), totals.medfee_sumamt]);
        const flagged = stayTotal.gte(AUDIT_THRESHOLD);
        entry = {
          setl_id,
          status: 'booked',
          transaction_id: call.transaction_id,
          settled_at,
          invono: req.invono,
          feedetl_sns: lines.map((l) => l.feedetl_sn),
          slip: storeSlip(slip),
          mid_setl_flag: req.mid_setl_flag,
          filing_used,
          audit: flagged,
        };
        if (flagged) audit = this.auditRecord(a, entry, totals.medfee_sumamt, stayTotal);
        const booked = entry;
        return {
          transaction_id: call.transaction_id,
          indexes: { setl_id },
          apply: (w: Admission) => {
            w.settlements.push(booked);
            for (const l of w.lines) if (booked.feedetl_sns.includes(l.feedetl_sn)) l.setl_id = setl_id;
          },
        };
      },
    );
    if (audit) await this.updateAuditRegister((entries) => entries.push(audit!));
    return {
      ...r,
      setl_id: entry!.setl_id,
      mid_setl_flag: entry!.mid_setl_flag,
      filing_used: entry!.filing_used,
      audit: entry!.audit,
      slip: entry!.slip,
    };
  }

  // ---- recall (2305): 召回重结, never 隔次召回 ---------------------------------------------------
  async cancelSettlement(setl_id: string, reason: string | undefined, meta: RequestMeta) {
    const id = await this.admissionIdOf(setl_id);
    let cancellation: InpatientSettlement['cancellation'];
    let wasAudited = false;
    const r = await this.run(
      id,
      '2305',
      meta,
      (a) => {
        const s = a.settlements.find((x) => x.setl_id === setl_id);
        if (!s) throw new GatewayError('GW_BIZ_SETTLEMENT_NOT_FOUND', { details: { setl_id } });
        if (s.status === 'cancelled')
          throw new GatewayError('GW_BIZ_SETTLEMENT_ALREADY_CANCELLED', { details: { setl_id, cancellation: s.cancellation?.setl_id } });
        const latest = latestSettlement(a);
        // LN 54: 召回重结 is allowed, 隔次召回 is not — only the latest settlement of the stay
        if (latest && latest.setl_id !== setl_id)
          throw new GatewayError('GW_BIZ_INPATIENT_RECALL_NOT_LATEST', { details: { setl_id, latest_setl_id: latest.setl_id } });
        wasAudited = s.audit;
      },
      async (a, ctx) => {
        const call = await this.platform.call('2305', msg.cancelSettlement2305(stayFacts(a), setl_id), {
          ...ctx,
          keys: { ...ctx.keys, setl_id },
          his_input: { setl_id, reason },
        });
        const slip = slipFromOutput('cancellation', call.output);
        cancellation = {
          setl_id: slip.setl_id,
          transaction_id: call.transaction_id,
          cancelled_at: this.now(),
          reason,
          slip: storeSlip(slip),
        };
        const done = cancellation;
        return {
          transaction_id: call.transaction_id,
          apply: (w: Admission) => {
            const s = w.settlements.find((x) => x.setl_id === setl_id)!;
            s.status = 'cancelled';
            s.cancellation = done;
            for (const l of w.lines) if (l.setl_id === setl_id) delete l.setl_id;
          },
        };
      },
    );
    if (wasAudited)
      await this.updateAuditRegister((entries) => {
        for (const e of entries) if (e.setl_id === setl_id) e.status = 'cancelled';
      });
    return { ...r, setl_id, cancel_setl_id: cancellation!.setl_id, slip: cancellation!.slip };
  }

  async settlement(setl_id: string) {
    const id = await this.admissionIdOf(setl_id);
    const a = (await this.runner.mustLoad(id)).value;
    const s = a.settlements.find((x) => x.setl_id === setl_id);
    if (!s) throw new GatewayError('GW_BIZ_SETTLEMENT_NOT_FOUND', { details: { setl_id } });
    return { admission_id: a.id, ...s };
  }

  /** Settlements marked for 费用协查 (≥ 30,000 yuan), newest first, with every field the insured area may query. */
  async auditList(status?: string) {
    const reg = await this.store.getEncounter<AuditRegister>(AUDIT_REGISTER_ID);
    const entries = [...(reg?.value.entries ?? [])].reverse().filter((e) => !status || e.status === status);
    return { threshold: AUDIT_THRESHOLD.toFixed(2), count: entries.length, settlements: entries };
  }

  async recoverAfterCrash(transaction: { id: string; infno: string; encounter_id?: string }) {
    await this.runner.recover(transaction, (a) => {
      if (a.status === 'admitting') a.status = 'admission_unknown';
    });
  }

  /** After a reversal (2601) undid an unknown booking: the admission may take the step again. */
  async releaseAfterReversal(transaction: { id: string; encounter_id?: string }) {
    return this.runner.release(transaction, (a) => {
      if (a.status === 'admission_unknown') a.status = 'admission_failed';
    });
  }

  // ---- mechanics ------------------------------------------------------------------------------
  /** Fee upload shared by plain lines and form lines: guard, 2301, classification, then `also` on success. */
  private async upload(
    id: string,
    lines: FeeLine[],
    meta: RequestMeta,
    hisInput: unknown,
    form_id?: string,
    extraGuard?: (a: Admission) => void,
    also?: (a: Admission, transaction_id: string) => void,
  ) {
    const seen = new Set<string>();
    for (const l of lines) {
      if (seen.has(l.feedetl_sn)) throw new GatewayError('GW_VAL_DUPLICATE_FEE_LINE', { details: { feedetl_sn: l.feedetl_sn } });
      seen.add(l.feedetl_sn);
    }
    let classified: InpatientFeeLine[] = [];
    let form: OutsideForm | undefined;
    const result = await this.run(
      id,
      '2301',
      meta,
      (a) => {
        mustBeOpen(a);
        extraGuard?.(a);
        const dup = a.lines.find((x) => seen.has(x.feedetl_sn));
        if (dup) throw new GatewayError('GW_VAL_DUPLICATE_FEE_LINE', { details: { feedetl_sn: dup.feedetl_sn } });
      },
      async (a, ctx) => {
        const r = await this.platform.call('2301', msg.feeUpload2301(stayFacts(a), lines), { ...ctx, his_input: hisInput });
        classified = classifyAll(lines, r.output.result).map((l) => ({ ...l, ...(form_id ? { form_id } : {}) }));
        return {
          transaction_id: r.transaction_id,
          apply: (w: Admission) => {
            w.lines.push(...classified);
            also?.(w, r.transaction_id);
            form = w.outside_forms.find((f) => f.form_id === form_id);
          },
        };
      },
    );
    return { result: { admission_id: id, admission: result.admission, transaction_id: result.transaction_id }, lines: classified, form };
  }

  /**
   * The filing the settlement goes under. The discharge settlement re-checks it with 1101 first, so a
   * filing made during the stay — or after the discharge, before this settlement — is picked up
   * (JS 25, HN 27, LN 17, JL 22); in Liaoning that 1101 is itself a trigger of the insured area's
   * automatic filing (LN 20 获取异地人员信息), which is how an un-filed patient is filed at discharge
   * (LN 17). A mid-stay settlement uses the status seen at admission.
   */
  private async filingNow(a: Admission, req: InpatientSettlementRequest, ctx: CallContext): Promise<InpatientSettlement['filing_used']> {
    if (req.mid_setl_flag !== '0') return a.filing;
    const person = await this.persons.lookup(
      { mdtrt_cert_type: a.facts.mdtrt_cert_type, mdtrt_cert_no: a.facts.mdtrt_cert_no, card_sn: a.facts.card_sn },
      ctx,
    );
    if (person.psn_no !== a.facts.psn_no)
      throw new GatewayError('GW_ID_PERSON_CREDENTIAL_MISMATCH', {
        transaction_id: person.transaction_id,
        details: { mismatched_fields: ['psn_no'] },
      });
    const today = interfaceDateTime(this.clock.now(), this.hospital.timeZoneOffsetMinutes ?? CHINA_STANDARD_TIME).slice(0, 10);
    return filingForStay(person.filings, a.insuplc_admdvs, this.hospital.mdtrtarea_admvs, a.facts.begntime, a.facts.endtime, today);
  }

  private auditRecord(a: Admission, s: InpatientSettlement, total: Decimal, stayTotal: Decimal): AuditRecord {
    return {
      setl_id: s.setl_id,
      admission_id: a.id,
      mdtrt_id: a.facts.mdtrt_id ?? '',
      psn_no: a.facts.psn_no,
      insuplc_admdvs: a.insuplc_admdvs,
      certno: a.person.certno,
      psn_name: a.person.psn_name,
      gend: a.person.gend,
      fixmedins_code: this.hospital.fixmedins_code,
      fixmedins_name: this.hospital.fixmedins_name,
      ipt_no: a.facts.ipt_no,
      invono: s.invono,
      begntime: a.facts.begntime,
      endtime: a.facts.endtime,
      medfee_sumamt: total.toFixed(2),
      stay_total: stayTotal.toFixed(2),
      mid_setl_flag: s.mid_setl_flag,
      settled_at: s.settled_at,
      status: 'booked',
    };
  }

  /** The audit register is one document, updated by compare-and-set like an encounter. */
  private async updateAuditRegister(change: (entries: AuditRecord[]) => void) {
    for (;;) {
      const cur = await this.store.getEncounter<AuditRegister>(AUDIT_REGISTER_ID);
      const next: AuditRegister = structuredClone(cur?.value ?? { id: AUDIT_REGISTER_ID, kind: 'audit_register', entries: [] });
      change(next.entries);
      if (await this.store.saveEncounter(next, cur?.version ?? null)) return;
    }
  }

  private async admissionIdOf(setl_id: string) {
    const id = await this.store.findEncounterId('setl_id', setl_id);
    if (!id || !(await this.runner.load(id))) throw new GatewayError('GW_BIZ_SETTLEMENT_NOT_FOUND', { details: { setl_id } });
    return id;
  }

  private now() {
    return this.clock.now().toISOString();
  }

  private ctx(a: Admission, meta: RequestMeta, extra: Partial<CallContext> = {}): CallContext {
    return {
      insuplc_admdvs: a.insuplc_admdvs,
      encounter_id: a.id,
      request_id: meta.request_id,
      keys: { psn_no: a.facts.psn_no, mdtrt_id: a.facts.mdtrt_id, ipt_otp_no: a.facts.ipt_no },
      ...extra,
    };
  }

  private async run(
    id: string,
    infno: string,
    meta: RequestMeta,
    guard: (a: Admission) => void,
    exec: (a: Admission, ctx: CallContext) => Promise<StepResult<Admission>>,
  ) {
    const r = await this.runner.run(id, infno, meta, guard, exec);
    return { admission_id: id, admission: admissionView(r.encounter), transaction_id: r.transaction_id };
  }
}

// ---- pure helpers -----------------------------------------------------------------------------

function checkMedType(med_type: string, emergency: boolean) {
  if (!INPATIENT_MED_TYPES.has(med_type)) throw new GatewayError('GW_VAL_MED_TYPE_NOT_INPATIENT', { details: { med_type } });
  if (med_type === EMERGENCY_MED_TYPE && !emergency) {
    throw new GatewayError('GW_VAL_EMERGENCY_FLAG_MISMATCH', {
      details: { emergency, med_type, expected: 'emergency true with med_type 24 (急诊转住院)' },
    });
  }
}

const defined = <T extends Record<string, unknown>>(o: T) =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

function stayFacts(a: Pick<Admission, 'facts'>): msg.AdmissionFacts {
  return { ...a.facts, mdtrt_id: a.facts.mdtrt_id ?? '' };
}

function stateError(a: Admission, op: string, why: string) {
  return new GatewayError('GW_BIZ_ADMISSION_STATE', {
    message: `Cannot ${op}: ${why} (status ${a.status}).`,
    details: { status: a.status, op },
  });
}

/** Open: admitted or discharged, and not settled at discharge — the stay still takes fees, forms, changes. */
function mustBeOpen(a: Admission) {
  if (a.status === 'cancelled') throw stateError(a, 'change the stay', 'the admission is cancelled');
  if (a.status !== 'admitted' && a.status !== 'discharged') throw stateError(a, 'change the stay', 'the admission is not registered');
  const s = finalSettlement(a);
  if (s) throw new GatewayError('GW_BIZ_VISIT_ALREADY_SETTLED', { details: { setl_id: s.setl_id } });
}

function settleGuard(a: Admission, req: InpatientSettlementRequest) {
  mustBeOpen(a);
  if (req.mid_setl_flag === '1' && a.status !== 'admitted')
    throw stateError(a, 'settle mid-stay', 'the patient is discharged: settle at discharge (mid_setl_flag 0)');
  if (req.mid_setl_flag === '0' && a.status !== 'discharged') throw stateError(a, 'settle at discharge', 'discharge (2402) first');
  checkTrauma(a.facts, a.commitment);
  const lines = a.lines.filter((l) => l.setl_id === undefined);
  if (!lines.length) throw new GatewayError('GW_BIZ_VISIT_NO_FEES');
  checkHisTotal(lines, req.medfee_sumamt);
}

function settlementInputs(a: Admission, req: InpatientSettlementRequest) {
  const lines = a.lines.filter((l) => l.setl_id === undefined);
  return {
    lines,
    opts: {
      psn_setlway: req.psn_setlway ?? '01',
      acct_used_flag: req.acct_used_flag,
      mid_setl_flag: req.mid_setl_flag,
      invono: req.invono,
    },
    totals: lineTotals(lines),
  };
}

function formView(admission_id: string, f: OutsideForm, a?: Admission) {
  return { admission_id, ...f, lines: a?.lines.filter((l) => l.form_id === f.form_id).map(lineView) };
}

/** What the HIS sees of an admission: never the credential number or the person's identity. */
export function admissionView(a: Admission) {
  const { mdtrt_cert_no: _n, card_sn: _s, ...f } = a.facts;
  const missing = a.facts.trum_flag === '1' && a.facts.rel_ttp_flag !== '1' ? missingCommitmentFields(a.commitment) : [];
  return {
    admission_id: a.id,
    status: a.status,
    ...f,
    insuplc_admdvs: a.insuplc_admdvs,
    scope: a.scope,
    filing: a.filing,
    trauma: {
      trum_flag: a.facts.trum_flag,
      rel_ttp_flag: a.facts.rel_ttp_flag,
      commitment_recorded: !!a.commitment,
      commitment_missing: missing.map((m) => m.field),
    },
    lines: a.lines.length,
    unsettled_lines: a.lines.filter((l) => l.setl_id === undefined).length,
    unsettled_totals: totalsView(a.lines.filter((l) => l.setl_id === undefined)),
    outside_forms: a.outside_forms.map((x) => ({ form_id: x.form_id, status: x.status, form_date: x.form.form_date })),
    settlements: a.settlements.map((s) => ({
      setl_id: s.setl_id,
      status: s.status,
      mid_setl_flag: s.mid_setl_flag,
      audit: s.audit,
      transaction_id: s.transaction_id,
      cancel_setl_id: s.cancellation?.setl_id,
    })),
    pending: a.inflight
      ? { op: a.inflight.op, outcome: a.inflight.outcome ?? 'in_flight', transaction_id: a.inflight.transaction_id }
      : undefined,
    last_error: a.last_error,
    created_at: a.created_at,
    updated_at: a.updated_at,
  };
}

function redact(req: InpatientAdmissionRequest) {
  // The journal keeps what the HIS sent, but the credential travels only in the platform message.
  const { mdtrt_cert_no: _n, card_sn: _s, counter_person: _c, trauma_commitment: _t, ...rest } = req;
  return rest;
}
