import { callKind } from './call-kinds.js';
import type { Clock } from '../../adapters/platform/msgid.js';
import type { RefundRequest } from '../generated/api/refund.request.js';
import { GatewayError } from '../errors/errors.js';
import type { Logger } from '../logger.js';
import type { Store } from '../store/store.js';
import { isUnknownOutcome, newEncounterId, type RequestMeta } from './encounter-runner.js';
import { Decimal, sumOf } from './money.js';
import type { OutpatientService } from './outpatient.js';
import type { PharmacyService } from './pharmacy.js';
import { needsDecision, RefundOps, type RefundOp, type RefundStep } from './refund-op.js';
import { netRefund, opView, slipAmounts } from './refund-view.js';
import type { PharmacySale } from './sale.js';
import type { OutpatientVisit, SettlementEntry } from './visit.js';

/** LN 54: 原则上，异地就医医疗费用完成直接结算的，不得因待遇差等原因办理退费。 */
const BENEFIT_DIFFERENCE = 'benefit_difference';
/** Re-settling the kept lines is retried this often after a definite refusal (nothing booked). */
export const MAX_RESETTLE_ATTEMPTS = 3;

type Target = { kind: 'outpatient'; encounter: OutpatientVisit } | { kind: 'pharmacy'; encounter: PharmacySale };

/**
 * Refunds (退费) of outpatient (2208) and pharmacy (2103) settlements by setl_id — any of the
 * person's settlements, not only the latest (隔笔退费), across the year end and after clearing
 * (JS 45, HN 52, LN 54); the insured area re-derives the later settlements' benefits. A partial
 * refund is a durable RefundOp: cancel, then settle the kept lines again, one call for the HIS.
 */
export class Refunds {
  private readonly ops: RefundOps;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly outpatient: OutpatientService,
    private readonly pharmacy: PharmacyService,
    private readonly logger: Logger,
  ) {
    this.ops = new RefundOps(store, clock);
  }

  async refund(setl_id: string, req: RefundRequest, meta: RequestMeta) {
    if (req.reason_code === BENEFIT_DIFFERENCE) {
      throw new GatewayError('GW_BIZ_REFUND_BENEFIT_DIFFERENCE', { details: { setl_id, reason_code: req.reason_code } });
    }
    const target = await this.target(setl_id);
    const entry = settlementOf(target, setl_id);
    if (entry.status === 'cancelled') {
      // an HIS that lost the answer (timeout, gateway restart) and asks again learns where its
      // partial refund stands: GET /v1/refunds/{refund_id} gives the operation's definite state
      const op = await this.ops.latestFor(setl_id);
      throw new GatewayError('GW_BIZ_SETTLEMENT_ALREADY_CANCELLED', {
        details: { setl_id, cancellation: entry.cancellation?.setl_id, ...(op ? { refund_id: op.id, refund_status: op.status } : {}) },
      });
    }
    const open = await this.ops.openFor(setl_id);
    if (open) throw new GatewayError('GW_BIZ_REFUND_IN_PROGRESS', { details: { refund_id: open.id, status: open.status } });

    // return_lines: the deprecated name of line_ids, accepted for one version (CHANGELOG.md)
    const returned = req.line_ids ?? req.return_lines ?? entry.feedetl_sns;
    const foreign = returned.filter((sn) => !entry.feedetl_sns.includes(sn));
    if (foreign.length)
      throw new GatewayError('GW_BIZ_REFUND_LINES_INVALID', {
        details: { setl_id, not_in_settlement: foreign, settlement_lines: entry.feedetl_sns },
      });
    const keep = entry.feedetl_sns.filter((sn) => !returned.includes(sn));
    const reason = [req.reason_code, req.reason].filter(Boolean).join(': ');

    if (keep.length === 0) {
      // the whole settlement: one cancellation, journaled like any other
      const r =
        target.kind === 'outpatient'
          ? await this.outpatient.cancelSettlement(setl_id, reason, meta, 'full')
          : await this.pharmacy.cancel(setl_id, reason, meta, 'full');
      return {
        refund_type: 'full' as const,
        status: 'completed' as const,
        setl_id,
        cancel_setl_id: r.cancel_setl_id,
        transaction_id: r.transaction_id,
        reason_code: req.reason_code,
        line_ids: entry.feedetl_sns,
        cancellation_slip: r.slip,
        net_refund: netRefund(r.slip),
      };
    }

    const now = this.clock.now().toISOString();
    const op: RefundOp = {
      id: newEncounterId('R', now),
      kind: 'refund_op',
      status: 'cancelling',
      created_at: now,
      updated_at: now,
      request_id: meta.request_id,
      setl_id,
      target: { kind: target.kind, encounter_id: target.encounter.id },
      reason_code: req.reason_code,
      reason: req.reason,
      return_lines: returned,
      keep_lines: keep,
      keep_line_data:
        target.kind === 'outpatient' ? target.encounter.lines.filter((l) => keep.includes(l.feedetl_sn)).map(uploadShape) : undefined,
      acct_used_flag: req.acct_used_flag ?? (new Decimal(entry.slip.amounts.acct_pay ?? 0).gt(0) ? '1' : '0'),
      invono: entry.invono,
      steps: [],
    };
    if (!(await this.ops.create(op))) {
      const other = await this.ops.openFor(setl_id);
      throw new GatewayError('GW_BIZ_REFUND_IN_PROGRESS', { details: { refund_id: other?.id } });
    }
    return this.answer(await this.drive(op.id, meta));
  }

  async get(refund_id: string) {
    return opView(await this.ops.mustGet(refund_id));
  }

  /** The operation as journaled and its visit or sale, for the printed refund slip (print-sources.ts). */
  async record(refund_id: string) {
    const op = await this.ops.mustGet(refund_id);
    const encounter =
      op.target.kind === 'outpatient'
        ? await this.outpatient.record(op.target.encounter_id)
        : await this.pharmacy.load(op.target.encounter_id);
    if (!encounter) throw new GatewayError('GW_BIZ_SETTLEMENT_NOT_FOUND', { details: { setl_id: op.setl_id } });
    return { op, encounter };
  }

  /** After a restart: finishes the operations a previous process left unfinished. */
  async resumeUnfinished() {
    for (const id of await this.ops.openIds()) {
      try {
        await this.ops.update(id, (o) => {
          o.resumed_at = [...(o.resumed_at ?? []), this.clock.now().toISOString()];
        });
        const op = await this.drive(id, { request_id: `resume-${id}` });
        this.logger.warn({ refund_id: id, status: op.status }, 'refund operation left unfinished by the previous process was resumed');
      } catch (e) {
        this.logger.error({ refund_id: id, code: (e as { code?: string }).code }, 'resuming a refund operation failed; it stays open');
      }
    }
  }

  /**
   * The reversal worker's seam: it reversed (冲正) or confirmed the call named by op.reversal.
   * A reversed cancel leaves the settlement standing (failed); a confirmed cancel goes on to
   * re-settle. A reversed re-settlement is tried again; a confirmed one needs its setl_id from
   * the platform's reconciliation and stays for staff.
   */
  /**
   * The reversal worker (or staff) resolved a call some refund operation waits on: reversed or not
   * booked → as if the call never happened; confirmed (booked) → it stands. Then the operation goes on.
   */
  async onReversalResolved(t: { id: string; resolution?: { state: string } }) {
    const op = await this.ops.waitingOn(t.id);
    if (op?.reversal?.transaction_id !== t.id) return;
    if (op.status === 'resettling' && ['done', 'not_done', 'resolved_by_staff', 'confirmed'].includes(t.resolution?.state ?? '')) {
      // the inquiry the re-settlement waited on has ended and the visit is free: go on
      await this.ops.update(op.id, (o) => {
        o.reversal = undefined;
      });
      await this.drive(op.id, { request_id: `inquiry:${t.id}` });
      return;
    }
    if (op.status !== 'needs_reversal') return;
    const state = t.resolution?.state;
    const outcome =
      state === 'reversed' || state === 'not_booked' || state === 'resolved_by_staff'
        ? 'reversed'
        : state === 'confirmed'
          ? 'confirmed'
          : undefined;
    if (outcome) await this.resolveReversal(op.id, outcome);
  }

  async resolveReversal(refund_id: string, outcome: 'reversed' | 'confirmed', meta: RequestMeta = {}) {
    const op = await this.ops.mustGet(refund_id);
    if (op.status !== 'needs_reversal' || !op.reversal) return opView(op);
    const step = op.reversal.step;
    const next =
      step === 'cancel' ? (outcome === 'reversed' ? 'failed' : 'resettling') : outcome === 'reversed' ? 'resettling' : 'needs_reversal';
    await this.ops.update(refund_id, (o) => {
      o.status = next;
      if (next !== 'needs_reversal') o.reversal = undefined;
    });
    return opView(next === 'resettling' ? await this.drive(refund_id, meta) : await this.ops.mustGet(refund_id));
  }

  // ---- refunds that need a decision (the console's work queue, issue 15) -------------------------

  /**
   * The resettle_failed operations nobody has decided on yet, oldest first. One whose visit has had
   * its kept lines settled again since (a settlement the hook below missed, e.g. by a crash) leaves
   * the queue here, decided `resettled`.
   */
  async needingDecision(): Promise<RefundOp[]> {
    const open: RefundOp[] = [];
    for (const op of await this.ops.decisions()) if (!(await this.settledAgain(op))) open.push(op);
    return open;
  }

  /**
   * A visit was settled (OutpatientService's hook): an operation of it that waits for a decision
   * leaves the queue once every kept line is in a booked settlement made after the refund.
   */
  async visitSettled(visit_id: string) {
    for (const op of await this.ops.decisions()) if (op.target.encounter_id === visit_id) await this.settledAgain(op);
  }

  /** Staff decided (the kept lines collected as self-pay, or settled some other way): it leaves the queue. */
  async markHandled(refund_id: string, by: { actor: string; actor_name?: string }, reason: string) {
    const op = await this.ops.mustGet(refund_id);
    if (!needsDecision(op)) {
      throw new GatewayError('GW_BIZ_CONSOLE_ACTION_NOT_ALLOWED', {
        details: {
          id: refund_id,
          action: 'handled',
          why: op.decision
            ? `already decided (${op.decision.by}, ${op.decision.at})`
            : `status ${op.status}: only a refund whose kept lines could not be settled again (resettle_failed) waits for a decision`,
        },
      });
    }
    const next = await this.ops.update(refund_id, (o) => {
      // decided meanwhile (the visit settled again, another press): the first decision stands
      if (o.decision)
        throw new GatewayError('GW_BIZ_CONSOLE_ACTION_NOT_ALLOWED', {
          details: { id: refund_id, action: 'handled', why: `already decided (${o.decision.by}, ${o.decision.at})` },
        });
      o.decision = { at: this.clock.now().toISOString(), by: 'staff', ...by, reason };
    });
    return opView(next);
  }

  /** Decides `op` as resettled when its visit's kept lines were settled again; true when it did. */
  private async settledAgain(op: RefundOp): Promise<boolean> {
    if (op.target.kind !== 'outpatient') return false;
    const v = (await this.store.getEncounter<OutpatientVisit>(op.target.encounter_id))?.value;
    const again = v && keptLinesSettled(v.settlements as SettlementEntry[], op);
    if (!again) return false;
    await this.ops.update(op.id, (o) => {
      o.decision ??= { at: this.clock.now().toISOString(), by: 'resettled', setl_id: again.setl_id };
    });
    this.logger.info({ refund_id: op.id, setl_id: again.setl_id }, 'the kept lines of a refund were settled again: it left the work queue');
    return true;
  }

  // ---- the operation's steps -------------------------------------------------------------------

  /** Runs the operation from where it stands to a terminal status; never leaves it 'in flight'. */
  private async drive(id: string, meta: RequestMeta): Promise<RefundOp> {
    let op = await this.ops.mustGet(id);
    if (op.status === 'cancelling') op = await this.cancelStep(op, meta);
    if (op.status === 'resettling') op = await this.resettleStep(op, meta);
    return op;
  }

  private async cancelStep(op: RefundOp, meta: RequestMeta): Promise<RefundOp> {
    const target = await this.target(op.setl_id);
    const entry = settlementOf(target, op.setl_id);
    // a crash after the cancel was applied to the visit/sale but before the op was saved: adopt it
    if (entry.status === 'cancelled' && entry.cancellation) {
      const c = entry.cancellation;
      return this.ops.update(op.id, (o) => {
        o.cancel = { cancel_setl_id: c.setl_id, transaction_id: c.transaction_id, slip: c.slip };
        o.status = 'resettling';
      });
    }
    try {
      const r =
        op.target.kind === 'outpatient'
          ? await this.outpatient.cancelSettlement(
              op.setl_id,
              `${op.reason_code}${op.reason ? `: ${op.reason}` : ''} (partial: ${op.return_lines.join(',')})`,
              meta,
              'partial',
            )
          : await this.pharmacy.cancel(op.setl_id, op.reason_code, meta, 'partial');
      return this.ops.update(op.id, (o) => {
        o.steps.push(this.step('cancel', 1, 'succeeded', { transaction_id: r.transaction_id }));
        o.cancel = { cancel_setl_id: r.cancel_setl_id, transaction_id: r.transaction_id, slip: r.slip };
        o.status = 'resettling';
      });
    } catch (e) {
      if (!(e instanceof GatewayError)) throw e;
      const unknown = isUnknown(e);
      return this.ops.update(op.id, (o) => {
        o.steps.push(this.step('cancel', 1, unknown ? 'unknown' : 'refused', errorFields(e)));
        o.status = unknown ? 'needs_reversal' : 'failed';
        o.error = errorFields(e);
        if (unknown) o.reversal = { step: 'cancel', transaction_id: e.transaction_id, code: e.code };
      });
    }
  }

  private async resettleStep(op: RefundOp, meta: RequestMeta): Promise<RefundOp> {
    const done = op.steps.filter((s) => s.step === 'resettle').length;
    for (let attempt = done + 1; attempt <= Math.max(done + 1, MAX_RESETTLE_ATTEMPTS); attempt++) {
      const target = await this.target(op.setl_id);
      const adopted = resettledAlready(target, op);
      if (adopted) {
        return this.ops.update(op.id, (o) => {
          o.resettle = { setl_id: adopted.setl_id, transaction_id: adopted.transaction_id, slip: adopted.slip };
          o.status = 'completed';
        });
      }
      try {
        const r =
          op.target.kind === 'outpatient'
            ? await this.resettleOutpatient(op, target.encounter as OutpatientVisit, attempt, meta)
            : await this.pharmacy.resettle(op.target.encounter_id, op.keep_lines, op.acct_used_flag, meta);
        return this.ops.update(op.id, (o) => {
          o.steps.push(this.step('resettle', attempt, 'succeeded', { transaction_id: r.transaction_id }));
          o.resettle = { setl_id: r.setl_id, transaction_id: r.transaction_id, slip: r.slip };
          o.status = 'completed';
        });
      } catch (e) {
        if (!(e instanceof GatewayError)) throw e;
        if (waitsOnInquiry(e)) {
          // the visit waits on the inquiry of a write whose answer was lost (e.g. the 2204 of a process
          // that died): nothing of this attempt ran; the refund goes on once that inquiry has ended
          return this.ops.update(op.id, (o) => {
            o.reversal = { step: 'resettle', transaction_id: e.transaction_id, code: e.code };
          });
        }
        const unknown = isUnknown(e);
        const last = attempt >= MAX_RESETTLE_ATTEMPTS;
        op = await this.ops.update(op.id, (o) => {
          o.steps.push(this.step('resettle', attempt, unknown ? 'unknown' : 'refused', errorFields(e)));
          if (unknown) {
            o.status = 'needs_reversal';
            o.reversal = { step: 'resettle', transaction_id: e.transaction_id, code: e.code };
            o.error = errorFields(e);
          } else if (last) {
            o.status = 'resettle_failed';
            o.error = errorFields(e);
          }
        });
        this.logger.warn(
          { refund_id: op.id, attempt, code: e.code, status: op.status },
          're-settling the kept lines of a partial refund failed',
        );
        if (op.status !== 'resettling') return op;
      }
    }
    return op;
  }

  /**
   * Outpatient: withdraw the visit's unsettled lines (2205 "0000"), upload the kept ones (2204),
   * settle (2207). The withdrawal is sent whenever the kept lines are not already the visit's only
   * unsettled ones — even when the gateway sees none: a 2204 of an earlier attempt (or of a process
   * that died waiting for its reply) may have put them on the platform without the gateway learning
   * of it, and uploading them again would be refused as duplicates (费用明细流水号重复).
   */
  private async resettleOutpatient(op: RefundOp, v: OutpatientVisit, attempt: number, meta: RequestMeta) {
    const batch = `RF${op.id.slice(-10)}${attempt}`;
    const unsettled = v.lines.filter((l) => l.setl_id === undefined);
    const ready = unsettled.length === op.keep_lines.length && unsettled.every((l) => op.keep_lines.includes(l.feedetl_sn));
    const kept = op.keep_line_data ?? v.lines.filter((l) => op.keep_lines.includes(l.feedetl_sn)).map(uploadShape);
    let chrg_bchno = ready ? unsettled[0]!.chrg_bchno : batch;
    if (!ready) {
      if (kept.length !== op.keep_lines.length)
        throw new GatewayError('GW_BIZ_REFUND_LINES_INVALID', {
          details: { refund_id: op.id, kept_line_ids: op.keep_lines, found: kept.map((l) => l.feedetl_sn) },
        });
      await this.outpatient.cancelFees(v.id, '0000', meta);
      await this.outpatient.uploadFees(
        v.id,
        { chrg_bchno: batch, lines: kept } as unknown as Parameters<OutpatientService['uploadFees']>[1],
        meta,
      );
      chrg_bchno = batch;
    }
    const total = sumOf(kept.map((l) => l.det_item_fee_sumamt));
    return this.outpatient.settle(
      v.id,
      { medfee_sumamt: total.toFixed(2), acct_used_flag: op.acct_used_flag, chrg_bchno, ...(op.invono ? { invono: op.invono } : {}) },
      meta,
    );
  }

  private step(step: RefundStep['step'], attempt: number, outcome: RefundStep['outcome'], extra: Partial<RefundStep> = {}): RefundStep {
    return { step, attempt, at: this.clock.now().toISOString(), outcome, ...extra };
  }

  /** The HIS's definite answer: the completed refund, or one catalog error naming the operation. */
  private answer(op: RefundOp) {
    const view = opView(op);
    if (op.status === 'completed') return view;
    const details = {
      refund_id: op.id,
      status: op.status,
      setl_id: op.setl_id,
      cancel_setl_id: op.cancel?.cancel_setl_id,
      kept_line_ids: op.keep_lines,
      platform_err_msg: op.error?.platform_err_msg,
      cause: op.error?.code,
    };
    if (op.status === 'needs_reversal')
      throw new GatewayError('GW_SYS_REFUND_NEEDS_REVERSAL', { transaction_id: op.reversal?.transaction_id, details });
    if (op.status === 'resettle_failed')
      throw new GatewayError('GW_BIZ_REFUND_RESETTLE_FAILED', {
        transaction_id: op.error?.transaction_id,
        details: { ...details, cancellation_slip: op.cancel ? slipAmounts(op.cancel.slip) : undefined },
      });
    // failed: the cancel was refused, nothing changed; the HIS gets the platform's own reason
    throw new GatewayError(op.error?.code ?? 'GW_BIZ_PLATFORM_REJECTED', { transaction_id: op.error?.transaction_id, details });
  }

  private async target(setl_id: string): Promise<Target> {
    const id = await this.store.findEncounterId('setl_id', setl_id);
    const e = id ? await this.store.getEncounter<OutpatientVisit | PharmacySale>(id) : undefined;
    if (e?.value.kind === 'outpatient') return { kind: 'outpatient', encounter: e.value as OutpatientVisit };
    if (e?.value.kind === 'pharmacy') return { kind: 'pharmacy', encounter: e.value as PharmacySale };
    throw new GatewayError('GW_BIZ_SETTLEMENT_NOT_FOUND', { details: { setl_id } });
  }
}

// ---- pure helpers -----------------------------------------------------------------------------

/** A stored fee line as the HIS uploaded it (2204's fields), for uploading it again. */
function uploadShape(l: OutpatientVisit['lines'][number]) {
  return {
    ...l.extra,
    feedetl_sn: l.feedetl_sn,
    fee_ocur_time: l.fee_ocur_time,
    med_list_codg: l.med_list_codg,
    medins_list_codg: l.medins_list_codg,
    cnt: l.cnt,
    pric: l.pric,
    det_item_fee_sumamt: l.det_item_fee_sumamt,
  };
}

function settlementOf(t: Target, setl_id: string): SettlementEntry {
  const s = (t.encounter.settlements as SettlementEntry[]).find((x) => x.setl_id === setl_id);
  if (!s) throw new GatewayError('GW_BIZ_SETTLEMENT_NOT_FOUND', { details: { setl_id } });
  return s;
}

/** A booked settlement of exactly the kept lines, made after the cancel: the re-settle already happened. */
function resettledAlready(t: Target, op: RefundOp): SettlementEntry | undefined {
  return (t.encounter.settlements as SettlementEntry[]).find(
    (s) =>
      s.status === 'booked' &&
      s.setl_id !== op.setl_id &&
      s.settled_at >= op.created_at &&
      s.feedetl_sns.length === op.keep_lines.length &&
      s.feedetl_sns.every((sn) => op.keep_lines.includes(sn)),
  );
}

/**
 * The counter settled the kept lines again after a resettle_failed refund: the booked settlement
 * (made after the refund, not the refunded one) that holds the last of them, when every kept line is
 * in one — with other lines beside them or not.
 */
function keptLinesSettled(settlements: readonly SettlementEntry[], op: RefundOp): SettlementEntry | undefined {
  const after = settlements.filter((s) => s.status === 'booked' && s.setl_id !== op.setl_id && s.settled_at >= op.created_at);
  const holding = op.keep_lines.map((sn) => after.find((s) => s.feedetl_sns.includes(sn)));
  return holding.every((s) => s !== undefined) ? holding.at(-1) : undefined;
}

/** Unknown outcome of our own call, or an encounter still blocked by an earlier unknown one. */
/** The encounter is held by a write under inquiry (call-kinds.ts): not this request's unknown outcome. */
const waitsOnInquiry = (e: GatewayError): boolean =>
  e.code === 'GW_BIZ_OUTCOME_UNKNOWN_PENDING' && callKind(String((e.details as { op?: unknown } | undefined)?.op)) === 'inquiry';

const isUnknown = (e: GatewayError): boolean => e.code === 'GW_BIZ_OUTCOME_UNKNOWN_PENDING' || isUnknownOutcome(e);

function errorFields(e: GatewayError) {
  const d = e.details as { platform_err_msg?: string } | undefined;
  return { code: e.code, transaction_id: e.transaction_id, ...(d?.platform_err_msg ? { platform_err_msg: d.platform_err_msg } : {}) };
}
