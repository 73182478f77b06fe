import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { roleMayCall } from '../../gateway/auth/access.js';
import { sha256Hex, type ApiClientEntry, type Role } from '../../gateway/auth/clients.js';
import { loadConfig } from '../../gateway/config.js';
import { newMasterKey, parseKeyring, StoreCipher } from '../../gateway/store/crypto.js';
import { createLogger } from '../../gateway/logger.js';
import { createGateway, type Gateway, type GatewayParts } from '../../gateway/server.js';
import { createMockPlatform, type MockOptionsInput } from '../../mocks/platform/server.js';
import { checkContract } from './contract.js';
import { profileGatewayEnv, profileMockOptions } from './profiles.js';

export const tmpDir = (prefix: string) => mkdtempSync(path.join(tmpdir(), `yidi-${prefix}-`));

/**
 * The store keyring of the test gateways (issue 20), generated per test process, never committed:
 * startGateway and spawnGateway pass it as STORE_KEYS (a test's `STORE_KEYS: ''` runs a gateway in
 * clear); testStoreCipher() opens what such a gateway wrote.
 */
export const TEST_STORE_KEYS = `${newMasterKey('t1')},${newMasterKey('t2')}`;
export const testStoreCipher = (keys = TEST_STORE_KEYS, current?: string) => new StoreCipher(parseKeyring(keys, { current }));

/**
 * The API keys every test gateway accepts (its clients file is written by startGateway and
 * spawnGateway): one client per role, the his client with a second key (rotation), a his client
 * that must sign its requests (HMAC), and a client whose only key has expired.
 */
export const TEST_KEYS = {
  his: 'ygk_TEST_his_key_0000000000000000000000000001',
  his_rotated: 'ygk_TEST_his_key_0000000000000000000000000002',
  pos: 'ygk_TEST_pos_key_0000000000000000000000000003',
  staff: 'ygk_TEST_staff_key_00000000000000000000000004',
  admin: 'ygk_TEST_admin_key_00000000000000000000000005',
  his_signed: 'ygk_TEST_his_signed_key_000000000000000000006',
  expired: 'ygk_TEST_expired_key_0000000000000000000000007',
} as const;
export type TestKey = keyof typeof TEST_KEYS;
/** The HMAC secret of the `test-his-signed` client, and the environment variable that holds it. */
export const TEST_HMAC_SECRET = 'test-hmac-secret-not-for-production-0123456789';
export const TEST_HMAC_ENV = 'YIDI_TEST_HIS_SIGNED_HMAC_SECRET';

export function testClients(): ApiClientEntry[] {
  const k = (key_id: string, key: string, not_after?: string) => ({ key_id, sha256: sha256Hex(key), ...(not_after ? { not_after } : {}) });
  return [
    { id: 'test-his', role: 'his', keys: [k('k1', TEST_KEYS.his), k('k2', TEST_KEYS.his_rotated)] },
    { id: 'test-pos', role: 'pos', keys: [k('k1', TEST_KEYS.pos)] },
    { id: 'test-staff', role: 'staff', keys: [k('k1', TEST_KEYS.staff)] },
    { id: 'test-admin', role: 'admin', keys: [k('k1', TEST_KEYS.admin)] },
    { id: 'test-his-signed', role: 'his', keys: [k('k1', TEST_KEYS.his_signed)], hmac_secret_env: TEST_HMAC_ENV, require_signature: true },
    { id: 'test-expired', role: 'his', keys: [k('k1', TEST_KEYS.expired, '2020-01-01T00:00:00Z')] },
  ];
}

/** Writes the test clients file (and `extra` clients) into `dir`; returns its path. */
export function writeTestClientsFile(dir: string, extra: ApiClientEntry[] = []): string {
  const file = path.join(dir, 'api-clients.json');
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, JSON.stringify([...testClients(), ...extra], null, 2));
  return file;
}

/** The key api() sends when the caller gives none: his where his may call, else staff, admin, pos. */
export function defaultKeyFor(urlPath: string): string {
  const p = urlPath.split('?')[0]!;
  const role = (['his', 'staff', 'admin', 'pos'] as Role[]).find((r) => roleMayCall(r, p)) ?? 'his';
  return TEST_KEYS[role];
}

/** Captures every log line a gateway writes, as parsed JSON and as raw text. */
export class LogCapture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _enc: string, cb: () => void) {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    cb();
  }
  get text() {
    return this.lines.join('\n');
  }
}

/** A mock platform on an ephemeral port, speaking the profile of TEST_PLATFORM_PROFILE unless `opts.profile` says. */
export async function startMock(opts: MockOptionsInput = {}) {
  const mock = createMockPlatform({ ...profileMockOptions(), ...opts });
  const { url } = await mock.listen(0);
  return {
    mock,
    url,
    control: url.replace(/\/api$/, '/__mock'),
    async close() {
      await mock.close();
    },
  };
}

export type TestMock = Awaited<ReturnType<typeof startMock>>;

export interface TestGateway {
  gw: Gateway;
  url: string;
  dataDir: string;
  logs: LogCapture;
  stop(): Promise<void>;
}

/**
 * A real gateway on an ephemeral port, with a real lmdb directory, talking HTTP to `platformUrl`;
 * `parts.clock`: a clock the test moves instead of the system's.
 */
export async function startGateway(
  platformUrl: string,
  env: Record<string, string> = {},
  parts: Pick<GatewayParts, 'clock' | 'store'> = {},
): Promise<TestGateway> {
  const dataDir = env.DATA_DIR ?? tmpDir('gw');
  const clientsFile = env.API_CLIENTS_FILE ?? writeTestClientsFile(dataDir);
  const config = loadConfig(
    {
      PLATFORM_BASE_URL: platformUrl,
      DATA_DIR: dataDir,
      LOG_LEVEL: 'debug',
      PLATFORM_TIMEOUT_MS: '5000',
      [TEST_HMAC_ENV]: TEST_HMAC_SECRET,
      // every test gateway seals its store (issue 20); `STORE_KEYS: ''` runs one in clear
      STORE_KEYS: TEST_STORE_KEYS,
      ...profileGatewayEnv(),
      ...env,
      API_CLIENTS_FILE: clientsFile,
    },
    'test',
  );
  const logs = new LogCapture();
  const gw = await createGateway(config, { ...parts, logger: createLogger('debug', logs) });
  const { port } = await gw.start(0, '127.0.0.1');
  return {
    gw,
    url: `${config.http.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    dataDir,
    logs,
    async stop() {
      await gw.stop();
      if (!env.DATA_DIR) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * How api() talks to a TLS gateway (issue 20): the CA that signed its certificate, and the client
 * certificate it presents (mutual TLS); sendApiKey false: no test key unless a call names one, so
 * the certificate is what authenticates.
 */
export interface TlsIdentity {
  ca: string;
  cert?: string;
  key?: string;
  sendApiKey?: boolean;
}
const tlsIdentities = new Map<string, TlsIdentity>();

/** api() calls to `base` (an https:// gateway) use `identity`; undefined forgets it. */
export function useTlsIdentity(base: string, identity: TlsIdentity | undefined) {
  if (identity) tlsIdentities.set(base, identity);
  else tlsIdentities.delete(base);
}

/** fetch() over node:https (Node's fetch takes no client certificate without undici). */
function httpsFetch(url: string, init: { method: string; headers: Record<string, string>; body?: string }, tls?: TlsIdentity) {
  return new Promise<{ status: number; headers: Headers; text(): Promise<string> }>((resolve, reject) => {
    const req = httpsRequest(url, { method: init.method, headers: init.headers, ca: tls?.ca, cert: tls?.cert, key: tls?.key }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const headers = new Headers();
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers, text: async () => text });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

export interface Reply<T = any> {
  status: number;
  body: T;
  text: string;
  headers: Headers;
}

export interface ApiOptions {
  /** which test key to send (default: one whose role may call the path, his first); false: none */
  auth?: TestKey | false;
}

/**
 * One HTTP call. Sends a test API key unless `headers` carry their own x-api-key or Authorization,
 * or `opts.auth` is false.
 */
export async function api<T = any>(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
  opts: ApiOptions = {},
): Promise<Reply<T>> {
  const hasOwn = Object.keys(headers).some((h) => ['x-api-key', 'authorization'].includes(h.toLowerCase()));
  const tls = [...tlsIdentities].find(([b]) => base.startsWith(b))?.[1];
  const sendKey = opts.auth !== false && (opts.auth !== undefined || tls?.sendApiKey !== false);
  if (!hasOwn && sendKey) headers = { 'x-api-key': opts.auth ? TEST_KEYS[opts.auth] : defaultKeyFor(path), ...headers };
  const init = {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  };
  const res = base.startsWith('https:') ? await httpsFetch(base + path, init, tls) : await fetch(base + path, init);
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  // every answer of a gateway keeps the served OpenAPI document (test/helpers/contract.ts)
  await checkContract(base, TEST_KEYS.admin, { method, path, body }, { status: res.status, body: parsed, text, headers: res.headers });
  return { status: res.status, body: parsed as T, text, headers: res.headers };
}
