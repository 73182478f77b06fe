// Over 400 lines on purpose: the worker's queue is one journal scan, and its two ways of making an
// unknown outcome final (2601 reversal, inquiry) share the lease, the backoff, the give-up to staff
// and the staff actions; the rules of each live elsewhere (engine/call-kinds.ts, engine/inquiries.ts).
import type { Clock } from '../../adapters/platform/msgid.js';
import { GatewayError } from '../errors/errors.js';
import type { Logger } from '../logger.js';
import { errForLog, knownPersonalValues, personalValues, redactText } from '../privacy.js';
import { callKind, isReversible } from '../engine/call-kinds.js';
import type { InquiryPlan } from '../engine/inquiries.js';
import { firstReversalAt, openInquiry, openResolution, type PlatformClient } from '../engine/platform-client.js';
import { cursorOf } from '../store/query.js';
import type { OpenWork, Resolution, Store, TransactionRecord } from '../store/store.js';
import type { BreakerState } from './circuit-breaker.js';
import { Periodic } from './periodic.js';

/**
 * What an encounter kind does once a booking transaction of it is undone at the platform (冲正
 * succeeded, or the platform never booked it): roll the encounter back so the HIS can try again.
 * Each service registers one by encounter kind (server.ts): outpatient today, inpatient and
 * pharmacy alike. 'still_running': the original request has not finished with the encounter yet.
 */
export interface ReversalHooks {
  undone(tx: TransactionRecord): Promise<'released' | 'not_waiting' | 'still_running'>;
  /** how to find out what became of an unknown write of this encounter (none: staff decide) */
  inquiryPlan?(tx: TransactionRecord): Promise<InquiryPlan | undefined>;
  /** the inquiry's verdict on `tx` (its resolution: done / not_done, `learned`): the encounter takes it and is released */
  inquired?(tx: TransactionRecord): Promise<'released' | 'not_waiting' | 'still_running'>;
  /** how to confirm that a booking a 2601 found nothing of is really not booked (done = it is held after all) */
  bookingInquiry?(tx: TransactionRecord): Promise<InquiryPlan | undefined>;
}

export interface ReversalSettings {
  intervalMs: number;
  /** the margin after the platform timeout before the first 2601 (from the original's send time) */
  firstDelayMs: number;
  /** how long the platform may take to answer a call (PLATFORM_TIMEOUT_MS) */
  platformTimeoutMs: number;
  maxAttempts: number;
  maxAgeMs: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
}

export interface ReversalWorkerDeps {
  store: Store;
  platform: PlatformClient;
  breaker: { state(): BreakerState };
  clock: Clock;
  logger: Logger;
  settings: ReversalSettings;
  hooks: Record<string, ReversalHooks>;
  /** told of every final resolution, after the encounter's rollback (e.g. a partial refund waiting on it) */
  onResolved?: (t: TransactionRecord) => Promise<void>;
  /**
   * Told of every 2601 attempt's result (metrics): the state it left the record in (reversed,
   * not_booked, done, needs_manual), `failed` (no answer or a refusal: tried again later) or
   * `not_sent` (never left: platform down or breaker open; not counted against the attempts).
   */
  onAttempt?: (result: string) => void;
}

/** The platform's words for "nothing to reverse", "reversed already" and "this cannot be reversed" (mock: handlers/reversal.ts). */
const NOT_BOOKED = /原交易不存在/;
const ALREADY_REVERSED = /原交易已冲正/;
const NOT_REVERSIBLE = /不支持冲正|不允许冲正|不能冲正|不可冲正/;
const NOT_SENT_CODES = new Set(['GW_SYS_PLATFORM_UNAVAILABLE', 'GW_SYS_PLATFORM_CIRCUIT_OPEN']);
/** The open work the worker takes (store query.ts openWorkOf): read from its own indexes, page by page. */
const WORKER_OPEN: OpenWork[] = ['unresolved', 'reversing', 'inquiring', 'releasing'];
const PAGE = 500;
const CONCURRENCY = 4;

export const OPEN_STATES: ReadonlySet<Resolution['state']> = new Set(['reversing', 'inquiring', 'needs_manual']);
const UNDONE: ReadonlySet<Resolution['state']> = new Set(['reversed', 'not_booked', 'resolved_by_staff']);
/** the verdicts of an inquiry, which the encounter takes (inquired) */
const INQUIRED: ReadonlySet<Resolution['state']> = new Set(['done', 'not_done']);
const isInquired = (infno: string) => callKind(infno) === 'inquiry';

/**
 * The reversal worker (冲正): every booking transaction whose outcome is unknown is reversed with
 * 2601 (omsgid, oinfno, psn_no). The journal is the durable queue — an unknown booking record
 * carries its `resolution` — so pending reversals resume after a restart. Each attempt is written
 * on the original record before the 2601 is sent and again after its answer, so a crash in between
 * costs one attempt, never the reversal. Backoff with jitter; after REVERSAL_MAX_ATTEMPTS or
 * REVERSAL_MAX_AGE_MS the record becomes `needs_manual` (staff console), never dropped. Replicas
 * sharing one store take a lease per scheduled attempt (the store's counter is 1 only for the first
 * caller).
 */
export class ReversalWorker {
  private readonly rounds: Periodic;

  constructor(private readonly d: ReversalWorkerDeps) {
    this.rounds = new Periodic(
      () => this.tick(),
      d.settings.intervalMs,
      (e) => d.logger.error({ err: errForLog(e) }, 'reversal scan failed'),
    );
  }

  start() {
    this.rounds.start();
  }

  stop() {
    return this.rounds.stop();
  }

  private get stopped() {
    return this.rounds.stopped;
  }

  /**
   * One scan: every due reversal is attempted, every undone one rolled back. It reads the open work
   * only (its own indexes, every page of it): a record leaves them once resolved, so the scan costs
   * what is open, however long the journal.
   */
  async tick(): Promise<void> {
    const now = this.d.clock.now().getTime();
    for (let cursor: string | undefined; ; ) {
      const open = await this.d.store.listTransactions({ open: WORKER_OPEN, limit: PAGE, ...(cursor ? { cursor } : {}) });
      const work = open.filter((t) => (isReversible(t.infno) || isInquired(t.infno)) && this.needsWork(t, now));
      if (work.length) this.d.logger.debug({ open: open.length, due: work.length }, 'reversal scan');
      for (let i = 0; i < work.length; i += CONCURRENCY) {
        if (this.stopped) return;
        await Promise.all(work.slice(i, i + CONCURRENCY).map((t) => this.process(t)));
      }
      if (open.length < PAGE) return;
      cursor = cursorOf(open[open.length - 1]!);
    }
  }

  private needsWork(t: TransactionRecord, now: number): boolean {
    const r = t.resolution;
    if (!r) return true;
    if (r.state === 'reversing' || r.state === 'inquiring') return Date.parse(r.next_at) <= now;
    return (UNDONE.has(r.state) || INQUIRED.has(r.state)) && !r.encounter_released && t.encounter_id !== undefined;
  }

  private async process(t: TransactionRecord) {
    try {
      if (!t.resolution) {
        // left pending by a crash: the first 2601 (or inquiry) still waits from the original's send time, not from the restart
        const at = firstReversalAt(t.created_at, this.d.settings.platformTimeoutMs, this.d.settings.firstDelayMs);
        t.resolution = isReversible(t.infno) ? openResolution(at) : openInquiry(at);
        await this.d.store.putTransaction(t);
        return;
      }
      const state = t.resolution.state;
      this.d.logger.debug({ transaction_id: t.id, infno: t.infno, state, attempts: t.resolution.attempts }, 'reversal step');
      // the platform is not answering: attempts wait for the breaker to close (none is spent)
      if ((state === 'reversing' || state === 'inquiring') && this.d.breaker.state() !== 'closed') return;
      if (state === 'reversing') await this.attempt(t);
      else if (state === 'inquiring') await this.inquire(t);
      else if (INQUIRED.has(state)) await this.adopt(t);
      else await this.rollBack(t);
    } catch (e) {
      this.d.logger.error(
        { transaction_id: t.id, code: (e as GatewayError).code, err: errForLog(e, personalValues(t.stages)) },
        'reversal step failed; it is retried at the next scan',
      );
    }
  }

  /**
   * The scheduled step (a 2601 or an inquiry) of `t`, under a lease, re-read: undefined when another
   * replica (or the previous process) holds it or has moved it on; given up (staff) when its
   * attempts or its age ran out.
   */
  private async take(t: TransactionRecord, state: 'reversing' | 'inquiring', what: string) {
    const { store, clock, settings } = this.d;
    const r = t.resolution!;
    const leaseSeconds = Math.max(30, Math.ceil((settings.backoffMaxMs * 2) / 1000));
    // the lease names this scheduled attempt (next_at changes with every attempt and every staff 'reverse')
    if ((await store.nextSequence(`${state}:${t.id}:${r.next_at}`, leaseSeconds)) !== 1) return undefined;
    const cur = await store.getTransaction(t.id);
    if (cur?.resolution?.state !== state || cur.resolution.next_at !== r.next_at) return undefined;
    const res = cur.resolution;
    const tooOld = clock.now().getTime() - Date.parse(cur.created_at) > settings.maxAgeMs;
    if (res.attempts >= settings.maxAttempts || tooOld) {
      await this.giveUp(cur, tooOld ? `not ${what} within ${settings.maxAgeMs} ms` : `not ${what} after ${res.attempts} attempts`);
      return undefined;
    }
    return { cur, res };
  }

  /** One 2601 attempt for `t`, under a lease. */
  private async attempt(t: TransactionRecord) {
    const { store, clock, settings, logger } = this.d;
    const taken = await this.take(t, 'reversing', 'reversed');
    if (!taken) return;
    const { cur, res } = taken;
    const now = clock.now();
    const psn_no = psnNoOf(cur);
    if (!psn_no) return this.giveUp(cur, 'no psn_no to reverse with');

    // before sending: the attempt is counted and the next one scheduled (a crash resumes from here)
    res.attempts += 1;
    res.next_at = new Date(now.getTime() + this.backoff(res.attempts)).toISOString();
    await store.putTransaction(cur);

    let sentId: string | undefined;
    let outcome: { state?: Resolution['state']; error?: string; notSent?: boolean } = {};
    try {
      const ok = await this.d.platform.call(
        '2601',
        { data: { psn_no, omsgid: cur.id, oinfno: cur.infno } },
        { insuplc_admdvs: insuredAreaOf(cur), keys: cur.keys, reverses: cur.id, request_id: `reversal:${cur.id}` },
      );
      sentId = ok.transaction_id;
      outcome = { state: 'reversed' };
    } catch (e) {
      if (!(e instanceof GatewayError)) throw e;
      sentId = e.transaction_id;
      const msg = String((e.details as { platform_err_msg?: string } | undefined)?.platform_err_msg ?? '');
      if (NOT_BOOKED.test(msg)) outcome = await this.confirmNotBooked(cur);
      else if (ALREADY_REVERSED.test(msg)) outcome = { state: 'reversed' };
      // asking again would get the same answer: staff decide at once, with the platform's words
      else if (NOT_REVERSIBLE.test(msg)) outcome = { state: 'needs_manual', error: `2601 refused as not reversible: ${msg}` };
      else outcome = { error: `${e.code}${msg ? `: ${msg}` : ''}`, notSent: NOT_SENT_CODES.has(e.code) };
    }

    // after the answer: read again, record what happened
    const after = (await store.getTransaction(cur.id)) ?? cur;
    const ar = after.resolution ?? res;
    if (sentId && !ar.reversal_ids.includes(sentId)) ar.reversal_ids.push(sentId);
    if (outcome.state === 'needs_manual') {
      ar.state = 'needs_manual';
      ar.last_error = outcome.error;
    } else if (outcome.state) {
      ar.state = outcome.state;
      ar.resolved_at = clock.now().toISOString();
      delete ar.last_error;
    } else {
      ar.last_error = outcome.error;
      // a 2601 that never left (platform down, breaker open) is not an attempt
      if (outcome.notSent) ar.attempts = Math.max(0, ar.attempts - 1);
      else if (ar.attempts >= settings.maxAttempts) ar.state = 'needs_manual';
    }
    after.resolution = ar;
    after.updated_at = clock.now().toISOString();
    await store.putTransaction(after);
    this.d.onAttempt?.(outcome.notSent ? 'not_sent' : ar.state === 'reversing' ? 'failed' : ar.state);
    logger.warn(
      {
        transaction_id: after.id,
        infno: after.infno,
        reversal_id: sentId,
        state: ar.state,
        attempts: ar.attempts,
        // the platform's words may quote the patient: redacted here, kept as they came in the journal
        error: redactText(ar.last_error, await knownPersonalValues(store, after)),
      },
      'reversal attempt (2601)',
    );
    if (UNDONE.has(ar.state)) await this.rollBack(after);
    if (!OPEN_STATES.has(ar.state)) await this.tellResolved(after);
  }

  /**
   * A 2601 that finds nothing to reverse is confirmed by an inquiry before the booking is called
   * not_booked (issue 10). Why after the 2601 and not before: a lost booking's only key is its msgid,
   * which 2601 takes (omsgid); 5203 wants the setl_id the lost reply would have carried. But "nothing
   * to reverse" can also mean "not booked yet" (a late original): 5204 then shows the visit's lines
   * settled under a setl_id the gateway never learnt, and staff decide with that in hand. Where the
   * encounter has no such inquiry (a pharmacy sale: its 就诊 is known only from the lost reply), the
   * platform's word stands.
   */
  private async confirmNotBooked(t: TransactionRecord): Promise<{ state: Resolution['state']; error?: string }> {
    const enc = t.encounter_id ? await this.d.store.getEncounter(t.encounter_id) : undefined;
    const plan = enc ? await this.d.hooks[enc.value.kind]?.bookingInquiry?.(t) : undefined;
    if (!plan?.ask) return { state: 'not_booked' };
    try {
      const ok = await this.d.platform.call(plan.ask.infno, plan.ask.input, {
        insuplc_admdvs: insuredAreaOf(t),
        keys: t.keys,
        request_id: `inquiry:${t.id}`,
        parent_id: t.id,
      });
      const v = plan.decide(ok.output);
      if (v.verdict === 'not_done') return { state: 'not_booked' };
      const why = v.verdict === 'undecided' ? v.why : 'the platform holds it';
      return { state: 'needs_manual', error: `2601 found nothing to reverse, but ${plan.ask.infno} says: ${why}` };
    } catch (e) {
      if (!(e instanceof GatewayError)) throw e;
      // the confirmation could not be had: staff decide rather than call it not booked unconfirmed
      return { state: 'needs_manual', error: `2601 found nothing to reverse; the ${plan.ask.infno} to confirm it failed (${e.code})` };
    }
  }

  /**
   * One inquiry for the unknown write `t` (gateway/engine/inquiries.ts), under a lease: ask the
   * platform what it holds (5201 / 5204), record the verdict on `t`, and let the encounter take it.
   * An answer that does not tell, or an encounter kind with no inquiry for `t`, goes to staff at once.
   */
  private async inquire(t: TransactionRecord) {
    const { store, clock, settings, logger } = this.d;
    const taken = await this.take(t, 'inquiring', 'decided');
    if (!taken) return;
    const { cur, res } = taken;
    const now = clock.now();
    const enc = cur.encounter_id ? await store.getEncounter(cur.encounter_id) : undefined;
    const plan = enc ? await this.d.hooks[enc.value.kind]?.inquiryPlan?.(cur) : undefined;
    if (!plan) return this.giveUp(cur, `no inquiry tells what became of ${cur.infno}: staff decide`);

    let verdict: ReturnType<InquiryPlan['decide']>;
    res.inquiry_ids ??= [];
    if (plan.ask) {
      res.attempts += 1;
      res.next_at = new Date(now.getTime() + this.backoff(res.attempts)).toISOString();
      await store.putTransaction(cur);
      try {
        const ok = await this.d.platform.call(plan.ask.infno, plan.ask.input, {
          insuplc_admdvs: insuredAreaOf(cur),
          keys: cur.keys,
          request_id: `inquiry:${cur.id}`,
          parent_id: cur.id,
        });
        res.inquiry_ids.push(ok.transaction_id);
        verdict = plan.decide(ok.output);
      } catch (e) {
        if (!(e instanceof GatewayError)) throw e;
        if (e.transaction_id) res.inquiry_ids.push(e.transaction_id);
        const msg = String((e.details as { platform_err_msg?: string } | undefined)?.platform_err_msg ?? '');
        res.last_error = `${plan.ask.infno} ${e.code}${msg ? `: ${msg}` : ''}`;
        if (NOT_SENT_CODES.has(e.code)) res.attempts = Math.max(0, res.attempts - 1);
        else if (res.attempts >= settings.maxAttempts) res.state = 'needs_manual';
        cur.updated_at = clock.now().toISOString();
        await store.putTransaction(cur);
        logger.warn(
          {
            transaction_id: cur.id,
            infno: cur.infno,
            attempts: res.attempts,
            error: redactText(res.last_error, personalValues(cur.stages)),
          },
          'inquiry failed',
        );
        return;
      }
    } else verdict = plan.decide({});

    if (verdict.verdict === 'undecided') return this.giveUp(cur, `the inquiry does not tell: ${verdict.why}`);
    res.state = verdict.verdict;
    res.resolved_at = clock.now().toISOString();
    if (verdict.verdict === 'done' && (verdict.mdtrt_id || verdict.lines))
      res.learned = { mdtrt_id: verdict.mdtrt_id, lines: verdict.lines };
    delete res.last_error;
    cur.updated_at = res.resolved_at;
    await store.putTransaction(cur);
    logger.warn({ transaction_id: cur.id, infno: cur.infno, state: res.state, inquiries: res.inquiry_ids?.length }, 'resolved by inquiry');
    await this.adopt(cur);
  }

  /** The encounter takes the inquiry's verdict on `t` and is released. */
  private async adopt(t: TransactionRecord) {
    if (!t.encounter_id || !t.resolution) return;
    const enc = await this.d.store.getEncounter(t.encounter_id);
    const hook = enc ? this.d.hooks[enc.value.kind] : undefined;
    const r = hook?.inquired ? await hook.inquired(t) : 'not_waiting';
    if (r === 'still_running') return;
    const cur = (await this.d.store.getTransaction(t.id)) ?? t;
    if (!cur.resolution) return;
    cur.resolution.encounter_released = true;
    await this.d.store.putTransaction(cur);
    await this.tellResolved(cur);
  }

  private async giveUp(t: TransactionRecord, why: string) {
    t.resolution!.state = 'needs_manual';
    t.resolution!.last_error = t.resolution!.last_error ? `${why}; last: ${t.resolution!.last_error}` : why;
    t.updated_at = this.d.clock.now().toISOString();
    await this.d.store.putTransaction(t);
    this.d.logger.error(
      { transaction_id: t.id, infno: t.infno, attempts: t.resolution!.attempts },
      'reversal needs manual handling (staff console)',
    );
  }

  private async tellResolved(t: TransactionRecord) {
    try {
      await this.d.onResolved?.(t);
    } catch (e) {
      this.d.logger.error(
        { transaction_id: t.id, err: errForLog(e, personalValues(t.stages)).message },
        'a resolution listener failed; the resolution itself stands',
      );
    }
  }

  /** Nothing of `t` stands at the platform: the encounter's service rolls it back (hook by kind). */
  private async rollBack(t: TransactionRecord) {
    if (!t.encounter_id || !t.resolution) return;
    const enc = await this.d.store.getEncounter(t.encounter_id);
    const hook = enc ? this.d.hooks[enc.value.kind] : undefined;
    const r = hook ? await hook.undone(t) : 'not_waiting';
    if (r === 'still_running') return;
    const cur = (await this.d.store.getTransaction(t.id)) ?? t;
    if (!cur.resolution) return;
    cur.resolution.encounter_released = true;
    await this.d.store.putTransaction(cur);
    if (r === 'released')
      this.d.logger.info(
        { transaction_id: t.id, encounter_id: t.encounter_id },
        'encounter released after the reversal: the HIS may try again',
      );
  }

  /** Exponential backoff with jitter (50–100 % of the step), capped. */
  private backoff(attempts: number) {
    const { backoffBaseMs, backoffMaxMs } = this.d.settings;
    const step = Math.min(backoffMaxMs, backoffBaseMs * 2 ** Math.max(0, attempts - 1));
    return Math.round(step * (0.5 + Math.random() * 0.5));
  }

  // ---- staff actions (console) ----------------------------------------------------------------

  /** Queue a reversal now: an unknown booking transaction that is reversing or needs manual handling. */
  async reverseNow(id: string): Promise<TransactionRecord> {
    const t = await this.mustGet(id);
    if (t.outcome !== 'unknown' || !isReversible(t.infno))
      throw new GatewayError('GW_BIZ_CONSOLE_ACTION_NOT_ALLOWED', {
        details: { id, action: 'reverse', why: 'only a booking transaction with an unknown outcome is reversed' },
      });
    const r = t.resolution ?? openResolution(this.d.clock.now().toISOString());
    if (!OPEN_STATES.has(r.state))
      throw new GatewayError('GW_BIZ_CONSOLE_ACTION_NOT_ALLOWED', { details: { id, action: 'reverse', why: `already ${r.state}` } });
    // a new round of attempts: the count restarts, the earlier 2601 ids stay
    t.resolution = { ...r, state: 'reversing', attempts: 0, next_at: this.d.clock.now().toISOString() };
    t.updated_at = this.d.clock.now().toISOString();
    await this.d.store.putTransaction(t);
    return t;
  }

  /**
   * Reconciliation (对账) found the platform holding a booking the gateway took as undone — reversed,
   * not booked, or resolved by staff as not booked: a late original booked after its reversal. The
   * reversal starts again, a new round of 2601 attempts (the earlier ids stay); while it is open,
   * this is reverseNow.
   */
  async reopen(id: string, why: string): Promise<TransactionRecord> {
    const t = await this.mustGet(id);
    if (t.outcome !== 'unknown' || !isReversible(t.infno))
      throw new GatewayError('GW_BIZ_CONSOLE_ACTION_NOT_ALLOWED', {
        details: { id, action: 'reverse', why: 'only a booking transaction with an unknown outcome is reversed' },
      });
    const r = t.resolution;
    if (!r || OPEN_STATES.has(r.state)) return r?.state === 'reversing' ? t : this.reverseNow(id);
    if (!UNDONE.has(r.state))
      throw new GatewayError('GW_BIZ_CONSOLE_ACTION_NOT_ALLOWED', { details: { id, action: 'reverse', why: `it is ${r.state}` } });
    const now = this.d.clock.now().toISOString();
    const { resolved_at: _at, resolved_by: _by, ...rest } = r;
    t.resolution = { ...rest, state: 'reversing', attempts: 0, next_at: now, reason: why };
    t.updated_at = now;
    await this.d.store.putTransaction(t);
    this.d.logger.warn({ transaction_id: t.id, infno: t.infno, was: r.state }, 'reversal reopened: the platform still holds the booking');
    return t;
  }

  /**
   * Staff settled it by other means (a reversal at the platform's counter, a phone call), with a
   * reason. booked=false: nothing stands at the platform, the encounter is released; booked=true:
   * the platform did book it (confirmed) and the encounter stays blocked until reconciliation
   * brings the booking in — the gateway never lets a confirmed booking be settled twice. A write
   * under inquiry that no inquiry could decide: booked=true, the step happened (done), false, it did
   * not (not_done); the encounter takes that and is released.
   */
  async resolve(id: string, by: string, reason: string, booked: boolean): Promise<TransactionRecord> {
    const t = await this.mustGet(id);
    if (t.outcome !== 'unknown' || !(isReversible(t.infno) || isInquired(t.infno)))
      throw new GatewayError('GW_BIZ_CONSOLE_ACTION_NOT_ALLOWED', {
        details: { id, action: 'resolve', why: 'only a write with an unknown outcome that is not final is resolved' },
      });
    const inquired = isInquired(t.infno);
    const now = this.d.clock.now().toISOString();
    const r = t.resolution ?? (inquired ? openInquiry(now) : openResolution(now));
    if (!OPEN_STATES.has(r.state))
      throw new GatewayError('GW_BIZ_CONSOLE_ACTION_NOT_ALLOWED', { details: { id, action: 'resolve', why: `already ${r.state}` } });
    const state = inquired ? (booked ? 'done' : 'not_done') : booked ? 'confirmed' : 'resolved_by_staff';
    t.resolution = { ...r, state, resolved_by: by, reason, resolved_at: now };
    t.updated_at = now;
    await this.d.store.putTransaction(t);
    if (inquired) await this.adopt(t);
    else {
      if (!booked) await this.rollBack(t);
      await this.tellResolved(t);
    }
    return (await this.d.store.getTransaction(id)) ?? t;
  }

  private async mustGet(id: string) {
    const t = await this.d.store.getTransaction(id);
    if (!t) throw new GatewayError('GW_BIZ_TRANSACTION_NOT_FOUND', { details: { transaction_id: id } });
    return t;
  }
}

/** 人员编号 of the original: its business keys, else its message (`data.psn_no` or top level). */
function psnNoOf(t: TransactionRecord): string | undefined {
  if (t.keys.psn_no) return t.keys.psn_no;
  const m = t.stages.message as { data?: { psn_no?: unknown }; psn_no?: unknown } | undefined;
  const v = m?.data?.psn_no ?? m?.psn_no;
  return typeof v === 'string' ? v : undefined;
}

/** 参保地医保区划 as the original envelope carried it: the 2601 goes to the same insured area. */
function insuredAreaOf(t: TransactionRecord): string | undefined {
  const v = (t.stages.envelope as { insuplc_admdvs?: unknown } | undefined)?.insuplc_admdvs;
  return typeof v === 'string' && v ? v : undefined;
}
