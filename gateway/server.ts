import type { Server } from 'node:http';
import { MsgidGenerator, systemClock, type Clock } from '../adapters/platform/msgid.js';
import { slipFromOutput, slipProblems } from '../adapters/platform/slip.js';
import { createTransport } from '../adapters/platform/transports.js';
import type { PlatformTransport } from '../adapters/platform/transport.js';
import type { GatewayConfig } from './config.js';
import { OutpatientService } from './engine/outpatient.js';
import { Persons } from './engine/persons.js';
import { PlatformClient } from './engine/platform-client.js';
import { createApp } from './http/app.js';
import { createLogger, type Logger } from './logger.js';
import { LmdbStore } from './store/lmdb-store.js';
import type { Store } from './store/store.js';
import { Schemas } from './validation.js';

export interface GatewayParts {
  logger?: Logger;
  clock?: Clock;
  store?: Store;
  transport?: PlatformTransport;
}

const slipCheck = (kind: 'pre_settlement' | 'settlement' | 'cancellation') => (output: Record<string, unknown>) => slipProblems(slipFromOutput(kind, output));

/** The composition root: config -> store -> transport -> engine -> HTTP. Tests build the same graph. */
export async function createGateway(config: GatewayConfig, parts: GatewayParts = {}) {
  const logger = parts.logger ?? createLogger(config.logLevel);
  const clock = parts.clock ?? systemClock;
  const schemas = new Schemas();
  schemas.compileAll();
  const store = parts.store ?? (await openStore(config));
  const transport = parts.transport ?? createTransport(config.platform, clock);
  const platform = new PlatformClient({
    store,
    transport,
    msgids: new MsgidGenerator(config.envelope.fixmedins_code, store, clock, config.envelope.timeZoneOffsetMinutes),
    schemas,
    envelope: config.envelope,
    clock,
    logger,
    timeoutMs: config.platform.timeoutMs,
    signIn: { opter_no: config.platform.signInOpterNo, mac: config.platform.signInMac, ip: config.platform.signInIp, ttlMs: config.platform.signInTtlMs },
    replyChecks: { '2206': slipCheck('pre_settlement'), '2207': slipCheck('settlement'), '2208': slipCheck('cancellation') },
  });
  const persons = new Persons(platform, config.envelope.mdtrtarea_admvs);
  const outpatient = new OutpatientService(store, platform, persons, clock);
  const app = createApp({ schemas, store, platform, persons, outpatient, logger, bodyLimitBytes: config.http.bodyLimitBytes, mode: config.mode });

  let server: Server | undefined;
  return {
    app,
    store,
    logger,
    platform,
    /** Marks what a previous process left pending as unknown, then listens. */
    async start(port = config.http.port, host = config.http.host) {
      await recoverPending(store, outpatient, logger);
      platform.currentSignNo().catch((e) => logger.warn({ code: (e as { code?: string }).code }, 'platform sign-in failed at start-up; will retry on the first call'));
      server = await new Promise<Server>((resolve) => {
        const s = app.listen(port, host, () => resolve(s));
      });
      server.requestTimeout = 60_000;
      const addr = server.address();
      return { port: typeof addr === 'object' && addr ? addr.port : port };
    },
    async stop() {
      if (server) {
        await new Promise<void>((resolve) => {
          server!.close(() => resolve());
          server!.closeIdleConnections();
        });
      }
      transport.close();
      await store.close();
    },
  };
}

export type Gateway = Awaited<ReturnType<typeof createGateway>>;

export async function openStore(config: GatewayConfig): Promise<Store> {
  if (config.store.backend === 'lmdb') {
    const s = new LmdbStore(config.store.path);
    s.pruneSequences();
    return s;
  }
  throw new Error('the Redis store is not available in this build');
}

async function recoverPending(store: Store, outpatient: OutpatientService, logger: Logger) {
  const pending = await store.listTransactions({ outcome: 'pending', limit: 100_000 });
  for (const t of pending) {
    t.outcome = 'unknown';
    t.updated_at = new Date().toISOString();
    t.error = { code: 'GW_SYS_PLATFORM_OUTCOME_UNKNOWN', reason: 'the gateway stopped while the call was in flight' };
    await store.putTransaction(t);
    await outpatient.recoverAfterCrash(t);
  }
  if (pending.length) logger.warn({ count: pending.length }, 'transactions left in flight by the previous process are now outcome unknown');
}
