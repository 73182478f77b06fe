import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { ConfigError } from '../config.js';
import { GatewayError } from '../errors/errors.js';
import { projectPath } from '../paths.js';

const addFormats = addFormatsModule.default;

export const STAFF_ROLES = ['staff', 'admin'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

/** One entry of STAFF_ACCOUNTS_FILE (schemas/config/staff-accounts.json). */
export interface StaffAccount {
  username: string;
  name: string;
  role: StaffRole;
  /** scrypt$N$r$p$salt$hash (base64url) */
  password_hash: string;
  disabled?: boolean;
  created_at?: string;
  disabled_at?: string;
}

/**
 * Passwords are low-entropy secrets: a slow, memory-hard hash (Node's scrypt; N=2^15, r=8, p=1
 * uses 32 MiB and tens of milliseconds) makes a leaked file expensive to dictionary-attack. Unlike
 * API keys (gateway/auth/clients.ts) it is paid once per sign-in, never per request.
 */
const SCRYPT = { N: 2 ** 15, r: 8, p: 1, keylen: 32, saltBytes: 16 };
const MAXMEM = 128 * SCRYPT.N * SCRYPT.r * 2;

function scryptAsync(password: string, salt: Buffer, keylen: number, o: { N: number; r: number; p: number }): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password, salt, keylen, { ...o, maxmem: Math.max(MAXMEM, 128 * o.N * o.r * 2) }, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SCRYPT.saltBytes);
  const key = await scryptAsync(password, salt, SCRYPT.keylen, SCRYPT);
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

/** Checks a password against a stored hash; the digests are compared with timingSafeEqual. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [alg, n, r, p, salt, hash] = stored.split('$');
  if (alg !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const got = await scryptAsync(password, Buffer.from(salt, 'base64url'), expected.length, { N: Number(n), r: Number(r), p: Number(p) });
  return got.length === expected.length && timingSafeEqual(got, expected);
}

/** An unknown username is checked against this hash, so it costs the same scrypt as a wrong password. */
let dummyHash: Promise<string> | undefined;
const dummy = () => {
  dummyHash ??= hashPassword(randomBytes(16).toString('hex'));
  return dummyHash;
};

let validate: (((data: unknown) => boolean) & { errors?: Array<{ instancePath: string; message?: string }> | null }) | undefined;

/** Checks a parsed accounts file against schemas/config/staff-accounts.json (and unique usernames); throws ConfigError. */
export function validateStaffAccounts(data: unknown, source = 'STAFF_ACCOUNTS_FILE'): StaffAccount[] {
  if (!validate) {
    const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false });
    addFormats(ajv);
    validate = ajv.compile(JSON.parse(readFileSync(projectPath('schemas/config/staff-accounts.json'), 'utf8')));
  }
  if (!validate(data)) {
    const problems = (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`).join('; ');
    throw new ConfigError(`${source} is not a valid staff accounts file: ${problems}`);
  }
  const entries = data as StaffAccount[];
  const seen = new Set<string>();
  for (const a of entries) {
    if (seen.has(a.username)) throw new ConfigError(`${source}: username "${a.username}" appears twice`);
    seen.add(a.username);
  }
  return entries;
}

export function readStaffAccountsFile(file: string): StaffAccount[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`STAFF_ACCOUNTS_FILE ${file} cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new ConfigError(`STAFF_ACCOUNTS_FILE ${file} is not JSON`);
  }
  return validateStaffAccounts(data, `STAFF_ACCOUNTS_FILE ${file}`);
}

/**
 * The accounts of STAFF_ACCOUNTS_FILE, read at start-up (a bad file stops it) and read again when
 * the file changes (`npm run staff -- add | disable` takes effect without a restart: a disabled
 * account can no longer sign in, and its open sessions are refused). A file that turns bad later
 * keeps the last good accounts.
 */
export class StaffAccounts {
  private accounts = new Map<string, StaffAccount>();
  private stamp = '';
  /** scrypt checks running now, and those waiting (each costs 32 MiB and tens of ms of a core) */
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    private readonly file?: string,
    private readonly limits = { concurrent: 4, queued: 64 },
  ) {
    if (file) this.load(true);
    // the dummy hash is made now, so the first unknown username costs no more than a wrong password
    void dummy();
  }

  get configured() {
    return this.file !== undefined;
  }

  private load(strict: boolean) {
    if (!this.file) return;
    let stamp: string;
    try {
      const s = statSync(this.file);
      stamp = `${s.mtimeMs}:${s.size}:${s.ino}`;
    } catch (e) {
      if (strict) throw new ConfigError(`STAFF_ACCOUNTS_FILE ${this.file} cannot be read: ${(e as NodeJS.ErrnoException).code}`);
      return;
    }
    if (stamp === this.stamp) return;
    try {
      this.accounts = new Map(readStaffAccountsFile(this.file).map((a) => [a.username, a]));
      this.stamp = stamp;
    } catch (e) {
      if (strict) throw e;
    }
  }

  /** The enabled account of this username, if any. */
  active(username: string): StaffAccount | undefined {
    this.load(false);
    const a = this.accounts.get(username);
    return a && !a.disabled ? a : undefined;
  }

  /**
   * Checks a sign-in. An unknown or disabled username runs the same scrypt against a dummy hash, so
   * neither the answer nor its time tells whether the username exists.
   */
  async check(username: string, password: string): Promise<StaffAccount | undefined> {
    const a = this.active(username);
    const stored = a?.password_hash ?? (await dummy());
    const ok = await this.bounded(() => verifyPassword(password, stored));
    return a && ok ? a : undefined;
  }

  /**
   * At most `concurrent` scrypt checks at once (a flood of sign-ins cannot take the gateway's
   * memory and cores from settlements); beyond `queued` waiting, a sign-in is refused with
   * 429 GW_SEC_RATE_LIMITED.
   */
  private async bounded<T>(fn: () => Promise<T>): Promise<T> {
    if (this.running >= this.limits.concurrent) {
      if (this.waiting.length >= this.limits.queued)
        throw new GatewayError('GW_SEC_RATE_LIMITED', { details: { reason: 'too_many_sign_ins_at_once' } });
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else this.running++;
    try {
      return await fn();
    } finally {
      const nextOne = this.waiting.shift();
      if (nextOne) nextOne();
      else this.running--;
    }
  }
}

export const sessionDigest = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');

/** Constant-time comparison of two secrets of any length (their SHA-256 digests are compared). */
export function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

export const newSessionToken = () => randomBytes(32).toString('base64url');
