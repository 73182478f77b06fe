import { randomUUID } from 'node:crypto';
import { open, type RootDatabase } from 'lmdb';
import type {
  AuditEntry,
  AuditQuery,
  EncounterBase,
  IdempotencyClaim,
  IdempotencyRecord,
  OutboxEntry,
  Store,
  StoredResponse,
  TransactionQuery,
  TransactionRecord,
  Versioned,
} from './store.js';
import { matchesAudit, outboxKey } from './queue-keys.js';
import { answerFor, toMs } from './idempotency-record.js';
import { isIndexedOutcome, matchesQuery } from './query.js';

interface SeqEntry {
  n: number;
  expires: number;
}

/**
 * The embedded store: one lmdb environment in a data directory (a single gateway instance).
 * Writes go through lmdb write transactions and are awaited until flushed to disk.
 */
export class LmdbStore implements Store {
  readonly backend = 'lmdb' as const;
  private readonly db: RootDatabase;
  private readonly txns;
  private readonly encounters;
  private readonly indexes;
  private readonly seqs;
  private readonly idem;
  /** store-and-forward queues: key `<queue>:<seq, 12 digits>` so key order is queue order */
  private readonly outbox;
  /** the append-only audit log: key = sequence number */
  private readonly audit;
  /** last sequence numbers of the outbox queues and the audit log (never expire, unlike `seqs`) */
  private readonly counters;
  /** journal ids by indexed outcome (pending, unknown): key `<outcome>:<id>`, so key order is time order */
  private readonly byOutcome;

  constructor(path: string) {
    this.db = open({ path, compression: false });
    this.txns = this.db.openDB<TransactionRecord, string>({ name: 'transactions' });
    this.encounters = this.db.openDB<Versioned<EncounterBase>, string>({ name: 'encounters' });
    this.indexes = this.db.openDB<string, string>({ name: 'indexes' });
    this.seqs = this.db.openDB<SeqEntry, string>({ name: 'sequences' });
    this.idem = this.db.openDB<IdempotencyRecord, string>({ name: 'idempotency' });
    this.outbox = this.db.openDB<OutboxEntry, string>({ name: 'outbox' });
    this.audit = this.db.openDB<AuditEntry, number>({ name: 'audit' });
    this.counters = this.db.openDB<number, string>({ name: 'counters' });
    this.byOutcome = this.db.openDB<true, string>({ name: 'transactions-by-outcome' });
    this.indexOutcomesOnce();
  }

  /** A data directory written before the outcome index existed gets it built once, at open. */
  private indexOutcomesOnce() {
    if (this.counters.get('outcome-index-built') === 1) return;
    this.db.transactionSync(() => {
      for (const { value } of this.txns.getRange())
        if (isIndexedOutcome(value.outcome)) this.byOutcome.putSync(`${value.outcome}:${value.id}`, true);
      this.counters.putSync('outcome-index-built', 1);
    });
  }

  async putTransaction(rec: TransactionRecord): Promise<void> {
    await this.db.transaction(() => {
      const before = this.txns.get(rec.id)?.outcome;
      if (before !== rec.outcome && isIndexedOutcome(before)) this.byOutcome.removeSync(`${before}:${rec.id}`);
      if (isIndexedOutcome(rec.outcome)) this.byOutcome.putSync(`${rec.outcome}:${rec.id}`, true);
      this.txns.putSync(rec.id, rec);
    });
    await this.db.flushed;
  }

  async getTransaction(id: string) {
    return this.txns.get(id);
  }

  async listTransactions(q: TransactionQuery) {
    const out: TransactionRecord[] = [];
    const limit = q.limit ?? 100;
    // msgid = institution code + timestamp + sequence: key order is time order.
    const records = isIndexedOutcome(q.outcome)
      ? this.withOutcome(q.outcome)
      : this.txns.getRange({ reverse: true }).map(({ value }) => value);
    for (const value of records) {
      if (matchesQuery(value, q)) out.push(value);
      if (out.length >= limit) break;
    }
    return out;
  }

  private *withOutcome(outcome: string): Generator<TransactionRecord> {
    const prefix = `${outcome}:`;
    for (const { key } of this.byOutcome.getRange({ start: `${prefix}\uffff`, end: prefix, reverse: true })) {
      const rec = this.txns.get(key.slice(prefix.length));
      if (rec) yield rec;
    }
  }

  async getEncounter<T extends EncounterBase>(id: string) {
    return this.encounters.get(id) as Versioned<T> | undefined;
  }

  async saveEncounter<T extends EncounterBase>(value: T, expectedVersion: number | null, indexes: Record<string, string> = {}) {
    const ok = await this.db.transaction(() => {
      const cur = this.encounters.get(value.id);
      if ((cur?.version ?? null) !== expectedVersion) return false;
      // unique indexes: a value owned by another encounter refuses the whole write
      for (const [name, v] of Object.entries(indexes)) {
        const owner = this.indexes.get(`${name}:${v}`);
        if (owner !== undefined && owner !== value.id) return false;
      }
      this.encounters.putSync(value.id, { value, version: (expectedVersion ?? 0) + 1 });
      for (const [name, v] of Object.entries(indexes)) this.indexes.putSync(`${name}:${v}`, value.id);
      return true;
    });
    await this.db.flushed;
    return ok;
  }

  async findEncounterId(index: string, value: string) {
    return this.indexes.get(`${index}:${value}`);
  }

  async nextSequence(name: string, ttlSeconds: number) {
    const now = Date.now();
    return this.db.transaction(() => {
      const cur = this.seqs.get(name);
      const n = cur && cur.expires > now ? cur.n + 1 : 1;
      this.seqs.putSync(name, { n, expires: now + ttlSeconds * 1000 });
      return n;
    });
  }

  /** Forgets expired counters (called at start-up; msgid counters live two minutes). */
  pruneSequences(): void {
    const now = Date.now();
    for (const { key, value } of this.seqs.getRange()) if (value.expires <= now) this.seqs.removeSync(key);
  }

  async claimIdempotency(key: string, fingerprint: string, leaseSeconds: number, holder?: string): Promise<IdempotencyClaim> {
    const now = Date.now();
    const r = await this.db.transaction((): IdempotencyClaim => {
      const cur = this.idem.get(key);
      if (cur && cur.expires > now) return answerFor(cur, fingerprint);
      const token = randomUUID();
      this.idem.putSync(key, {
        fingerprint,
        state: 'in_flight',
        token,
        expires: now + toMs(leaseSeconds),
        ...(holder ? { holder } : {}),
        claimed_at: now,
      });
      return { state: 'claimed', token };
    });
    await this.db.flushed;
    return r;
  }

  async completeIdempotency(key: string, token: string, response: StoredResponse, ttlSeconds: number) {
    const ok = await this.db.transaction(() => {
      const cur = this.idem.get(key);
      if (cur?.state !== 'in_flight' || cur.token !== token) return false;
      this.idem.putSync(key, { fingerprint: cur.fingerprint, state: 'done', response, expires: Date.now() + toMs(ttlSeconds) });
      return true;
    });
    await this.db.flushed;
    return ok;
  }

  async releaseIdempotency(key: string, token: string) {
    await this.db.transaction(() => {
      const cur = this.idem.get(key);
      if (cur && cur.state === 'in_flight' && cur.token === token) this.idem.removeSync(key);
    });
    await this.db.flushed;
  }

  async markAlive(holder: string, ttlSeconds: number) {
    await this.seqs.put(`alive:${holder}`, { n: 0, expires: Date.now() + toMs(ttlSeconds) });
    await this.db.flushed;
  }

  async releaseIdempotencyClaims(q: { notHeldBy: string; claimedBefore: number }) {
    const now = Date.now();
    const n = await this.db.transaction(() => {
      let released = 0;
      for (const { key, value } of this.idem.getRange()) {
        if (value.state !== 'in_flight' || value.holder === q.notHeldBy) continue;
        const old = (value.claimed_at ?? 0) <= q.claimedBefore;
        const alive = value.holder !== undefined && (this.seqs.get(`alive:${value.holder}`)?.expires ?? 0) > now;
        if (!old && alive) continue;
        this.idem.removeSync(key);
        released++;
      }
      return released;
    });
    await this.db.flushed;
    return n;
  }

  /** Forgets expired Idempotency-Key records (called at start-up; reads ignore them anyway). */
  pruneIdempotency(): void {
    const now = Date.now();
    for (const { key, value } of this.idem.getRange()) if (value.expires <= now) this.idem.removeSync(key);
  }

  // ---- store-and-forward queues --------------------------------------------------------------
  async appendOutbox(entry: Omit<OutboxEntry, 'seq'>): Promise<OutboxEntry> {
    const saved = await this.db.transaction(() => {
      const seq = (this.counters.get(`outbox:${entry.queue}`) ?? 0) + 1;
      this.counters.putSync(`outbox:${entry.queue}`, seq);
      const e: OutboxEntry = { ...entry, seq };
      this.outbox.putSync(outboxKey(entry.queue, seq), e);
      return e;
    });
    await this.db.flushed;
    return saved;
  }

  async listOutbox(queue: string, q: { state?: OutboxEntry['state']; limit?: number } = {}) {
    const out: OutboxEntry[] = [];
    const limit = q.limit ?? 1000;
    for (const { value } of this.outbox.getRange({ start: outboxKey(queue, 0), end: outboxKey(queue, Number.MAX_SAFE_INTEGER) })) {
      if (!q.state || value.state === q.state) out.push(value);
      if (out.length >= limit) break;
    }
    return out;
  }

  async updateOutbox(entry: OutboxEntry) {
    await this.outbox.put(outboxKey(entry.queue, entry.seq), entry);
    await this.db.flushed;
  }

  // ---- audit log ------------------------------------------------------------------------------
  async appendAudit(entry: AuditEntry): Promise<AuditEntry> {
    const saved = await this.db.transaction(() => {
      const seq = (this.counters.get('audit') ?? 0) + 1;
      this.counters.putSync('audit', seq);
      const e = { ...entry, seq };
      this.audit.putSync(seq, e);
      return e;
    });
    await this.db.flushed;
    return saved;
  }

  async listAudit(q: AuditQuery = {}) {
    const out: AuditEntry[] = [];
    const limit = q.limit ?? 100;
    for (const { value } of this.audit.getRange({ reverse: true })) {
      if (matchesAudit(value, q)) out.push(value);
      if (out.length >= limit) break;
    }
    return out;
  }

  async ping() {
    this.db.getStats();
  }

  async close() {
    await this.db.close();
  }
}
