import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig } from '../../gateway/config.js';
import { createLogger } from '../../gateway/logger.js';
import { createGateway, type Gateway } from '../../gateway/server.js';
import { createMockPlatform } from '../../mocks/platform/server.js';

export const tmpDir = (prefix: string) => mkdtempSync(path.join(tmpdir(), `yidi-${prefix}-`));

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

export async function startMock() {
  const mock = createMockPlatform();
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

export interface TestGateway {
  gw: Gateway;
  url: string;
  dataDir: string;
  logs: LogCapture;
  stop(): Promise<void>;
}

/** A real gateway on an ephemeral port, with a real lmdb directory, talking HTTP to `platformUrl`. */
export async function startGateway(platformUrl: string, env: Record<string, string> = {}): Promise<TestGateway> {
  const dataDir = env.DATA_DIR ?? tmpDir('gw');
  const config = loadConfig({ PLATFORM_BASE_URL: platformUrl, DATA_DIR: dataDir, LOG_LEVEL: 'debug', PLATFORM_TIMEOUT_MS: '5000', ...env }, 'test');
  const logs = new LogCapture();
  const gw = await createGateway(config, { logger: createLogger('debug', logs) });
  const { port } = await gw.start(0, '127.0.0.1');
  return {
    gw,
    url: `http://127.0.0.1:${port}`,
    dataDir,
    logs,
    async stop() {
      await gw.stop();
      if (!env.DATA_DIR) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface Reply<T = any> {
  status: number;
  body: T;
  text: string;
  headers: Headers;
}

export async function api<T = any>(base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply<T>> {
  const res = await fetch(base + path, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: res.status, body: parsed as T, text, headers: res.headers };
}
