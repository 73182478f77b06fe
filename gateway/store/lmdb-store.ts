import { open, type RootDatabase } from 'lmdb';
import type { EncounterBase, Store, TransactionQuery, TransactionRecord, Versioned } from './store.js';
import { matchesQuery } from './query.js';

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

  constructor(path: string) {
    this.db = open({ path, compression: false });
    this.txns = this.db.openDB<TransactionRecord, string>({ name: 'transactions' });
    this.encounters = this.db.openDB<Versioned<EncounterBase>, string>({ name: 'encounters' });
    this.indexes = this.db.openDB<string, string>({ name: 'indexes' });
    this.seqs = this.db.openDB<SeqEntry, string>({ name: 'sequences' });
  }

  async putTransaction(rec: TransactionRecord): Promise<void> {
    await this.txns.put(rec.id, rec);
    await this.db.flushed;
  }

  async getTransaction(id: string) {
    return this.txns.get(id);
  }

  async listTransactions(q: TransactionQuery) {
    const out: TransactionRecord[] = [];
    const limit = q.limit ?? 100;
    // msgid = institution code + timestamp + sequence: key order is time order.
    for (const { value } of this.txns.getRange({ reverse: true })) {
      if (matchesQuery(value, q)) out.push(value);
      if (out.length >= limit) break;
    }
    return out;
  }

  async getEncounter<T extends EncounterBase>(id: string) {
    return this.encounters.get(id) as Versioned<T> | undefined;
  }

  async saveEncounter<T extends EncounterBase>(value: T, expectedVersion: number | null, indexes: Record<string, string> = {}) {
    const ok = await this.db.transaction(() => {
      const cur = this.encounters.get(value.id);
      if ((cur?.version ?? null) !== expectedVersion) return false;
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

  async ping() {
    this.db.getStats();
  }

  async close() {
    await this.db.close();
  }
}
