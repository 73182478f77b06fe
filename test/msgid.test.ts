import { rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compactTimestamp, interfaceDateTime, MsgidGenerator } from '../adapters/platform/msgid.js';
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

  it('refuses an institution code that is not 12 characters', () => {
    expect(() => new MsgidGenerator('H4403', { nextSequence: async () => 1 }, fixed, 480)).toThrow(/12 characters/);
  });
});
