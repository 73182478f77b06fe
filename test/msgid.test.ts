import { rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BLOCK, compactTimestamp, interfaceDateTime, MsgidGenerator } from '../adapters/platform/msgid.js';
import { LmdbStore } from '../gateway/store/lmdb-store.js';
import { tmpDir } from './helpers/harness.js';

const fixed = { now: () => new Date('2026-11-23T01:02:03.456Z') };

describe('msgid', () => {
  it('is institution code (12) + yyyyMMddHHmmss in China time + 4-digit sequence = 30 characters', async () => {
    const dir = tmpDir('msgid');
    const store = new LmdbStore(dir);
    const g = new MsgidGenerator('H44030500001', store, fixed, 480);
    const id = await g.next();
    expect(id).toBe('H44030500001202611230902030001');
    expect(id).toHaveLength(30);
    expect(interfaceDateTime(fixed.now(), 480)).toBe('2026-11-23 09:02:03');
    expect(compactTimestamp(fixed.now(), 480)).toBe('20261123090203');
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stays unique across 500 concurrent requests in one second and across a restart of the process', async () => {
    const dir = tmpDir('msgid');
    let store = new LmdbStore(dir);
    let g = new MsgidGenerator('H44030500001', store, fixed, 480);
    const first = await Promise.all(Array.from({ length: 500 }, () => g.next()));
    expect(new Set(first).size).toBe(500);
    await store.close();
    // a new process, same second, same data directory
    store = new LmdbStore(dir);
    g = new MsgidGenerator('H44030500001', store, fixed, 480);
    const second = await Promise.all(Array.from({ length: 50 }, () => g.next()));
    expect(new Set([...first, ...second]).size).toBe(550);
    expect(second.every((m) => Number(m.slice(-4)) > 500)).toBe(true);
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('takes its numbers from the store in blocks: one store write per 16 messages, none shared between two replicas', async () => {
    const dir = tmpDir('msgid');
    const store = new LmdbStore(dir);
    let writes = 0;
    const counted = {
      nextSequence: (name: string, ttl: number, count?: number) => {
        writes++;
        return store.nextSequence(name, ttl, count);
      },
    };
    const a = new MsgidGenerator('H44030500001', counted, fixed, 480);
    const b = new MsgidGenerator('H44030500001', counted, fixed, 480);
    const ids = await Promise.all(Array.from({ length: 160 }, (_, i) => (i % 2 ? a : b).next()));
    expect(new Set(ids).size).toBe(160);
    expect(ids.every((m) => m.startsWith('H4403050000120261123090203'))).toBe(true);
    expect(writes).toBeLessThanOrEqual(160 / BLOCK + 2);
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("waits for the next second once a second's 9,999 numbers are used, never reusing one", async () => {
    let now = new Date('2026-11-23T01:02:03.000Z');
    const clock = { now: () => now };
    let counter = 9990;
    const g = new MsgidGenerator('H44030500001', { nextSequence: async (_n, _t, count = 1) => (counter += count) }, clock, 480);
    const last = await g.next();
    expect(last.slice(-4)).toBe('9991');
    for (let i = 0; i < 8; i++) await g.next();
    const pending = g.next();
    setTimeout(() => {
      now = new Date('2026-11-23T01:02:04.000Z');
      counter = 0;
    }, 60);
    expect(await pending).toBe('H44030500001202611230902040001');
  });

  it('goes on numbering when the clock goes back (a test clock, a corrected system clock): no hang, no repeat', async () => {
    const dir = tmpDir('msgid');
    const store = new LmdbStore(dir);
    let now = new Date('2027-01-05T01:00:00.000Z');
    const g = new MsgidGenerator('H44030500001', store, { now: () => now }, 480);
    const later = await g.next();
    now = new Date('2026-11-23T01:02:03.000Z');
    const earlier = await g.next();
    expect(later).toBe('H44030500001202701050900000001');
    expect(earlier).toBe('H44030500001202611230902030001');
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses an institution code that is not 12 characters', () => {
    expect(() => new MsgidGenerator('H4403', { nextSequence: async () => 1 }, fixed, 480)).toThrow(/12 characters/);
  });
});
