/**
 * The gateway's one storage port. Two backends implement it (lmdb-store.ts, the embedded default;
 * redis-store.ts for several replicas) and one contract suite (test/store-contract.test.ts) runs
 * against both. Every write resolves only once it is durable.
 */
export type Outcome = 'pending' | 'succeeded' | 'rejected' | 'unknown' | 'not_sent';

/** Business keys a staff member searches by (design.md "nothing is lost"). */
export interface BusinessKeys {
  psn_no?: string;
  mdtrt_id?: string;
  setl_id?: string;
  ipt_otp_no?: string;
  invono?: string;
}

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
}

export interface TransactionQuery {
  outcome?: Outcome;
  infno?: string;
  encounter_id?: string;
  /** ISO timestamps, inclusive */
  from?: string;
  to?: string;
  key?: { name: keyof BusinessKeys; value: string };
  limit?: number;
}

export interface Versioned<T> {
  value: T;
  version: number;
}

export interface EncounterBase {
  id: string;
  kind: string;
}

export interface Store {
  readonly backend: 'lmdb' | 'redis';
  /** Creates or replaces a journal record; resolves once durable. */
  putTransaction(rec: TransactionRecord): Promise<void>;
  getTransaction(id: string): Promise<TransactionRecord | undefined>;
  /** Newest first. */
  listTransactions(q: TransactionQuery): Promise<TransactionRecord[]>;

  getEncounter<T extends EncounterBase>(id: string): Promise<Versioned<T> | undefined>;
  /**
   * Writes an encounter only if its stored version is still `expectedVersion` (null: must not exist),
   * together with lookup indexes (name -> value -> encounter id). Returns false when another writer won.
   */
  saveEncounter<T extends EncounterBase>(value: T, expectedVersion: number | null, indexes?: Record<string, string>): Promise<boolean>;
  /** The encounter id an index points at, e.g. ('ipt_otp_no', 'MZ001') or ('setl_id', '...'). */
  findEncounterId(index: string, value: string): Promise<string | undefined>;

  /** Atomically increments counter `name` and returns it (1 first); the counter may be forgotten after ttlSeconds. */
  nextSequence(name: string, ttlSeconds: number): Promise<number>;

  ping(): Promise<void>;
  close(): Promise<void>;
}
