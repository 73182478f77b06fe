/**
 * The Redis half of "journal bytes per settled transaction": a second gateway with
 * STORE_BACKEND=redis and a key prefix of the bench's own, against a redis-server the bench
 * starts on a free loopback port (no persistence: only memory is measured), or against
 * BENCH_REDIS_URL, where only keys under the bench's prefix are counted and deleted afterwards.
 * Whether the gateway supports Redis is found out by starting it: a build without it refuses at
 * start-up, and that refusal is the reported reason.
 */
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { startProgram, type Child } from './children.js';
import { measureRedis, type NotAvailable } from './journal.js';
import { waitFor } from './http.js';
import { type GatewayHandle, startGateway } from './system.js';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function redisServerBinary(): string | undefined {
  return ['/usr/bin/redis-server', '/usr/local/bin/redis-server', '/opt/homebrew/bin/redis-server'].find((p) => existsSync(p));
}

/** A redis-server of the bench's own on a free port, nothing on disk (stopped with the bench). */
export async function startRedisServer(): Promise<{ url: string; stop: () => Promise<void> } | { reason: string }> {
  const bin = redisServerBinary();
  if (!bin) return { reason: 'no redis-server on this machine and BENCH_REDIS_URL not set' };
  const port = await freePort();
  const server: Child = await startProgram('redis', bin, [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
  ]);
  return { url: `redis://127.0.0.1:${port}/0`, stop: () => server.stop() };
}

/** The line of the child's output that says why it did not start. */
function refusal(text: string): string {
  const lines = text.split('\n');
  const line = lines.find((l) => /"reason"|Error:|refused|not available/i.test(l)) ?? lines[0] ?? 'the gateway did not start';
  const reason = /"reason":"([^"]+)"/.exec(line)?.[1];
  return (reason ?? line.replace(/^\s*(Error: )?/, '')).slice(0, 300);
}

async function deleteKeys(redis: Redis, prefix: string) {
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (batch.length) await redis.del(...batch);
  } while (cursor !== '0');
}

export async function redisJournal(
  platformUrl: string,
  k: number,
  feeLines: number,
): Promise<Awaited<ReturnType<typeof measureRedis>> | NotAvailable> {
  let url = process.env.BENCH_REDIS_URL;
  const shared = !!url;
  const prefix = shared ? `yidi-bench-${process.pid}-${Date.now().toString(36)}:` : 'yidi-bench:';
  const stops: Array<() => Promise<void>> = [];
  // a client that cannot connect retries and emits 'error'; its failures reach the caller through its commands
  const redis = () => new Redis(url!, { lazyConnect: true, maxRetriesPerRequest: 1 }).on('error', () => undefined);
  try {
    if (!url) {
      const own = await startRedisServer();
      if ('reason' in own) return { status: 'not_available', reason: own.reason };
      stops.push(own.stop);
      url = own.url;
    }
    const probe = redis();
    try {
      await waitFor(
        'redis',
        async () => {
          if (probe.status === 'wait') await probe.connect();
          return (await probe.ping()) === 'PONG';
        },
        5_000,
      );
      const [, existing] = await probe.scan('0', 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (existing.length)
        return { status: 'not_available', reason: `keys under ${prefix} already exist at ${url}; the bench measures only keys of its own` };
    } finally {
      probe.disconnect();
    }

    let gw: GatewayHandle;
    try {
      gw = await startGateway(platformUrl, { STORE_BACKEND: 'redis', REDIS_URL: url, REDIS_KEY_PREFIX: prefix });
    } catch (e) {
      return {
        status: 'not_available',
        reason: `the gateway does not start with STORE_BACKEND=redis: ${refusal(e instanceof Error ? e.message : String(e))}`,
      };
    }
    stops.unshift(() => gw.stop());
    return await measureRedis(gw, url, prefix, k, feeLines);
  } finally {
    for (const stop of stops.splice(0, 1)) await stop().catch(() => undefined); // the gateway first
    if (shared && url) {
      const r = redis();
      await r
        .connect()
        .then(() => deleteKeys(r, prefix))
        .catch(() => undefined);
      r.disconnect();
    }
    for (const stop of stops) await stop().catch(() => undefined); // then our redis-server
  }
}
