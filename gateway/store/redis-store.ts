import { Redis, ReplyError, type RedisOptions } from 'ioredis';
import { GatewayError } from '../errors/errors.js';
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
import { auditIndexesOf, auditRangeOf, matchesAudit, outboxMember, outboxStateIndex, planAudit } from './queue-keys.js';
import { answerFor, inFlightClaim, toMs } from './idempotency-record.js';
import { withSearchFacts } from './search-facts.js';
import { createdAtOfMember, indexesOf, listJournal, listThroughIndexes, memberOf, OPEN_WORK } from './query.js';
import { isSealed, Sealing, type StoreCipher } from './crypto.js';
import { STORE_SCHEMA_VERSION } from './schema-version.js';

export interface RedisStoreOptions {
  url: string;
  /** every key starts with it, so that several gateways (or test runs) can share one Redis */
  keyPrefix: string;
  /** Sentinel: ioredis asks these for the current master of `sentinelName` */
  sentinels?: Array<{ host: string; port: number }>;
  sentinelName?: string;
  /** connection errors (ioredis reconnects by itself; calls made meanwhile fail at once) */
  onError?: (e: Error) => void;
  /** connect and command timeout (default 1000 ms): how long a call waits for a Redis that does not answer */
  timeoutMs?: number;
  /**
   * WAIT: a write is acknowledged only once this many replicas hold it (0 = at once, as Redis does).
   * Redis replicates asynchronously: without it a failover may promote a replica that never got a
   * write the gateway already answered 2xx for.
   */
  waitReplicas?: number;
  /** how long a write waits for those replicas before it fails (the caller answers 503); default 500 ms */
  waitTimeoutMs?: number;
  /** encryption at rest (crypto.ts): without it values are kept in clear */
  cipher?: StoreCipher;
}

/** The Store methods whose failures are mapped by storeFault (every one that talks to Redis). */
const GUARDED = [
  'putTransaction',
  'getTransaction',
  'listTransactions',
  'getEncounter',
  'saveEncounter',
  'findEncounterId',
  'nextSequence',
  'claimIdempotency',
  'completeIdempotency',
  'releaseIdempotency',
  'markAlive',
  'releaseIdempotencyClaims',
  'appendOutbox',
  'listOutbox',
  'getOutbox',
  'countOutbox',
  'updateOutbox',
  'countOpenWork',
  'eraseTransaction',
  'eraseAuditBefore',
  'appendAudit',
  'listAudit',
  'ping',
] as const satisfies ReadonlyArray<keyof Store>;

/** The guarded methods that only read: sync() need not wait for them. */
const READS = new Set<string>([
  'getTransaction',
  'listTransactions',
  'getEncounter',
  'findEncounterId',
  'listOutbox',
  'getOutbox',
  'countOutbox',
  'countOpenWork',
  'listAudit',
  'ping',
]);

/** Replies that mean "Redis cannot serve now" (loading, a replica during failover, ...), not a bug of ours. */
const UNAVAILABLE_REPLY = /^(LOADING|READONLY|MASTERDOWN|CLUSTERDOWN|TRYAGAIN|NOREPLICAS|BUSY|MISCONF)\b/;

/**
 * A Redis that cannot be reached (no connection, timed out, retries exhausted, failing over) is
 * 503 GW_SYS_STORE_UNAVAILABLE for the caller; any other reply error (a script or type error: ours)
 * stays what it is, a 500.
 */
function storeFault(e: unknown): never {
  if (e instanceof GatewayError) throw e;
  if (e instanceof ReplyError && !UNAVAILABLE_REPLY.test((e as Error).message)) throw e;
  throw new GatewayError('GW_SYS_STORE_UNAVAILABLE', { cause: e, details: { store: 'redis' } });
}

/** A write Redis applied but too few replicas acknowledged in time: it may not survive a failover. */
export class StoreNotReplicatedError extends Error {
  override name = 'StoreNotReplicatedError';
}

/**
 * Compare-and-set of an encounter with its UNIQUE indexes, in one script (atomic in Redis).
 * KEYS[1] = the encounter hash (v = version, d = JSON), KEYS[2..] = index keys.
 * ARGV[1] = expected version ('' = must not exist), ARGV[2] = the encounter JSON, ARGV[3] = its id.
 */
const SAVE_ENCOUNTER = `
local cur = redis.call('HGET', KEYS[1], 'v')
if ARGV[1] == '' then
  if cur then return 0 end
elseif cur ~= ARGV[1] then
  return 0
end
for i = 2, #KEYS do
  local owner = redis.call('GET', KEYS[i])
  if owner and owner ~= ARGV[3] then return 0 end
end
local next = (tonumber(ARGV[1]) or 0) + 1
redis.call('HSET', KEYS[1], 'v', tostring(next), 'd', ARGV[2])
for i = 2, #KEYS do redis.call('SET', KEYS[i], ARGV[3]) end
return 1
`;

/** INCR and (re)set the expiry together, like lmdb's counter (the expiry follows the last increment). */
const NEXT_SEQUENCE = `
local n = redis.call('INCRBY', KEYS[1], ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return n
`;

/**
 * Claim: SET NX with the lease, and the key in the in-flight index (sorted set by claim time, for
 * releaseIdempotencyClaims); else hand back what is there (the caller reads it with answerFor).
 * KEYS[1] = the record, KEYS[2] = the index; ARGV[1] = record JSON, ARGV[2] = lease ms, ARGV[3] = claim time, ARGV[4] = index member.
 */
const CLAIM = `
local ok = redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2])
if ok then
  redis.call('ZADD', KEYS[2], ARGV[3], ARGV[4])
  return false
end
return redis.call('GET', KEYS[1])
`;

/** Complete / release: only while the in-flight record still carries this claimant's token; either leaves the index. */
const COMPLETE = `
local cur = redis.call('GET', KEYS[1])
if not cur then return 0 end
local rec = cjson.decode(cur)
if rec.state ~= 'in_flight' or rec.token ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
redis.call('ZREM', KEYS[2], ARGV[4])
return 1
`;
const RELEASE = `
local cur = redis.call('GET', KEYS[1])
if not cur then return 0 end
local rec = cjson.decode(cur)
if rec.state ~= 'in_flight' or rec.token ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[2])
return 1
`;
/**
 * A dead holder's claim: forgotten if it is still in flight, not held by ARGV[1] (the calling boot),
 * and either claimed at or before ARGV[2] or its holder's alive mark (key ARGV[4] .. holder) is gone —
 * re-checked here, since the key may have been claimed afresh since the index was read: 1. A gone or
 * finished record just leaves the index: 2. A live claim stays: 0.
 */
const RELEASE_DEAD = `
local cur = redis.call('GET', KEYS[1])
if not cur then
  redis.call('ZREM', KEYS[2], ARGV[3])
  return 2
end
local rec = cjson.decode(cur)
if rec.state ~= 'in_flight' then
  redis.call('ZREM', KEYS[2], ARGV[3])
  return 2
end
if rec.holder == ARGV[1] then return 0 end
local old = (tonumber(rec.claimed_at) or 0) <= tonumber(ARGV[2])
local alive = type(rec.holder) == 'string' and redis.call('EXISTS', ARGV[4] .. rec.holder) == 1
if alive and not old then return 0 end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[3])
return 1
`;

/**
 * A journal record and its index membership in one step (query.ts indexesOf): the record's previous
 * memberships (kept beside it, KEYS[2]: the member, then one index per line) are left, the new ones
 * joined. KEYS[1] = the record, KEYS[2] = its membership; ARGV[1] = record JSON, ARGV[2] = the index
 * key prefix, ARGV[3] = the member, ARGV[4..] = the indexes. (Index keys are derived inside the
 * script: fine on one Redis or a Sentinel-watched master, not on Redis Cluster.)
 */
const PUT_TRANSACTION = `
local old = redis.call('GET', KEYS[2])
local keep = {}
for i = 4, #ARGV do keep[ARGV[i]] = true end
if old then
  local member = nil
  for line in string.gmatch(old, '[^\\n]+') do
    if member == nil then member = line
    elseif not (keep[line] and member == ARGV[3]) then redis.call('ZREM', ARGV[2] .. line, member) end
  end
end
local list = ARGV[3]
for i = 4, #ARGV do
  redis.call('ZADD', ARGV[2] .. ARGV[i], 0, ARGV[3])
  list = list .. '\\n' .. ARGV[i]
end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('SET', KEYS[2], list)
return 1
`;

/** Retention: a journal record leaves its indexes (its membership, KEYS[2]) and is deleted. ARGV[1] = the index key prefix. */
const ERASE_TRANSACTION = `
local old = redis.call('GET', KEYS[2])
if old then
  local member = nil
  for line in string.gmatch(old, '[^\\n]+') do
    if member == nil then member = line else redis.call('ZREM', ARGV[1] .. line, member) end
  end
end
redis.call('DEL', KEYS[1], KEYS[2])
return 1
`;

/**
 * Appends to a store-and-forward queue: the next sequence number, the entry (with `seq` spliced in;
 * cjson would turn an empty array into an object), its place in the queue and in its state's index.
 * KEYS[1] = counter, KEYS[2] = queue index, KEYS[3] = entry key prefix, KEYS[4] = the state index;
 * ARGV[1] = the entry JSON without seq.
 */
const APPEND_OUTBOX = `
local seq = redis.call('INCR', KEYS[1])
redis.call('SET', KEYS[3] .. seq, '{"seq":' .. seq .. ',' .. string.sub(ARGV[1], 2))
redis.call('ZADD', KEYS[2], seq, tostring(seq))
redis.call('ZADD', KEYS[4], seq, string.format('%016d', seq))
return seq
`;

/**
 * Replaces an outbox entry and moves it between state indexes. KEYS[1] = the entry; ARGV[1] = the
 * entry JSON, ARGV[2] = the state index prefix (…s:<queue>:), ARGV[3] = the new state, ARGV[4] = the member.
 */
const UPDATE_OUTBOX = `
local old = redis.call('GET', KEYS[1])
if old then
  local state = cjson.decode(old).state
  if state ~= ARGV[3] then redis.call('ZREM', ARGV[2] .. state, ARGV[4]) end
end
redis.call('ZADD', ARGV[2] .. ARGV[3], tonumber(ARGV[4]), ARGV[4])
redis.call('SET', KEYS[1], ARGV[1])
return 1
`;

/**
 * Appends to the audit log: the next sequence number, the entry, and its member (<at>|<seq, 16
 * digits>) in each of its indexes. KEYS[1] = counter, KEYS[2] = entry key prefix; ARGV[1] = entry
 * JSON without seq, ARGV[2] = at, ARGV[3] = index key prefix, ARGV[4..] = the indexes.
 */
const APPEND_AUDIT = `
local seq = redis.call('INCR', KEYS[1])
redis.call('SET', KEYS[2] .. seq, '{"seq":' .. seq .. ',' .. string.sub(ARGV[1], 2))
local member = ARGV[2] .. '|' .. string.format('%016d', seq)
for i = 4, #ARGV do redis.call('ZADD', ARGV[3] .. ARGV[i], 0, member) end
return seq
`;

const PAGE = 200;

/**
 * The shared store for several gateway replicas: one Redis (or a Sentinel-watched master).
 * Journal records are JSON strings with a sorted set of msgids (all score 0, so the set is in msgid
 * order = time order, like lmdb's keys); every multi-key write is one script or MULTI, and every
 * call resolves only once Redis acknowledged it. Durability across a Redis restart needs AOF
 * (checked at start-up, see checkPersistence); across a Sentinel failover, `waitReplicas` (WAIT
 * after every write: what the gateway acknowledged is on a replica that can be promoted).
 */
export class RedisStore implements Store {
  readonly backend = 'redis' as const;
  readonly redis: Redis;
  /** what is stored sealed and how index values are hashed (crypto.ts; pass-through without a cipher) */
  readonly sealing: Sealing;
  private readonly p: string;
  private readonly waitReplicas: number;
  private readonly waitTimeoutMs: number;
  /** counts connections: a WAIT answered on another connection than its write's says nothing about it */
  private connection = 0;

  constructor(opts: RedisStoreOptions) {
    const options: RedisOptions = {
      lazyConnect: true,
      // Redis away -> a call fails at once (or within a second) as 503 GW_SYS_STORE_UNAVAILABLE, and
      // nothing is sent to the platform (the journal write-ahead failed): no offline queue for calls
      // made while disconnected, one retry for a call caught by a dropped connection, and timeouts
      // for a Redis that accepts the connection but does not answer. ioredis keeps reconnecting.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: opts.timeoutMs ?? 1000,
      commandTimeout: opts.timeoutMs ?? 1000,
      ...(opts.sentinels?.length ? { sentinels: opts.sentinels, name: opts.sentinelName ?? 'mymaster' } : {}),
    };
    this.redis = new Redis(opts.url, options);
    this.sealing = new Sealing(opts.cipher);
    for (const m of GUARDED) {
      const f = (this[m] as (...a: unknown[]) => Promise<unknown>).bind(this);
      const guarded = (...a: unknown[]) => f(...a).catch(storeFault);
      (this as unknown as Record<string, unknown>)[m] = READS.has(m) ? guarded : (...a: unknown[]) => this.tracked(guarded(...a));
    }
    this.p = opts.keyPrefix;
    this.waitReplicas = opts.waitReplicas ?? 0;
    this.waitTimeoutMs = opts.waitTimeoutMs ?? 500;
    this.redis.on('connect', () => this.connection++);
    this.redis.on('error', (e: Error) => opts.onError?.(e));
    this.redis.defineCommand('yidiSaveEncounter', { lua: SAVE_ENCOUNTER });
    this.redis.defineCommand('yidiNextSequence', { numberOfKeys: 1, lua: NEXT_SEQUENCE });
    this.redis.defineCommand('yidiClaim', { numberOfKeys: 2, lua: CLAIM });
    this.redis.defineCommand('yidiComplete', { numberOfKeys: 2, lua: COMPLETE });
    this.redis.defineCommand('yidiRelease', { numberOfKeys: 2, lua: RELEASE });
    this.redis.defineCommand('yidiReleaseDead', { numberOfKeys: 2, lua: RELEASE_DEAD });
    this.redis.defineCommand('yidiPutTransaction', { numberOfKeys: 2, lua: PUT_TRANSACTION });
    this.redis.defineCommand('yidiEraseTransaction', { numberOfKeys: 2, lua: ERASE_TRANSACTION });
    this.redis.defineCommand('yidiAppendOutbox', { numberOfKeys: 4, lua: APPEND_OUTBOX });
    this.redis.defineCommand('yidiUpdateOutbox', { numberOfKeys: 1, lua: UPDATE_OUTBOX });
    this.redis.defineCommand('yidiAppendAudit', { numberOfKeys: 2, lua: APPEND_AUDIT });
  }

  /** Connects (start-up fails fast when Redis is not there). */
  async connect(): Promise<this> {
    try {
      await this.redis.connect();
    } catch (e) {
      this.redis.disconnect();
      throw e;
    }
    try {
      await this.migrate();
    } catch (e) {
      this.redis.disconnect();
      throw e;
    }
    return this;
  }

  /**
   * The store's schema version is written at connect; a store of an older version is brought up to
   * date once (SET NX names the replica that does it; version 2: the indexes of issue 11, built
   * from the records — a version-1 journal listed its ids in `tx-index`, its outbox and audit log
   * in `outbox-index:<queue>` and `audit-index`).
   */
  private async migrate(): Promise<void> {
    const written = await this.redis.get(this.k('store-schema'));
    const version = written !== null ? Number(written) : (await this.redis.exists(this.k('tx-index'))) ? 1 : 0;
    const stored = await this.redis.get(this.k('store-keys'));
    const checks = stored ? (JSON.parse(stored) as Record<string, string>) : undefined;
    const newChecks = this.sealing.verify(checks);
    if (version >= STORE_SCHEMA_VERSION && !newChecks) return;
    if (version === 0) {
      // nothing was ever written under this prefix (no schema key, no version-1 index): nothing to
      // seal or backfill. The SCANs of those steps walk the whole Redis database, other prefixes'
      // keys too: a new gateway beside a store of a million records outlasted its 30 s start-up
      // limit (bench:scale, issue 11).
      if (newChecks) await this.redis.set(this.k('store-keys'), JSON.stringify(newChecks));
      await this.redis.set(this.k('store-schema'), String(STORE_SCHEMA_VERSION));
      return;
    }
    if (version === 1 && (await this.redis.set(this.k('store-migrating'), '1', 'EX', 3600, 'NX'))) {
      for (let start = 0; ; start += PAGE) {
        const ids = await this.redis.zrange(this.k('tx-index'), start, start + PAGE - 1);
        if (!ids.length) break;
        for (const s of await this.redis.mget(ids.map((id) => this.k('tx', id)))) if (s) await this.putTransaction(JSON.parse(s));
      }
      for (const key of await this.redis.keys(this.k('outbox-index', '*'))) {
        const queue = key.slice(this.k('outbox-index', '').length);
        for (const seq of await this.redis.zrange(key, 0, -1)) {
          const v = await this.redis.get(this.k('outbox', queue, seq));
          if (v) {
            const e = JSON.parse(v) as OutboxEntry;
            await this.redis.zadd(this.k(outboxStateIndex(queue, e.state)), e.seq, outboxMember(e.seq));
          }
        }
      }
      for (const seq of await this.redis.zrange(this.k('audit-index'), 0, -1)) {
        const v = await this.redis.get(this.k('audit', seq));
        if (!v) continue;
        const e = JSON.parse(v) as AuditEntry;
        for (const i of auditIndexesOf(e)) await this.redis.zadd(this.k('audi', i), 0, `${e.at}|${outboxMember(e.seq ?? 0)}`);
      }
      await this.redis.del(this.k('tx-outcome', 'pending'), this.k('tx-outcome', 'unknown'), this.k('tx-outcome-built'));
    }
    // version 3 (issue 20): the first connect with a key seals what is there (one replica: SET NX),
    // in bounded batches; a crash midway repeats it, the key check is written at the end
    // in bounded batches; the others wait for it (a crashed sealer's lock lapses and another takes
    // over), and the key check is written only once everything is sealed
    const sealing = this.sealing.on && !Object.keys(checks ?? {}).length;
    // version 4: the search facts of records written before they existed (sealing derives them itself)
    if (!sealing && version < 4) await this.backfillSearchFacts();
    while (this.sealing.on && !Object.keys(checks ?? {}).length) {
      if (await this.redis.set(this.k('store-sealing'), '1', 'EX', 600, 'NX')) {
        await this.sealExisting();
        await this.redis.set(this.k('store-keys'), JSON.stringify(newChecks));
        await this.redis.del(this.k('store-sealing'));
        break;
      }
      await new Promise((r) => setTimeout(r, 500));
      if (await this.redis.exists(this.k('store-keys'))) return this.migrate();
    }
    if (newChecks) await this.redis.set(this.k('store-keys'), JSON.stringify(newChecks));
    await this.redis.set(this.k('store-schema'), String(STORE_SCHEMA_VERSION));
  }

  /** The keys matching `pattern` (after the prefix), PAGE at a time (SCAN: never blocks Redis like KEYS). */
  private async *scan(pattern: string) {
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', this.p + pattern, 'COUNT', PAGE);
      cursor = next;
      if (keys.length) yield keys;
    } while (cursor !== '0');
  }

  /** Rewrites every value sealed and every index hashed (schema 3), a SCAN page at a time. */
  private async sealExisting() {
    const s = this.sealing;
    for await (const keys of this.scan('tx:*')) {
      // re-put: the script leaves the record's clear memberships (kept in txm) and joins the hashed ones
      // the person's hashes again under the store's key, from the stages (putTransaction; an archived record's are gone)
      for (const v of await this.redis.mget(keys))
        if (v) {
          const { person: _clearHashes, ...rest } = s.openTx(JSON.parse(v))!;
          await this.putTransaction(rest);
        }
    }
    for await (const keys of this.scan('enc:*'))
      for (const key of keys) {
        const id = key.slice(this.k('enc', '').length);
        const d = await this.redis.hget(key, 'd');
        if (d && !isSealed(d)) await this.redis.hset(key, 'd', s.sealEncounter(id, JSON.parse(d)) as string);
      }
    for await (const keys of this.scan('idx:*'))
      for (const key of keys) {
        const rest = key.slice(this.k('idx', '').length);
        if (rest.startsWith('h:')) continue;
        const at = rest.indexOf(':');
        const owner = await this.redis.get(key);
        if (owner) await this.redis.set(this.k('idx', s.encounterIndexKey(rest.slice(0, at), rest.slice(at + 1))), owner);
        await this.redis.del(key);
      }
    for await (const keys of this.scan('outbox:*'))
      for (const key of keys) {
        const v = await this.redis.get(key);
        if (v) await this.redis.set(key, JSON.stringify(s.sealOutbox(s.openOutbox(JSON.parse(v))!)));
      }
    for await (const keys of this.scan('audit:*'))
      for (const key of keys) {
        const v = await this.redis.get(key);
        if (v) await this.redis.set(key, JSON.stringify(s.sealAudit(s.openAudit(JSON.parse(v))!)));
      }
    for await (const keys of this.scan('idem:*'))
      for (const key of keys) {
        const v = await this.redis.get(key);
        const ttl = await this.redis.pttl(key);
        if (v && ttl > 0) await this.redis.set(key, JSON.stringify(s.sealIdem(s.openIdem(JSON.parse(v)))), 'PX', ttl);
      }
  }

  /**
   * Schema 4 (issue 15): a record written before search facts existed gets them (withSearchFacts,
   * from its hot stages; an archived record has none here to derive them from), a SCAN page at a
   * time (never the journal at once). Only a record the facts change is written, and only if it is
   * still what was read (WATCH: another replica may be writing it meanwhile; read again then), so a
   * repeat after a crash, or a second replica doing the same, changes nothing twice.
   */
  private async backfillSearchFacts() {
    const s = this.sealing;
    for await (const keys of this.scan('tx:*'))
      for (const key of keys)
        for (;;) {
          // a WATCH lives on its connection: after a reconnect it is gone, so read again
          const connection = this.connection;
          await this.redis.watch(key);
          const v = await this.redis.get(key);
          const before = v ? s.openTx(JSON.parse(v)) : undefined;
          const r = before && withSearchFacts(before, s.hashKey);
          if (!before || !r || (r.medfee_sumamt === before.medfee_sumamt && JSON.stringify(r.person) === JSON.stringify(before.person))) {
            await this.redis.unwatch();
            break;
          }
          const put = this.redis.multi();
          (put as unknown as Scripts).yidiPutTransaction(
            key,
            this.k('txm', r.id),
            JSON.stringify(s.sealTx(r)),
            this.k('txi', ''),
            memberOf(r),
            ...indexesOf(r, s.hashKey),
          );
          if (connection !== this.connection) continue;
          const done = await put.exec();
          if (done === null) continue; // changed meanwhile: read it again
          const failed = done.find(([e]) => e)?.[0];
          if (failed) throw failed;
          break;
        }
  }

  /** The schema version of this store (written at connect). */
  async schemaVersion(): Promise<number> {
    return Number((await this.redis.get(this.k('store-schema'))) ?? 0);
  }

  /**
   * Is AOF on? 'off' when Redis says appendonly no; 'unknown' when CONFIG is refused (managed
   * Redis services often rename or forbid it).
   */
  async checkPersistence(): Promise<'aof' | 'off' | 'unknown'> {
    try {
      const r = (await this.redis.call('CONFIG', 'GET', 'appendonly')) as string[];
      return r[1] === 'yes' ? 'aof' : 'off';
    } catch {
      return 'unknown';
    }
  }

  /** How many replicas the master has now (INFO replication), for the start-up check of waitReplicas. */
  async connectedReplicas(): Promise<number> {
    const info = await this.redis.info('replication');
    return Number(info.match(/^connected_slaves:(\d+)/m)?.[1] ?? 0);
  }

  private k(...parts: string[]) {
    return this.p + parts.join(':');
  }

  /**
   * Runs a write and resolves only once `waitReplicas` replicas hold it. WAIT counts the replication
   * offset of this connection, i.e. every write it sent so far (the msgid counter's INCR before a
   * journal write included). A reconnect between the write's reply and WAIT's (a failover) fails the
   * write: the new connection's offset says nothing about it.
   */
  private async replicated<T>(write: () => Promise<T>): Promise<T> {
    const result = await write();
    if (this.waitReplicas === 0) return result;
    const connection = this.connection;
    const acked = Number(await this.redis.wait(this.waitReplicas, this.waitTimeoutMs));
    if (connection !== this.connection) throw new StoreNotReplicatedError('Redis reconnected before the write was replicated');
    if (acked < this.waitReplicas) {
      throw new StoreNotReplicatedError(
        `${acked} of ${this.waitReplicas} Redis replicas acknowledged the write within ${this.waitTimeoutMs} ms`,
      );
    }
    return result;
  }

  // ---- journal --------------------------------------------------------------------------------
  async putTransaction(given: TransactionRecord): Promise<void> {
    const rec = withSearchFacts(given, this.sealing.hashKey);
    await this.replicated(() =>
      (this.redis as unknown as Scripts).yidiPutTransaction(
        this.k('tx', rec.id),
        this.k('txm', rec.id),
        JSON.stringify(this.sealing.sealTx(rec)),
        this.k('txi', ''),
        memberOf(rec),
        ...indexesOf(rec, this.sealing.hashKey),
      ),
    );
  }

  async getTransaction(id: string) {
    const s = await this.redis.get(this.k('tx', id));
    return s ? this.sealing.openTx(JSON.parse(s)) : undefined;
  }

  async listTransactions(q: TransactionQuery) {
    return listJournal(
      {
        members: (index, range, n) => this.members(this.k('txi', index), range, n),
        values: async (ids) =>
          (await this.redis.mget(ids.map((id) => this.k('tx', id)))).map((s) => (s ? this.sealing.openTx(JSON.parse(s)) : undefined)),
      },
      q,
      this.sealing.hashKey,
    );
  }

  /** Pages of the members of a sorted set (all score 0: lexical order) in [gte, lt), newest first. */
  private async *members(key: string, range: { gte: string; lt: string }, pageSize: number) {
    let lt = range.lt === '\uffff' ? '+' : `(${range.lt}`;
    const gte = range.gte === '' ? '-' : `[${range.gte}`;
    for (;;) {
      const page = (await this.redis.call('ZRANGE', key, lt, gte, 'BYLEX', 'REV', 'LIMIT', 0, pageSize)) as string[];
      if (!page.length) return;
      yield page;
      if (page.length < pageSize) return;
      lt = `(${page[page.length - 1]}`;
    }
  }

  async eraseTransaction(id: string) {
    await this.replicated(() =>
      (this.redis as unknown as Scripts).yidiEraseTransaction(this.k('tx', id), this.k('txm', id), this.k('txi', '')),
    );
  }

  async countOpenWork() {
    const m = this.redis.multi();
    for (const w of OPEN_WORK) m.zcard(this.k('txi', `w:${w}`));
    const r = (await m.exec()) ?? [];
    return Object.fromEntries(OPEN_WORK.map((w, i) => [w, Number(r[i]?.[1] ?? 0)])) as Record<OpenWork, number>;
  }

  async oldestOpenWork() {
    const m = this.redis.multi();
    // every member scores 0: the lexically first is the oldest (`<created_at>|<id>`)
    for (const w of OPEN_WORK) m.zrange(this.k('txi', `w:${w}`), 0, 0);
    const r = (await m.exec()) ?? [];
    const out: Partial<Record<OpenWork, string>> = {};
    OPEN_WORK.forEach((w, i) => {
      const first = (r[i]?.[1] as string[] | undefined)?.[0];
      if (first) out[w] = createdAtOfMember(first);
    });
    return out;
  }

  // ---- encounters -----------------------------------------------------------------------------
  async getEncounter<T extends EncounterBase>(id: string) {
    const [v, d] = await this.redis.hmget(this.k('enc', id), 'v', 'd');
    if (!v || !d) return undefined;
    return { value: this.sealing.openEncounter<T>(id, isSealed(d) ? d : JSON.parse(d)), version: Number(v) } satisfies Versioned<T>;
  }

  async saveEncounter<T extends EncounterBase>(
    value: T,
    expectedVersion: number | null,
    indexes: Record<string, string> = {},
    journal: TransactionRecord[] = [],
  ) {
    // the records first (Redis runs one connection's commands in order), then the compare-and-set
    if (journal.length) await Promise.all(journal.map((rec) => this.putTransaction(rec)));
    const keys = [
      this.k('enc', value.id),
      ...Object.entries(indexes).map(([name, v]) => this.k('idx', this.sealing.encounterIndexKey(name, v))),
    ];
    const sealed = this.sealing.sealEncounter(value.id, value);
    const args = [expectedVersion === null ? '' : String(expectedVersion), isSealed(sealed) ? sealed : JSON.stringify(value), value.id];
    const r = await this.replicated(() => (this.redis as unknown as Scripts).yidiSaveEncounter(keys.length, ...keys, ...args));
    return r === 1;
  }

  async findEncounterId(index: string, value: string) {
    return (await this.redis.get(this.k('idx', this.sealing.encounterIndexKey(index, value)))) ?? undefined;
  }

  // ---- counters -------------------------------------------------------------------------------
  async nextSequence(name: string, ttlSeconds: number, count = 1) {
    return Number(await (this.redis as unknown as Scripts).yidiNextSequence(this.k('seq', name), String(toMs(ttlSeconds)), String(count)));
  }

  // ---- Idempotency-Key ------------------------------------------------------------------------
  async claimIdempotency(key: string, fingerprint: string, leaseSeconds: number, holder?: string): Promise<IdempotencyClaim> {
    const token = crypto.randomUUID();
    const now = Date.now();
    const mine = inFlightClaim(fingerprint, token, leaseSeconds, now, holder);
    const r = await this.replicated(() =>
      (this.redis as unknown as Scripts).yidiClaim(
        this.k('idem', key),
        this.k('idem-in-flight'),
        JSON.stringify(mine),
        String(toMs(leaseSeconds)),
        String(now),
        key,
      ),
    );
    if (r === null) return { state: 'claimed', token };
    // the record vanished between SET NX and GET (it expired): count it as in flight, the caller asks again
    return r ? answerFor(this.sealing.openIdem(JSON.parse(r) as IdempotencyRecord), fingerprint) : { state: 'in_flight' };
  }

  async completeIdempotency(key: string, token: string, response: StoredResponse, ttlSeconds: number) {
    const k = this.k('idem', key);
    const cur = await this.redis.get(k);
    if (!cur) return false;
    const fingerprint = (JSON.parse(cur) as IdempotencyRecord).fingerprint;
    const done: IdempotencyRecord = { fingerprint, state: 'done', response, expires: Date.now() + toMs(ttlSeconds) };
    // the script re-checks the token atomically: the fingerprint read above cannot have changed while it holds
    const ok = await this.replicated(() =>
      (this.redis as unknown as Scripts).yidiComplete(
        k,
        this.k('idem-in-flight'),
        token,
        JSON.stringify(this.sealing.sealIdem(done)),
        String(toMs(ttlSeconds)),
        key,
      ),
    );
    return ok === 1;
  }

  async releaseIdempotency(key: string, token: string) {
    await this.replicated(() => (this.redis as unknown as Scripts).yidiRelease(this.k('idem', key), this.k('idem-in-flight'), token, key));
  }

  async markAlive(holder: string, ttlSeconds: number) {
    // not replicated(): a mark lost in a failover is renewed within seconds, and it guards nothing durable
    await this.redis.set(this.k('alive', holder), '1', 'PX', toMs(ttlSeconds));
  }

  async releaseIdempotencyClaims(q: { notHeldBy: string; claimedBefore: number }) {
    let released = 0;
    // the index holds every claim taken since it existed; older claims (without it) just lapse with their lease
    for (let kept = 0; ; ) {
      const keys = await this.redis.zrange(this.k('idem-in-flight'), kept, kept + PAGE - 1);
      for (const key of keys) {
        const r = await this.replicated(() =>
          (this.redis as unknown as Scripts).yidiReleaseDead(
            this.k('idem', key),
            this.k('idem-in-flight'),
            q.notHeldBy,
            String(q.claimedBefore),
            key,
            this.k('alive', ''),
          ),
        );
        if (r === 1) released++;
        else if (r === 0) kept++; // a live claim stays in the index: the next page starts after it
      }
      if (keys.length < PAGE) return released;
    }
  }

  // ---- store-and-forward queues (a sorted set by seq per queue and per state, one JSON string per entry)
  async appendOutbox(entry: Omit<OutboxEntry, 'seq'>): Promise<OutboxEntry> {
    const seq = Number(
      await this.replicated(() =>
        (this.redis as unknown as Scripts).yidiAppendOutbox(
          this.k('outbox-seq', entry.queue),
          this.k('outbox-index', entry.queue),
          this.k('outbox', entry.queue, ''),
          this.k(outboxStateIndex(entry.queue, entry.state)),
          JSON.stringify(this.sealing.sealOutbox(entry)),
        ),
      ),
    );
    return { ...entry, seq };
  }

  async listOutbox(queue: string, q: { state?: OutboxEntry['state']; limit?: number; after?: number } = {}) {
    const out: OutboxEntry[] = [];
    const limit = q.limit ?? 1000;
    const index = q.state ? this.k(outboxStateIndex(queue, q.state)) : this.k('outbox-index', queue);
    let after = q.after ?? 0;
    while (out.length < limit) {
      const seqs = (await this.redis.zrangebyscore(index, `(${after}`, '+inf', 'LIMIT', 0, PAGE)).map(Number);
      if (!seqs.length) break;
      after = seqs[seqs.length - 1]!;
      const values = await this.redis.mget(seqs.map((n) => this.k('outbox', queue, String(n))));
      for (const v of values) {
        if (v) out.push(this.sealing.openOutbox(JSON.parse(v))!);
        if (out.length >= limit) break;
      }
    }
    return out;
  }

  async getOutbox(queue: string, seq: number) {
    const v = await this.redis.get(this.k('outbox', queue, String(seq)));
    return v ? this.sealing.openOutbox(JSON.parse(v)) : undefined;
  }

  async countOutbox(queue: string) {
    const [p, d, r] = await Promise.all(
      (['pending', 'delivered', 'rejected'] as const).map((s) => this.redis.zcard(this.k(outboxStateIndex(queue, s)))),
    );
    return { pending: p ?? 0, delivered: d ?? 0, rejected: r ?? 0 };
  }

  async updateOutbox(entry: OutboxEntry) {
    await this.replicated(() =>
      (this.redis as unknown as Scripts).yidiUpdateOutbox(
        this.k('outbox', entry.queue, String(entry.seq)),
        JSON.stringify(this.sealing.sealOutbox(entry)),
        this.k(outboxStateIndex(entry.queue, '')),
        entry.state,
        outboxMember(entry.seq),
      ),
    );
  }

  // ---- audit log (the sequence orders it; nothing ever rewrites an entry) ----------------------
  async appendAudit(entry: AuditEntry): Promise<AuditEntry> {
    const seq = Number(
      await this.replicated(() =>
        (this.redis as unknown as Scripts).yidiAppendAudit(
          this.k('audit-seq'),
          this.k('audit', ''),
          JSON.stringify(this.sealing.sealAudit(entry)),
          entry.at,
          this.k('audi', ''),
          ...auditIndexesOf({ ...entry, seq: 0 }),
        ),
      ),
    );
    return { ...entry, seq };
  }

  async eraseAuditBefore(before: string, limit: number) {
    const members = (await this.redis.call('ZRANGE', this.k('audi', 't'), '-', `(${before}`, 'BYLEX', 'LIMIT', 0, limit)) as string[];
    let erased = 0;
    for (const m of members) {
      const seq = String(Number(m.slice(m.lastIndexOf('|') + 1)));
      const v = await this.redis.get(this.k('audit', seq));
      const e = v ? this.sealing.openAudit(JSON.parse(v)) : undefined;
      const m2 = this.redis.multi();
      for (const i of e ? auditIndexesOf(e) : ['t']) m2.zrem(this.k('audi', i), m);
      m2.del(this.k('audit', seq));
      await this.replicated(() => m2.exec());
      if (e) erased++;
    }
    return erased;
  }

  async listAudit(q: AuditQuery = {}) {
    return listThroughIndexes<AuditEntry>(
      {
        members: (index, range, n) => this.members(this.k('audi', index), range, n),
        values: async (seqs) =>
          (await this.redis.mget(seqs.map((s) => this.k('audit', String(Number(s)))))).map((v) =>
            v ? this.sealing.openAudit(JSON.parse(v)) : undefined,
          ),
      },
      planAudit(q),
      auditRangeOf(q),
      q.limit ?? 100,
      (e) => matchesAudit(e, q),
    );
  }

  /**
   * Nothing to wait for: a write resolves once Redis acknowledged it (and, with waitReplicas, once
   * that many replicas hold it); how Redis itself reaches its disk is its AOF policy (README).
   */
  /**
   * Redis makes each write durable by its own AOF policy (the start-up warns when persistence is
   * off) once it answers: sync() waits for the writes issued and not yet answered — the ones whose
   * promise nobody awaited included (http/idempotency.ts).
   */
  async sync() {
    if (this.writesInFlight.size) await Promise.allSettled([...this.writesInFlight]);
  }

  /** the writes issued and not yet answered (sync() waits for them) */
  private readonly writesInFlight = new Set<Promise<unknown>>();

  private tracked<T>(p: Promise<T>): Promise<T> {
    this.writesInFlight.add(p);
    const forget = () => this.writesInFlight.delete(p);
    p.then(forget, forget);
    return p;
  }

  async ping() {
    await this.redis.ping();
  }

  async close() {
    if (this.redis.status === 'end') return;
    // QUIT lets the commands already sent finish; without a connection there is nothing to wait for
    if (this.redis.status === 'ready') await this.redis.quit().catch(() => this.redis.disconnect());
    else this.redis.disconnect();
  }
}

/** The scripts defined in the constructor (ioredis adds them as methods). */
interface Scripts {
  yidiSaveEncounter(numKeys: number, ...keysAndArgs: string[]): Promise<number>;
  yidiNextSequence(key: string, ttlMs: string, count: string): Promise<number>;
  yidiClaim(key: string, index: string, record: string, leaseMs: string, at: string, member: string): Promise<string | null | false>;
  yidiComplete(key: string, index: string, token: string, record: string, ttlMs: string, member: string): Promise<number>;
  yidiRelease(key: string, index: string, token: string, member: string): Promise<number>;
  yidiReleaseDead(key: string, index: string, caller: string, claimedBefore: string, member: string, alivePrefix: string): Promise<number>;
  yidiPutTransaction(
    key: string,
    membership: string,
    record: string,
    indexPrefix: string,
    member: string,
    ...indexes: string[]
  ): Promise<number>;
  yidiEraseTransaction(key: string, membership: string, indexPrefix: string): Promise<number>;
  yidiAppendOutbox(counter: string, index: string, prefix: string, stateIndex: string, entry: string): Promise<number>;
  yidiUpdateOutbox(key: string, entry: string, stateIndexPrefix: string, state: string, member: string): Promise<number>;
  yidiAppendAudit(counter: string, prefix: string, entry: string, at: string, indexPrefix: string, ...indexes: string[]): Promise<number>;
}
