import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { JournalArchive } from '../gateway/store/archive.js';
import { newMasterKey, StoreKeyError } from '../gateway/store/crypto.js';
import { LmdbStore } from '../gateway/store/lmdb-store.js';
import { RedisStore } from '../gateway/store/redis-store.js';
import { STORE_SCHEMA_VERSION } from '../gateway/store/schema-version.js';
import type { Store, TransactionRecord } from '../gateway/store/store.js';
import { testStoreCipher, tmpDir } from './helpers/harness.js';

/**
 * Issue 20: key rotation without downtime, the migration of a clear store to a sealed one
 * (schema 3), a wrong or missing key at open, and sealed archives — on both backends.
 */
const NAME = '吉长青';
const CERTNO = '220100198003150001';
const K1 = newMasterKey('k1');
const K2 = newMasterKey('k2');

let n = 0;
function tx(psn_no: string, over: Partial<TransactionRecord> = {}): TransactionRecord {
  const id = `H44030500001${String(20261201090000 + n).padStart(14, '0')}${String(n++ % 10_000).padStart(4, '0')}`;
  const at = new Date(Date.UTC(2026, 11, 1, 1, 0, n)).toISOString();
  return {
    id,
    infno: '2207',
    outcome: 'succeeded',
    created_at: at,
    updated_at: at,
    keys: { psn_no },
    stages: { his_input: { psn_name: NAME, certno: CERTNO } },
    ...over,
  };
}

interface Opened {
  store: Store & { schemaVersion(): number | Promise<number> };
  raw(): Promise<string>;
}

const dirs: string[] = [];
const prefixes: string[] = [];
const backends = {
  lmdb: () => {
    const dir = tmpDir('sealed');
    dirs.push(dir);
    return async (keys?: string, current?: string): Promise<Opened> => {
      const store = new LmdbStore(dir, keys ? { cipher: testStoreCipher(keys, current) } : {});
      // lmdb does not wipe the pages it frees: a compacted backup holds the live data only (README "Security")
      const raw = async () => {
        const copy = tmpDir('sealed-copy');
        dirs.push(copy);
        await store.backup(copy);
        return readFileSync(path.join(copy, 'data.mdb')).toString('latin1');
      };
      return { store, raw };
    };
  },
  redis: () => {
    const keyPrefix = `yidi-test:sealed:${randomUUID()}:`;
    prefixes.push(keyPrefix);
    return async (keys?: string, current?: string): Promise<Opened> => {
      const store = await new RedisStore({
        url: 'redis://127.0.0.1:6379',
        keyPrefix,
        ...(keys ? { cipher: testStoreCipher(keys, current) } : {}),
      }).connect();
      return {
        store,
        raw: async () => {
          const out: string[] = [];
          for (const k of await store.redis.keys(`${keyPrefix}*`)) {
            out.push(k);
            const t = await store.redis.type(k);
            if (t === 'string') out.push((await store.redis.get(k)) ?? '');
            if (t === 'hash') out.push(JSON.stringify(await store.redis.hgetall(k)));
            if (t === 'zset') out.push(...(await store.redis.zrange(k, 0, -1)));
          }
          return out.join('\n');
        },
      };
    };
  },
};

afterAll(async () => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  const { Redis } = await import('ioredis');
  const r = new Redis('redis://127.0.0.1:6379');
  for (const p of prefixes) {
    const keys = await r.keys(`${p}*`);
    if (keys.length) await r.del(...keys);
  }
  await r.quit();
});

/** the key id a sealed value names: the third part of `y1.<alg>.<id>.…` (y2: the same, deflated first) */
const keyIdsIn = (raw: string) => new Set([...raw.matchAll(/y[12]\.a\.([A-Za-z0-9_-]+)\.\d{4}-\d\d/g)].map((m) => m[1]));

describe.each(Object.entries(backends))('sealed store on %s (issue 20)', (_name, make) => {
  it('key rotation: after k2 becomes current, records sealed under k1 still read and are found by key; new ones are sealed under k2', async () => {
    const open = make();
    const psn_no = `P${randomUUID().slice(0, 8)}`;
    const s1 = await open(K1);
    const old = tx(psn_no);
    await s1.store.putTransaction(old);
    await s1.store.saveEncounter({ id: 'enc-1', kind: 'outpatient', psn_name: NAME }, null, { ipt_otp_no: 'MZ-ROT-1' });
    expect(keyIdsIn(await s1.raw())).toEqual(new Set(['k1']));
    await s1.store.close();

    // rotation: the keyring gains k2 and makes it current; k1 stays for what it sealed
    const s2 = await open(`${K1},${K2}`, 'k2');
    const fresh = tx(psn_no);
    await s2.store.putTransaction(fresh);
    // read back whole; the store added the person's keyed hashes (search-facts.ts), no clear value
    const { person, ...record } = (await s2.store.getTransaction(old.id))!;
    expect(record).toEqual(old);
    expect(JSON.stringify(person)).not.toContain(NAME);
    expect((await s2.store.listTransactions({ key: { name: 'psn_no', value: psn_no } })).map((t) => t.id)).toEqual([fresh.id, old.id]);
    expect((await s2.store.listTransactions({ person: { name: 'psn_name', value: NAME }, limit: 1000 })).map((t) => t.id)).toEqual(
      expect.arrayContaining([fresh.id, old.id]),
    );
    expect((await s2.store.getEncounter('enc-1'))?.value).toMatchObject({ psn_name: NAME });
    expect(await s2.store.findEncounterId('ipt_otp_no', 'MZ-ROT-1')).toBe('enc-1');
    const raw = await s2.raw();
    expect(keyIdsIn(raw)).toEqual(new Set(['k1', 'k2']));
    expect(raw).not.toContain(psn_no);
    expect(raw).not.toContain('MZ-ROT-1');
    await s2.store.close();

    // dropping k1 while data sealed under it is there stops the open, naming the id
    await expect(open(K2)).rejects.toThrow(/key id "k1", which is not in STORE_KEYS/);
  });

  it('a large record (a 40-line fee upload) is deflated before it is sealed (y2): read back whole, found by key, a fraction of its JSON on disk', async () => {
    const open = make();
    const psn_no = `P${randomUUID().slice(0, 8)}`;
    const s = await open(K1);
    const lines = Array.from({ length: 40 }, (_, i) => ({
      feedetl_sn: `FD${String(i).padStart(4, '0')}`,
      med_list_codg: 'XA01AAA001A001010104380',
      medins_list_codg: `YP${i}`,
      det_item_fee_sumamt: '12.50',
      cnt: '1',
      pric: '12.50',
      memo: `${NAME} 第${i}行`,
    }));
    const big = tx(psn_no, { infno: '2204', stages: { his_input: { psn_name: NAME, certno: CERTNO }, message: { feedetail: lines } } });
    const small = tx(psn_no);
    await s.store.putTransaction(big);
    await s.store.putTransaction(small);
    await s.store.sync();
    const { person: _p, ...back } = (await s.store.getTransaction(big.id))!;
    expect(back).toEqual(big);
    expect((await s.store.listTransactions({ key: { name: 'psn_no', value: psn_no } })).map((t) => t.id)).toEqual([small.id, big.id]);
    const raw = await s.raw();
    const y2 = [...raw.matchAll(/y2\.a\.k1\.\d{4}-\d\d\.[A-Za-z0-9_-]+\.([A-Za-z0-9_-]+)/g)].map((m) => m[1]!.length);
    expect(y2.length).toBeGreaterThan(0);
    // the sealed body (base64url) is far smaller than the record's JSON; the small record stays y1
    expect(Math.max(...y2)).toBeLessThan(JSON.stringify(big).length / 3);
    expect(keyIdsIn(raw)).toEqual(new Set(['k1']));
    expect(raw).not.toContain('XA01AAA001A001010104380');
    expect(raw).not.toContain(psn_no);
    await s.store.close();
  });

  it('a wrong key for an id, or no key at all, stops the open with a clear message', async () => {
    const open = make();
    const s = await open(K1);
    await s.store.putTransaction(tx('P-WRONG'));
    await s.store.close();
    await expect(open(newMasterKey('k1'))).rejects.toThrow(StoreKeyError);
    await expect(open(newMasterKey('k1'))).rejects.toThrow(/key "k1" does not match this store|does not open with that key/);
    await expect(open()).rejects.toThrow(/this store is encrypted \(key ids: k1\): set STORE_KEYS/);
  });

  it('schema 3: a store written in clear is sealed at its first open with a key — records, encounters, outbox, audit, indexes', async () => {
    const open = make();
    const psn_no = `P${randomUUID().slice(0, 8)}`;
    const s1 = await open();
    const records = Array.from({ length: 7 }, () => tx(psn_no));
    for (const r of records) await s1.store.putTransaction(r);
    await s1.store.saveEncounter({ id: 'enc-m', kind: 'inpatient', psn_name: NAME }, null, { ipt_otp_no: 'ZY-MIG-1' });
    await s1.store.appendOutbox({
      queue: 'self-pay',
      id: 'o1',
      infno: '4201',
      input: { psn_name: NAME, certno: CERTNO },
      keys: { psn_no },
      state: 'pending',
      attempts: 0,
      created_at: records[0]!.created_at,
      updated_at: records[0]!.created_at,
      transaction_ids: [],
    });
    await s1.store.appendAudit({
      at: records[0]!.created_at,
      actor: 'staff-1',
      role: 'staff',
      action: 'search',
      targets: [],
      filter: { certno: CERTNO },
    });
    expect(await s1.raw()).toContain(CERTNO);
    await s1.store.close();

    const s2 = await open(K1);
    expect(await s2.store.schemaVersion()).toBe(STORE_SCHEMA_VERSION);
    expect((await s2.store.listTransactions({ key: { name: 'psn_no', value: psn_no } })).map((t) => t.id)).toEqual(
      records.map((r) => r.id).reverse(),
    );
    const { person: _hashes, ...migrated } = (await s2.store.getTransaction(records[3]!.id))!;
    expect(migrated).toEqual(records[3]);
    // the person's hashes are made again under the store's key: the search by ID number finds them sealed
    expect((await s2.store.listTransactions({ person: { name: 'certno', value: CERTNO }, limit: 1000 })).map((t) => t.id)).toEqual(
      expect.arrayContaining(records.map((r) => r.id)),
    );
    expect(await s2.store.findEncounterId('ipt_otp_no', 'ZY-MIG-1')).toBe('enc-m');
    expect((await s2.store.listOutbox('self-pay'))[0]).toMatchObject({ seq: 1, input: { certno: CERTNO }, state: 'pending' });
    expect((await s2.store.listAudit({ actor: 'staff-1' }))[0]).toMatchObject({ filter: { certno: CERTNO } });
    const raw = await s2.raw();
    expect(raw).not.toContain(psn_no);
    expect(raw).not.toContain('ZY-MIG-1');
    await s2.store.close();
  });
});

describe('two Redis replicas sealing one clear store at once (issue 20)', () => {
  it('one seals, the other waits for it: both find every record by key, and no value is left in clear', async () => {
    const open = backends.redis();
    const psn_no = `P${randomUUID().slice(0, 8)}`;
    const clear = await open();
    const records = Array.from({ length: 30 }, () => tx(psn_no));
    for (const r of records) await clear.store.putTransaction(r);
    await clear.store.close();
    const [a, b] = await Promise.all([open(K1), open(K1)]);
    for (const s of [a, b])
      expect((await s.store.listTransactions({ key: { name: 'psn_no', value: psn_no }, limit: 100 })).length).toBe(records.length);
    const raw = await a.raw();
    expect(raw).not.toContain(psn_no);
    expect(raw).not.toContain(CERTNO);
    await a.store.close();
    await b.store.close();
  });
});

describe('sealed archives (issue 20)', () => {
  it('a batch is sealed on disk; the record reads its stages back; a copy without the key reads nothing', () => {
    const dir = tmpDir('archive');
    dirs.push(dir);
    const cipher = testStoreCipher(K1);
    const archive = new JournalArchive(dir, cipher);
    const r = tx('P-ARCH');
    const at = archive.append('2026-12-01', [r]);
    expect(at.file).toBe('journal-2026-12-01.sealed');
    const bytes = readFileSync(path.join(dir, at.file)).toString('utf8');
    expect(bytes).not.toContain(CERTNO);
    expect(archive.stagesOf({ id: r.id, archived: at })).toEqual(r.stages);
    expect(new JournalArchive(dir).stagesOf({ id: r.id, archived: at })).toBeUndefined();
    expect(() => new JournalArchive(dir, testStoreCipher(newMasterKey('k1'))).stagesOf({ id: r.id, archived: at })).toThrow(StoreKeyError);
  });

  it('retention: erase() deletes the day files before the cut-off and keeps the rest', () => {
    const dir = tmpDir('archive');
    dirs.push(dir);
    const archive = new JournalArchive(dir, testStoreCipher(K1));
    for (const day of ['1996-01-01', '1996-01-02', '2026-12-01']) archive.append(day, [tx('P-RET')]);
    expect(archive.erase('1996-01-02')).toEqual(['journal-1996-01-01.sealed']);
    expect(readdirSync(dir).sort()).toEqual(['journal-1996-01-02.sealed', 'journal-2026-12-01.sealed']);
  });
});

/**
 * Issue 11: a process remembers what it last sealed (crypto.ts BlobMemo) so that it need not open
 * it again — never in place of what another process wrote since, or of what it never stored.
 */
describe('what a process remembers of the blobs it sealed (issue 11)', () => {
  it('two replicas: each reads the encounter the other wrote last, never the one it remembers; a lost compare-and-set is not remembered', async () => {
    const open = backends.redis();
    const [a, b] = await Promise.all([open(K1), open(K1)]);
    const id = `V${randomUUID().slice(0, 12)}`;
    const visit = (status: string) => ({ id, kind: 'outpatient', status, psn_name: NAME });
    expect(await a.store.saveEncounter(visit('registered'), null)).toBe(true);
    const seen = await b.store.getEncounter<ReturnType<typeof visit>>(id);
    expect(seen).toMatchObject({ version: 1, value: { status: 'registered' } });
    expect(await b.store.saveEncounter(visit('diagnosed'), 1)).toBe(true);
    // a's own write of version 1 is what a sealed last: it still reads b's version 2
    expect(await a.store.getEncounter(id)).toMatchObject({ version: 2, value: { status: 'diagnosed', psn_name: NAME } });
    // a compare-and-set that loses stores nothing: the next read is still b's version
    expect(await a.store.saveEncounter(visit('settled'), 1)).toBe(false);
    expect(await a.store.getEncounter(id)).toMatchObject({ version: 2, value: { status: 'diagnosed' } });
    // each read is a copy of its own: changing one changes nothing stored or read next
    const first = await a.store.getEncounter<ReturnType<typeof visit>>(id);
    first!.value.status = 'changed by the caller';
    expect((await a.store.getEncounter<ReturnType<typeof visit>>(id))!.value.status).toBe('diagnosed');
    await a.store.close();
    await b.store.close();
  });

  it('lmdb: a record rewritten after a reopen leaves no index entry of its earlier version, as one rewritten in the same process', async () => {
    const open = backends.lmdb();
    const psn_no = `P${randomUUID().slice(0, 8)}`;
    const first = await open(K1);
    const kept = tx(psn_no, { outcome: 'pending' });
    const reopened = tx(psn_no, { outcome: 'pending' });
    await first.store.putTransaction(kept);
    await first.store.putTransaction(reopened);
    await first.store.putTransaction({ ...kept, outcome: 'succeeded' });
    await first.store.close();
    const again = await open(K1);
    await again.store.putTransaction({ ...reopened, outcome: 'unknown' });
    const ids = async (q: object) =>
      (await again.store.listTransactions({ key: { name: 'psn_no', value: psn_no }, limit: 10, ...q })).map((r) => r.id);
    expect(await ids({ outcome: 'pending' })).toEqual([]);
    expect(await ids({ outcome: 'succeeded' })).toEqual([kept.id]);
    expect(await ids({ outcome: 'unknown' })).toEqual([reopened.id]);
    expect((await again.store.listTransactions({ open: ['pending'], limit: 10 })).map((r) => r.id)).toEqual([]);
    await again.store.close();
  });
});

describe('initialisation vectors (issue 11: drawn from a pool of random bytes)', () => {
  it('every seal has an IV of its own: 1,000 seals of one value under one data key, 1,000 different IVs and blobs, each opens', () => {
    const cipher = testStoreCipher(K1);
    const blobs = Array.from({ length: 1000 }, () => cipher.seal({ psn_name: NAME }, 'enc:V1'));
    // blob: y1.<alg>.<key id>.<period>.<wrapped data key>.<iv 12 bytes + ciphertext + tag>
    const ivs = new Set(blobs.map((b) => Buffer.from(b.split('.')[5]!, 'base64url').subarray(0, 12).toString('hex')));
    expect(ivs.size).toBe(1000);
    expect(new Set(blobs).size).toBe(1000);
    for (const b of blobs.slice(0, 20)) expect(cipher.open(b, 'enc:V1')).toEqual({ psn_name: NAME });
  });
});

describe('a new store beside another on one Redis database (issue 11)', () => {
  it('connects without walking the other store: no SCAN at its first or later connects; its records are sealed and found', async () => {
    const open = backends.redis();
    const other = await open(K1);
    for (let i = 0; i < 50; i++) await other.store.putTransaction(tx(`P-other-${i}`));
    const keyPrefix = `yidi-test:sealed:${randomUUID()}:`;
    prefixes.push(keyPrefix);
    const scans: string[] = [];
    const connectCounting = async () => {
      const s = new RedisStore({ url: 'redis://127.0.0.1:6379', keyPrefix, cipher: testStoreCipher(K1) });
      const scan = s.redis.scan.bind(s.redis) as (...a: unknown[]) => unknown;
      (s.redis as unknown as { scan: (...a: unknown[]) => unknown }).scan = (...a: unknown[]) => {
        scans.push(String(a[2]));
        return scan(...a);
      };
      return s.connect();
    };
    const fresh = await connectCounting();
    expect(scans).toEqual([]);
    const mine = tx('P-mine');
    await fresh.putTransaction(mine);
    await fresh.close();
    const again = await connectCounting();
    expect(scans).toEqual([]);
    expect((await again.listTransactions({ key: { name: 'psn_no', value: 'P-mine' }, limit: 5 })).map((r) => r.id)).toEqual([mine.id]);
    expect(await again.redis.get(`${keyPrefix}tx:${mine.id}`)).toMatch(/"sealed":"y1\.a\.k1\./);
    await again.close();
    await other.store.close();
  });
});
