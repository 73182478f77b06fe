/**
 * Backup and restore of the embedded store (lmdb), while the gateway runs:
 *
 *   npm run store -- backup  --data-dir ./data --to /backups/yidi-2026-12-01 [--no-compact]
 *   npm run store -- restore --from /backups/yidi-2026-12-01 --data-dir ./data-restored [--force]
 *   npm run store -- verify  --data-dir ./data
 *
 * backup: a consistent snapshot of the lmdb environment (every write committed before it began,
 * none half-done; lmdb copies one read transaction while the gateway goes on writing) into
 * `<to>/data.mdb` (compacted: live pages only), then the archive directory (`<data-dir>/archive`, or --archive-dir) into
 * `<to>/archive` — after the snapshot, so every batch the snapshot names is in the copy — and a
 * manifest.json. restore: into a directory with no store in it (or --force), then verify.
 * verify: opens the store and prints its schema version, journal size by index and open work.
 * A sealed store (issue 20) is opened with the gateway's own keyring: STORE_KEYS or STORE_KEYS_FILE
 * in the environment, as for the gateway; the backup stays sealed (it is the store's own pages).
 * In the Docker image: node dist/gateway/cli/store.js <same arguments>. Redis: README "Backup".
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { storeKeys } from '../config.js';
import { StoreCipher } from '../store/crypto.js';
import { LmdbStore } from '../store/lmdb-store.js';

const out = (s: string) => process.stdout.write(`${s}\n`);
const fail = (s: string): never => {
  process.stderr.write(`store: ${s}\n`);
  process.exit(2);
};

interface Manifest {
  kind: 'yidi-gateway lmdb backup';
  created_at: string;
  source: string;
  schema_version: number;
  archive_files: number;
}

/** The store as the gateway opens it: with its keyring from the environment when it is sealed. */
function openLmdb(dir: string) {
  const keys = storeKeys(process.env, 'demo');
  return new LmdbStore(dir, keys ? { cipher: new StoreCipher(keys) } : {});
}

async function summary(dir: string) {
  const store = openLmdb(dir);
  try {
    const open = await store.countOpenWork();
    const newest = await store.listTransactions({ limit: 1 });
    return { schema_version: store.schemaVersion(), open_work: open, newest_transaction: newest[0]?.created_at ?? null };
  } finally {
    await store.close();
  }
}

export async function run(argv: string[]) {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'data-dir': { type: 'string' },
      'archive-dir': { type: 'string' },
      to: { type: 'string' },
      from: { type: 'string' },
      'no-compact': { type: 'boolean' },
      force: { type: 'boolean' },
    },
  });
  const cmd = positionals[0];
  const dataDir = values['data-dir'] ?? fail('--data-dir is required');
  const archiveOf = (dir: string) => values['archive-dir'] ?? path.join(dir, 'archive');

  if (cmd === 'backup') {
    const to = values.to ?? fail('--to is required');
    if (!existsSync(path.join(dataDir, 'data.mdb'))) fail(`${dataDir} holds no store (no data.mdb)`);
    if (existsSync(to) && readdirSync(to).length) fail(`${to} is not empty: a backup goes into a new directory`);
    mkdirSync(to, { recursive: true });
    const store = openLmdb(dataDir);
    const started = new Date().toISOString();
    let schema: number;
    try {
      schema = store.schemaVersion();
      // compacted by default: the copy holds live pages only (README "Security")
      await store.backup(to, values['no-compact'] !== true);
    } finally {
      await store.close();
    }
    const archive = archiveOf(dataDir);
    const files = existsSync(archive) ? readdirSync(archive).filter((f) => f.endsWith('.jsonl.gz')) : [];
    if (files.length) cpSync(archive, path.join(to, 'archive'), { recursive: true });
    const manifest: Manifest = {
      kind: 'yidi-gateway lmdb backup',
      created_at: started,
      source: path.resolve(dataDir),
      schema_version: schema,
      archive_files: files.length,
    };
    writeFileSync(path.join(to, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    out(JSON.stringify({ backup: path.resolve(to), ...manifest }));
    return;
  }
  if (cmd === 'restore') {
    const from = values.from ?? fail('--from is required');
    if (!existsSync(path.join(from, 'data.mdb'))) fail(`${from} is no backup (no data.mdb)`);
    const manifest = existsSync(path.join(from, 'manifest.json'))
      ? (JSON.parse(readFileSync(path.join(from, 'manifest.json'), 'utf8')) as Manifest)
      : undefined;
    if (existsSync(path.join(dataDir, 'data.mdb')) && !values.force)
      fail(`${dataDir} already holds a store: restore into an empty directory (or --force, with the gateway stopped)`);
    mkdirSync(dataDir, { recursive: true });
    cpSync(path.join(from, 'data.mdb'), path.join(dataDir, 'data.mdb'));
    if (existsSync(path.join(from, 'archive'))) cpSync(path.join(from, 'archive'), archiveOf(dataDir), { recursive: true });
    out(
      JSON.stringify({
        restored: path.resolve(dataDir),
        from: path.resolve(from),
        taken_at: manifest?.created_at,
        ...(await summary(dataDir)),
      }),
    );
    return;
  }
  if (cmd === 'verify') {
    out(JSON.stringify({ store: path.resolve(dataDir), ...(await summary(dataDir)) }));
    return;
  }
  fail('usage: store backup --data-dir D --to DIR | restore --from DIR --data-dir D | verify --data-dir D');
}

if (process.argv[1] && import.meta.url === `file://${path.resolve(process.argv[1])}`) await run(process.argv.slice(2));
