/**
 * The gateway's one storage port. Two backends implement it (lmdb-store.ts, the embedded default;
 * redis-store.ts for several replicas) and one contract suite (test/store-contract.test.ts) runs
 * against both. A write resolves once it is decided — visible to every later read, compare-and-set
 * exact — and `sync()` resolves once every write issued so far (awaited or not) is committed and
 * durable (survives the machine). Redis resolves a write once the server has it; the embedded store
 * decides it in the process and commits it behind (write-behind.ts), so only a sync promises that a
 * crash of the process keeps it. The gateway syncs at the two points of no return: before a message
 * leaves for the platform (the write-ahead, engine/platform-client.ts) and before an answer leaves
 * for the HIS (http/durable-answers.ts). Both backends commit in order, so a sync makes every
 * earlier write durable too: one fsync per point instead of one per write (issue 11).
 */
export type Outcome = 'pending' | 'succeeded' | 'rejected' | 'unknown' | 'not_sent';

/** Business keys a staff member searches by (design.md "nothing is lost"); a type, not an interface, so a journal answer hands them on as a string map (transaction.response). */
export type BusinessKeys = {
  psn_no?: string;
  mdtrt_id?: string;
  setl_id?: string;
  ipt_otp_no?: string;
  invono?: string;
  /**
   * The msgid an HIS sent the national-format door (gateway/http/national-door.ts), as
   * `<client id>:<msgid>`: the gateway's own msgid is the record's id; this is the HIS's, so that its
   * 2601 for that msgid is answered from the journal, and staff find the call by either.
   */
  his_msgid?: string;
};

/** One platform call, journaled write-ahead (outcome 'pending') before it is sent. */
export interface TransactionRecord {
  /** = msgid: unique per gateway, and the platform's own reference */
  id: string;
  infno: string;
  outcome: Outcome;
  created_at: string;
  updated_at: string;
  request_id?: string;
  encounter_id?: string;
  /** a retry of `parent_id` (e.g. after a renewed sign-in) */
  parent_id?: string;
  keys: BusinessKeys;
  stages: {
    his_input?: unknown;
    message?: unknown;
    envelope?: unknown;
    reply?: unknown;
  };
  error?: { code: string; reason: string; platform_err_msg?: string };
  /**
   * A booking transaction with an unknown outcome: how it is being resolved (冲正, 2601) —
   * gateway/resilience/reversal-worker.ts. The journal is the durable reversal queue.
   */
  resolution?: Resolution;
  /** a 2601 reversal: the msgid of the transaction it reverses (omsgid) */
  reverses?: string;
  /**
   * SHA-256 hex of the request body as it went on the wire (the transport profile's encrypted and
   * signed form), and of the reply body as it came when that differs from the plaintext reply kept
   * in `stages.reply`. The journal keeps the wire form only as these digests.
   */
  wire_digest?: string;
  reply_wire_digest?: string;
  /** its stages were moved to the archive (archive.ts; `stages` is then empty in the hot store) */
  archived?: ArchivedAt;
  /**
   * The patient's name and ID number found in its stages, as keyed hashes only (search-facts.ts,
   * derived by the store at write time): the console's exact search by name or ID number.
   */
  person?: Partial<Record<PersonSearch, string[]>>;
  /** the settlement amount (医疗费总额) of its reply or message, derived at write time (search-facts.ts) */
  medfee_sumamt?: string;
}

/** What the console searches a person by (search-facts.ts): name, ID number. */
export type PersonSearch = 'psn_name' | 'certno';

/** Where an archived record's stages are: one gzip member of a daily archive file. */
export interface ArchivedAt {
  file: string;
  offset: number;
  length: number;
}

export type ResolutionState =
  | 'reversing'
  | 'inquiring'
  | 'reversed'
  | 'not_booked'
  | 'confirmed'
  | 'done'
  | 'not_done'
  | 'needs_manual'
  | 'resolved_by_staff';

export interface Resolution {
  state: ResolutionState;
  /** 2601 attempts sent (counted before sending, so a crash mid-attempt is not forgotten) */
  attempts: number;
  /** when the next attempt is due (ISO) */
  next_at: string;
  /** msgids of the 2601 messages sent for it */
  reversal_ids: string[];
  /** msgids of the inquiries (5201 / 5204) sent for it (a write 2601 does not reverse) */
  inquiry_ids?: string[];
  /** what an inquiry learned that the encounter adopts (state `done`) */
  learned?: { mdtrt_id?: string; lines?: Array<Record<string, unknown>> };
  last_error?: string;
  /** the encounter was released (rolled back) after the reversal */
  encounter_released?: boolean;
  resolved_by?: string;
  reason?: string;
  resolved_at?: string;
}

/**
 * One upload the hospital owes the platform (store-and-forward, e.g. self-pay data during an
 * outage): kept in order per queue, delivered in that order, never deleted.
 */
export interface OutboxEntry {
  /** the queue's own order, 1, 2, 3 ... (assigned by appendOutbox) */
  seq: number;
  queue: string;
  id: string;
  infno: string;
  /** the platform message `input` */
  input: unknown;
  insuplc_admdvs?: string;
  keys: BusinessKeys;
  state: 'pending' | 'delivered' | 'rejected';
  attempts: number;
  created_at: string;
  updated_at: string;
  /** msgids of the delivery attempts */
  transaction_ids: string[];
  last_error?: { code: string; platform_err_msg?: string };
  /** who enqueued it (client id) */
  enqueued_by?: string;
}

/** One line of the append-only audit log: who did what, when, to which records, by which filter. */
export interface AuditEntry {
  /** assigned by appendAudit, increasing */
  seq?: number;
  at: string;
  actor: string;
  /** a signed-in person's display name (actor `staff:<username>`); absent for an API client */
  actor_name?: string;
  role: string;
  action: string;
  targets: string[];
  filter?: unknown;
  reason?: string;
  request_id?: string;
}

export interface AuditQuery {
  actor?: string;
  action?: string;
  from?: string;
  to?: string;
  limit?: number;
  /** the next page: entries older than the one this cursor names (queue-keys.ts auditCursorOf) */
  cursor?: string;
}

/** What is still open about a journal record (query.ts openWorkOf): the work the workers and staff see. */
export type OpenWork = 'pending' | 'unresolved' | 'reversing' | 'inquiring' | 'needs_manual' | 'releasing';

export interface TransactionQuery {
  outcome?: Outcome;
  /** records of any of these outcomes */
  outcomes?: Outcome[];
  /** records that are open work of these kinds (read from their own indexes) */
  open?: OpenWork[];
  /** records whose resolution is in this state */
  resolution?: ResolutionState;
  /** records whose stages are still in the hot store (not archived) */
  hot?: boolean;
  infno?: string;
  encounter_id?: string;
  /** ISO timestamps, inclusive */
  from?: string;
  to?: string;
  key?: { name: keyof BusinessKeys; value: string };
  /** records whose stages named this person (exact, normalised; matched by keyed hash, search-facts.ts) */
  person?: { name: PersonSearch; value: string };
  /** leave out 2601 reversal attempts (they are shown under the record they reverse) */
  originals?: boolean;
  limit?: number;
  /** the next page: records older than the one this cursor names (query.ts cursorOf) */
  cursor?: string;
}

export interface Versioned<T> {
  value: T;
  version: number;
}

export interface EncounterBase {
  id: string;
  kind: string;
}

/** A response kept for an Idempotency-Key: replayed byte for byte. */
export interface StoredResponse {
  status: number;
  /** the JSON text as it was sent */
  body: string;
  transaction_id?: string;
}

export type IdempotencyClaim =
  | { state: 'claimed'; token: string }
  | { state: 'in_flight' }
  | { state: 'done'; response: StoredResponse }
  | { state: 'mismatch' };

/** What both backends keep per key (lmdb as a value, Redis as a JSON string). */
export interface IdempotencyRecord {
  fingerprint: string;
  state: 'in_flight' | 'done';
  token?: string;
  response?: StoredResponse;
  /** epoch ms; lmdb checks it, Redis lets PX expire the key */
  expires: number;
  /** in flight: the process (boot id) that holds the claim, and when it claimed it (epoch ms) */
  holder?: string;
  claimed_at?: number;
}

export interface Store {
  readonly backend: 'lmdb' | 'redis';
  /** Creates or replaces a journal record; resolves once durable. */
  putTransaction(rec: TransactionRecord): Promise<void>;
  getTransaction(id: string): Promise<TransactionRecord | undefined>;
  /**
   * Newest first, through the most selective index the query allows (query.ts plan): by open work,
   * business key, encounter, resolution, outcome (and infno) or time; never a scan of the journal.
   */
  listTransactions(q: TransactionQuery): Promise<TransactionRecord[]>;
  /** How many records are open work of each kind (what the metrics show). */
  countOpenWork(): Promise<Record<OpenWork, number>>;
  /**
   * The created_at of the oldest record in each open-work index (absent: none open), read from the
   * index's first member — the alert on work left open too long, without reading the journal.
   */
  oldestOpenWork(): Promise<Partial<Record<OpenWork, string>>>;
  /**
   * Retention (issue 20): erases a journal record and its index memberships. Only the retention
   * round calls it (resilience/archiver.ts), for records past JOURNAL_RETENTION_DAYS that are not open work.
   */
  eraseTransaction(id: string): Promise<void>;

  /** The encounter and its version; each call returns a value of its own, which the caller may change (nothing stored changes). */
  getEncounter<T extends EncounterBase>(id: string): Promise<Versioned<T> | undefined>;
  /**
   * Writes an encounter only if its stored version is still `expectedVersion` (null: must not exist),
   * together with lookup indexes (name -> value -> encounter id). Indexes are UNIQUE: an index value
   * already pointing at a different encounter refuses the whole write (e.g. two concurrent
   * registrations of one 门诊号 ipt_otp_no). Returns false when another writer won, or on such a clash.
   */
  saveEncounter<T extends EncounterBase>(
    value: T,
    expectedVersion: number | null,
    indexes?: Record<string, string>,
    /**
     * journal records written with it, before the encounter and whatever the compare-and-set decides
     * (lmdb: in the same commit; Redis: each written first) — an encounter step's call outcomes
     * (engine/deferred-outcomes.ts)
     */
    journal?: TransactionRecord[],
  ): Promise<boolean>;
  /** The encounter id an index points at, e.g. ('ipt_otp_no', 'MZ001') or ('setl_id', '...'). */
  findEncounterId(index: string, value: string): Promise<string | undefined>;

  /**
   * Atomically adds `count` (default 1) to counter `name` and returns the new value: the caller owns
   * the numbers from value − count + 1 to value (1 is the first). The counter may be forgotten after
   * ttlSeconds.
   */
  nextSequence(name: string, ttlSeconds: number, count?: number): Promise<number>;

  /**
   * Idempotency-Key records (design.md "reserve the idempotency key"), atomic across replicas.
   * claim: no live record -> an in-flight record (lease `leaseSeconds`, a crashed holder's claim
   * lapses) and 'claimed' with its token; otherwise what is there: 'mismatch' when the fingerprint
   * differs, 'in_flight', or 'done' with the stored response. Expired records count as absent.
   */
  claimIdempotency(key: string, fingerprint: string, leaseSeconds: number, holder?: string): Promise<IdempotencyClaim>;
  /** Stores the response for `ttlSeconds`, only while `token` still holds the claim; false otherwise. */
  completeIdempotency(key: string, token: string, response: StoredResponse, ttlSeconds: number): Promise<boolean>;
  /** Forgets the claim (nothing was executed: the same key may be sent again), only while `token` holds it. */
  releaseIdempotency(key: string, token: string): Promise<void>;
  /** Marks the process `holder` (a boot id) alive for `ttlSeconds`; a live process renews it well before that. */
  markAlive(holder: string, ttlSeconds: number): Promise<void>;
  /**
   * Recovery: forgets the in-flight claims of dead holders — every claim not held by `notHeldBy`
   * (the calling process's boot id) that was made at or before `claimedBefore` (epoch ms; a claim
   * without a holder or time counts as old), or whose holder's markAlive has lapsed (or never was) —
   * so a same-key retry is answered from the journal now, not after the lease. Done records are
   * untouched. Returns how many claims it released.
   */
  releaseIdempotencyClaims(q: { notHeldBy: string; claimedBefore: number }): Promise<number>;

  /** Appends to the ordered queue `entry.queue` and returns the entry with its sequence number. */
  appendOutbox(entry: Omit<OutboxEntry, 'seq'>): Promise<OutboxEntry>;
  /**
   * The queue's entries in order (oldest first), optionally of one state (read from that state's
   * index: the pending entries cost what is pending), from after sequence number `after`.
   */
  listOutbox(queue: string, q?: { state?: OutboxEntry['state']; limit?: number; after?: number }): Promise<OutboxEntry[]>;
  getOutbox(queue: string, seq: number): Promise<OutboxEntry | undefined>;
  /** How many entries of the queue are in each state. */
  countOutbox(queue: string): Promise<Record<OutboxEntry['state'], number>>;
  /** Replaces an entry (same queue and seq): delivery state, attempts. */
  updateOutbox(entry: OutboxEntry): Promise<void>;

  /**
   * The audit log is append-only: no method changes an entry, and only retention removes one —
   * eraseAuditBefore, entries older than AUDIT_RETENTION_DAYS (issue 20).
   */
  appendAudit(entry: AuditEntry): Promise<AuditEntry>;
  /** Erases up to `limit` audit entries with `at` before `before` (oldest first); returns how many. */
  eraseAuditBefore(before: string, limit: number): Promise<number>;
  /** Newest first, through the actor's or the action's index when the query names one. */
  listAudit(q?: AuditQuery): Promise<AuditEntry[]>;

  /** Resolves once every write issued so far — including writes whose promise nobody awaited yet — is committed and durable (see above). */
  sync(): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
