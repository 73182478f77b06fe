/**
 * Real Redis servers and Sentinels as child processes of a test (Debian's redis-server and
 * redis-sentinel), each on a free port on 127.0.0.1 with a temp directory of its own.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { Redis } from 'ioredis';
import { tmpDir } from './harness.js';

export interface RedisProcess {
  port: number;
  dir: string;
  child: ChildProcess;
  exited: Promise<void>;
  output: () => string;
}

/** A port nobody listens on right now (the OS picks it; the caller binds it soon after). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `fn` every 100 ms until it returns something truthy (errors count as "not yet"). */
export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`);
    await sleep(100);
  }
}

/** One short-lived connection for a command: no retries, no offline queue (a dead server answers at once). */
export async function ask<T = unknown>(port: number, ...args: Array<string | number>): Promise<T> {
  const r = new Redis({
    host: '127.0.0.1',
    port,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  r.on('error', () => {});
  try {
    await r.connect();
    return (await r.call(String(args[0]), ...args.slice(1).map(String))) as T;
  } finally {
    r.disconnect();
  }
}

function run(cmd: string, args: string[], dir: string, port: number): RedisProcess {
  const child = spawn(cmd, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return { port, dir, child, exited, output: () => out };
}

/**
 * A redis-server in the foreground. No persistence (`--save ""`, `--appendonly no`): a failover
 * test never restarts a server on its data, the replica holds what the master had, and fsyncs would
 * only slow a busy test machine. `replicaOf`: the port of its master on 127.0.0.1.
 */
export async function startRedis(port: number, replicaOf?: number): Promise<RedisProcess> {
  const dir = tmpDir(`redis-${port}`);
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--daemonize', 'no'];
  if (replicaOf) args.push('--replicaof', '127.0.0.1', String(replicaOf));
  const p = run('redis-server', args, dir, port);
  await waitFor(`redis on ${port}\n${p.output()}`, async () => (await ask(port, 'PING')) === 'PONG', 15_000);
  return p;
}

const hasSentinelBinary = () => spawnSync('sh', ['-c', 'command -v redis-sentinel'], { stdio: 'ignore' }).status === 0;

/**
 * A Sentinel watching the master at `masterPort` under `name`. Its config file lives in its own
 * directory: Sentinel rewrites it with what it learns (replicas, other Sentinels, the new master).
 */
export async function startSentinel(
  port: number,
  name: string,
  masterPort: number,
  o: { quorum: number; downAfterMs: number; failoverTimeoutMs: number },
): Promise<RedisProcess> {
  const dir = tmpDir(`sentinel-${port}`);
  const conf = path.join(dir, 'sentinel.conf');
  writeFileSync(
    conf,
    [
      `port ${port}`,
      'bind 127.0.0.1',
      'daemonize no',
      `dir ${dir}`,
      `sentinel monitor ${name} 127.0.0.1 ${masterPort} ${o.quorum}`,
      `sentinel down-after-milliseconds ${name} ${o.downAfterMs}`,
      `sentinel failover-timeout ${name} ${o.failoverTimeoutMs}`,
      `sentinel parallel-syncs ${name} 1`,
      '',
    ].join('\n'),
  );
  // redis-sentinel is redis-server in sentinel mode: either starts the same thing
  const p = hasSentinelBinary() ? run('redis-sentinel', [conf], dir, port) : run('redis-server', [conf, '--sentinel'], dir, port);
  await waitFor(`sentinel on ${port}\n${p.output()}`, async () => (await ask(port, 'PING')) === 'PONG', 15_000);
  return p;
}

/** kill -9 (the test's failure), then the directory goes. */
export async function kill9(p: RedisProcess | undefined) {
  if (!p) return;
  if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
  await p.exited;
}

export async function stopAndRemove(p: RedisProcess | undefined) {
  if (!p) return;
  await kill9(p);
  rmSync(p.dir, { recursive: true, force: true });
}
