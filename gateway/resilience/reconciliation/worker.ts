/**
 * The reconciliation worker (对账): starts a day's run — on schedule (RECON_RUN_AT, local time, for
 * the day before, making up for a few missed days), on demand by staff, or again once a day's fixes
 * have finished — and keeps every run it holds alive (its lease in the day's document, renewed).
 * At start and on every tick it resumes a run whose holder died (its lease lapsed; on the embedded
 * store, any lease but this process's), where it stopped: each step done is in the document. One
 * run per day at a time across replicas: the lease is taken by compare-and-set.
 */
import type { Clock } from '../../../adapters/platform/msgid.js';
import { GatewayError } from '../../errors/errors.js';
import { addDays, isDay, latestDueDay, localDay, monthOf } from '../../engine/reconciliation/calendar.js';
import { DAY_KIND, type DayDocument, dayDocId, type RunTrigger } from '../../engine/reconciliation/documents.js';
import type { ReconciliationSettings } from '../../engine/reconciliation/settings.js';
import type { Logger } from '../../logger.js';
import { errForLog } from '../../privacy.js';
import type { BreakerState } from '../circuit-breaker.js';
import { type DayDocuments, LeaseLost } from './day-documents.js';
import { type DayRun, needsAttention, PASSING_ERRORS, Stopped } from './day-run.js';
import type { Orphans } from './orphans.js';

export interface ReconciliationWorkerDeps {
  docs: DayDocuments;
  run: DayRun;
  orphans: Orphans;
  clock: Clock;
  logger: Logger;
  settings: ReconciliationSettings;
  offsetMinutes: number;
  breaker: { state(): BreakerState };
  /** the embedded store has one writer: a lease held by another process id is a dead one's */
  singleWriter: boolean;
}

export class ReconciliationWorker {
  private timer?: NodeJS.Timeout;
  private heartbeat?: NodeJS.Timeout;
  private ticking?: Promise<void>;
  private readonly running = new Map<string, Promise<void>>();
  private stopping = new AbortController();

  constructor(private readonly d: ReconciliationWorkerDeps) {}

  start() {
    this.stopping = new AbortController();
    const beat = Math.max(250, Math.floor(this.d.settings.leaseMs / 3));
    this.heartbeat = setInterval(() => void this.renewLeases(), beat);
    this.heartbeat.unref();
    // at once: a run a dead process left is resumed at start
    this.schedule(0);
  }

  async stop() {
    this.stopping.abort();
    clearTimeout(this.timer);
    clearInterval(this.heartbeat);
    await this.ticking;
    // a run stops at its next step and stays `running` under this lease: the next start resumes it
    await Promise.all(this.running.values());
  }

  private schedule(ms: number) {
    if (this.stopping.signal.aborted) return;
    this.timer = setTimeout(() => {
      this.ticking = this.tick()
        .catch((e) => this.d.logger.error({ err: errForLog(e) }, 'reconciliation tick failed'))
        .finally(() => this.schedule(this.d.settings.intervalMs));
    }, ms);
    this.timer.unref();
  }

  /** Whether `day`'s run is held by a live holder (this process while it runs it; another while its lease holds). */
  private alive(doc: DayDocument | undefined): boolean {
    if (doc?.status !== 'running' || !doc.lease) return false;
    if (doc.lease.holder === this.d.docs.holder) return this.running.has(doc.day);
    return this.d.docs.leaseAlive(doc, () => this.d.singleWriter);
  }

  /**
   * Starts (or takes over) the run of `day`: refused while a live holder runs it. A run whose holder
   * died is resumed where it stopped, whoever asks; otherwise a new run begins. Returns the document
   * as the run starts; the run goes on in the background.
   */
  async startRun(day: string, trigger: RunTrigger, by?: string): Promise<DayDocument> {
    if (!isDay(day) || day > localDay(this.d.clock.now(), this.d.offsetMinutes))
      throw new GatewayError('GW_VAL_RECON_DAY', { details: { day, why: 'a past or current day (yyyy-MM-dd)' } });
    if (await this.d.docs.month(monthOf(day))) throw new GatewayError('GW_BIZ_RECON_MONTH_CLOSED', { details: { month: monthOf(day) } });
    const now = this.d.clock.now();
    const doc = await this.d.docs.update(day, (cur) => {
      if (this.alive(cur))
        throw new GatewayError('GW_BIZ_RECON_RUN_IN_PROGRESS', { details: { day, since: cur!.run?.started_at, run: cur!.run?.no } });
      const base: DayDocument = cur ?? {
        id: dayDocId(day),
        kind: DAY_KIND,
        day,
        status: 'running',
        created_at: now.toISOString(),
        updated_at: now.toISOString(),
        runs: [],
        run_count: 0,
        auto_reruns: 0,
        differences: [],
        adopted: [],
      };
      const resume = base.status === 'running' && base.run !== undefined && base.run.finished_at === undefined;
      base.status = 'running';
      base.lease = { holder: this.d.docs.holder, until: new Date(now.getTime() + this.d.settings.leaseMs).toISOString() };
      if (resume) base.run!.resumed += 1;
      else {
        base.run_count += 1;
        if (trigger === 'rerun') base.auto_reruns += 1;
        base.run = {
          no: base.run_count,
          trigger,
          ...(by ? { requested_by: by } : {}),
          started_at: now.toISOString(),
          resumed: 0,
          groups: [],
          details: [],
        };
      }
      return base;
    });
    await this.d.docs.markActive(day, true);
    this.d.logger.info({ day, run: doc!.run!.no, trigger, resumed: doc!.run!.resumed }, 'reconciliation run started');
    this.launch(day);
    return doc!;
  }

  private launch(day: string) {
    const p = this.d.run
      .execute(day, this.stopping.signal)
      .then(
        () => undefined,
        async (e) => {
          if (e instanceof LeaseLost) return this.d.logger.warn({ day }, 'reconciliation run stopped: another replica holds its lease now');
          if (e instanceof Stopped)
            return this.d.logger.info({ day }, 'reconciliation run paused by shutdown; it resumes at the next start');
          this.d.logger.error({ day, err: errForLog(e) }, 'reconciliation run failed unexpectedly');
          await this.d.run.abandon(day, e).catch(() => undefined);
        },
      )
      .finally(() => this.running.delete(day));
    this.running.set(day, p);
  }

  /** Renews the lease of every run this process holds (a run whose lease another took stops at its next write). */
  private async renewLeases() {
    const until = new Date(this.d.clock.now().getTime() + this.d.settings.leaseMs).toISOString();
    for (const day of this.running.keys()) {
      await this.d.docs
        .update(day, (cur) => {
          if (cur?.status !== 'running' || cur.lease?.holder !== this.d.docs.holder) return false;
          cur.lease = { ...cur.lease, until };
          return cur;
        })
        .catch((e) => this.d.logger.error({ day, err: errForLog(e) }, 'could not renew a reconciliation lease'));
    }
  }

  /** One round: the scheduled days, the runs to resume, the fixes to follow and re-run after. */
  async tick(): Promise<void> {
    if (this.d.settings.schedule) await this.scheduled();
    for (const day of await this.d.docs.activeDays()) {
      if (this.stopping.signal.aborted) return;
      try {
        await this.attend(day);
      } catch (e) {
        if (!(e instanceof GatewayError && ['GW_BIZ_RECON_RUN_IN_PROGRESS', 'GW_BIZ_RECON_MONTH_CLOSED'].includes(e.code)))
          this.d.logger.error({ day, err: errForLog(e) }, 'reconciliation: could not attend to the day');
      }
    }
  }

  /** The day before (and a few missed ones) is run once the run time has passed, if no run of it was ever made. */
  private async scheduled() {
    const due = latestDueDay(this.d.clock.now(), this.d.offsetMinutes, this.d.settings.runAtMinutes);
    for (let i = this.d.settings.catchUpDays; i >= 0; i--) {
      const day = addDays(due, -i);
      if (this.stopping.signal.aborted || (await this.d.docs.day(day))) continue;
      await this.startRun(day, 'schedule').catch((e) => {
        if (!(e instanceof GatewayError)) throw e;
      });
    }
  }

  private async attend(day: string) {
    let doc = await this.d.docs.day(day);
    if (!doc) return this.d.docs.markActive(day, false);
    if (doc.status === 'running') {
      if (!this.alive(doc) && !this.running.has(day)) await this.startRun(day, doc.run?.trigger ?? 'schedule');
      return;
    }
    doc = (await this.d.orphans.follow(day)) ?? doc;
    const fixing = doc.differences.some((x) => x.state === 'fixing');
    const fixed = doc.differences.some((x) => x.state === 'fixed');
    const passing = doc.status === 'error' && PASSING_ERRORS.has(doc.last_error?.code ?? '');
    const budget = doc.auto_reruns < this.d.settings.maxAutoReruns;
    if (!fixing && (fixed || passing) && budget && this.d.breaker.state() === 'closed') {
      await this.startRun(day, 'rerun');
      return;
    }
    // nothing more to do on its own: staff take it from the console
    if (!needsAttention(doc) || (!fixing && !budget)) await this.d.docs.markActive(day, false);
  }
}
