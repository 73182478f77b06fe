/**
 * The system under test, each part in its own process: the mock platform, the gateway (fresh
 * data directory, production configuration) and the baseline pass-through — both pointed at the
 * same mock with the same envelope settings.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { newMasterKey } from '../gateway/store/crypto.js';
import { benchScript, startNodeChild, type Child } from './children.js';
import { expectStatus, getJson, postJson, waitFor } from './http.js';
import type { Sides } from './setup.js';

/**
 * A production start (NODE_ENV=production refuses to run without these), pointed at the mock on
 * loopback. The credentials are the mock's own defaults; nothing here is a real secret.
 */
/**
 * The store key of this bench run (a production start refuses to run without one, issue 20): fresh
 * per run, so every measured store is sealed as a real one is.
 */
export const BENCH_STORE_KEYS = newMasterKey('bench');

export function platformEnv(platformUrl: string): Record<string, string> {
  return {
    NODE_ENV: 'production',
    STORE_KEYS: BENCH_STORE_KEYS,
    PLATFORM_BASE_URL: platformUrl,
    ALLOW_LOOPBACK_PLATFORM: '1',
    ALLOW_MOCK_PLATFORM: '1',
    PLATFORM_PAASID: 'yidi-demo',
    PLATFORM_SECRET: 'demo-secret-change-me',
    FIXMEDINS_CODE: 'H44030500001',
    FIXMEDINS_NAME: '演示医院（BENCH）',
    MDTRTAREA_ADMVS: '440300',
  };
}

/** BENCH_CPU_PROF_DIR: the gateway and the mock write a V8 CPU profile there when they stop (README "Performance") */
const profArgs = () => (process.env.BENCH_CPU_PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF_DIR}`] : []);

export async function startMock(): Promise<Child & { url: string; control: string }> {
  const mock = await startNodeChild('mock', benchScript('mock-process.ts'), {}, { nodeArgs: profArgs() });
  const url = String(mock.ready.url);
  return Object.assign(mock, { url, control: url.replace(/\/api$/, '/__mock') });
}

/** Every platform call waits `latencyMs` at the mock (a rule without infno matches every call, until cleared). */
export async function setPlatformLatency(control: string, latencyMs: number) {
  expectStatus('mock latency fault', await postJson(`${control}/faults`, { latency_ms: latencyMs }), 201);
}

const tempDirs = new Set<string>();

function tempDir(prefix: string) {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

function removeTempDir(dir: string) {
  rmSync(dir, { recursive: true, force: true });
  tempDirs.delete(dir);
}

/** Removes what a failed run left behind (a gateway's stop() removes its own directories); call after its process has stopped. */
export function removeTempDirs() {
  for (const dir of [...tempDirs]) removeTempDir(dir);
}
// also on the way out after a watchdog stop or Ctrl-C (children.ts has killed the children by then)
process.once('exit', removeTempDirs);

export interface GatewayHandle extends Child {
  url: string;
  dataDir: string;
  /** headers of the bench's HIS client (role his), and of its operations client (admin: /readyz) */
  his: Record<string, string>;
  ops: Record<string, string>;
}

/**
 * The API clients the gateway accepts (API_CLIENTS_FILE): an HIS client and an operations client,
 * fresh random keys per run. The HIS client's rate limit is set to the schema's maximum so that
 * the limiter is paid for on every request but never refuses one: the bench measures cost, not
 * the limit.
 */
function writeClientsFile(dir: string) {
  const his = `ygk_${randomBytes(32).toString('base64url')}`;
  const ops = `ygk_${randomBytes(32).toString('base64url')}`;
  const entry = (id: string, role: string, key: string) => ({
    id,
    name: 'npm run bench',
    role,
    keys: [{ key_id: 'bench', sha256: createHash('sha256').update(key).digest('hex') }],
    rate_limit_per_minute: 1_000_000,
  });
  const file = path.join(dir, 'api-clients.json');
  writeFileSync(file, JSON.stringify([entry('bench-his', 'his', his), entry('bench-ops', 'admin', ops)], null, 2));
  return { file, his: { 'x-api-key': his }, ops: { 'x-api-key': ops } };
}

/**
 * The gateway on a fresh data directory. LOG_LEVEL defaults to info, as in production; its
 * stdout is /dev/null (children.ts). --expose-gc only lets the memory check ask for a full GC.
 */
export async function startGateway(platformUrl: string, extraEnv: Record<string, string> = {}): Promise<GatewayHandle> {
  const dataDir = tempDir('yidi-bench-');
  // the clients file beside, not inside, the lmdb directory: the store's size is measured there
  const confDir = tempDir('yidi-bench-conf-');
  const cleanup = () => {
    removeTempDir(dataDir);
    removeTempDir(confDir);
  };
  try {
    const clients = writeClientsFile(confDir);
    const env = { ...platformEnv(platformUrl), DATA_DIR: dataDir, API_CLIENTS_FILE: clients.file, LOG_LEVEL: 'info', ...extraEnv };
    const gw = await startNodeChild('gateway', benchScript('gateway-process.ts'), env, { nodeArgs: ['--expose-gc', ...profArgs()] });
    const url = `http://127.0.0.1:${Number(gw.ready.port)}`;
    // ready = store reachable and signed in (9001) — the first measured call must not pay the sign-in
    await waitFor('gateway /readyz', async () => (await getJson(`${url}/readyz`, clients.ops)).status === 200).catch(async (e: unknown) => {
      await gw.stop();
      throw e;
    });
    const stop = gw.stop;
    return Object.assign(gw, {
      url,
      dataDir,
      his: clients.his,
      ops: clients.ops,
      async stop() {
        await stop();
        cleanup();
      },
    });
  } catch (e) {
    cleanup();
    throw e;
  }
}

export async function startBaseline(platformUrl: string, extraEnv: Record<string, string> = {}): Promise<Child & { url: string }> {
  const b = await startNodeChild('baseline', benchScript('baseline-server.ts'), {
    ...platformEnv(platformUrl),
    LOG_LEVEL: 'silent',
    ...extraEnv,
  });
  return Object.assign(b, { url: `http://127.0.0.1:${Number(b.ready.port)}` });
}

/** The two sides of a run: the baseline gets the gateway's API-key header too (and ignores it), so the same bytes go on the wire. */
export const sidesOf = (gw: GatewayHandle, base: Child & { url: string }, mock: Child): Sides => ({
  gateway: { url: gw.url, headers: gw.his, pids: { side: gw.pid, platform: mock.pid } },
  baseline: { url: base.url, headers: gw.his, pids: { side: base.pid, platform: mock.pid } },
});

export interface OwnSystem {
  sides: Sides;
  mock: Child & { url: string; control: string };
  gateway: GatewayHandle;
  close(): Promise<void>;
}

/**
 * A scenario's own mock, gateway and baseline (fresh data directory, fresh mock ledger), with the
 * run's fixed platform latency. For scenarios whose platform state must not be the run's: (c)
 * makes its platform fall silent; (d) and (e) would otherwise pay for everything booked before
 * them — the mock walks a person's ledger on each inpatient settlement and each refund (annual
 * cap, 隔笔退费 re-derivation), alike on both sides, and a long ledger makes the mock, not the
 * sides, the limit of the run.
 */
export async function startOwnSystem(
  latencyMs: number,
  gatewayEnv: Record<string, string> = {},
  baselineEnv: Record<string, string> = {},
): Promise<OwnSystem> {
  const mock = await startMock();
  const started: Child[] = [mock];
  const close = async () => {
    await Promise.all(started.map((c) => c.stop()));
  };
  try {
    await setPlatformLatency(mock.control, latencyMs);
    const [gw, base] = await Promise.all([startGateway(mock.url, gatewayEnv), startBaseline(mock.url, baselineEnv)]);
    started.push(gw, base);
    return { sides: sidesOf(gw, base, mock), mock, gateway: gw, close };
  } catch (e) {
    await close();
    throw e;
  }
}
