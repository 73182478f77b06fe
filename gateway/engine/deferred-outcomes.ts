import { AsyncLocalStorage } from 'node:async_hooks';
import type { TransactionRecord } from '../store/store.js';

/**
 * An encounter step (encounter-runner.ts) ends with one store write: the encounter's new state. The
 * journal records of the platform calls it made — their outcomes, written after the reply — go into
 * that same write (lmdb: the same commit) instead of each waiting for a commit of its own (issue 11:
 * every commit a request waits for is a turn of the store's writer). What must be on disk before a
 * message leaves — the write-ahead record — is never deferred (platform-client.ts), and the answer
 * still waits for store.sync() after the step's write (http/durable-answers.ts).
 *
 * The records are collected per step through AsyncLocalStorage, so the flows between the runner and
 * the platform client stay as they are. A call that runs outside a step (workers, person lookup) or
 * after its step took its records (a call started in the background) writes its record itself.
 */
interface Collector {
  records: TransactionRecord[];
  closed: boolean;
}

const steps = new AsyncLocalStorage<Collector>();

/** Runs one encounter step's platform calls; `take()` hands over the outcome records they left. */
export function collectOutcomes<T>(f: () => Promise<T>): { result: Promise<T>; take: () => TransactionRecord[] } {
  const c: Collector = { records: [], closed: false };
  return {
    result: steps.run(c, f),
    take: () => {
      c.closed = true;
      return c.records.splice(0);
    },
  };
}

/** Leaves the record to the step that runs this call: true when a step took it, false when the caller must write it. */
export function deferOutcome(rec: TransactionRecord): boolean {
  const c = steps.getStore();
  if (!c || c.closed) return false;
  c.records.push(rec);
  return true;
}
