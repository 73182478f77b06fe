import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { newMasterKey } from '../../gateway/store/crypto.js';
import { LmdbStore } from '../../gateway/store/lmdb-store.js';
import { TEST_HMAC_ENV, TEST_HMAC_SECRET, testStoreCipher, tmpDir, writeTestClientsFile } from '../helpers/harness.js';

/**
 * Issue 20: the real entry point (gateway/main.ts) refuses to start on a sealed store whose key is
 * wrong or missing — exit 78 (configuration refused) with a message naming the key id — and starts
 * with the right one.
 */
const main = fileURLToPath(new URL('../../gateway/main.ts', import.meta.url));
const dir = tmpDir('store-key');
const dataDir = path.join(dir, 'data');
const K1 = newMasterKey('k1');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs main.ts until it exits or says it listens (then it is stopped); returns its exit code and output. */
function run(env: Record<string, string>) {
  return new Promise<{ code: number | null; out: string; listened: boolean }>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', main], {
      env: {
        PATH: process.env.PATH ?? '',
        DATA_DIR: dataDir,
        API_CLIENTS_FILE: writeTestClientsFile(dir),
        PORT: '0',
        HOST: '127.0.0.1',
        [TEST_HMAC_ENV]: TEST_HMAC_SECRET,
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let listened = false;
    const onData = (d: Buffer) => {
      out += d;
      if (!listened && out.includes('gateway listening')) {
        listened = true;
        child.kill('SIGTERM');
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => resolve({ code, out, listened }));
  });
}

describe('start-up against a sealed store (issue 20)', () => {
  it('wrong key: exit 78, "configuration refused", naming the key; no key: the same, saying the store is encrypted; the right key: it listens', async () => {
    const s = new LmdbStore(dataDir, { cipher: testStoreCipher(K1) });
    await s.close();

    const wrong = await run({ STORE_KEYS: newMasterKey('k1') });
    expect(wrong.code, wrong.out).toBe(78);
    expect(wrong.out).toContain('configuration refused');
    expect(wrong.out).toMatch(/key .{0,2}k1.{0,2} does not match this store|does not open with that key/);

    const none = await run({});
    expect(none.code, none.out).toBe(78);
    expect(none.out).toMatch(/this store is encrypted \(key ids: k1\)/);

    const other = await run({ STORE_KEYS: newMasterKey('k2') });
    expect(other.code, other.out).toBe(78);
    expect(other.out).toMatch(/key id .{0,2}k1.{0,2}, which is not in STORE_KEYS/);

    const right = await run({ STORE_KEYS: K1 });
    expect(right.listened, right.out).toBe(true);
  });
});
