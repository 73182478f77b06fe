/**
 * The bench's child processes (mock platform, gateway, baseline, Redis): started with an IPC
 * channel so they can say "ready" without printing anything, and stopped by id — SIGTERM, then
 * SIGKILL after a grace period. Every child started here is tracked so a failing or interrupted
 * run still stops them all (stopAll in run.ts' finally, and a last-resort kill on process exit).
 */
import { openSync } from 'node:fs';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { projectPath, projectRoot } from '../gateway/paths.js';

export interface Child {
  name: string;
  pid: number;
  /** what the child sent with its "ready" message (port, url, ...) */
  ready: Record<string, unknown>;
  /** the tail of its stderr (stdout goes to /dev/null: logs are written, and cost what they cost, but are not kept) */
  stderr(): string;
  /** sends a message over IPC and waits for the reply of the same type */
  ask<T = Record<string, unknown>>(msg: { type: string } & Record<string, unknown>, timeoutMs?: number): Promise<T>;
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
const STDERR_KEEP = 16_384;
const STOP_GRACE_MS = 5_000;

export const benchScript = (name: string) => fileURLToPath(new URL(`./${name}`, import.meta.url));

/** where the children run from: the TypeScript of gateway/, adapters/, mocks/ and bench/ compiled by tsc (tsconfig.bench.json) */
const BUILD_DIR = projectPath('dist-bench');
let built = false;

/**
 * The compiled JavaScript of `script`, built once per bench run (incremental: a few seconds when
 * little changed). The children run it with plain `node`, as production runs `dist/` (Dockerfile,
 * `npm start`): measured through the tsx loader instead, the gateway paid esbuild's `__name`
 * wrappers on every closure it creates and ran about a sixth slower (issue 11, 2026-12-01).
 */
function compiledScript(script: string): string {
  if (!built) {
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    execFileSync(process.execPath, [tsc, '-p', projectPath('tsconfig.bench.json')], { stdio: ['ignore', 'inherit', 'inherit'] });
    built = true;
  }
  return path.join(BUILD_DIR, path.relative(projectRoot, script)).replace(/\.ts$/, '.js');
}

/**
 * Starts `node <script compiled>` (a TypeScript entry in bench/, see compiledScript) and waits for
 * its `{ type: 'ready', ... }` IPC message.
 */
export async function startNodeChild(
  name: string,
  script: string,
  env: Record<string, string>,
  opts: { nodeArgs?: string[]; readyTimeoutMs?: number } = {},
): Promise<Child> {
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), compiledScript(script)], {
    env: { ...process.env, ...env },
    // 'ignore' on stdout = /dev/null: the gateway's JSON log lines are produced and written, not
    // read — or appended to BENCH_GW_LOG, to find out what an unexpected non-2xx answer was
    stdio: ['ignore', process.env.BENCH_GW_LOG && name === 'gateway' ? openSync(process.env.BENCH_GW_LOG, 'a') : 'ignore', 'pipe', 'ipc'],
  });
  return track(name, child, opts.readyTimeoutMs ?? 30_000, true);
}

/** Starts a non-node program (redis-server); ready as soon as it is spawned — the caller probes it. */
export async function startProgram(name: string, command: string, args: string[]): Promise<Child> {
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  return track(name, child, 10_000, false);
}

async function track(name: string, child: ChildProcess, readyTimeoutMs: number, waitForReady: boolean): Promise<Child> {
  running.add(child);
  let err = '';
  child.stderr?.on('data', (d: Buffer) => {
    err = (err + d.toString('utf8')).slice(-STDERR_KEEP);
  });
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve(code ?? (signal ? -1 : null));
    });
  });
  await new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('spawn', () => resolve());
  });
  let ready: Record<string, unknown> = {};
  if (waitForReady) {
    ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${name} did not get ready within ${readyTimeoutMs} ms\n${err}`)), readyTimeoutMs);
      const onMessage = (m: unknown) => {
        const msg = m as { type?: string };
        if (msg?.type === 'ready') {
          clearTimeout(timer);
          child.off('message', onMessage);
          resolve(msg as Record<string, unknown>);
        }
      };
      child.on('message', onMessage);
      void exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`${name} exited (${code}) before it was ready\n${err}`));
      });
    }).catch(async (e: unknown) => {
      await stopProcess(child, exited);
      throw e;
    });
  }
  let seq = 0;
  return {
    name,
    pid: child.pid!,
    ready,
    stderr: () => err,
    exited,
    ask<T>(msg: { type: string } & Record<string, unknown>, timeoutMs = 10_000) {
      const id = ++seq;
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => {
          child.off('message', onMessage);
          reject(new Error(`${name} did not answer ${msg.type}`));
        }, timeoutMs);
        const onMessage = (m: unknown) => {
          const r = m as { type?: string; id?: number };
          if (r?.type === msg.type && r.id === id) {
            clearTimeout(timer);
            child.off('message', onMessage);
            resolve(r as T);
          }
        };
        child.on('message', onMessage);
        child.send({ ...msg, id });
      });
    },
    stop: () => stopProcess(child, exited),
  };
}

async function stopProcess(child: ChildProcess, exited: Promise<number | null>) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
  await exited;
  clearTimeout(timer);
}

/** Stops every child still running (in parallel; each by its own id). */
export async function stopAll(): Promise<void> {
  await Promise.all(
    [...running].map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null || c.signalCode !== null) return resolve();
          c.once('exit', () => resolve());
          c.kill('SIGTERM');
          setTimeout(() => c.kill('SIGKILL'), STOP_GRACE_MS).unref();
        }),
    ),
  );
}

// Last resort (an uncaught error, Ctrl-C): no child outlives the bench.
process.once('exit', () => {
  for (const c of running) c.kill('SIGKILL');
});
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    void stopAll().finally(() => process.exit(130));
  });
}
