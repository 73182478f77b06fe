import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { sha256Hex, type ApiClientEntry, type Role } from './clients.js';
import { hashPassword } from './staff.js';

/**
 * The demo's API keys: fixed, public (they are in the README), and labelled DEMO so that nobody
 * mistakes them for real ones. Only `npm run demo` writes them; a production start needs its own
 * API_CLIENTS_FILE.
 */
export const DEMO_KEYS: Readonly<Record<Role, string>> = {
  his: 'ygk_DEMO_his_not-a-secret-0000000000000000',
  pos: 'ygk_DEMO_pos_not-a-secret-0000000000000000',
  staff: 'ygk_DEMO_staff_not-a-secret-00000000000000',
  admin: 'ygk_DEMO_admin_not-a-secret-00000000000000',
};

export function demoClients(): ApiClientEntry[] {
  return (Object.entries(DEMO_KEYS) as Array<[Role, string]>).map(([role, key]) => ({
    id: `demo-${role}`,
    name: `DEMO ${role} client (public key, demo only)`,
    role,
    keys: [{ key_id: 'demo', sha256: sha256Hex(key) }],
  }));
}

/** Writes `<dataDir>/api-clients.json` with the demo keys unless it exists; returns its path. */
export function ensureDemoClientsFile(dataDir: string): string {
  const file = path.join(dataDir, 'api-clients.json');
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, `${JSON.stringify(demoClients(), null, 2)}\n`);
  }
  return file;
}

/** The demo's staff account (README quick start): public like the demo keys, for the console's sign-in. */
export const DEMO_STAFF = {
  username: 'demo.staff',
  name: '演示医保办 (DEMO)',
  role: 'staff',
  password: 'DEMO-password-not-a-secret',
} as const;

/** Writes `<dataDir>/staff-accounts.json` with the demo account (scrypt hash, mode 0600) unless it exists; returns its path. */
export async function ensureDemoStaffFile(dataDir: string): Promise<string> {
  const file = path.join(dataDir, 'staff-accounts.json');
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    const { password, ...account } = DEMO_STAFF;
    const entry = { ...account, password_hash: await hashPassword(password) };
    writeFileSync(file, `${JSON.stringify([entry], null, 2)}\n`, { mode: 0o600 });
  }
  return file;
}
