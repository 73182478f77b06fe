import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { ConfigError } from '../config.js';
import { projectPath } from '../paths.js';

const addFormats = addFormatsModule.default;

export const ROLES = ['his', 'pos', 'staff', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** One entry of API_CLIENTS_FILE (schemas/config/api-clients.json). */
export interface ApiClientEntry {
  id: string;
  name?: string;
  role: Role;
  keys?: Array<{ key_id: string; sha256: string; not_after?: string; created_at?: string }>;
  /** mutual TLS (issue 20): the client certificates it may present instead of an API key */
  cert_fingerprints_sha256?: string[];
  hmac_secret_env?: string;
  require_signature?: boolean;
  rate_limit_per_minute?: number;
}

/** What the rest of the request path knows about the caller (`req.client`): never the key. */
export interface AuthenticatedClient {
  id: string;
  role: Role;
  key_id: string;
  rateLimitPerMinute?: number;
  /** a person signed in with a staff account (id `staff:<username>`, key_id `session`): who, for the audit log */
  staff?: { username: string; name: string };
}

export type AuthResult =
  | { ok: true; client: AuthenticatedClient }
  | { ok: false; reason: 'unknown_key' | 'expired_key' | 'unknown_certificate' };

/** A certificate fingerprint as compared: lower-case hex without colons. */
export const normaliseFingerprint = (fp: string) => fp.replace(/:/g, '').toLowerCase();

/**
 * API keys are 256-bit random strings, not passwords: nobody can guess or dictionary-attack a
 * preimage of their SHA-256, so a fast hash is enough to keep the file harmless if it leaks. A slow
 * password hash (scrypt, bcrypt) protects low-entropy secrets and would cost its work factor on
 * every request — a lever for denial of service, and no added safety for a random key.
 */
export const sha256Hex = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');

/** A new API key: a recognisable prefix and 32 random bytes (base64url). */
export const newApiKey = () => `ygk_${randomBytes(32).toString('base64url')}`;

/** Smallest HMAC secret accepted: 32 bytes' worth of characters. */
export const MIN_HMAC_SECRET_LENGTH = 32;

let validate: (((data: unknown) => boolean) & { errors?: Array<{ instancePath: string; message?: string }> | null }) | undefined;

/** Checks a parsed clients file against schemas/config/api-clients.json and its cross-entry rules; throws ConfigError. */
export function validateClients(data: unknown, source = 'API_CLIENTS_FILE'): ApiClientEntry[] {
  if (!validate) {
    const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false });
    addFormats(ajv);
    validate = ajv.compile(JSON.parse(readFileSync(projectPath('schemas/config/api-clients.json'), 'utf8')));
  }
  if (!validate(data)) {
    const problems = (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`).join('; ');
    throw new ConfigError(`${source} is not a valid clients file: ${problems}`);
  }
  const entries = data as ApiClientEntry[];
  const ids = new Set<string>();
  const hashes = new Set<string>();
  for (const c of entries) {
    if (ids.has(c.id)) throw new ConfigError(`${source}: client id "${c.id}" appears twice`);
    ids.add(c.id);
    for (const fp of c.cert_fingerprints_sha256 ?? []) {
      const f = normaliseFingerprint(fp);
      if (hashes.has(f)) throw new ConfigError(`${source}: a certificate fingerprint of client "${c.id}" is used twice`);
      hashes.add(f);
    }
    const keys = c.keys ?? [];
    for (const k of keys) {
      if (hashes.has(k.sha256)) throw new ConfigError(`${source}: key ${c.id}/${k.key_id} is used twice`);
      hashes.add(k.sha256);
    }
    if (new Set(keys.map((k) => k.key_id)).size !== keys.length)
      throw new ConfigError(`${source}: client "${c.id}" has two keys with the same key_id`);
  }
  return entries;
}

export function readClientsFile(file: string): ApiClientEntry[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`API_CLIENTS_FILE ${file} cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new ConfigError(`API_CLIENTS_FILE ${file} is not JSON`);
  }
  return validateClients(data, `API_CLIENTS_FILE ${file}`);
}

interface LoadedKey {
  digest: Buffer;
  key_id: string;
  notAfter?: number;
  client: LoadedClient;
}

interface LoadedClient {
  entry: ApiClientEntry;
  hmacSecret?: Buffer;
}

/** The registered clients, with their key digests and signing secrets resolved at start-up. */
export class ApiClients {
  private readonly keys: LoadedKey[] = [];
  private readonly byId = new Map<string, LoadedClient>();
  private readonly byCertificate = new Map<string, LoadedClient>();

  /** `secretOf` looks an environment variable up (config.auth.secretOf); a missing or short secret stops start-up. */
  constructor(entries: ApiClientEntry[], secretOf: (envName: string) => string | undefined) {
    for (const entry of entries) {
      const client: LoadedClient = { entry };
      if (entry.hmac_secret_env) {
        const secret = secretOf(entry.hmac_secret_env);
        if (!secret || secret.length < MIN_HMAC_SECRET_LENGTH) {
          throw new ConfigError(
            `client "${entry.id}": ${entry.hmac_secret_env} must hold its HMAC secret (at least ${MIN_HMAC_SECRET_LENGTH} characters)`,
          );
        }
        client.hmacSecret = Buffer.from(secret, 'utf8');
      }
      this.byId.set(entry.id, client);
      for (const fp of entry.cert_fingerprints_sha256 ?? []) this.byCertificate.set(normaliseFingerprint(fp), client);
      for (const k of entry.keys ?? []) {
        this.keys.push({
          digest: Buffer.from(k.sha256, 'hex'),
          key_id: k.key_id,
          notAfter: k.not_after ? Date.parse(k.not_after) : undefined,
          client,
        });
      }
    }
  }

  get size() {
    return this.byId.size;
  }

  /**
   * Finds the client a presented key belongs to. Every stored digest is compared with
   * timingSafeEqual (equal-length SHA-256 digests), with no early exit, so the time taken says
   * nothing about which key or how much of it matched.
   */
  authenticate(presented: string, now: Date): AuthResult {
    const digest = createHash('sha256').update(presented, 'utf8').digest();
    let found: LoadedKey | undefined;
    for (const k of this.keys) {
      const same = timingSafeEqual(digest, k.digest);
      found = same ? k : found;
    }
    if (!found) return { ok: false, reason: 'unknown_key' };
    if (found.notAfter !== undefined && now.getTime() > found.notAfter) return { ok: false, reason: 'expired_key' };
    const e = found.client.entry;
    return { ok: true, client: { id: e.id, role: e.role, key_id: found.key_id, rateLimitPerMinute: e.rate_limit_per_minute } };
  }

  /** Does any client authenticate by certificate (then a TLS listener asks for one)? */
  get acceptsCertificates() {
    return this.byCertificate.size > 0;
  }

  /**
   * The client a TLS client certificate belongs to, by its SHA-256 fingerprint (Node's
   * `fingerprint256`). The handshake proved the caller holds the certificate's private key; the
   * fingerprint names which certificate it is. Its key_id is `cert:<first 16 hex digits>`.
   */
  authenticateCertificate(fingerprint256: string): AuthResult {
    const fp = normaliseFingerprint(fingerprint256);
    const client = this.byCertificate.get(fp);
    if (!client) return { ok: false, reason: 'unknown_certificate' };
    const e = client.entry;
    return { ok: true, client: { id: e.id, role: e.role, key_id: `cert:${fp.slice(0, 16)}`, rateLimitPerMinute: e.rate_limit_per_minute } };
  }

  /** The client's request-signing secret, when it has one. */
  hmacSecret(clientId: string): Buffer | undefined {
    return this.byId.get(clientId)?.hmacSecret;
  }

  requiresSignature(clientId: string): boolean {
    return this.byId.get(clientId)?.entry.require_signature === true;
  }
}

/** The clients of API_CLIENTS_FILE, checked at start-up: no file, no start (the demo writes its own). */
export function loadApiClients(
  auth: { clientsFile?: string; secretOf: (envName: string) => string | undefined },
  mode: string,
): ApiClients {
  if (!auth.clientsFile) {
    throw new ConfigError(
      `${mode === 'production' ? 'production start refused: ' : ''}API_CLIENTS_FILE not set. Every caller needs an API key; create the file with "npm run api-keys -- new --id his-main --role his --file clients.json".`,
    );
  }
  return new ApiClients(readClientsFile(auth.clientsFile), auth.secretOf);
}
