import { randomUUID } from 'node:crypto';
import type { Clock } from '../../adapters/platform/msgid.js';
import { GatewayError } from '../errors/errors.js';
import type { Logger } from '../logger.js';
import type { PlatformClient } from '../engine/platform-client.js';
import type { BusinessKeys, OutboxEntry, Store } from '../store/store.js';
import type { BreakerState } from './circuit-breaker.js';

export const SELF_PAY_QUEUE = 'self-pay';

const newUploadId = (now: string) => `U${now.slice(0, 10).replace(/-/g, '')}${randomUUID().replace(/-/g, '').slice(0, 12)}`;

/** A repeat of an upload whose first reply was lost: the platform has it already (mock: handlers/self-pay.ts). */
const ALREADY_RECEIVED = /已上传/;

export interface StoreAndForwardDeps {
  store: Store;
  platform: PlatformClient;
  breaker: { state(): BreakerState };
  clock: Clock;
  logger: Logger;
  intervalMs: number;
}

/**
 * Store-and-forward (HN 59, HN 20/53, domain.md §10): uploads the hospital owes the platform even
 * while it is down are queued durably (the Store's ordered outbox) and delivered in order once the
 * breaker is closed.
 *
 * Ordering rule: the queue is delivered strictly in sequence; an upload whose delivery failed
 * without a definite answer (not sent, or unknown: timeout, reset, 5xx) stays at the head and
 * blocks the ones behind it, so the platform receives them in the order they were queued. An
 * upload the platform REFUSED (a business error: it will not be accepted as it is) is set aside as
 * `rejected` — visible to staff, who correct and requeue it — and does not block the others,
 * because each self-pay upload is one patient's independent claim: their relative order carries no
 * meaning once one of them needs correcting.
 */
export class StoreAndForward {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = true;

  constructor(private readonly d: StoreAndForwardDeps) {}

  /** A new upload id (U + day + 12 hex digits): given to the encounter the upload belongs to before it is queued. */
  newId(): string {
    return newUploadId(this.d.clock.now().toISOString());
  }

  async enqueue(
    queue: string,
    infno: string,
    input: unknown,
    meta: { insuplc_admdvs?: string; keys: BusinessKeys; enqueued_by?: string; id?: string },
  ): Promise<OutboxEntry> {
    const now = this.d.clock.now().toISOString();
    const entry = await this.d.store.appendOutbox({
      queue,
      id: meta.id ?? newUploadId(now),
      infno,
      input,
      insuplc_admdvs: meta.insuplc_admdvs,
      keys: meta.keys,
      state: 'pending',
      attempts: 0,
      created_at: now,
      updated_at: now,
      transaction_ids: [],
      enqueued_by: meta.enqueued_by,
    });
    // try at once when the platform is up; otherwise the worker delivers it later
    this.kick();
    return entry;
  }

  start() {
    this.stopped = false;
    this.schedule(this.d.intervalMs);
  }

  async stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** Deliver now (after an enqueue), unless a round is already under way. */
  kick() {
    if (this.stopped || this.running) return;
    clearTimeout(this.timer);
    this.schedule(0);
  }

  private schedule(ms: number) {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.deliver(SELF_PAY_QUEUE)
        .catch((e) =>
          this.d.logger.error({ code: (e as GatewayError).code, err: { message: (e as Error).message } }, 'store-and-forward round failed'),
        )
        .finally(() => {
          this.running = undefined;
          this.schedule(this.d.intervalMs);
        });
    }, ms);
    this.timer.unref();
  }

  /** One round over `queue`: in order, until an upload gets no definite answer. */
  async deliver(queue: string): Promise<void> {
    const { store, clock, logger } = this.d;
    const pending = await store.listOutbox(queue, { state: 'pending' });
    if (pending.length) logger.debug({ queue, pending: pending.length, breaker: this.d.breaker.state() }, 'store-and-forward round');
    for (const head of pending) {
      if (this.stopped || this.d.breaker.state() !== 'closed') return;
      // replicas on one store: only the first to lease this attempt sends it
      if ((await store.nextSequence(`upload:${queue}:${head.seq}:${head.attempts}`, 120)) !== 1) return;
      const e: OutboxEntry = { ...head, attempts: head.attempts + 1, updated_at: clock.now().toISOString() };
      await store.updateOutbox(e);
      const hadUnknown =
        e.last_error !== undefined &&
        e.last_error.code !== 'GW_SYS_PLATFORM_UNAVAILABLE' &&
        e.last_error.code !== 'GW_SYS_PLATFORM_CIRCUIT_OPEN';
      let definite = true;
      try {
        const r = await this.d.platform.call(e.infno, e.input as object, {
          insuplc_admdvs: e.insuplc_admdvs,
          keys: e.keys,
          request_id: `upload:${e.id}`,
        });
        e.transaction_ids.push(r.transaction_id);
        e.state = 'delivered';
        delete e.last_error;
      } catch (err) {
        if (!(err instanceof GatewayError)) throw err;
        if (err.transaction_id) e.transaction_ids.push(err.transaction_id);
        const msg = (err.details as { platform_err_msg?: string } | undefined)?.platform_err_msg;
        if (err.status >= 500) {
          definite = false;
          e.last_error = { code: err.code, platform_err_msg: msg };
        } else if (hadUnknown && msg && ALREADY_RECEIVED.test(msg)) {
          // the earlier attempt did arrive; its reply was lost
          e.state = 'delivered';
          delete e.last_error;
        } else {
          e.state = 'rejected';
          e.last_error = { code: err.code, platform_err_msg: msg };
        }
      }
      e.updated_at = clock.now().toISOString();
      await store.updateOutbox(e);
      logger.info(
        { queue, seq: e.seq, upload_id: e.id, state: e.state, attempts: e.attempts, code: e.last_error?.code },
        'store-and-forward upload',
      );
      if (!definite) return; // keep the order: the ones behind wait for this one
    }
  }

  /** Staff: a rejected upload goes back into the queue (after the data was corrected at its source). */
  async requeue(queue: string, seq: number): Promise<OutboxEntry> {
    const e = await this.d.store.getOutbox(queue, seq);
    if (!e) throw new GatewayError('GW_BIZ_TRANSACTION_NOT_FOUND', { details: { queue, seq } });
    if (e.state !== 'rejected')
      throw new GatewayError('GW_BIZ_CONSOLE_ACTION_NOT_ALLOWED', { details: { seq, action: 'retry', why: `upload is ${e.state}` } });
    const next: OutboxEntry = { ...e, state: 'pending', updated_at: this.d.clock.now().toISOString() };
    await this.d.store.updateOutbox(next);
    this.kick();
    return next;
  }
}
