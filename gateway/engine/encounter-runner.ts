import { randomUUID } from 'node:crypto';
import type { Clock } from '../../adapters/platform/msgid.js';
import { GatewayError } from '../errors/errors.js';
import type { BusinessKeys, EncounterBase, Store, TransactionRecord, Versioned } from '../store/store.js';
import { collectOutcomes, collectorOf, outcomeNotWritten } from './deferred-outcomes.js';
import { waitsOnUnknown } from './call-kinds.js';
import type { CallContext } from './platform-client.js';

/** What is under way on an encounter. At most one at a time (compare-and-set on the encounter's version). */
export interface Inflight {
  op: string;
  token: string;
  since: string;
  transaction_id?: string;
  /** set when a booking transaction's outcome is unknown: the encounter waits for its resolution */
  outcome?: 'unknown';
}

export interface ErrorNote {
  code: string;
  transaction_id?: string;
  at: string;
}

/** Any encounter (outpatient visit, admission, pharmacy sale) the runner can guard. */
export interface RunnableEncounter extends EncounterBase {
  status: string;
  created_at: string;
  updated_at: string;
  inflight?: Inflight;
  last_error?: ErrorNote;
}

export interface RequestMeta {
  request_id?: string;
  /** the API client that sent the request, and its role (kept with a refused 人卡一致 check) */
  client_id?: string;
  client_role?: string;
  /** a request of the national-format door: the HIS's msgid (`<client id>:<msgid>`), a business key of every call it makes */
  his_msgid?: string;
}

export interface StepResult<E> {
  transaction_id: string;
  apply: (e: E) => void;
  indexes?: Record<string, string>;
}

/** An encounter its opening call (2201, 2401) gives a 就诊ID. */
type Opened = { status: string; facts: { mdtrt_id?: string } };

/** The opening call's answer: the encounter takes the platform's mdtrt_id (indexed) and its open status. */
export function openedStep<E extends Opened>(transaction_id: string, mdtrt_id: string, status: E['status']): StepResult<E> {
  return {
    transaction_id,
    indexes: { mdtrt_id },
    apply: (w) => {
      w.status = status;
      w.facts.mdtrt_id = mdtrt_id;
    },
  };
}

/** How a failed opening call marks the encounter: `unknown` when the platform may have acted. */
export const failedAs =
  <E extends { status: string }>(unknown: E['status'], failed: E['status']) =>
  (e: E, isUnknown: boolean) => {
    e.status = isUnknown ? unknown : failed;
  };

/** The journal context of a call for an encounter: its insured area, its id, the request, its business keys, and the step running on it (deferred-outcomes.ts). */
export function encounterContext(
  e: { id: string; insuplc_admdvs?: string },
  meta: RequestMeta,
  keys: BusinessKeys,
  extra: Partial<CallContext> = {},
): CallContext {
  const tagged = meta.his_msgid ? { ...keys, his_msgid: meta.his_msgid } : keys;
  const outcomes = collectorOf(e);
  return {
    insuplc_admdvs: e.insuplc_admdvs,
    encounter_id: e.id,
    request_id: meta.request_id,
    keys: tagged,
    ...(outcomes ? { outcomes } : {}),
    ...extra,
  };
}

/** An encounter's id: its kind's letter (V visit, A admission, P sale, R refund), the day, and 12 random hex digits. */
export function newEncounterId(prefix: string, now: string): string {
  return `${prefix}${now.slice(0, 10).replace(/-/g, '')}${randomUUID().replace(/-/g, '').slice(0, 12)}`;
}

/**
 * The common fields of an encounter about to be opened, already taken for `op` (what `open` saves):
 * a new one, or `existing` again — an encounter whose opening failed keeps its id and creation time.
 */
export function openingDraft<K extends string, S extends string>(
  existing: RunnableEncounter | undefined,
  prefix: string,
  kind: K,
  status: S,
  op: string,
  now: string,
) {
  const inflight: Inflight = { op, token: randomUUID(), since: now };
  return {
    id: existing?.id ?? newEncounterId(prefix, now),
    kind,
    status,
    created_at: existing?.created_at ?? now,
    updated_at: now,
    inflight,
  };
}

/** What the HIS sees of the runner's hold on an encounter: the step under way or waiting, the last error. */
export function runState(e: RunnableEncounter) {
  return {
    pending: e.inflight
      ? { op: e.inflight.op, outcome: e.inflight.outcome ?? 'in_flight', transaction_id: e.inflight.transaction_id }
      : undefined,
    last_error: e.last_error,
    created_at: e.created_at,
    updated_at: e.updated_at,
  };
}

/** An inflight marker older than this, whose call never got journaled, was left by a crash. */
const STALE_INFLIGHT_MS = 120_000;

/** The gateway's words for "the platform may have booked it". */
export function isUnknownOutcome(e: unknown): e is GatewayError {
  return (
    e instanceof GatewayError &&
    [
      'GW_SYS_PLATFORM_OUTCOME_UNKNOWN',
      'GW_SYS_PLATFORM_OUTCOME_INQUIRING',
      'GW_SYS_PLATFORM_REPLY_INVALID',
      'GW_SYS_SLIP_INCONSISTENT',
    ].includes(e.code)
  );
}

/**
 * One operation on an encounter: check its state (guard), take it (inflight marker, by
 * compare-and-set, so two requests — or two replicas — never run at once), call the platform,
 * then apply the result and release it. A booking transaction with an unknown outcome keeps the
 * encounter taken until the outcome is resolved.
 */
export class EncounterRunner<E extends RunnableEncounter> {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly kind: string,
    private readonly notFound: string,
    private readonly ctxOf: (e: E, meta: RequestMeta) => CallContext,
  ) {}

  async run(
    id: string,
    infno: string,
    meta: RequestMeta,
    guard: (e: E) => void,
    exec: (e: E, ctx: CallContext) => Promise<StepResult<E>>,
  ): Promise<{ encounter: E; transaction_id: string }> {
    const { encounter, token } = await this.take(id, infno, guard);
    const step = collectOutcomes(encounter, () => exec(encounter, this.ctxOf(encounter, meta)));
    try {
      const r = await step.result;
      const saved = await this.finish(id, token, undefined, r.apply, r.indexes, step.take());
      return { encounter: saved, transaction_id: r.transaction_id };
    } catch (e) {
      const unknownBooking = isUnknownOutcome(e) && waitsOnUnknown(infno);
      await this.finish(
        id,
        token,
        unknownBooking ? { transaction_id: e.transaction_id } : undefined,
        (x) => {
          x.last_error = this.errorNote(e);
        },
        undefined,
        step.take(),
      );
      throw e;
    }
  }

  /**
   * Opens an encounter with its first platform call (registration 2201, admission 2401, a pharmacy
   * sale's 2102): `draft` is saved already taken (its inflight marker set) under its unique
   * `indexes` — or, where `expectedVersion` is given, over a failed earlier attempt — then `exec`
   * runs, and the outcome is recorded. `failed` marks the encounter's status when the call fails
   * (`unknown`: the platform may have acted); a booking call with an unknown outcome keeps the
   * encounter waiting for its resolution, as in `run`.
   */
  async open(
    draft: E,
    expectedVersion: number | null,
    indexes: Record<string, string>,
    infno: string,
    /** the error when another request took the index first; `winner`: that encounter, when it can be read */
    duplicate: (winner?: E) => GatewayError,
    exec: (e: E) => Promise<StepResult<E>>,
    failed: (e: E, unknown: boolean) => void,
  ): Promise<{ encounter: E; transaction_id: string }> {
    const token = draft.inflight?.token;
    if (!token) throw new Error('open() needs a draft taken with an inflight marker');
    if (!(await this.store.saveEncounter(draft, expectedVersion, indexes))) {
      // lost the race for the index: name the encounter that won it (the counter uses it: details.visit_id …)
      const [key, value] = Object.entries(indexes)[0] ?? [];
      const id = key && value ? await this.store.findEncounterId(key, value) : undefined;
      throw duplicate(id ? (await this.load(id))?.value : undefined);
    }
    const step = collectOutcomes(draft, () => exec(draft));
    try {
      const r = await step.result;
      const saved = await this.finish(draft.id, token, undefined, r.apply, r.indexes, step.take());
      return { encounter: saved, transaction_id: r.transaction_id };
    } catch (e) {
      const unknown = isUnknownOutcome(e);
      await this.finish(
        draft.id,
        token,
        unknown && waitsOnUnknown(infno) ? { transaction_id: e.transaction_id } : undefined,
        (x) => {
          failed(x, unknown);
          x.last_error = this.errorNote(e);
        },
        undefined,
        step.take(),
      );
      throw e;
    }
  }

  /**
   * The encounter already under the unique index `key` (ipt_otp_no, ipt_no, sale_no), if any. It may
   * be opened again only where its opening failed (status `retryable`); any other is a duplicate.
   */
  async reopenable(key: string, value: string, retryable: string, duplicate: (e: E) => GatewayError): Promise<Versioned<E> | undefined> {
    const id = await this.store.findEncounterId(key, value);
    const existing = id ? await this.load(id) : undefined;
    if (existing && existing.value.status !== retryable) throw duplicate(existing.value);
    return existing;
  }

  /** Takes the encounter for `op` after `guard` accepted its state. */
  async take(id: string, op: string, guard: (e: E) => void): Promise<{ encounter: E; token: string }> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const cur = await this.mustLoad(id);
      const e = cur.value;
      if (e.inflight) await this.refuseIfBusy(e.id, e.inflight);
      guard(e);
      const token = randomUUID();
      const now = this.clock.now().toISOString();
      const next: E = { ...e, inflight: { op, token, since: now }, updated_at: now };
      if (await this.store.saveEncounter(next, cur.version)) return { encounter: next, token };
    }
    throw new GatewayError('GW_BIZ_VISIT_BUSY');
  }

  /**
   * Applies a result and releases the encounter (or leaves it waiting on an unknown outcome).
   * `outcomes`: the journal records of the step's platform calls (deferred-outcomes.ts), written
   * with the first save, before the encounter (the same commit on lmdb).
   */
  async finish(
    id: string,
    token: string,
    unknown: { transaction_id?: string } | undefined,
    apply: (e: E) => void,
    indexes?: Record<string, string>,
    outcomes: TransactionRecord[] = [],
  ): Promise<E> {
    for (let journal = outcomes; ; journal = []) {
      const cur = await this.mustLoad(id);
      const e: E = cur.value; // a value of its own (Store.getEncounter)
      if (e.inflight?.token === token) {
        e.inflight = unknown ? { ...e.inflight, outcome: 'unknown', transaction_id: unknown.transaction_id } : undefined;
      }
      apply(e);
      e.updated_at = this.clock.now().toISOString();
      if (await this.saveWithOutcomes(e, cur.version, indexes, journal)) return e;
    }
  }

  /** A save that carries the step's call outcomes: if it fails, the calls' outcomes are unknown to the journal (deferred-outcomes.ts). */
  private async saveWithOutcomes(e: E, version: number, indexes: Record<string, string> | undefined, journal: TransactionRecord[]) {
    try {
      return await this.store.saveEncounter(e, version, indexes, journal);
    } catch (cause) {
      const last = journal.at(-1);
      if (!last) throw cause;
      throw outcomeNotWritten(last.infno, last.id, cause);
    }
  }

  /**
   * After a restart: the call journaled 'pending' for this encounter never got its answer. A booking
   * transaction keeps the encounter waiting (visible to staff); anything else releases it.
   */
  async recover(transaction: { id: string; infno: string; encounter_id?: string }, apply: (e: E) => void = () => {}) {
    if (!transaction.encounter_id) return;
    const cur = await this.load(transaction.encounter_id);
    if (!cur?.value.inflight) return;
    await this.finish(
      cur.value.id,
      cur.value.inflight.token,
      waitsOnUnknown(transaction.infno) ? { transaction_id: transaction.id } : undefined,
      (e) => {
        e.last_error = { code: 'GW_SYS_PLATFORM_OUTCOME_UNKNOWN', transaction_id: transaction.id, at: this.clock.now().toISOString() };
        apply(e);
      },
    );
  }

  /**
   * The unknown outcome `transaction` the encounter waits on was resolved (reversed, found not
   * booked at the platform, or settled by staff): the encounter is free again so that the HIS can
   * try again. 'still_running': the original call's run has not yet marked the encounter (ask
   * again later); 'not_waiting': the encounter does not wait on this transaction.
   */
  async release(
    transaction: { id: string; encounter_id?: string },
    apply: (e: E) => void = () => {},
    indexes?: Record<string, string>,
  ): Promise<'released' | 'not_waiting' | 'still_running'> {
    if (!transaction.encounter_id) return 'not_waiting';
    for (;;) {
      const cur = await this.load(transaction.encounter_id);
      const inflight = cur?.value.inflight;
      if (!cur || !inflight) return 'not_waiting';
      if (inflight.outcome !== 'unknown') return inflight.transaction_id === undefined ? 'still_running' : 'not_waiting';
      if (inflight.transaction_id !== transaction.id) return 'not_waiting';
      const e: E = cur.value; // a value of its own (Store.getEncounter)
      e.inflight = undefined;
      apply(e);
      e.updated_at = this.clock.now().toISOString();
      if (await this.store.saveEncounter(e, cur.version, indexes)) return 'released';
    }
  }

  async load(id: string): Promise<Versioned<E> | undefined> {
    const v = await this.store.getEncounter<E>(id);
    return v && v.value.kind === this.kind ? v : undefined;
  }

  async mustLoad(id: string): Promise<Versioned<E>> {
    const v = await this.load(id);
    if (!v) throw new GatewayError(this.notFound, { details: { id } });
    return v;
  }

  errorNote(e: unknown): ErrorNote {
    const g = e instanceof GatewayError ? e : undefined;
    return { code: g?.code ?? 'GW_SYS_INTERNAL', transaction_id: g?.transaction_id, at: this.clock.now().toISOString() };
  }

  private async refuseIfBusy(id: string, inflight: Inflight) {
    if (inflight.outcome === 'unknown') {
      throw new GatewayError('GW_BIZ_OUTCOME_UNKNOWN_PENDING', { transaction_id: inflight.transaction_id, details: { op: inflight.op } });
    }
    const age = this.clock.now().getTime() - Date.parse(inflight.since);
    if (age < STALE_INFLIGHT_MS) throw new GatewayError('GW_BIZ_VISIT_BUSY', { details: { op: inflight.op } });
    // Older: a marker left by a process that died. Taking the encounter over is safe only if that
    // process journaled no call still pending (another replica's slow call, or one the sweeper has
    // not yet turned into an unknown outcome): then nothing was sent.
    const [pending] = await this.store.listTransactions({ encounter_id: id, outcome: 'pending', limit: 1 });
    if (pending) throw new GatewayError('GW_BIZ_VISIT_BUSY', { transaction_id: pending.id, details: { op: inflight.op } });
  }
}
