import { newMasterKey } from '../store/crypto.js';

/**
 * `npm run store-key -- <id>`: prints a new store master key entry `id:base64(32 random bytes)` for
 * STORE_KEYS / STORE_KEYS_FILE (README "Security"). Append it to the keyring, make it current with
 * STORE_KEY_CURRENT=<id>, restart the replicas one by one; keep the old entries.
 */
const id = process.argv[2] ?? '';
if (!/^[A-Za-z0-9_-]{1,32}$/.test(id)) {
  process.stderr.write('usage: npm run store-key -- <id>   (id: letters, digits, _ or -, e.g. k2026a)\n');
  process.exitCode = 64;
} else {
  process.stdout.write(`${newMasterKey(id)}\n`);
}
