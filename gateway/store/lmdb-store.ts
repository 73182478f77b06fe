import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { open, type RootDatabase } from 'lmdb';
import type {
  AuditEntry,
  AuditQuery,
  EncounterBase,
  IdempotencyClaim,
  IdempotencyRecord,
  OpenWork,
  OutboxEntry,
  Store,
  StoredResponse,
  TransactionQuery,
  TransactionRecord,
  Versioned,
} from './store.js';
import {
  auditIndexesOf,
  auditMemberOf,
  auditRangeOf,
  matchesAudit,
  outboxKey,
  outboxMember,
  outboxStateIndex,
  planAudit,
} from './queue-keys.js';
import { answerFor, inFlightClaim, toMs } from './idempotency-record.js';
import { withSearchFacts } from './search-facts.js';
import { createdAtOfMember, indexDiff, indexesOf, memberOf, type KeyHash, listJournal, listThroughIndexes, OPEN_WORK } from './query.js';
import { BlobMemo, type SealedAudit, type SealedOutbox, type SealedTransaction, Sealing, type StoreCipher } from './crypto.js';
import { STORE_SCHEMA_VERSION } from './schema-version.js';
import { type Tx, WriteBehind } from './write-behind.js';

/** 64 GiB of address space: far beyond a year of journal at a large hospital (bench/scale.ts). */
export const DEFAULT_MAP_SIZE = 64 * 2 ** 30;

const outboxIndexKey = (queue: string, state: string, seq: number) => `${outboxStateIndex(queue, state)} ${outboxMember(seq)}`;

/** Pages of the members of `index` (keys `<index> <member>`) in [gte, lt), newest first. */
async function* members(
  db: { getRange(o: object): Iterable<{ key: string }> },
  index: string,
  range: { gte: string; lt: string },
  pageSize: number,
) {
  const prefix = `${index} `;
  let page: string[] = [];
  // reverse: `start` (the upper end) is inclusive, `end` exclusive; no member equals `gte` (members end in |id)
  for (const { key } of db.getRange({ start: prefix + range.lt, end: prefix + range.gte, reverse: true })) {
    const m = key.slice(prefix.length);
    if (m >= range.lt) continue;
    page.push(m);
    if (page.length >= pageSize) {
      yield page;
      page = [];
    }
  }
  if (page.length) yield page;
}

/** index values as they are (a store without a key, and the clear indexes a migration replaces) */
const clear: KeyHash = (v) => v;

/** how many records one migration write transaction rewrites */
const MIGRATION_BATCH = 500;

/** how many records' index entries are remembered (writeTransaction: a request rewrites the record it wrote a moment before) */
const INDEXED_KEPT = 2_000;

/** the txIndexes keys of a record's memberships */
const indexesOfMember = (r: TransactionRecord, hash: KeyHash) => indexesOf(r, hash).map((i) => `${i} ${memberOf(r)}`);

interface SeqEntry {
  n: number;
  expires: number;
}

/**
 * The embedded store: one lmdb environment in a data directory, written by one gateway process.
 * A write is decided at once and committed behind (write-behind.ts): every later read of this
 * process sees it, range reads wait for the writes in flight, sync() waits for the disk.
 */
export class LmdbStore implements Store {
  readonly backend = 'lmdb' as const;
  private readonly db: RootDatabase;
  private readonly txns;
  /** what is stored sealed and how index values are hashed (crypto.ts; pass-through without a cipher) */
  readonly sealing: Sealing;
  /** the start-up key checks (crypto.ts Sealing.verify) */
  private readonly meta;
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
  /** the journal's secondary indexes (query.ts): key `<index> <member>` */
  private readonly txIndexes;
  /** the outbox's index by state: key `<state index> <seq>` */
  private readonly outboxStates;
  /** the audit log's indexes (queue-keys.ts): key `<index> <member>` */
  private readonly auditIndexes;
  /** the writes decided and not yet committed (write-behind.ts) */
  private readonly wb: WriteBehind;
  /** the index entries of the journal records this process sealed last */
  private readonly indexed = new BlobMemo<string[]>(INDEXED_KEPT);

  /**
   * `mapSizeBytes`: the virtual address space mapped for the data file (not disk: the file grows
   * with the data). Large enough that lmdb never has to grow the map — each growth remaps the file,
   * and lmdb-js keeps the earlier mappings of live readers, which showed as file-backed RSS larger
   * than the data file (issue 11).
   */
  constructor(path: string, opts: { mapSizeBytes?: number; cipher?: StoreCipher } = {}) {
    this.sealing = new Sealing(opts.cipher);
    this.db = open({ path, compression: false, mapSize: opts.mapSizeBytes ?? DEFAULT_MAP_SIZE, maxDbs: 24 });
    this.meta = this.db.openDB<Record<string, string>, string>({ name: 'store-meta' });
    this.txns = this.db.openDB<TransactionRecord | SealedTransaction, string>({ name: 'transactions' });
    this.encounters = this.db.openDB<Versioned<EncounterBase | string>, string>({ name: 'encounters' });
    this.indexes = this.db.openDB<string, string>({ name: 'indexes' });
    this.seqs = this.db.openDB<SeqEntry, string>({ name: 'sequences' });
    this.idem = this.db.openDB<IdempotencyRecord, string>({ name: 'idempotency' });
    this.outbox = this.db.openDB<OutboxEntry | SealedOutbox, string>({ name: 'outbox' });
    this.audit = this.db.openDB<AuditEntry | SealedAudit, number>({ name: 'audit' });
    this.counters = this.db.openDB<number, string>({ name: 'counters' });
    this.txIndexes = this.db.openDB<true, string>({ name: 'transaction-indexes' });
    this.outboxStates = this.db.openDB<true, string>({ name: 'outbox-states' });
    this.auditIndexes = this.db.openDB<true, string>({ name: 'audit-indexes' });
    this.wb = new WriteBehind(this.db);
    try {
      this.migrate();
    } catch (e) {
      this.db.close();
      throw e;
    }
  }

  /**
   * The store's schema version is written at open; a directory of an older version is brought up
   * to date once, here (version 2: the indexes of issue 11, built from the records themselves).
   */
  private migrate() {
    const version = this.counters.get('store-schema') ?? (this.counters.getKeysCount() === 0 && this.txns.getKeysCount() === 0 ? 0 : 1);
    const checks = this.meta.get('key-checks');
    const newChecks = this.sealing.verify(checks);
    if (version >= STORE_SCHEMA_VERSION && !newChecks) return;
    this.db.transactionSync(() => {
      if (version < 2) {
        // a version-1 store holds clear records: their indexes are built in clear, sealed below
        for (const { value } of this.txns.getRange()) this.indexTransaction(undefined, value as TransactionRecord, clear);
        for (const { value } of this.outbox.getRange())
          this.outboxStates.putSync(outboxIndexKey(value.queue, value.state, (value as OutboxEntry).seq), true);
        for (const { value } of this.audit.getRange())
          for (const i of auditIndexesOf(value as AuditEntry))
            this.auditIndexes.putSync(`${i} ${auditMemberOf(value as AuditEntry)}`, true);
        this.db.openDB<true, string>({ name: 'transactions-by-outcome' }).clearSync();
      }
    });
    // version 3 (issue 20): the first open with a key seals what is there, in bounded batches; a
    // crash midway repeats it (every step reads either form), the key check is written at the end
    const sealed = this.sealing.on && !Object.keys(checks ?? {}).length;
    if (sealed) this.sealExisting();
    // version 4: the search facts of records written before they existed (sealing derived them already)
    else if (version < 4) this.backfillSearchFacts();
    this.db.transactionSync(() => {
      if (newChecks) this.meta.putSync('key-checks', newChecks);
      this.counters.putSync('store-schema', STORE_SCHEMA_VERSION);
    });
  }

  /** Rewrites every record sealed and its indexes hashed, MIGRATION_BATCH records per write transaction. */
  private sealExisting() {
    const s = this.sealing;
    const inBatches = <K extends string | number, V>(
      db: { getRange(o: object): Iterable<{ key: K; value: V }> },
      each: (k: K, v: V) => void,
    ) => {
      for (let offset = 0; ; offset += MIGRATION_BATCH) {
        const batch = [...db.getRange({ offset, limit: MIGRATION_BATCH })];
        if (!batch.length) return;
        this.db.transactionSync(() => {
          for (const { key, value } of batch) each(key, value);
        });
      }
    };
    inBatches(this.txns, (_id: string, v) => {
      const before = s.openTx(v)!;
      for (const i of indexesOfMember(before, clear)) this.txIndexes.removeSync(i);
      // the person's hashes again under the store's key, from the stages (an archived record's are gone: no stages here)
      const { person: _clearHashes, ...rest } = before;
      const r = withSearchFacts(rest, s.hashKey);
      for (const i of indexesOfMember(r, s.hashKey)) this.txIndexes.putSync(i, true);
      this.txns.putSync(r.id, s.sealTx(r));
    });
    inBatches(this.encounters, (id: string, v) => {
      this.encounters.putSync(id, { value: s.sealEncounter(id, s.openEncounter(id, v.value)), version: v.version });
    });
    inBatches(this.outbox, (k: string, v) => this.outbox.putSync(k, s.sealOutbox(s.openOutbox(v)!)));
    inBatches(this.audit, (k: number, v) => this.audit.putSync(k, s.sealAudit(s.openAudit(v)!)));
    inBatches(this.idem, (k: string, v) => this.idem.putSync(k, s.sealIdem(s.openIdem(v))));
    // the encounters' unique indexes: clear `<name>:<value>` entries become hashed `h:<name>:<hash>`
    const plain = [...this.indexes.getKeys()].filter((k) => !k.startsWith('h:'));
    for (let i = 0; i < plain.length; i += MIGRATION_BATCH) {
      this.db.transactionSync(() => {
        for (const k of plain.slice(i, i + MIGRATION_BATCH)) {
          const owner = this.indexes.get(k);
          const at = k.indexOf(':');
          if (owner !== undefined) this.indexes.putSync(s.encounterIndexKey(k.slice(0, at), k.slice(at + 1)), owner);
          this.indexes.removeSync(k);
        }
      });
    }
  }

  /**
   * Schema 4 (issue 15): a record written before search facts existed gets them (withSearchFacts,
   * from its hot stages; an archived record has none here to derive them from). MIGRATION_BATCH
   * records are read per step, from the key after the last one (never the journal at once); only a
   * record the facts change is written, with its index entries, so a repeat after a crash finds the
   * done ones unchanged and writes nothing for them.
   */
  private backfillSearchFacts() {
    const s = this.sealing;
    for (let after: string | undefined; ; ) {
      const batch = [...this.txns.getRange({ ...(after === undefined ? {} : { start: after }), limit: MIGRATION_BATCH + 1 })].filter(
        (x) => x.key !== after,
      );
      if (!batch.length) return;
      this.db.transactionSync(() => {
        for (const { value } of batch) {
          const before = s.openTx(value)!;
          const r = withSearchFacts(before, s.hashKey);
          if (r.medfee_sumamt === before.medfee_sumamt && JSON.stringify(r.person) === JSON.stringify(before.person)) continue;
          this.indexTransaction(before, r);
          this.txns.putSync(r.id, s.sealTx(r));
        }
      });
      after = batch[batch.length - 1]!.key;
    }
  }

  /**
   * A consistent copy of the environment into directory `dir` (a backup: sealed like the store),
   * taken while the gateway keeps writing: lmdb copies one read snapshot (mdb_env_copy2), so the
   * copy holds every write committed before it began and none half-done.
   * Compacted, it holds only live pages: the clear pages a schema-3 migration freed are not in it
   * (README "Security": after sealing an old store, replace its directory with such a copy).
   */
  async backup(dir: string, compact = true) {
    mkdirSync(dir, { recursive: true });
    await this.wb.settled();
    await this.db.backup(dir, compact);
  }

  /** The schema version of this directory (written at open). */
  schemaVersion(): number {
    return this.counters.get('store-schema') ?? 0;
  }

  /** a migration's index entries (inside its synchronous transaction) */
  private indexTransaction(before: TransactionRecord | undefined, after: TransactionRecord, hash: KeyHash = this.sealing.hashKey) {
    const { add, remove } = indexDiff(before, after, hash);
    for (const r of remove) this.txIndexes.removeSync(`${r.index} ${r.member}`);
    for (const a of add) this.txIndexes.putSync(`${a.index} ${a.member}`, true);
  }

  async putTransaction(rec: TransactionRecord): Promise<void> {
    this.wb.write((tx) => this.writeTransaction(tx, rec));
    await this.wb.pace();
  }

  /**
   * Inside a write: the record (with its search facts, search-facts.ts) and its index entries —
   * those it is in now, less those the stored version was in. The stored version's entries come
   * from `indexed` when it was made for exactly that sealed value (BlobMemo); otherwise it is opened.
   */
  private writeTransaction(tx: Tx, given: TransactionRecord) {
    const hash = this.sealing.hashKey;
    const rec = withSearchFacts(given, hash);
    const stored = tx.get<TransactionRecord | SealedTransaction>(this.txns, rec.id);
    const entries = indexesOfMember(rec, hash);
    const after = new Set(entries);
    const known = stored && 'sealed' in stored ? this.indexed.get(rec.id, stored.sealed) : undefined;
    const before = known ?? (stored ? indexesOfMember(this.sealing.openTx(stored)!, hash) : []);
    for (const i of before) if (!after.delete(i)) tx.remove(this.txIndexes, i);
    for (const i of after) tx.put(this.txIndexes, i, true);
    const sealed = this.sealing.sealTx(rec);
    tx.put(this.txns, rec.id, sealed);
    if ('sealed' in sealed) this.indexed.remember(rec.id, sealed.sealed, entries);
  }

  /** a decided write's answer, once the writes in flight are few enough (write-behind.ts pace) */
  private async paced<T>(result: T): Promise<T> {
    await this.wb.pace();
    return result;
  }

  async getTransaction(id: string) {
    return this.sealing.openTx(this.wb.read<TransactionRecord | SealedTransaction>(this.txns, id));
  }

  async listTransactions(q: TransactionQuery) {
    await this.wb.settled();
    return listJournal(
      {
        members: (i, r, n) => members(this.txIndexes, i, r, n),
        values: async (ids) => ids.map((id) => this.sealing.openTx(this.wb.read<TransactionRecord | SealedTransaction>(this.txns, id))),
      },
      q,
      this.sealing.hashKey,
    );
  }

  async eraseTransaction(id: string) {
    await this.wb.committed((tx) => {
      const r = this.sealing.openTx(tx.get<TransactionRecord | SealedTransaction>(this.txns, id));
      if (!r) return;
      for (const i of indexesOfMember(r, this.sealing.hashKey)) tx.remove(this.txIndexes, i);
      tx.remove(this.txns, id);
    });
  }

  async countOpenWork() {
    await this.wb.settled();
    const out = {} as Record<OpenWork, number>;
    for (const w of OPEN_WORK) out[w] = this.txIndexes.getKeysCount({ start: `w:${w} `, end: `w:${w} \uffff` });
    return out;
  }

  async oldestOpenWork() {
    await this.wb.settled();
    const out: Partial<Record<OpenWork, string>> = {};
    for (const w of OPEN_WORK) {
      const prefix = `w:${w} `;
      for (const key of this.txIndexes.getKeys({ start: prefix, end: `${prefix}\uffff`, limit: 1 }))
        out[w] = createdAtOfMember(String(key).slice(prefix.length));
    }
    return out;
  }

  async getEncounter<T extends EncounterBase>(id: string) {
    const v = this.wb.read<Versioned<EncounterBase | string>>(this.encounters, id);
    return v ? { value: this.sealing.openEncounter(id, v.value as T | string), version: v.version } : undefined;
  }

  async saveEncounter<T extends EncounterBase>(
    value: T,
    expectedVersion: number | null,
    indexes: Record<string, string> = {},
    journal: TransactionRecord[] = [],
  ) {
    return this.paced(
      this.wb.write((tx) => {
        // the journal records are written even when the compare-and-set fails (the calls happened)
        for (const rec of journal) this.writeTransaction(tx, rec);
        const cur = tx.get<Versioned<unknown>>(this.encounters, value.id);
        if ((cur?.version ?? null) !== expectedVersion) return false;
        // unique indexes: a value owned by another encounter refuses the whole write
        for (const [name, v] of Object.entries(indexes)) {
          const owner = tx.get<string>(this.indexes, this.sealing.encounterIndexKey(name, v));
          if (owner !== undefined && owner !== value.id) return false;
        }
        tx.put(this.encounters, value.id, { value: this.sealing.sealEncounter(value.id, value), version: (expectedVersion ?? 0) + 1 });
        for (const [name, v] of Object.entries(indexes)) tx.put(this.indexes, this.sealing.encounterIndexKey(name, v), value.id);
        return true;
      }),
    );
  }

  async findEncounterId(index: string, value: string) {
    return this.wb.read<string>(this.indexes, this.sealing.encounterIndexKey(index, value));
  }

  async nextSequence(name: string, ttlSeconds: number, count = 1) {
    const now = Date.now();
    return this.paced(
      this.wb.write((tx) => {
        const cur = tx.get<SeqEntry>(this.seqs, name);
        const n = (cur && cur.expires > now ? cur.n : 0) + count;
        tx.put(this.seqs, name, { n, expires: now + ttlSeconds * 1000 });
        return n;
      }),
    );
  }

  /** Forgets expired counters (called at start-up; msgid counters live two minutes). */
  pruneSequences(): void {
    const now = Date.now();
    for (const { key, value } of this.seqs.getRange()) if (value.expires <= now) this.seqs.removeSync(key);
  }

  async claimIdempotency(key: string, fingerprint: string, leaseSeconds: number, holder?: string): Promise<IdempotencyClaim> {
    const now = Date.now();
    return this.paced(
      this.wb.write((tx): IdempotencyClaim => {
        const cur = tx.get<IdempotencyRecord>(this.idem, key);
        if (cur && cur.expires > now) return answerFor(this.sealing.openIdem(cur), fingerprint);
        const token = randomUUID();
        tx.put(this.idem, key, inFlightClaim(fingerprint, token, leaseSeconds, now, holder));
        return { state: 'claimed', token };
      }),
    );
  }

  async completeIdempotency(key: string, token: string, response: StoredResponse, ttlSeconds: number) {
    return this.paced(
      this.wb.write((tx) => {
        const cur = tx.get<IdempotencyRecord>(this.idem, key);
        if (cur?.state !== 'in_flight' || cur.token !== token) return false;
        tx.put(
          this.idem,
          key,
          this.sealing.sealIdem({ fingerprint: cur.fingerprint, state: 'done', response, expires: Date.now() + toMs(ttlSeconds) }),
        );
        return true;
      }),
    );
  }

  async releaseIdempotency(key: string, token: string) {
    this.wb.write((tx) => {
      const cur = tx.get<IdempotencyRecord>(this.idem, key);
      if (cur && cur.state === 'in_flight' && cur.token === token) tx.remove(this.idem, key);
    });
    await this.wb.pace();
  }

  async markAlive(holder: string, ttlSeconds: number) {
    await this.wb.committed((tx) => tx.put(this.seqs, `alive:${holder}`, { n: 0, expires: Date.now() + toMs(ttlSeconds) }));
  }

  async releaseIdempotencyClaims(q: { notHeldBy: string; claimedBefore: number }) {
    await this.wb.settled();
    const now = Date.now();
    return this.wb.committed((tx) => {
      let released = 0;
      for (const key of this.idem.getKeys()) {
        const value = tx.get<IdempotencyRecord>(this.idem, key);
        if (value?.state !== 'in_flight' || value.holder === q.notHeldBy) continue;
        const old = (value.claimed_at ?? 0) <= q.claimedBefore;
        const alive = value.holder !== undefined && (tx.get<SeqEntry>(this.seqs, `alive:${value.holder}`)?.expires ?? 0) > now;
        if (!old && alive) continue;
        tx.remove(this.idem, key);
        released++;
      }
      return released;
    });
  }

  /** Forgets expired Idempotency-Key records (called at start-up; reads ignore them anyway). */
  pruneIdempotency(): void {
    const now = Date.now();
    for (const { key, value } of this.idem.getRange()) if (value.expires <= now) this.idem.removeSync(key);
  }

  // ---- store-and-forward queues --------------------------------------------------------------
  async appendOutbox(entry: Omit<OutboxEntry, 'seq'>): Promise<OutboxEntry> {
    return this.wb.committed((tx) => {
      const seq = (tx.get<number>(this.counters, `outbox:${entry.queue}`) ?? 0) + 1;
      tx.put(this.counters, `outbox:${entry.queue}`, seq);
      const e: OutboxEntry = { ...entry, seq };
      tx.put(this.outbox, outboxKey(entry.queue, seq), this.sealing.sealOutbox(e));
      tx.put(this.outboxStates, outboxIndexKey(e.queue, e.state, seq), true);
      return e;
    });
  }

  async listOutbox(queue: string, q: { state?: OutboxEntry['state']; limit?: number; after?: number } = {}) {
    await this.wb.settled();
    const out: OutboxEntry[] = [];
    const limit = q.limit ?? 1000;
    const after = q.after ?? 0;
    if (q.state) {
      const prefix = `${outboxStateIndex(queue, q.state)} `;
      for (const { key } of this.outboxStates.getRange({ start: `${prefix}${outboxMember(after + 1)}`, end: `${prefix}\uffff` })) {
        const e = this.sealing.openOutbox(
          this.wb.read<OutboxEntry | SealedOutbox>(this.outbox, outboxKey(queue, Number(key.slice(prefix.length)))),
        );
        if (e) out.push(e);
        if (out.length >= limit) break;
      }
      return out;
    }
    for (const { value } of this.outbox.getRange({ start: outboxKey(queue, after + 1), end: outboxKey(queue, Number.MAX_SAFE_INTEGER) })) {
      out.push(this.sealing.openOutbox(value)!);
      if (out.length >= limit) break;
    }
    return out;
  }

  async getOutbox(queue: string, seq: number) {
    return this.sealing.openOutbox(this.wb.read<OutboxEntry | SealedOutbox>(this.outbox, outboxKey(queue, seq)));
  }

  async countOutbox(queue: string) {
    await this.wb.settled();
    const count = (state: string) => {
      const prefix = `${outboxStateIndex(queue, state)} `;
      return this.outboxStates.getKeysCount({ start: prefix, end: `${prefix}\uffff` });
    };
    return { pending: count('pending'), delivered: count('delivered'), rejected: count('rejected') };
  }

  async updateOutbox(entry: OutboxEntry) {
    await this.wb.committed((tx) => {
      const before = tx.get<OutboxEntry | SealedOutbox>(this.outbox, outboxKey(entry.queue, entry.seq));
      if (before && before.state !== entry.state) tx.remove(this.outboxStates, outboxIndexKey(entry.queue, before.state, entry.seq));
      tx.put(this.outboxStates, outboxIndexKey(entry.queue, entry.state, entry.seq), true);
      tx.put(this.outbox, outboxKey(entry.queue, entry.seq), this.sealing.sealOutbox(entry));
    });
  }

  // ---- audit log ------------------------------------------------------------------------------
  async appendAudit(entry: AuditEntry): Promise<AuditEntry> {
    return this.wb.committed((tx) => {
      const seq = (tx.get<number>(this.counters, 'audit') ?? 0) + 1;
      tx.put(this.counters, 'audit', seq);
      const e = { ...entry, seq };
      tx.put(this.audit, seq, this.sealing.sealAudit(e));
      for (const i of auditIndexesOf(e)) tx.put(this.auditIndexes, `${i} ${auditMemberOf(e)}`, true);
      return e;
    });
  }

  async eraseAuditBefore(before: string, limit: number) {
    await this.wb.settled();
    return this.wb.committed((tx) => {
      let erased = 0;
      for (const key of this.auditIndexes.getKeys({ start: 't ', end: `t ${before}`, limit })) {
        const seq = Number(key.slice(key.lastIndexOf('|') + 1));
        const e = this.sealing.openAudit(tx.get<AuditEntry | SealedAudit>(this.audit, seq));
        tx.remove(this.auditIndexes, key);
        if (!e) continue;
        for (const i of auditIndexesOf(e)) tx.remove(this.auditIndexes, `${i} ${auditMemberOf(e)}`);
        tx.remove(this.audit, seq);
        erased++;
      }
      return erased;
    });
  }

  async listAudit(q: AuditQuery = {}) {
    await this.wb.settled();
    return listThroughIndexes<AuditEntry>(
      {
        members: (i, r, n) => members(this.auditIndexes, i, r, n),
        values: async (seqs) => seqs.map((s) => this.sealing.openAudit(this.wb.read<AuditEntry | SealedAudit>(this.audit, Number(s)))),
      },
      planAudit(q),
      auditRangeOf(q),
      q.limit ?? 100,
      (e) => matchesAudit(e, q),
    );
  }

  /**
   * lmdb commits in order: a write resolves once committed (visible, and it survives the process —
   * the kernel holds its pages), and this resolves once everything committed so far is on disk.
   * So one fsync at the points of no return (gateway/store/store.ts) makes every earlier write
   * durable too; the writes in between need not each wait for their own.
   */
  async sync() {
    // lmdb's flushed covers every batch issued so far (it is the last one's flush); the writes'
    // own commits resolved before it, so settled() then only reports a commit that failed
    await this.db.flushed;
    await this.wb.settled();
  }

  async ping() {
    this.wb.check();
    this.db.getStats();
  }

  async close() {
    await this.wb.settled().catch(() => undefined);
    await this.db.close();
  }
}
