import { createCipheriv, createDecipheriv, createHmac, getCiphers, hkdfSync, randomBytes } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { LRUCache } from 'lru-cache';
import type { AuditEntry, IdempotencyRecord, OutboxEntry, StoredResponse, TransactionRecord } from './store.js';

/**
 * Encryption at rest (issue 20), one layer for both backends: every journal record, encounter,
 * outbox entry, audit entry, kept Idempotency-Key response and archive batch is sealed with
 * authenticated encryption (AES-256-GCM, or SM4-GCM where Node's OpenSSL provides `sm4-gcm` — the
 * OpenSSL 3.0 of Node 20 does not: getCiphers() lists sm4-cbc/ctr/ecb/cfb/ofb only), and every
 * business-key value in an index name is a keyed hash (HMAC-SHA256), never the value.
 *
 * Keys: a keyring of master keys `id:base64(32 bytes)` (STORE_KEYS or STORE_KEYS_FILE), one of
 * them current (STORE_KEY_CURRENT). Each process draws a random data key per calendar month (UTC),
 * wraps it with the current master key and puts the wrapped data key into every blob it seals
 * (envelope encryption: no key table to keep in step across replicas). Rotation: add a new id and
 * make it current — new data is sealed under it, older blobs name their own id and stay readable
 * while that id is in the keyring. The index key is derived from one fixed entry of the keyring
 * (STORE_INDEX_KEY_ID, default the first), so lookups by business key survive a rotation.
 *
 * Blob: `y1.<alg>.<key id>.<period>.<wrapped data key>.<iv>.<ciphertext+tag>` (base64url parts; y2: the same, the plaintext deflated first);
 * the header and what the blob is for (e.g. `tx:<msgid>`) are the additional authenticated data,
 * so a blob moved to another record or kind fails to open.
 */
export type CipherName = 'sm4-gcm' | 'aes-256-gcm';
export const CIPHERS: readonly CipherName[] = ['sm4-gcm', 'aes-256-gcm'];

export const cipherAvailable = (c: CipherName) => getCiphers().includes(c);
/** SM4-GCM (GB/T 32907) where this Node's OpenSSL has it, else AES-256-GCM. */
export const defaultCipher = (): CipherName => (cipherAvailable('sm4-gcm') ? 'sm4-gcm' : 'aes-256-gcm');

/** A missing or wrong key, or a keyring that cannot be used: start-up stops with this message. */
export class StoreKeyError extends Error {
  override name = 'StoreKeyError';
}

export interface StoreKeyring {
  cipher: CipherName;
  keys: ReadonlyMap<string, Buffer>;
  current: string;
  indexKeyId: string;
}

const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;

/** `id:base64key` entries separated by commas or line breaks (a key file may have `#` comments). */
export function parseKeyring(
  text: string,
  opts: { current?: string; cipher?: string; indexKeyId?: string; source?: string } = {},
): StoreKeyring {
  const source = opts.source ?? 'STORE_KEYS';
  const keys = new Map<string, Buffer>();
  const entries = text
    .split(/[\n,]/)
    .map((l) => l.replace(/#.*$/, '').trim())
    .filter(Boolean);
  for (const e of entries) {
    const i = e.indexOf(':');
    const id = i > 0 ? e.slice(0, i) : '';
    if (!KEY_ID.test(id)) throw new StoreKeyError(`${source}: an entry is not "id:base64key" (id of letters, digits, _ or -)`);
    const key = Buffer.from(e.slice(i + 1), 'base64');
    if (key.length !== 32) throw new StoreKeyError(`${source}: key "${id}" must be 32 random bytes in base64 (got ${key.length} bytes)`);
    if (keys.has(id)) throw new StoreKeyError(`${source}: key id "${id}" appears twice`);
    keys.set(id, key);
  }
  if (!keys.size) throw new StoreKeyError(`${source} holds no key`);
  const ids = [...keys.keys()];
  const current = opts.current || ids[ids.length - 1]!;
  if (!keys.has(current)) throw new StoreKeyError(`STORE_KEY_CURRENT "${current}" is not in ${source} (ids: ${ids.join(', ')})`);
  const indexKeyId = opts.indexKeyId || ids[0]!;
  if (!keys.has(indexKeyId)) throw new StoreKeyError(`STORE_INDEX_KEY_ID "${indexKeyId}" is not in ${source} (ids: ${ids.join(', ')})`);
  const cipher = (opts.cipher || defaultCipher()) as CipherName;
  if (!CIPHERS.includes(cipher)) throw new StoreKeyError(`STORE_CIPHER must be one of ${CIPHERS.join(', ')}, got "${cipher}"`);
  if (!cipherAvailable(cipher))
    throw new StoreKeyError(
      `STORE_CIPHER=${cipher} is not provided by this Node's OpenSSL ${process.versions.openssl}; use aes-256-gcm (or a Node built against an OpenSSL with SM4-GCM)`,
    );
  return { cipher, keys, current, indexKeyId };
}

/** A fresh master key entry for a keyring (`npm run store-key`, tests, the demo). */
export const newMasterKey = (id: string) => `${id}:${randomBytes(32).toString('base64')}`;

const KEY_LEN: Record<CipherName, number> = { 'sm4-gcm': 16, 'aes-256-gcm': 32 };
const TAG: Record<CipherName, string> = { 'sm4-gcm': 's', 'aes-256-gcm': 'a' };
const BY_TAG: Record<string, CipherName> = { s: 'sm4-gcm', a: 'aes-256-gcm' };
const b64 = (b: Buffer) => b.toString('base64url');

/**
 * Blob formats: y1 = the plaintext as it is; y2 = the plaintext deflated (raw deflate) before it
 * is sealed — a journal record is JSON with long repeated field names (a 20-line
 * fee upload: ≈ 30 KB of JSON, ≈ 5 KB deflated), and every byte written is paid at each commit's
 * fsync (issue 11: the disk was the embedded store's limit). Small values stay y1.
 */
type BlobFormat = 'y1' | 'y2';
const FORMATS: ReadonlySet<string> = new Set<BlobFormat>(['y1', 'y2']);
const DEFLATE_FROM_BYTES = 512;
/** the fastest level: most of the gain (repeated field names) at a small fraction of level 6's time */
const DEFLATE_LEVEL = 1;
/** how many index values' hashes a cipher remembers (hashKey) */
const HASH_MEMO = 20_000;
const hkdf = (key: Buffer, info: string, len: number) => Buffer.from(hkdfSync('sha256', key, 'yidi-store', info, len));

/** random bytes drawn 4 KiB at a time, 12 per IV (one randomBytes call per seal was 1.3 % of the gateway's CPU, issue 11) */
const IV_POOL_BYTES = 4096;
let ivPool = Buffer.alloc(0);
let ivAt = IV_POOL_BYTES;
function freshIv(): Buffer {
  if (ivAt + 12 > ivPool.length) {
    ivPool = randomBytes(IV_POOL_BYTES);
    ivAt = 0;
  }
  ivAt += 12;
  return ivPool.subarray(ivAt - 12, ivAt);
}

function gcmSeal(alg: CipherName, key: Buffer, plain: Buffer, aad: string): Buffer {
  const iv = freshIv();
  const c = createCipheriv(alg as 'aes-256-gcm', key, iv, { authTagLength: 16 });
  c.setAAD(Buffer.from(aad, 'utf8'));
  return Buffer.concat([iv, c.update(plain), c.final(), c.getAuthTag()]);
}

function gcmOpen(alg: CipherName, key: Buffer, sealed: Buffer, aad: string): Buffer {
  const d = createDecipheriv(alg as 'aes-256-gcm', key, sealed.subarray(0, 12), { authTagLength: 16 });
  d.setAAD(Buffer.from(aad, 'utf8'));
  d.setAuthTag(sealed.subarray(sealed.length - 16));
  return Buffer.concat([d.update(sealed.subarray(12, sealed.length - 16)), d.final()]);
}

export const isSealed = (v: unknown): v is string => typeof v === 'string' && FORMATS.has(v.slice(0, 2)) && v[2] === '.';

export class StoreCipher {
  private readonly dataKeys = new Map<string, { key: Buffer; wrapped: string }>();
  private readonly unwrapped = new Map<string, Buffer>();
  private readonly indexKey: Buffer;
  /** the keyed hashes of the values seen last (lru-cache: bounded, the least recently used go first) */
  private readonly hashes = new LRUCache<string, string>({ max: HASH_MEMO });

  constructor(
    readonly ring: StoreKeyring,
    private readonly now: () => Date = () => new Date(),
  ) {
    if (!cipherAvailable(ring.cipher)) {
      throw new StoreKeyError(
        `STORE_CIPHER=${ring.cipher} is not provided by this Node's OpenSSL ${process.versions.openssl}; use aes-256-gcm (or a Node built against an OpenSSL with SM4-GCM)`,
      );
    }
    this.indexKey = hkdf(ring.keys.get(ring.indexKeyId)!, 'index', 32);
  }

  get currentKeyId() {
    return this.ring.current;
  }

  /**
   * The keyed hash a business-key value is indexed by (128 bits, base64url). Remembered for the
   * values seen last: a settle request hashes the same person, visit and settlement ids about
   * seventeen times (every index of every record it writes; issue 11), and the HMAC was 2 % of the
   * gateway's CPU. Bounded: at most HASH_MEMO values, the least recently used dropped first.
   */
  hashKey(value: string): string {
    let h = this.hashes.get(value);
    if (h === undefined) {
      h = createHmac('sha256', this.indexKey).update(value, 'utf8').digest('base64url').slice(0, 22);
      this.hashes.set(value, h);
    }
    return h;
  }

  sealBytes(plain: Buffer, purpose: string, format: BlobFormat = 'y1'): string {
    const { cipher, current } = this.ring;
    const period = this.now().toISOString().slice(0, 7);
    const header = `${format}.${TAG[cipher]}.${current}.${period}`;
    let dk = this.dataKeys.get(header);
    if (!dk) {
      const key = randomBytes(KEY_LEN[cipher]);
      const wrapKey = hkdf(this.ring.keys.get(current)!, `wrap:${cipher}`, KEY_LEN[cipher]);
      dk = { key, wrapped: b64(gcmSeal(cipher, wrapKey, key, header)) };
      this.dataKeys.set(header, dk);
    }
    return `${header}.${dk.wrapped}.${b64(gcmSeal(cipher, dk.key, plain, `${header}|${purpose}`))}`;
  }

  openBytes(blob: string, purpose: string): Buffer {
    const parts = blob.split('.');
    const alg = BY_TAG[parts[1] ?? ''];
    if (parts.length !== 6 || !FORMATS.has(parts[0] ?? '') || !alg) throw new StoreKeyError('a stored value is not a sealed blob');
    const [, , id, , wrapped, body] = parts as [string, string, string, string, string, string];
    const header = parts.slice(0, 4).join('.');
    const master = this.ring.keys.get(id);
    if (!master) throw new StoreKeyError(`stored data is sealed with key id "${id}", which is not in the keyring (STORE_KEYS)`);
    const cacheKey = `${header}.${wrapped}`;
    let key = this.unwrapped.get(cacheKey);
    try {
      if (!key) {
        key = gcmOpen(alg, hkdf(master, `wrap:${alg}`, KEY_LEN[alg]), Buffer.from(wrapped, 'base64url'), header);
        this.unwrapped.set(cacheKey, key);
      }
      return gcmOpen(alg, key, Buffer.from(body, 'base64url'), `${header}|${purpose}`);
    } catch (e) {
      if (e instanceof StoreKeyError) throw e;
      throw new StoreKeyError(
        `stored data sealed with key id "${id}" does not open with that key: the key is wrong, or the data was altered`,
      );
    }
  }

  /**
   * A value as JSON; with `deflate`, deflated first when it is large enough to gain from it
   * (format y2) — for what is appended and seldom read again (journal records, outbox, audit), not
   * for the encounters and answers each request reads and rewrites (the CPU would cost more there
   * than the bytes).
   */
  seal(value: unknown, purpose: string, deflate = false): string {
    return this.sealText(JSON.stringify(value), purpose, deflate);
  }

  /** `seal` of a value already serialised as JSON */
  sealText(text: string, purpose: string, deflate = false): string {
    const json = Buffer.from(text, 'utf8');
    if (!deflate || json.length < DEFLATE_FROM_BYTES) return this.sealBytes(json, purpose);
    return this.sealBytes(deflateRawSync(json, { level: DEFLATE_LEVEL }), purpose, 'y2');
  }

  open<T>(blob: string, purpose: string): T {
    return JSON.parse(this.openText(blob, purpose)) as T;
  }

  /** the JSON text a blob seals */
  openText(blob: string, purpose: string): string {
    const bytes = this.openBytes(blob, purpose);
    return (blob.startsWith('y2.') ? inflateRawSync(bytes) : bytes).toString('utf8');
  }
}

/** What a journal record is stored as when sealed: its id and the blob. */
export interface SealedTransaction {
  id: string;
  sealed: string;
}

/** Outbox entries keep queue, state and seq in clear (the Redis scripts read them), the rest sealed. */
export interface SealedOutbox {
  seq?: number;
  queue: string;
  state: OutboxEntry['state'];
  sealed: string;
}

/** Audit entries keep seq and time in clear (order and range), the rest sealed. */
export interface SealedAudit {
  seq?: number;
  at: string;
  sealed: string;
}

const KEY_CHECK = 'yidi-store-key-check';

/** how many encounters' plaintexts a Sealing keeps (a few MiB: a visit with its fee lines is a few KiB of JSON) */
const ENCOUNTER_TEXTS_KEPT = 1_000;

/**
 * What this process knows of the blobs it sealed or opened last, by record id: a value derived from
 * the blob (its plaintext, the index entries of the record it seals), so the blob need not be
 * opened again to get it (issue 11: every settle request opened the encounter and the journal
 * record it had sealed a moment before — decrypt, inflate, parse). A value counts only for the exact
 * blob it was made for, told by the blob's GCM tag (its last 22 characters, unique per seal): a blob
 * another replica wrote, or one never stored (a lost compare-and-set, a write that threw), is
 * opened as before. Bounded (lru-cache): at most `kept` values, the least recently used dropped first.
 */
export class BlobMemo<T extends {}> {
  private readonly byId;

  constructor(kept: number) {
    this.byId = new LRUCache<string, { tag: string; value: T }>({ max: kept });
  }

  remember(id: string, blob: string, value: T) {
    this.byId.set(id, { tag: blob.slice(-22), value });
  }

  get(id: string, blob: string): T | undefined {
    const e = this.byId.get(id);
    return e && e.tag === blob.slice(-22) ? e.value : undefined;
  }
}

/**
 * The store's side of the cipher, applied by both backends: what a value is stored as (`seal*`),
 * what it is read back as (`open*`), and the hash applied to key values in index names. Without a
 * cipher (tests, the demo without STORE_KEYS) everything passes through in clear — and a store
 * that holds sealed data refuses to be read that way.
 */
export class Sealing {
  /** the plaintext of the encounters sealed or opened last */
  private readonly encounterTexts = new BlobMemo<string>(ENCOUNTER_TEXTS_KEPT);

  constructor(readonly cipher?: StoreCipher) {}

  get on() {
    return this.cipher !== undefined;
  }

  /** query.ts applies this to every business-key (and encounter id) value in an index name */
  readonly hashKey = (v: string): string => (this.cipher ? this.cipher.hashKey(v) : v);

  /**
   * The key of an encounter's unique index entry (Store.saveEncounter / findEncounterId): sealed,
   * the value's keyed hash under `h:` (so a store being sealed tells the entries already hashed
   * from the clear `<name>:<value>` ones of before); in clear, as before.
   */
  encounterIndexKey(name: string, value: string): string {
    return this.cipher ? `h:${name}:${this.cipher.hashKey(value)}` : `${name}:${value}`;
  }

  private need(): StoreCipher {
    if (!this.cipher) throw new StoreKeyError('this store holds sealed data: set STORE_KEYS (or STORE_KEYS_FILE) to read it');
    return this.cipher;
  }

  sealTx(r: TransactionRecord): TransactionRecord | SealedTransaction {
    return this.cipher ? { id: r.id, sealed: this.cipher.seal(r, `tx:${r.id}`, true) } : r;
  }

  openTx(v: TransactionRecord | SealedTransaction | undefined): TransactionRecord | undefined {
    if (!v || !('sealed' in v)) return v as TransactionRecord | undefined;
    return this.need().open<TransactionRecord>(v.sealed, `tx:${v.id}`);
  }

  sealEncounter<T>(id: string, value: T): T | string {
    if (!this.cipher) return value;
    const text = JSON.stringify(value);
    const blob = this.cipher.sealText(text, `enc:${id}`);
    this.encounterTexts.remember(id, blob, text);
    return blob;
  }

  openEncounter<T>(id: string, v: T | string): T {
    if (!isSealed(v)) return v as T;
    let text = this.encounterTexts.get(id, v);
    if (text === undefined) {
      text = this.need().openText(v, `enc:${id}`);
      this.encounterTexts.remember(id, v, text);
    }
    return JSON.parse(text) as T;
  }

  sealOutbox<E extends Omit<OutboxEntry, 'seq'> & { seq?: number }>(e: E): E | SealedOutbox {
    if (!this.cipher) return e;
    const { seq, queue, state, ...rest } = e;
    return { ...(seq !== undefined ? { seq } : {}), queue, state, sealed: this.cipher.seal(rest, `outbox:${queue}`, true) };
  }

  openOutbox(v: OutboxEntry | SealedOutbox | undefined): OutboxEntry | undefined {
    if (!v || !('sealed' in v)) return v as OutboxEntry | undefined;
    const rest = this.need().open<Omit<OutboxEntry, 'seq' | 'queue' | 'state'>>(v.sealed, `outbox:${v.queue}`);
    return { seq: v.seq ?? 0, queue: v.queue, state: v.state, ...rest };
  }

  sealAudit(e: AuditEntry): AuditEntry | SealedAudit {
    if (!this.cipher) return e;
    const { seq, at, ...rest } = e;
    return { ...(seq !== undefined ? { seq } : {}), at, sealed: this.cipher.seal(rest, 'audit', true) };
  }

  openAudit(v: AuditEntry | SealedAudit | undefined): AuditEntry | undefined {
    if (!v || !('sealed' in v)) return v as AuditEntry | undefined;
    return {
      ...(v.seq !== undefined ? { seq: v.seq } : {}),
      at: v.at,
      ...this.need().open<Omit<AuditEntry, 'seq' | 'at'>>(v.sealed, 'audit'),
    };
  }

  /** A kept Idempotency-Key response is the answer to the HIS (names, amounts): sealed; the rest stays readable to the scripts. */
  sealIdem(rec: IdempotencyRecord): IdempotencyRecord {
    if (!this.cipher || !rec.response) return rec;
    const { response, ...rest } = rec;
    return { ...rest, sealed_response: this.cipher.seal(response, 'idem') } as IdempotencyRecord;
  }

  openIdem(rec: IdempotencyRecord): IdempotencyRecord {
    const sealed = (rec as { sealed_response?: string }).sealed_response;
    if (!sealed) return rec;
    const { sealed_response: _, ...rest } = rec as IdempotencyRecord & { sealed_response?: string };
    return { ...rest, response: this.need().open<StoredResponse>(sealed, 'idem') };
  }

  /**
   * The start-up key check. `checks` (kept in the store) holds one sealed marker per key id that
   * ever sealed data there: each must be in the keyring and open with it, else start-up stops.
   * Returns the checks to write back (the current id's added), or undefined when nothing changed.
   */
  verify(checks: Record<string, string> | undefined): Record<string, string> | undefined {
    const have = checks ?? {};
    if (!this.cipher) {
      if (Object.keys(have).length)
        throw new StoreKeyError(
          `this store is encrypted (key ids: ${Object.keys(have).join(', ')}): set STORE_KEYS (or STORE_KEYS_FILE) with those keys`,
        );
      return undefined;
    }
    for (const [id, blob] of Object.entries(have)) {
      if (!this.cipher.ring.keys.has(id))
        throw new StoreKeyError(
          `this store holds data sealed with key id "${id}", which is not in STORE_KEYS: add it back (old keys stay in the keyring)`,
        );
      if (this.cipher.openBytes(blob, KEY_CHECK).toString() !== KEY_CHECK) throw new StoreKeyError(`key "${id}" does not match this store`);
    }
    const id = this.cipher.currentKeyId;
    if (have[id]) return undefined;
    return { ...have, [id]: this.cipher.sealBytes(Buffer.from(KEY_CHECK), KEY_CHECK) };
  }
}

/** Wrong-key/ wrong-data errors of lmdb-store's and redis-store's start-up, by name (the composition root maps them). */
export const isStoreKeyError = (e: unknown): e is StoreKeyError => e instanceof StoreKeyError;
