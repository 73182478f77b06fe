import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { api, TEST_STORE_KEYS } from '../helpers/harness.js';
import { mockAndGateway } from '../helpers/suite.js';
import { JILIN } from './fixtures.js';
import { inpatientClient, P } from './inpatient-fixtures.js';
import { readyVisit, settle, until } from './resilience-fixtures.js';

/**
 * Issue 20: with a store key, a full run (an outpatient registration and settlement, an inpatient
 * trauma stay whose settlement needs the signed commitment of a relative — name, ID number, phone)
 * leaves none of the persons' names, ID numbers or credential numbers readable in the store's own
 * bytes: not in lmdb's data.mdb, not in any Redis key or value.
 */
const SIGNER = { name: '吉长红', certno: '220100198205060011', tel: '13900000000' };
const SECRETS = {
  'patient name': JILIN.psn_name,
  'patient ID number': JILIN.certno,
  'e-voucher (credential) number': JILIN.token,
  'insured person number': JILIN.psn_no,
  'signer name': SIGNER.name,
  'signer ID number': SIGNER.certno,
  'signer phone': SIGNER.tel,
};

/** The flow, over HTTP: returns the msgids it journaled (found in clear: the store's own keys). */
async function fullRun(base: string) {
  const v = await readyVisit(base, { mdtrt_cert_type: '01', mdtrt_cert_no: JILIN.token });
  const setl = await settle(base, v.id);
  expect(setl.status, setl.text).toBe(201);
  const c = inpatientClient(base);
  const { id } = await c.standardStay(P.jilin.token, '2026-11-06', '2026-11-08', { med_type: '22', trum_flag: '1', rel_ttp_flag: '0' });
  const signed = await c.call('POST', `/v1/inpatient/admissions/${id}/trauma-commitment`, {
    signer_name: SIGNER.name,
    signer_relation: '2',
    signer_cert_type: '01',
    signer_certno: SIGNER.certno,
    signer_tel: SIGNER.tel,
    injury_time: '2026-11-06 07:30:00',
    injury_place: '深圳市南山区某小区楼梯间',
    injury_cause: '下楼梯时踩空摔倒，右腕着地',
    signed_at: '2026-11-06 09:00:00',
  });
  expect(signed.status, signed.text).toBe(200);
  const stay = await c.settle(id, '3836.00');
  expect(stay.status, stay.text).toBe(201);
  // the store still answers by business key (its index holds the key's hash) and shows the records
  const byPerson = await api(base, 'GET', `/v1/transactions?psn_no=${JILIN.psn_no}&limit=200`, undefined, {}, { auth: 'staff' });
  expect(byPerson.status, byPerson.text).toBe(200);
  const ids = (byPerson.body.items as Array<{ transaction_id: string; infno: string }>).map((t) => t.transaction_id);
  // the outpatient settlement (2207) and the inpatient one (2304) among them
  expect((byPerson.body.items as Array<{ infno: string }>).map((t) => t.infno)).toEqual(expect.arrayContaining(['2207', '2304']));
  return ids;
}

function expectNoneIn(haystack: Buffer, where: string) {
  for (const [what, value] of Object.entries(SECRETS)) {
    expect(haystack.includes(Buffer.from(value, 'utf8')), `${what} in clear in ${where}`).toBe(false);
  }
}

describe('lmdb: the data directory after a full run holds no personal data in clear (issue 20)', () => {
  // bodies go to the archive as soon as a record is done (JOURNAL_HOT_DAYS 0): the archive files are read too
  const sys = mockAndGateway({ STORE_KEYS: TEST_STORE_KEYS, JOURNAL_HOT_DAYS: '0', ARCHIVE_INTERVAL_MS: '300' });

  it('data.mdb and the archive files: no name, ID number or credential number; the msgids (the keys) are there, so the bytes read are the store', async () => {
    const ids = await fullRun(sys.gw.url);
    const archived = await until('a settlement archived', async () => {
      const t = await api(sys.gw.url, 'GET', `/v1/transactions/${ids[0]}`, undefined, {}, { auth: 'staff' });
      return t.body?.archived_in as string | undefined;
    });
    expect(archived).toMatch(/^journal-\d{4}-\d\d-\d\d\.sealed$/);
    const files = readdirSync(sys.gw.dataDir).filter((f) => f.endsWith('.mdb'));
    expect(files).toContain('data.mdb');
    const bytes = Buffer.concat(files.map((f) => readFileSync(path.join(sys.gw.dataDir, f))));
    for (const id of ids) expect(bytes.includes(Buffer.from(id)), `msgid ${id} in data.mdb`).toBe(true);
    expectNoneIn(bytes, 'data.mdb');
    const archiveDir = path.join(sys.gw.dataDir, 'archive');
    const archive = Buffer.concat(readdirSync(archiveDir).map((f) => readFileSync(path.join(archiveDir, f))));
    // (gzip alone would hide the strings too: the .sealed format above and test/store-crypto.test.ts
    // — it opens only with the key — are what shows the archive is sealed)
    expect(archive.length).toBeGreaterThan(0);
    expectNoneIn(archive, 'the archive');
  });
});

describe('Redis: every key and value after a full run holds no personal data in clear (issue 20)', () => {
  const keyPrefix = `yidi-test:sealed:${randomUUID()}:`;
  const sys = mockAndGateway(
    { STORE_BACKEND: 'redis', REDIS_URL: 'redis://127.0.0.1:6379', REDIS_KEY_PREFIX: keyPrefix, STORE_KEYS: TEST_STORE_KEYS },
    {
      afterStop: async () => {
        const r = new Redis('redis://127.0.0.1:6379');
        const keys = await r.keys(`${keyPrefix}*`);
        if (keys.length) await r.del(...keys);
        await r.quit();
      },
    },
  );

  it('KEYS, then GET / HGETALL / ZRANGE of each: no name, ID number or credential number; the msgids are there', async () => {
    const ids = await fullRun(sys.gw.url);
    const r = new Redis('redis://127.0.0.1:6379');
    try {
      const keys = await r.keys(`${keyPrefix}*`);
      const parts: string[] = [...keys];
      for (const k of keys) {
        const type = await r.type(k);
        if (type === 'string') parts.push((await r.get(k)) ?? '');
        else if (type === 'hash') parts.push(...Object.entries(await r.hgetall(k)).flat());
        else if (type === 'zset') parts.push(...(await r.zrange(k, 0, -1)));
        else if (type === 'set') parts.push(...(await r.smembers(k)));
        else if (type === 'list') parts.push(...(await r.lrange(k, 0, -1)));
        else throw new Error(`key ${k} of type ${type}: not read by this test`);
      }
      const bytes = Buffer.from(parts.join('\n'), 'utf8');
      for (const id of ids) expect(bytes.includes(Buffer.from(id)), `msgid ${id} in Redis`).toBe(true);
      expectNoneIn(bytes, 'Redis');
    } finally {
      await r.quit();
    }
  });
});
