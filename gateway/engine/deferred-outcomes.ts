import { counterReason, GatewayError } from '../errors/errors.js';
import type { TransactionRecord } from '../store/store.js';
import { callKind } from './call-kinds.js';

/**
 * An encounter step (encounter-runner.ts) ends with one store write: the encounter's new state. The
 * journal records of the platform calls it made — their outcomes, written after the reply — go into
 * that same write (lmdb: the same commit) instead of each waiting for a commit of its own (issue 11:
 * every commit a request waits for is a turn of the store's writer). What must be on disk before a
 * message leaves — the write-ahead record — is never deferred (platform-client.ts), and the answer
 * still waits for store.sync() after the step's write (http/durable-answers.ts).
 *
 * The step's collector belongs to the encounter object the step runs on; the call context built for
 * that encounter (encounter-runner.ts encounterContext) carries it to the platform client. A call
 * whose context was built otherwise (workers, person lookup), or that ends after its step took its
 * records (a call started in the background), writes its record itself — the deferral saves a
 * write, it never decides whether a record is written. (It was an AsyncLocalStorage before: on
 * Node 20 that puts a hook on every promise of the process, ≈ 7 % of the gateway's CPU per settle
 * request in `npm run bench`, issue 11.)
 */
export interface OutcomeCollector {
  records: TransactionRecord[];
  closed: boolean;
}

const steps = new WeakMap<object, OutcomeCollector>();

/** Runs one encounter step's platform calls on `encounter`; `take()` hands over the outcome records they left. */
export function collectOutcomes<T>(encounter: object, f: () => Promise<T>): { result: Promise<T>; take: () => TransactionRecord[] } {
  const c: OutcomeCollector = { records: [], closed: false };
  steps.set(encounter, c);
  const take = () => {
    c.closed = true;
    if (steps.get(encounter) === c) steps.delete(encounter);
    return c.records.splice(0);
  };
  let result: Promise<T>;
  try {
    result = f();
  } catch (e) {
    result = Promise.reject(e);
  }
  return { result, take };
}

/** The collector of the step running on `encounter`, if one is (for its call contexts). */
export const collectorOf = (encounter: object): OutcomeCollector | undefined => steps.get(encounter);

/** Leaves the record to the step that runs this call: true when a step took it, false when the caller must write it. */
export function deferOutcome(rec: TransactionRecord, c: OutcomeCollector | undefined): boolean {
  if (!c || c.closed) return false;
  c.records.push(rec);
  return true;
}

/**
 * The platform had the message, but the store failed writing its outcome: what the HIS is told is
 * what an unknown outcome of that infno means — never "nothing was sent" (the write-ahead record
 * stays pending; start-up and periodic recovery make it unknown and resolve it by kind).
 */
export function outcomeNotWritten(infno: string, transaction_id: string, cause: unknown): GatewayError {
  const kind = callKind(infno);
  const code =
    kind === 'no_booking'
      ? 'GW_SYS_PLATFORM_NO_REPLY_NOTHING_BOOKED'
      : kind === 'inquiry'
        ? 'GW_SYS_PLATFORM_OUTCOME_INQUIRING'
        : 'GW_SYS_PLATFORM_OUTCOME_UNKNOWN';
  return new GatewayError(code, {
    cause,
    transaction_id,
    details: counterReason('sent, but the journal store failed before the outcome was written'),
  });
}
