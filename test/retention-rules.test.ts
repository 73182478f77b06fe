import { readdirSync, rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../gateway/config.js';
import { createLogger } from '../gateway/logger.js';
import { Archiver } from '../gateway/resilience/archiver.js';
import { JournalArchive } from '../gateway/store/archive.js';
import { LmdbStore } from '../gateway/store/lmdb-store.js';
import type { TransactionRecord } from '../gateway/store/store.js';
import { testStoreCipher, tmpDir } from './helpers/harness.js';

/**
 * Issue 20, retention by rule: journal records, archive files and audit entries past their
 * configured periods are erased by the archiver's round; open work never is.
 */
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const NOW = Date.parse('2026-12-01T04:00:00.000Z');
const daysAgo = (d: number) => new Date(NOW - d * 86_400_000).toISOString();
let n = 0;
const rec = (created_at: string, over: Partial<TransactionRecord> = {}): TransactionRecord => ({
  id: `H44030500001${String(20000101000000 + n).padStart(14, '0')}${String(n++).padStart(4, '0')}`,
  infno: '2207',
  outcome: 'succeeded',
  created_at,
  updated_at: created_at,
  keys: { psn_no: '22000000000000000001' },
  stages: {},
  ...over,
});

describe('retention periods (issue 20)', () => {
  it('defaults: 30 years for journal, archives and audit; a journal period shorter than the hot period, or a production audit log under 180 days, is refused', () => {
    const c = loadConfig({});
    expect(c.retention).toMatchObject({ journalDays: 10_958, archiveDays: 10_958, auditDays: 10_958, hotDays: 400 });
    expect(() => loadConfig({ JOURNAL_RETENTION_DAYS: '300' })).toThrow(/must not be shorter than JOURNAL_HOT_DAYS/);
    expect(loadConfig({ AUDIT_RETENTION_DAYS: '30' }, 'test').retention.auditDays).toBe(30);
  });

  it('the round erases old records (not open work), archive files of days past the period and old audit entries; the rest stays', async () => {
    const dir = tmpDir('retention-rules');
    dirs.push(dir);
    const cipher = testStoreCipher();
    const store = new LmdbStore(`${dir}/data`, { cipher });
    const archive = new JournalArchive(`${dir}/archive`, cipher);
    try {
      const expired = rec(daysAgo(40));
      const openWork = rec(daysAgo(40), { outcome: 'unknown' }); // unresolved: a crash left it, staff must see it
      const young = rec(daysAgo(5));
      for (const r of [expired, openWork, young]) await store.putTransaction(r);
      archive.append(daysAgo(40).slice(0, 10), [expired]);
      archive.append(daysAgo(5).slice(0, 10), [young]);
      await store.appendAudit({ at: daysAgo(100), actor: 'staff-1', role: 'staff', action: 'view', targets: [] });
      await store.appendAudit({ at: daysAgo(1), actor: 'staff-1', role: 'staff', action: 'view', targets: [] });

      const archiver = new Archiver({
        store,
        archive,
        clock: { now: () => new Date(NOW) },
        logger: createLogger('silent'),
        hotDays: 1,
        intervalMs: 60_000,
        timeZoneOffsetMinutes: 480,
        journalDays: 30,
        archiveDays: 30,
        auditDays: 90,
      });
      const r = await archiver.erase(NOW);
      expect(r).toEqual({ records: 1, files: [`journal-${daysAgo(40).slice(0, 10)}.sealed`], audit: 1 });
      expect(await store.getTransaction(expired.id)).toBeUndefined();
      expect(await store.getTransaction(openWork.id)).toEqual(openWork);
      expect(await store.getTransaction(young.id)).toEqual(young);
      expect(readdirSync(`${dir}/archive`)).toEqual([`journal-${daysAgo(5).slice(0, 10)}.sealed`]);
      expect((await store.listAudit({})).map((e) => e.at)).toEqual([daysAgo(1)]);
    } finally {
      await store.close();
    }
  });
});
