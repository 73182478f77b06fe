import * as msg from '../../adapters/platform/inpatient-messages.js';
import { admissionStatus } from './settled-status.js';
import type { Clock } from '../../adapters/platform/msgid.js';
import type { InpatientAdmissionChangeRequest } from '../generated/api/inpatient-admission-change.request.js';
import type { InpatientAdmissionRequest } from '../generated/api/inpatient-admission.request.js';
import type { InpatientDischargeRequest } from '../generated/api/inpatient-discharge.request.js';
import type { InpatientFeesRequest } from '../generated/api/inpatient-fees.request.js';
import type { InpatientSettlementRequest } from '../generated/api/inpatient-settlement.request.js';
import type { InpatientTraumaCommitmentRequest } from '../generated/api/inpatient-trauma-commitment.request.js';
import type { OutsideFormRequest } from '../generated/api/outside-form.request.js';
import { GatewayError } from '../errors/errors.js';
import type { Store, TransactionRecord } from '../store/store.js';
import { type Admission, finalSettlement, latestSettlement } from './admission.js';
import { admissionView, checkMedType, mustBeOpen, stateError, stayFacts } from './admission-rules.js';
import { auditList } from './audit-register.js';
import { nothingSettledUnder } from './encounter-guards.js';
import { failedAs, openedStep, openingDraft, type RequestMeta } from './encounter-runner.js';
import { InpatientFees, withdrawLines, withdrawnLines } from './inpatient-fees.js';
import { classifyAll, toFeeLine } from './fee-lines.js';
import { type InquiryPlan, inquiryPlan } from './inquiries.js';
import { InpatientSettlements } from './inpatient-settlement.js';
import { type Hospital, nowOf, runOnStay, type StayDeps, stayContext, stayRunner } from './inpatient-stay.js';
import { emergencyCriterion } from './emergency-criteria.js';
import { checkFormDate, checkFormLines } from './outside-forms.js';
import { type Persons, withoutCredential } from './persons.js';
import type { PlatformClient } from './platform-client.js';
import { addSelfPayMark, checkSelfPayClaim, refuseIfSelfPaid, type SelfPayClaim } from './self-pay-link.js';
import { commitmentProblems, refuseInvalidCommitment } from './trauma-rules.js';

/**
 * Inpatient direct settlement (住院直接结算): admission, changes, discharge and their cancellations
 * here (the admission's lifecycle); fees and outside-purchase forms in inpatient-fees.ts; mid-stay
 * and discharge settlement and recall (召回重结) in inpatient-settlement.ts — each step guarded by
 * the admission's state and run one at a time through the EncounterRunner, like the outpatient flow.
 */
export class InpatientService {
  private readonly d: StayDeps;
  private readonly fees: InpatientFees;
  private readonly settlements: InpatientSettlements;

  constructor(
    store: Store,
    platform: PlatformClient,
    persons: Persons,
    clock: Clock,
    readonly hospital: Hospital,
  ) {
    this.d = { store, platform, persons, clock, hospital, runner: stayRunner(store, clock) };
    this.fees = new InpatientFees(this.d);
    this.settlements = new InpatientSettlements(this.d);
  }

  // ---- admission (1101 + 2401) ----------------------------------------------------------------
  async admit(req: InpatientAdmissionRequest, meta: RequestMeta) {
    checkMedType(req.med_type, req.emergency);
    const now = nowOf(this.d);
    const emergency_criterion = emergencyCriterion(req.emergency, req.emergency_criterion, now);
    const { runner, persons, platform } = this.d;
    const existing = await runner.reopenable(
      'ipt_no',
      req.ipt_no,
      'admission_failed',
      (a) =>
        new GatewayError('GW_BIZ_DUPLICATE_ADMISSION', {
          details: { admission_id: a.id, status: admissionStatus(a.status, a.settlements) },
        }),
    );
    // a stay paid as self-pay and uploaded is not admitted again for direct settlement (JL 22, HN 17)
    if (existing?.value.self_pay) refuseIfSelfPaid(existing.value);
    const person = await persons.identify(
      req,
      req.psn_no,
      { request_id: meta.request_id, keys: { ipt_otp_no: req.ipt_no } },
      { ...meta, channel: 'inpatient_admission' },
    );
    // JS annex 7, HN annex 3: a commitment sent with the admission is judged against the 1101 person
    if (req.trauma_commitment) refuseInvalidCommitment(req.trauma_commitment, person);
    const view = persons.view(person, req.begntime, req.insutype, !!req.counter_person);
    const insutype = persons.insuranceOf(person, req.insutype).insutype;
    const {
      mdtrt_cert_type,
      mdtrt_cert_no,
      card_sn,
      counter_person: _c,
      counter_operator: _o,
      psn_no: _p,
      insutype: _i,
      trauma_commitment,
      emergency_criterion: _e,
      ...details
    } = req;
    const adm: Admission = {
      ...openingDraft(existing?.value, 'A', 'inpatient', 'admitting', 'admit', now),
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
      person: {
        psn_name: person.psn_name,
        gend: person.gend,
        psn_cert_type: person.psn_cert_type,
        certno: person.certno,
        ...(person.brdy ? { brdy: person.brdy } : {}),
        ...(person.age !== undefined ? { age: person.age } : {}),
      },
      ...(emergency_criterion ? { emergency_criterion } : {}),
      insuplc_admdvs: view.insuplc_admdvs,
      scope: view.scope,
      filing: view.filing,
      lines: [],
      commitment: trauma_commitment ? { ...trauma_commitment, recorded_at: now } : undefined,
      outside_forms: [],
      settlements: [],
    };
    const input = msg.admit2401(adm.facts, details, {
      insuplc_admdvs: view.insuplc_admdvs,
      mdtrtarea_admvs: this.hospital.mdtrtarea_admvs,
    });
    const { trauma_commitment: _t, counter_operator: _co, ...hisInput } = withoutCredential(req);
    const r = await runner.open(
      adm,
      existing?.version ?? null,
      { ipt_no: req.ipt_no },
      '2401',
      (w) =>
        new GatewayError('GW_BIZ_DUPLICATE_ADMISSION', {
          details: { ipt_no: req.ipt_no, ...(w ? { admission_id: w.id, status: w.status } : {}) },
        }),
      async (a) => {
        const call = await platform.call('2401', input, stayContext(a, meta, { his_input: hisInput }));
        const { mdtrt_id } = (call.output.result ?? call.output.data) as { mdtrt_id: string };
        return openedStep<Admission>(call.transaction_id, mdtrt_id, 'admitted');
      },
      failedAs<Admission>('admission_unknown', 'admission_failed'),
    );
    return { admission: admissionView(r.encounter), person: view, transaction_id: r.transaction_id };
  }

  async get(id: string) {
    return admissionView((await this.d.runner.mustLoad(id)).value);
  }

  /** The stay as journaled, for the printed slip (print-sources.ts); never answered as such. */
  async record(id: string) {
    return (await this.d.runner.mustLoad(id)).value;
  }

  // ---- change (2403) and cancel (2404) --------------------------------------------------------
  async change(id: string, req: InpatientAdmissionChangeRequest, meta: RequestMeta) {
    return runOnStay(
      this.d,
      id,
      '2403',
      meta,
      (a) => {
        mustBeOpen(a);
        checkMedType(req.med_type ?? a.facts.med_type, req.emergency ?? a.facts.emergency);
        changedCriterion(a, req, nowOf(this.d));
      },
      async (a, ctx) => {
        const criterion = changedCriterion(a, req, nowOf(this.d));
        const { begntime, med_type, emergency, trum_flag, rel_ttp_flag, emergency_criterion: _e, ...rest } = req;
        const facts = { ...a.facts, ...defined({ begntime, med_type, emergency, trum_flag, rel_ttp_flag }) };
        const details = {
          ...a.details,
          ...defined({ begntime, med_type, emergency, trum_flag, rel_ttp_flag }),
          ...defined(rest),
        } as msg.AdmissionDetails;
        const r = await this.d.platform.call('2403', msg.change2403(stayFacts({ ...a, facts }), details), { ...ctx, his_input: req });
        return {
          transaction_id: r.transaction_id,
          apply: (w: Admission) => {
            w.facts = facts;
            w.details = details;
            if (criterion) w.emergency_criterion = criterion;
            else delete w.emergency_criterion;
          },
        };
      },
    );
  }

  async cancel(id: string, meta: RequestMeta) {
    return runOnStay(
      this.d,
      id,
      '2404',
      meta,
      (a) => {
        if (a.status !== 'admitted')
          throw stateError(
            a,
            ['cancel the admission', '撤销入院'],
            ['only an admission not yet discharged can be cancelled', '只能撤销尚未出院的入院登记；已出院的请先撤销出院（2405）'],
          );
        nothingSettledUnder(latestSettlement(a));
      },
      async (a, ctx) => {
        const r = await this.d.platform.call('2404', msg.cancelAdmission2404(stayFacts(a)), ctx);
        return {
          transaction_id: r.transaction_id,
          apply: (w: Admission) => {
            w.status = 'cancelled';
          },
        };
      },
    );
  }

  // ---- trauma commitment (no platform call) ---------------------------------------------------
  /**
   * Records 《外伤无第三方责任承诺书》 (or part of it): the form as it would stand is judged first — a
   * wrong field (an implausible 联系电话, a patient signing with another's ID number, a relative with
   * the patient's) refuses the whole call, nothing recorded; what is still missing is said.
   */
  async recordCommitment(id: string, req: InpatientTraumaCommitmentRequest) {
    const { token } = await this.d.runner.take(id, 'trauma_commitment', (a) => {
      mustBeOpen(a);
      refuseInvalidCommitment({ ...a.commitment, ...req }, a.person);
    });
    const saved = await this.d.runner.finish(id, token, undefined, (a) => {
      a.commitment = { ...a.commitment, ...req, recorded_at: nowOf(this.d) };
    });
    const { missing, missing_text } = commitmentProblems(saved.commitment, saved.person);
    return { admission_id: id, commitment: saved.commitment, complete: missing.length === 0, missing, missing_text };
  }

  // ---- discharge (2402) and its cancellation (2405) -------------------------------------------
  async discharge(id: string, req: InpatientDischargeRequest, meta: RequestMeta) {
    return runOnStay(
      this.d,
      id,
      '2402',
      meta,
      (a) => {
        if (a.status !== 'admitted') throw stateError(a, ['discharge', '办理出院'], ['the patient is not in hospital', '患者不在院']);
        if (req.endtime < a.facts.begntime)
          throw new GatewayError('GW_VAL_SCHEMA', {
            message: 'endtime is before the admission time.',
            message_zh: '出院时间（endtime）早于入院时间（begntime）',
            details: { begntime: a.facts.begntime, endtime: req.endtime },
          });
        for (const f of a.outside_forms.filter((x) => x.status === 'active')) {
          checkFormDate(f.form.form_date, a.facts.begntime, req.endtime);
          checkFormLines(
            f.form.form_date,
            a.lines.filter((l) => l.form_id === f.form_id),
            a.facts.begntime,
            req.endtime,
          );
        }
      },
      async (a, ctx) => {
        const r = await this.d.platform.call('2402', msg.discharge2402(stayFacts(a), req), { ...ctx, his_input: req });
        return {
          transaction_id: r.transaction_id,
          apply: (w: Admission) => {
            w.status = 'discharged';
            w.facts.endtime = req.endtime;
            // the printed slip's 出院科室 (JS annex 9)
            w.discharge = { dscg_dept_codg: req.dscg_dept_codg, dscg_dept_name: req.dscg_dept_name };
          },
        };
      },
    );
  }

  async cancelDischarge(id: string, meta: RequestMeta) {
    return runOnStay(
      this.d,
      id,
      '2405',
      meta,
      (a) => {
        if (a.status !== 'discharged')
          throw stateError(a, ['cancel the discharge', '撤销出院'], ['the patient is not discharged', '患者尚未办理出院']);
        nothingSettledUnder(finalSettlement(a));
      },
      async (a, ctx) => {
        const r = await this.d.platform.call('2405', msg.cancelDischarge2405(stayFacts(a)), ctx);
        return {
          transaction_id: r.transaction_id,
          apply: (w: Admission) => {
            w.status = 'admitted';
            delete w.facts.endtime;
            delete w.discharge;
          },
        };
      },
    );
  }

  // ---- self-pay (store-and-forward upload of the full self-pay data) -------------------------
  /**
   * The stay was paid as self-pay and its self-pay data is being uploaded (POST /v1/self-pay-uploads
   * naming this admission): marked, so that it is never settled directly afterwards (JL 22, HN 17).
   * Refused when the upload is not this stay's, or the stay is settled at discharge already.
   */
  async markSelfPay(id: string, claim: SelfPayClaim, upload_id: string, by?: string) {
    const { token } = await this.d.runner.take(id, 'self_pay_upload', (a) => {
      checkSelfPayClaim(claim, {
        id: a.id,
        psn_no: a.facts.psn_no,
        number: a.facts.ipt_no,
        insuplc_admdvs: a.insuplc_admdvs,
        mdtrt_id: a.facts.mdtrt_id,
      });
      const fin = finalSettlement(a);
      if (fin) throw new GatewayError('GW_BIZ_VISIT_ALREADY_SETTLED', { details: { admission_id: a.id, setl_id: fin.setl_id } });
    });
    const saved = await this.d.runner.finish(id, token, undefined, (a) => {
      a.self_pay = addSelfPayMark(a.self_pay, upload_id, nowOf(this.d), by);
    });
    return { encounter_id: id, kind: 'inpatient' as const, mdtrt_id: saved.facts.mdtrt_id };
  }

  // ---- fees and outside-purchase forms (inpatient-fees.ts) ------------------------------------
  uploadFees(id: string, req: InpatientFeesRequest, meta: RequestMeta) {
    return this.fees.uploadFees(id, req, meta);
  }
  cancelFees(id: string, feedetl_sn: string, meta: RequestMeta) {
    return this.fees.cancelFees(id, feedetl_sn, meta);
  }
  createForm(id: string, req: OutsideFormRequest, meta: RequestMeta) {
    return this.fees.createForm(id, req, meta);
  }
  listForms(id: string) {
    return this.fees.listForms(id);
  }
  form(id: string, form_id: string) {
    return this.fees.form(id, form_id);
  }
  voidForm(id: string, form_id: string, reason: string | undefined, meta: RequestMeta) {
    return this.fees.voidForm(id, form_id, reason, meta);
  }

  // ---- settlement and recall (inpatient-settlement.ts) ----------------------------------------
  preSettle(id: string, req: InpatientSettlementRequest, meta: RequestMeta) {
    return this.settlements.preSettle(id, req, meta);
  }
  settle(id: string, req: InpatientSettlementRequest, meta: RequestMeta) {
    return this.settlements.settle(id, req, meta);
  }
  cancelSettlement(setl_id: string, reason: string | undefined, meta: RequestMeta) {
    return this.settlements.cancelSettlement(setl_id, reason, meta);
  }
  settlement(setl_id: string) {
    return this.settlements.settlement(setl_id);
  }

  /** Settlements marked for 费用协查 (≥ 30,000 yuan), newest first, with every field the insured area may query. */
  auditList(status?: string) {
    return auditList(this.d.store, status);
  }

  // ---- after a crash, after a reversal --------------------------------------------------------
  async recoverAfterCrash(transaction: { id: string; infno: string; encounter_id?: string }) {
    await this.d.runner.recover(transaction, (a) => {
      if (a.status === 'admitting') a.status = 'admission_unknown';
    });
  }

  /**
   * Inquiry hook (reversal worker): how to find out what became of an unknown write of the stay —
   * discharge (2402), its cancellation (2405), the admission's cancellation (2404), a change (2403),
   * fee lines uploaded (2301) or withdrawn (2302). The lines of an outside-purchase form (2301 with
   * etip_flag, sent with the form) have none: the form's own state would need it too; staff decide.
   */
  async inquiryPlan(transaction: TransactionRecord): Promise<InquiryPlan | undefined> {
    if (!['2402', '2404', '2405', '2403', '2301', '2302'].includes(transaction.infno)) return undefined;
    if (transaction.infno === '2301' && !plainFeeUpload(transaction)) return undefined;
    const a = transaction.encounter_id ? await this.d.runner.load(transaction.encounter_id) : undefined;
    if (!a) return undefined;
    const f = a.value.facts;
    return inquiryPlan(transaction, {
      psn_no: f.psn_no,
      mdtrt_id: f.mdtrt_id,
      begntime: f.begntime,
      med_type: f.med_type,
      default_med_type: f.med_type,
      cancelled_lines: transaction.infno === '2302' ? withdrawnLines(a.value, lineOf(transaction)).map((l) => l.feedetl_sn) : undefined,
    });
  }

  /** Inquiry hook: the stay takes the platform's answer (done: the step happened; not_done: it did not) and is released. */
  async inquired(transaction: TransactionRecord) {
    const done = transaction.resolution?.state === 'done';
    return this.d.runner.release(transaction, (a) => {
      if (!done) return;
      if (transaction.infno === '2402') {
        a.status = 'discharged';
        a.facts.endtime = (transaction.stages.his_input as InpatientDischargeRequest).endtime;
      }
      if (transaction.infno === '2405') {
        a.status = 'admitted';
        delete a.facts.endtime;
      }
      if (transaction.infno === '2404') a.status = 'cancelled';
      if (transaction.infno === '2302') withdrawLines(a, lineOf(transaction), nowOf(this.d));
      const upload = transaction.infno === '2301' ? plainFeeUpload(transaction) : undefined;
      if (upload)
        a.lines.push(
          ...classifyAll(
            upload.lines.map((l) => toFeeLine('', l)),
            transaction.resolution?.learned?.lines ?? [],
          ),
        );
    });
  }

  /** After a reversal (2601) undid an unknown booking: the admission may take the step again. */
  async releaseAfterReversal(transaction: { id: string; encounter_id?: string }) {
    return this.d.runner.release(transaction, (a) => {
      if (a.status === 'admission_unknown') a.status = 'admission_failed';
    });
  }
}

/** The HIS's plain fee upload a 2301 carried (not an outside-purchase form's lines). */
function plainFeeUpload(t: TransactionRecord): InpatientFeesRequest | undefined {
  const h = t.stages.his_input as (Partial<InpatientFeesRequest> & { form_date?: unknown }) | undefined;
  return h && Array.isArray(h.lines) && h.form_date === undefined ? (h as InpatientFeesRequest) : undefined;
}

const lineOf = (t: TransactionRecord) =>
  String((t.stages.message as { data?: { feedetl_sn?: unknown } } | undefined)?.data?.feedetl_sn ?? '');

/**
 * The criterion of the stay once `req` (a 2403 change) applies: a new one with the change, the
 * stay's own while it stays an emergency, none when it stops being one (LN 22).
 */
function changedCriterion(a: Admission, req: InpatientAdmissionChangeRequest, now: string) {
  if (req.emergency === undefined && req.emergency_criterion === undefined) return a.emergency_criterion;
  const emergency = req.emergency ?? a.facts.emergency;
  if (req.emergency_criterion || !emergency) return emergencyCriterion(emergency, req.emergency_criterion, now);
  return a.emergency_criterion ?? emergencyCriterion(true, undefined, now);
}

const defined = <T extends Record<string, unknown>>(o: T) =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
