/**
 * The embedded store's write-behind (gateway/store/write-behind.ts) on a real lmdb directory: a
 * write is decided at once and seen by every later read of the process before lmdb has committed
 * it; a write that throws leaves nothing; a commit that fails stops the store.
 */
import { rmSync } from 'node:fs';
import { open, type RootDatabase } from 'lmdb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WriteBehind } from '../gateway/store/write-behind.js';
import { tmpDir } from './helpers/harness.js';

let dir: string;
let env: RootDatabase;

beforeEach(() => {
  dir = tmpDir('write-behind');
  env = open({ path: dir, compression: false, maxDbs: 4 });
});
afterEach(async () => {
  await env.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('write-behind on lmdb', () => {
  it('a write is read back at once, before lmdb has committed it; after settled() lmdb has it too', async () => {
    const db = env.openDB<{ n: number }, string>({ name: 'a' });
    const wb = new WriteBehind(env);
    wb.write((tx) => tx.put(db, 'k', { n: 1 }));
    expect(db.get('k')).toBeUndefined(); // not committed yet: lmdb's own read does not see it
    expect(wb.read(db, 'k')).toEqual({ n: 1 });
    await wb.settled();
    expect(db.get('k')).toEqual({ n: 1 });
  });

  it('a compare-and-set decided on a write in flight sees it: the second of two takes loses', async () => {
    const db = env.openDB<{ holder: string }, string>({ name: 'a' });
    const wb = new WriteBehind(env);
    const take = (holder: string) =>
      wb.write((tx) => {
        if (tx.get(db, 'visit')) return false;
        tx.put(db, 'visit', { holder });
        return true;
      });
    expect([take('first'), take('second')]).toEqual([true, false]);
    await wb.settled();
    expect(db.get('visit')).toEqual({ holder: 'first' });
  });

  it('every read gets its own copy: changing what was read or written changes nothing stored', async () => {
    const db = env.openDB<{ lines: string[] }, string>({ name: 'a' });
    const wb = new WriteBehind(env);
    const value = { lines: ['a'] };
    wb.write((tx) => tx.put(db, 'k', value));
    value.lines.push('changed after the write');
    wb.read<{ lines: string[] }>(db, 'k')!.lines.push('changed by a reader');
    expect(wb.read(db, 'k')).toEqual({ lines: ['a'] });
    await wb.settled();
    expect(db.get('k')).toEqual({ lines: ['a'] });
  });

  it('a write that throws leaves nothing, not even its puts before the throw', async () => {
    const db = env.openDB<number, string>({ name: 'a' });
    const wb = new WriteBehind(env);
    expect(() =>
      wb.write((tx) => {
        tx.put(db, 'one', 1);
        throw new Error('refused halfway');
      }),
    ).toThrow('refused halfway');
    await wb.settled();
    expect(wb.read(db, 'one')).toBeUndefined();
    expect(db.get('one')).toBeUndefined();
  });

  it('a removal is seen at once and committed', async () => {
    const db = env.openDB<number, string>({ name: 'a' });
    await db.put('gone', 1);
    const wb = new WriteBehind(env);
    wb.write((tx) => tx.remove(db, 'gone'));
    expect(wb.read(db, 'gone')).toBeUndefined();
    await wb.settled();
    expect(db.get('gone')).toBeUndefined();
  });

  it('a writer faster than the commits is paced: once a thousand writes wait, pace() returns when they are committed', async () => {
    const db = env.openDB<{ n: number; pad: string }, string>({ name: 'a' });
    const wb = new WriteBehind(env);
    const pad = 'x'.repeat(2000);
    for (let i = 0; i < 1000; i++) wb.write((tx) => tx.put(db, `k${i}`, { n: i, pad }));
    await wb.pace();
    // committed, not only kept for this process: lmdb's own read has them
    expect(db.get('k0')?.n).toBe(0);
    expect(db.get('k999')?.n).toBe(999);
  });

  it('a commit that fails stops the store: settled and every later write throw its error, reads show what is committed', async () => {
    const db = env.openDB<number, string>({ name: 'a' });
    await db.put('k', 1);
    let fail = false;
    // lmdb's batch, except that a failing one never reaches the disk (as a commit refused by a full or broken disk)
    const wb = new WriteBehind({
      batch: (fn) => (fail ? Promise.reject(new Error('MDB_PANIC: I/O error')) : env.batch(fn)),
    });
    wb.write((tx) => tx.put(db, 'k', 2));
    await wb.settled();
    fail = true;
    wb.write((tx) => tx.put(db, 'k', 3));
    expect(wb.read(db, 'k')).toBe(3); // decided, not yet known to have failed
    await expect(wb.settled()).rejects.toThrow('I/O error');
    expect(wb.read(db, 'k')).toBe(2);
    fail = false;
    expect(() => wb.write((tx) => tx.put(db, 'k', 4))).toThrow('I/O error');
    expect(() => wb.check()).toThrow('I/O error');
    expect(db.get('k')).toBe(2);
  });
});
