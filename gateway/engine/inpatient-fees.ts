/**
 * The stay's fees: fee lines (2301 upload, 2302 cancel) and the outside-purchase forms whose lines
 * go on the stay (外检/外购: 2301 with etip_flag, voided line by line with 2302).
 */
import { randomUUID } from 'node:crypto';
import * as msg from '../../adapters/platform/inpatient-messages.js';
import type { FeeLine } from '../../adapters/platform/outpatient-messages.js';
import type { InpatientFeesRequest } from '../generated/api/inpatient-fees.request.js';
import type { OutsideFormRequest } from '../generated/api/outside-form.request.js';
import { GatewayError } from '../errors/errors.js';
import type { Admission, InpatientFeeLine, OutsideForm } from './admission.js';
import { admissionView, mustBeOpen, stayFacts } from './admission-rules.js';
import { distinctLineIds, notYetUploaded } from './encounter-guards.js';
import type { RequestMeta } from './encounter-runner.js';
import { classifyAll, lineView, toFeeLine, totalsView } from './fee-lines.js';
import { nowOf, runOnStay, type StayDeps, stayContext } from './inpatient-stay.js';
import { annexFor, annexRef } from './outside-form-annexes.js';
import { checkFormDate, checkFormLines, checkFormPerson, formFeeLines, formFields } from './outside-forms.js';

const ALL_LINES = '0000';

export class InpatientFees {
  constructor(private readonly d: StayDeps) {}

  // ---- fees (2301 / 2302) ---------------------------------------------------------------------
  async uploadFees(id: string, req: InpatientFeesRequest, meta: RequestMeta) {
    const lines = req.lines.map((l) => toFeeLine('', l));
    const classified = await this.upload(id, lines, meta, req);
    return { ...classified.result, lines: classified.lines.map(lineView), totals: totalsView(classified.lines) };
  }

  async cancelFees(id: string, feedetl_sn: string, meta: RequestMeta) {
    return runOnStay(
      this.d,
      id,
      '2302',
      meta,
      (a) => {
        mustBeOpen(a);
        if (feedetl_sn === ALL_LINES) return;
        const line = a.lines.find((l) => l.feedetl_sn === feedetl_sn);
        if (!line)
          throw new GatewayError('GW_VAL_SCHEMA', {
            message: `No fee line ${feedetl_sn} on this admission.`,
            message_zh: `本次住院没有费用明细 ${feedetl_sn}`,
            details: { feedetl_sn },
          });
        if (line.setl_id) throw new GatewayError('GW_BIZ_VISIT_ALREADY_SETTLED', { details: { feedetl_sn, setl_id: line.setl_id } });
        if (line.form_id)
          throw new GatewayError('GW_BIZ_OUTSIDE_FORM_VOIDED', {
            message: 'A line of an outside-purchase form is removed by voiding the form.',
            message_zh: '该明细属于外院检查治疗或购药单，须作废该单据（其明细随之撤销），不能单独撤销',
            details: { form_id: line.form_id },
          });
      },
      async (a, ctx) => {
        const r = await this.d.platform.call('2302', msg.feeCancel2302(stayFacts(a), feedetl_sn), ctx);
        return {
          transaction_id: r.transaction_id,
          apply: (w: Admission) => withdrawLines(w, feedetl_sn, nowOf(this.d)),
        };
      },
    );
  }

  // ---- outside-purchase forms (2301 with etip_flag / 2302) ------------------------------------
  /**
   * Issues a form under the treatment area's annex (outside-form-annexes.json): the form's date and
   * every line inside the stay, no line before the form's date (outside-forms.ts), the patient the
   * 1101 person of the stay; its lines go up with etip_flag (2301).
   */
  async createForm(id: string, req: OutsideFormRequest, meta: RequestMeta) {
    const current = (await this.d.runner.mustLoad(id)).value;
    const inStay = (a: Admission) => {
      checkFormDate(req.form_date, a.facts.begntime, a.facts.endtime);
      checkFormLines(req.form_date, req.lines, a.facts.begntime, a.facts.endtime);
    };
    mustBeOpen(current);
    inStay(current);
    checkFormPerson(req, current.person);
    const form_id = `F${randomUUID().replace(/-/g, '').slice(0, 16).toUpperCase()}`;
    const lines = formFeeLines(req);
    const form = formFields(req);
    const annex = annexRef(annexFor(this.d.hospital.mdtrtarea_admvs));
    const r = await this.upload(id, lines, meta, req, form_id, inStay, (a, transaction_id) => {
      a.outside_forms.push({
        form_id,
        status: 'active',
        form,
        annex,
        feedetl_sns: lines.map((l) => l.feedetl_sn),
        created_at: nowOf(this.d),
        transaction_id,
      });
    });
    return {
      ...r.result,
      form_id,
      form: formView(r.result.admission_id, r.form!),
      lines: r.lines.map(lineView),
      totals: totalsView(r.lines),
    };
  }

  async listForms(id: string) {
    const a = (await this.d.runner.mustLoad(id)).value;
    return { admission_id: id, forms: a.outside_forms.map((f) => formView(id, f, a)) };
  }

  async form(id: string, form_id: string) {
    const a = (await this.d.runner.mustLoad(id)).value;
    const f = a.outside_forms.find((x) => x.form_id === form_id);
    if (!f) throw new GatewayError('GW_BIZ_OUTSIDE_FORM_NOT_FOUND', { details: { form_id } });
    return { admission: a, form: f, lines: a.lines.filter((l) => l.form_id === form_id) };
  }

  /** Voids a form: each of its (unsettled) lines is cancelled with 2302; progress is kept line by line. */
  async voidForm(id: string, form_id: string, reason: string | undefined, meta: RequestMeta) {
    const { runner, platform } = this.d;
    const { encounter, token } = await runner.take(id, '2302', (a) => {
      mustBeOpen(a);
      const f = a.outside_forms.find((x) => x.form_id === form_id);
      if (!f) throw new GatewayError('GW_BIZ_OUTSIDE_FORM_NOT_FOUND', { details: { form_id } });
      if (f.status === 'void') throw new GatewayError('GW_BIZ_OUTSIDE_FORM_VOIDED', { details: { form_id } });
      if (a.lines.some((l) => l.form_id === form_id && l.setl_id))
        throw new GatewayError('GW_BIZ_OUTSIDE_FORM_VOIDED', { details: { form_id, settled: true } });
    });
    const ctx = stayContext(encounter, meta);
    const cancelled: string[] = [];
    const transactions: string[] = [];
    try {
      for (const l of encounter.lines.filter((x) => x.form_id === form_id)) {
        const r = await platform.call('2302', msg.feeCancel2302(stayFacts(encounter), l.feedetl_sn), {
          ...ctx,
          his_input: { form_id, reason },
        });
        cancelled.push(l.feedetl_sn);
        transactions.push(r.transaction_id);
      }
    } catch (e) {
      await runner.finish(id, token, undefined, (a) => {
        a.lines = a.lines.filter((l) => !cancelled.includes(l.feedetl_sn));
        a.last_error = runner.errorNote(e);
      });
      throw e;
    }
    const saved = await runner.finish(id, token, undefined, (a) => {
      a.lines = a.lines.filter((l) => !cancelled.includes(l.feedetl_sn));
      const f = a.outside_forms.find((x) => x.form_id === form_id)!;
      Object.assign(f, { status: 'void', voided_at: nowOf(this.d), void_reason: reason });
    });
    return { admission: admissionView(saved), form_id, status: 'void', transaction_ids: transactions, transaction_id: transactions.at(-1) };
  }

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
    const ids = distinctLineIds(lines);
    let classified: InpatientFeeLine[] = [];
    let form: OutsideForm | undefined;
    const result = await runOnStay(
      this.d,
      id,
      '2301',
      meta,
      (a) => {
        mustBeOpen(a);
        extraGuard?.(a);
        notYetUploaded(a.lines, ids);
      },
      async (a, ctx) => {
        const r = await this.d.platform.call('2301', msg.feeUpload2301(stayFacts(a), lines), { ...ctx, his_input: hisInput });
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
}

function formView(admission_id: string, f: OutsideForm, a?: Admission) {
  return { admission_id, ...f, lines: a?.lines.filter((l) => l.form_id === f.form_id).map(lineView) };
}

/** The unsettled lines a 2302 of `feedetl_sn` withdraws ("0000": every one). */
export const withdrawnLines = (a: Admission, feedetl_sn: string) =>
  a.lines.filter((l) => l.setl_id === undefined && (feedetl_sn === ALL_LINES || l.feedetl_sn === feedetl_sn));

/** A 2302 the platform took: its lines leave the stay; "0000" takes the forms' lines too, and those forms are void now. */
export function withdrawLines(a: Admission, feedetl_sn: string, now: string) {
  const gone = new Set(withdrawnLines(a, feedetl_sn));
  const goneForms = new Set([...gone].map((l) => l.form_id).filter(Boolean));
  a.lines = a.lines.filter((l) => !gone.has(l));
  for (const f of a.outside_forms) {
    if (f.status === 'active' && goneForms.has(f.form_id))
      Object.assign(f, { status: 'void', voided_at: now, void_reason: '费用明细全部撤销 (2302 "0000")' });
  }
}
