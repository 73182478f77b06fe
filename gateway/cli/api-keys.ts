/**
 * Manages API_CLIENTS_FILE (schemas/config/api-clients.json). A new key is printed once, on stdout,
 * and only its SHA-256 is written to the file: the gateway never holds a key it could leak.
 *
 *   npm run api-keys -- new --id his-main --role his [--name "HIS"] [--file clients.json]
 *                           [--rate-limit 600] [--hmac-secret-env HIS_MAIN_HMAC_SECRET] [--require-signature]
 *       a new client; for an existing client: a second key (rotation; both work until one is retired)
 *   npm run api-keys -- retire --id his-main --key-id k1 [--file clients.json]
 *   npm run api-keys -- expire --id his-main --key-id k1 --at 2026-12-31T00:00:00Z [--file clients.json]
 *   npm run api-keys -- list [--file clients.json]
 *
 * --file defaults to $API_CLIENTS_FILE, else ./api-clients.json. In the Docker image:
 * node dist/gateway/cli/api-keys.js <same arguments>.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { newApiKey, ROLES, sha256Hex, validateClients, type ApiClientEntry, type Role } from '../auth/clients.js';

const out = (s: string) => process.stdout.write(`${s}\n`);
const fail = (s: string): never => {
  process.stderr.write(`api-keys: ${s}\n`);
  process.exit(2);
};

export function run(argv: string[], env: Record<string, string | undefined>) {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      id: { type: 'string' },
      role: { type: 'string' },
      name: { type: 'string' },
      file: { type: 'string' },
      'key-id': { type: 'string' },
      at: { type: 'string' },
      'rate-limit': { type: 'string' },
      'hmac-secret-env': { type: 'string' },
      'require-signature': { type: 'boolean' },
    },
  });
  const file = values.file ?? env.API_CLIENTS_FILE ?? 'api-clients.json';
  const clients: ApiClientEntry[] = existsSync(file) ? validateClients(JSON.parse(readFileSync(file, 'utf8')), file) : [];
  const find = () => {
    if (!values.id) fail('--id is required');
    const c = clients.find((x) => x.id === values.id);
    // a client that authenticates by certificate only (issue 20) has no keys yet
    return c ? Object.assign(c, { keys: c.keys ?? [] }) : undefined;
  };
  const save = () => {
    const checked = validateClients(clients, file);
    const tmp = `${file}.tmp-${process.pid}`;
    writeFileSync(tmp, `${JSON.stringify(checked, null, 2)}\n`, { mode: 0o644 });
    renameSync(tmp, file);
  };

  switch (positionals[0]) {
    case 'new': {
      const key = newApiKey();
      const stored = { key_id: '', sha256: sha256Hex(key), created_at: new Date().toISOString() };
      let c = find();
      if (c) {
        if (values.role && values.role !== c.role) fail(`client ${c.id} has role ${c.role}; a role is not changed by adding a key`);
        if (c.keys.length >= 2) fail(`client ${c.id} already has two keys (${c.keys.map((k) => k.key_id).join(', ')}): retire one first`);
        stored.key_id = c.keys.some((k) => k.key_id === 'k1') ? 'k2' : 'k1';
        c.keys.push(stored);
      } else {
        if (!values.role || !(ROLES as readonly string[]).includes(values.role)) fail(`--role must be one of ${ROLES.join(', ')}`);
        stored.key_id = 'k1';
        c = { id: values.id!, role: values.role as Role, keys: [stored] };
        if (values.name) c.name = values.name;
        clients.push(c);
      }
      if (values['rate-limit']) c.rate_limit_per_minute = Number(values['rate-limit']);
      if (values['hmac-secret-env']) c.hmac_secret_env = values['hmac-secret-env'];
      if (values['require-signature']) c.require_signature = true;
      save();
      out(`client ${c.id} (${c.role}), key ${stored.key_id} — shown once, store it in the caller's secret store now:`);
      out(key);
      if (c.keys.length === 2)
        out(`the client now has two keys; after the caller switches, run: api-keys retire --id ${c.id} --key-id ${c.keys[0]!.key_id}`);
      out(`written to ${file} (hash only); restart the gateway replicas to load it.`);
      return;
    }
    case 'retire': {
      const c = find() ?? fail(`no client ${values.id}`);
      const left = c.keys.filter((k) => k.key_id !== values['key-id']);
      if (left.length === c.keys.length) fail(`client ${c.id} has no key ${values['key-id']}`);
      if (left.length === 0) fail(`that is client ${c.id}'s last key; add a new one first`);
      c.keys = left;
      save();
      out(`retired ${c.id}/${values['key-id']}`);
      return;
    }
    case 'expire': {
      const c = find() ?? fail(`no client ${values.id}`);
      const k = c.keys.find((x) => x.key_id === values['key-id']) ?? fail(`client ${c.id} has no key ${values['key-id']}`);
      if (!values.at || Number.isNaN(Date.parse(values.at))) fail('--at must be an ISO date-time, e.g. 2026-12-31T00:00:00Z');
      k.not_after = new Date(values.at!).toISOString();
      save();
      out(`${c.id}/${k.key_id} is refused after ${k.not_after}`);
      return;
    }
    case 'list': {
      for (const c of clients) {
        out(
          `${c.id}\t${c.role}\t${(c.keys ?? []).map((k) => k.key_id + (k.not_after ? ` (until ${k.not_after})` : '')).join(', ')}${c.require_signature ? '\tsigned' : ''}`,
        );
      }
      return;
    }
    default:
      fail('usage: api-keys new|retire|expire|list --id <client> [--role his|pos|staff|admin] [--file clients.json]');
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    run(process.argv.slice(2), process.env);
  } catch (e) {
    fail((e as Error).message);
  }
}
