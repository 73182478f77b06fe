import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { TEST_HMAC_ENV, TEST_HMAC_SECRET, TEST_STORE_KEYS, tmpDir, writeTestClientsFile } from './harness.js';
import { profileGatewayEnv } from './profiles.js';

const script = fileURLToPath(new URL('./gateway-process.ts', import.meta.url));

/**
 * How long a spawned gateway may take to listen: it compiles its TypeScript under tsx first —
 * a few seconds on an idle machine, many more on a loaded one (load average 6 on 2 cores). A hang
 * guard, never a speed limit; tests that spawn gateways size their own timeouts from it.
 */
export const GATEWAY_START_CEILING_MS = 60_000;

export interface GatewayProcess {
  child: ChildProcess;
  url: string;
  output: () => string;
  exited: Promise<number | null>;
}

let clientsFile: string | undefined;
/** One test clients file (harness TEST_KEYS) per test process, shared by the gateways it spawns. */
function testClientsFile(): string {
  if (!clientsFile) {
    const dir = tmpDir('clients');
    clientsFile = writeTestClientsFile(dir);
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  return clientsFile;
}

/** Starts test/helpers/gateway-process.ts under tsx and waits for its port. Accepts the harness's TEST_KEYS unless env names its own API_CLIENTS_FILE. */
export async function spawnGateway(env: Record<string, string>): Promise<GatewayProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    env: {
      ...process.env,
      LOG_LEVEL: 'info',
      API_CLIENTS_FILE: testClientsFile(),
      [TEST_HMAC_ENV]: TEST_HMAC_SECRET,
      STORE_KEYS: TEST_STORE_KEYS,
      ...profileGatewayEnv(),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway did not start:\n${out}`)), GATEWAY_START_CEILING_MS);
    const onData = () => {
      const m = out.match(/^\{"port":(\d+)\}$/m);
      if (m) {
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        resolve(Number(m[1]));
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', () => reject(new Error(`gateway exited:\n${out}`)));
  });
  return { child, url: `http://127.0.0.1:${port}`, output: () => out, exited };
}
