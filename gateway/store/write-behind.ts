/**
 * Writes decided on the main thread and committed behind it, for the embedded store (issue 11).
 *
 * An lmdb-js write transaction with a callback costs three turns of the event loop before its
 * promise resolves (the batch starts on the next turn, the writer thread calls the callback back on
 * the main thread, the commit is reported on a third); at ten connections each turn waits behind
 * other requests' work, and a settle request waited for four of them in a row (≈ 4.6 ms each,
 * the same on tmpfs: it is not the disk). Here a write runs its reads and decisions synchronously —
 * the gateway's process is the store's only writer (one lmdb directory, one gateway), and
 * JavaScript runs one thing at a time, so a compare-and-set decided here is exact — and hands its
 * puts and removes to lmdb as one `batch` (one atomic group, executed by the writer thread without
 * calling back). Until it commits, its values are kept here so that every later read of this
 * process sees them (`read`); range reads wait for the writes in flight first (`settled`).
 *
 * What a resolved write no longer promises is surviving a crash of the process before its commit
 * (a few milliseconds): the request path never relies on that — it syncs before a message leaves
 * for the platform and before an answer leaves for the HIS (store.ts), and `settled`/sync wait for
 * every write issued before them. Writes off the request path (outbox, audit log, erasures, the
 * liveness mark, the release of dead claims) use `committed`: they resolve once their own batch is
 * committed, as every write did before. A commit that fails (disk full, I/O error) stops the store: every later
 * write, sync and ping throws that error, so nothing is sent or answered on top of a lost write and
 * readiness fails until the gateway is restarted.
 */
type Key = string | number;

/** An lmdb database of the environment: synchronous reads, writes that join the current batch. */
export interface Db {
  get(key: Key): unknown;
  put(key: Key, value: unknown): unknown;
  remove(key: Key): unknown;
}

/** What a write sees: its own puts first, then the writes in flight, then the committed store. */
export interface Tx {
  get<V>(db: Db, key: Key): V | undefined;
  put(db: Db, key: Key, value: unknown): void;
  remove(db: Db, key: Key): void;
}

const REMOVED = Symbol('removed');
/** writes waiting for their commit before `pace` makes a writer wait (bench:scale's fill ran out of memory without it) */
const MAX_IN_FLIGHT = 1000;
/** a value in flight, kept as a copy: each read gets a copy of its own, as an lmdb read does */
interface Kept {
  value: unknown;
}

/**
 * A copy of `v` no later change of either can reach: primitives as they are, an object whose
 * fields are all primitives (a sealed record `{ id, sealed }`, an encounter `{ value: <blob>,
 * version }`, an Idempotency-Key record) by a shallow copy, anything else by structuredClone —
 * deep-copying the few-KiB blob strings of every write and read was 3 % of the gateway's CPU
 * (issue 11; strings are immutable, so sharing them is safe).
 */
function copyOf<V>(v: V): V {
  if (v === null || typeof v !== 'object') return v;
  if (Object.getPrototypeOf(v) !== Object.prototype) return structuredClone(v);
  for (const k in v) {
    const x = (v as Record<string, unknown>)[k];
    if (x !== null && typeof x === 'object') return structuredClone(v);
  }
  return { ...v };
}

export class WriteBehind {
  private readonly inFlightValues = new Map<Db, Map<Key, Kept>>();
  /** the commits waited for (lmdb hands the writes of one event turn the same promise) */
  private readonly inFlight = new Set<Promise<unknown>>();
  /** writes issued and not yet committed */
  private waiting = 0;
  private failure: unknown;

  constructor(private readonly env: { batch(fn: () => void): Promise<unknown> }) {}

  /** The value at `key` as this process last wrote it: in flight, else committed. */
  read<V>(db: Db, key: Key): V | undefined {
    const kept = this.inFlightValues.get(db)?.get(key);
    if (!kept) return db.get(key) as V | undefined;
    return kept.value === REMOVED ? undefined : (copyOf(kept.value) as V);
  }

  /**
   * Runs `fn` now: its reads see every earlier write; its puts and removes become one atomic lmdb
   * batch when it returns (nothing of it when it throws). Returns what `fn` returned.
   */
  write<T>(fn: (tx: Tx) => T): T {
    return this.run(fn).result;
  }

  /** `write`, resolving once its own batch is committed (for writes off the request path: a crash of the process then keeps them). */
  async committed<T>(fn: (tx: Tx) => T): Promise<T> {
    const { result, commit } = this.run(fn);
    if (commit) await commit.catch(() => undefined);
    this.check();
    return result;
  }

  private run<T>(fn: (tx: Tx) => T): { result: T; commit?: Promise<unknown> } {
    this.check();
    const ops = new Map<Db, Map<Key, unknown>>();
    const opsOf = (db: Db) => ops.get(db) ?? ops.set(db, new Map()).get(db)!;
    const tx: Tx = {
      get: <V>(db: Db, key: Key) => {
        const mine = ops.get(db);
        if (mine?.has(key)) {
          const v = mine.get(key);
          return (v === REMOVED ? undefined : copyOf(v)) as V | undefined;
        }
        return this.read<V>(db, key);
      },
      put: (db, key, value) => {
        opsOf(db).set(key, value);
      },
      remove: (db, key) => {
        opsOf(db).set(key, REMOVED);
      },
    };
    const result = fn(tx);
    return { result, commit: ops.size ? this.issue(ops) : undefined };
  }

  private issue(ops: Map<Db, Map<Key, unknown>>): Promise<unknown> {
    const kept: Array<[Map<Key, Kept>, Key, Kept]> = [];
    const commit = this.env.batch(() => {
      for (const [db, m] of ops)
        for (const [key, value] of m) {
          if (value === REMOVED) db.remove(key);
          else db.put(key, value);
        }
    });
    for (const [db, m] of ops) {
      const values = this.inFlightValues.get(db) ?? this.inFlightValues.set(db, new Map()).get(db)!;
      for (const [key, value] of m) {
        const k: Kept = { value: value === REMOVED ? REMOVED : copyOf(value) };
        values.set(key, k);
        kept.push([values, key, k]);
      }
    }
    this.inFlight.add(commit);
    this.waiting++;
    const done = () => {
      for (const [values, key, k] of kept) if (values.get(key) === k) values.delete(key);
      this.inFlight.delete(commit);
      this.waiting--;
    };
    commit.then(done, (e: unknown) => {
      this.failure ??= e;
      done();
    });
    return commit;
  }

  /**
   * Backpressure for a caller that writes faster than lmdb commits (a migration, a bulk fill, a
   * worker catching up): once MAX_IN_FLIGHT writes are waiting for their commit, resolves when
   * they are committed — so the values kept for reads stay bounded. On the request path, where
   * every request syncs, it resolves at once.
   */
  async pace(): Promise<void> {
    if (this.waiting >= MAX_IN_FLIGHT) await this.settled();
  }

  /** Resolves once every write issued before it is committed; throws if a commit failed. */
  async settled(): Promise<void> {
    if (this.inFlight.size) await Promise.allSettled([...this.inFlight]);
    this.check();
  }

  /** Throws the error of a failed commit, if there was one (the store is stopped). */
  check(): void {
    if (this.failure) throw this.failure;
  }
}
