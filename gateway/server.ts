import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { MsgidGenerator, systemClock, type Clock } from '../adapters/platform/msgid.js';
import { createTransport } from '../adapters/platform/transports.js';
import type { PlatformTransport } from '../adapters/platform/transport.js';
import type { GatewayConfig } from './config.js';
import { OutpatientService } from './engine/outpatient.js';
import { InpatientService } from './engine/inpatient.js';
import { IdentityRefusals } from './engine/identity-refusals.js';
import { Persons } from './engine/persons.js';
import { PharmacyService } from './engine/pharmacy.js';
import { Refunds } from './engine/refunds.js';
import { booksNothing, callKind } from './engine/call-kinds.js';
import { PlatformClient, unknownResolution } from './engine/platform-client.js';
import { SLIP_CHECKS } from './engine/reply-reader.js';
import { loadApiClients } from './auth/clients.js';
import { StaffSessions } from './auth/sessions.js';
import { StaffAccounts } from './auth/staff.js';
import { createApp } from './http/app.js';
import { answerParserErrors } from './http/client-error.js';
import { GatewayMetrics } from './metrics.js';
import { withCircuitBreaker } from './resilience/circuit-breaker.js';
import { DayDocuments } from './resilience/reconciliation/day-documents.js';
import { DayRun } from './resilience/reconciliation/day-run.js';
import { Orphans } from './resilience/reconciliation/orphans.js';
import { Reconciliation } from './resilience/reconciliation/service.js';
import { ReconciliationWorker } from './resilience/reconciliation/worker.js';
import { ReversalWorker } from './resilience/reversal-worker.js';
import { StoreAndForward } from './resilience/store-and-forward.js';
import { Archiver } from './resilience/archiver.js';
import { JournalArchive } from './store/archive.js';
import { StoreCipher, StoreKeyError } from './store/crypto.js';
import { ConfigError } from './config.js';
import { createLogger, type Logger } from './logger.js';
import { LmdbStore } from './store/lmdb-store.js';
import { RedisStore } from './store/redis-store.js';
import type { Store } from './store/store.js';
import { Schemas } from './validation.js';

export interface GatewayParts {
  logger?: Logger;
  clock?: Clock;
  store?: Store;
  transport?: PlatformTransport;
}

/** The composition root: config -> store -> transport -> engine -> HTTP. Tests build the same graph. */
export async function createGateway(config: GatewayConfig, parts: GatewayParts = {}) {
  const logger = parts.logger ?? createLogger(config.logLevel);
  const clock = parts.clock ?? systemClock;
  const schemas = new Schemas();
  schemas.compileAll();
  const clients = loadApiClients(config.auth, config.mode);
  // encryption at rest (issue 20): one cipher for the store and the archive
  const cipher = storeCipherOf(config);
  if (!cipher) logger.warn({ store: config.store.backend }, 'the store is kept IN CLEAR (no STORE_KEYS): never for real patients');
  else logger.info({ cipher: config.storeKeys!.cipher, key_id: cipher.currentKeyId }, 'the store is sealed');
  const store = parts.store ?? (await openStore(config, logger, cipher));
  const staffAccounts = new StaffAccounts(config.staff.accountsFile);
  const metrics = new GatewayMetrics(store, clock);
  const transport = withCircuitBreaker(parts.transport ?? createTransport(config.platform, clock), config.platform.breaker, logger);
  const platform = new PlatformClient({
    store,
    transport,
    msgids: new MsgidGenerator(config.envelope.fixmedins_code, store, clock, config.envelope.timeZoneOffsetMinutes),
    schemas,
    envelope: config.envelope,
    clock,
    logger,
    timeoutMs: config.platform.timeoutMs,
    signIn: {
      opter_no: config.platform.signInOpterNo,
      mac: config.platform.signInMac,
      ip: config.platform.signInIp,
      ttlMs: config.platform.signInTtlMs,
    },
    replyChecks: SLIP_CHECKS,
    observe: metrics.observePlatform,
    firstReversalDelayMs: config.resilience.reversal.firstDelayMs,
  });
  // half-open: the breaker's probe is a sign-in, never a patient's transaction
  transport.setProbe(() => platform.signInNow());
  metrics.watchPlatform(transport, platform);
  // 人卡一致 refusals, kept for the insurance office (JS 24) and counted
  const identityRefusals = new IdentityRefusals(store, clock, logger, metrics.countIdentityRefusal);
  const persons = new Persons(platform, config.envelope.mdtrtarea_admvs, identityRefusals);
  // a visit settled again after a refund whose kept lines were not: that refund leaves the work queue
  const refundedVisitSettled = (visit_id: string): Promise<void> =>
    refunds.visitSettled(visit_id).catch((e: unknown) => {
      logger.error(
        { visit_id, code: (e as { code?: string }).code },
        'checking the refunds of a settled visit failed; the console checks again',
      );
    });
  const outpatient = new OutpatientService(store, platform, persons, clock, config.outpatientErFlagAt, refundedVisitSettled);
  const inpatient = new InpatientService(store, platform, persons, clock, config.envelope);
  const pharmacy = new PharmacyService(store, platform, persons, clock);
  const refunds = new Refunds(store, clock, outpatient, pharmacy, logger);
  // issue 5: unknown booking outcomes are reversed (2601); owed uploads are stored and forwarded
  const reversals = new ReversalWorker({
    store,
    platform,
    breaker: transport,
    clock,
    logger,
    settings: { ...config.resilience.reversal, platformTimeoutMs: config.platform.timeoutMs },
    hooks: {
      outpatient: {
        undone: (t) => outpatient.releaseAfterReversal(t),
        inquiryPlan: (t) => outpatient.inquiryPlan(t),
        inquired: (t) => outpatient.inquired(t),
        bookingInquiry: (t) => outpatient.bookingInquiry(t),
      },
      inpatient: {
        undone: (t) => inpatient.releaseAfterReversal(t),
        inquiryPlan: (t) => inpatient.inquiryPlan(t),
        inquired: (t) => inpatient.inquired(t),
      },
      pharmacy: { undone: (t) => pharmacy.releaseAfterReversal(t) },
    },
    onResolved: (t) => refunds.onReversalResolved(t),
    onAttempt: metrics.countReversalAttempt,
  });
  const uploads = new StoreAndForward({
    store,
    platform,
    breaker: transport,
    clock,
    logger,
    intervalMs: config.resilience.selfPay.intervalMs,
  });
  const archive = new JournalArchive(config.retention.archiveDir, cipher);
  const archiver = new Archiver({
    store,
    archive,
    clock,
    logger,
    hotDays: config.retention.hotDays,
    journalDays: config.retention.journalDays,
    archiveDays: config.retention.archiveDays,
    auditDays: config.retention.auditDays,
    intervalMs: config.retention.intervalMs,
    timeZoneOffsetMinutes: config.envelope.timeZoneOffsetMinutes,
  });
  /** this process's boot id: its Idempotency-Key claims carry it, so the next start knows them for a dead holder's */
  const bootId = randomUUID();
  // issue 12: reconciliation with the platform (对账); its leases name this boot too
  const offsetMinutes = config.envelope.timeZoneOffsetMinutes;
  const reconDocs = new DayDocuments(store, clock, bootId);
  const orphans = new Orphans({
    store,
    docs: reconDocs,
    platform,
    reversals,
    clock,
    logger,
    autoReverse: config.reconciliation.autoReverse,
  });
  const dayRun = new DayRun({
    store,
    docs: reconDocs,
    platform,
    schemas,
    clock,
    logger,
    orphans,
    settings: config.reconciliation,
    fixmedinsCode: config.envelope.fixmedins_code,
    offsetMinutes,
  });
  const reconWorker = new ReconciliationWorker({
    docs: reconDocs,
    run: dayRun,
    orphans,
    clock,
    logger,
    settings: config.reconciliation,
    offsetMinutes,
    breaker: transport,
    // the embedded store has one writer: a lease another boot id holds is a dead process's
    singleWriter: store.backend === 'lmdb',
  });
  const reconciliation = new Reconciliation({
    docs: reconDocs,
    worker: reconWorker,
    orphans,
    clock,
    settings: config.reconciliation,
    offsetMinutes,
  });
  metrics.watchReconciliation(() => reconciliation.status());
  /** draining: set by stop(); /readyz answers 503 and responses close their connections */
  const lifecycle = { draining: false };
  const app = createApp({
    schemas,
    store,
    platform,
    breaker: transport,
    persons,
    identityRefusals,
    outpatient,
    inpatient,
    pharmacy,
    refunds,
    logger,
    bodyLimitBytes: config.http.bodyLimitBytes,
    mode: config.mode,
    clock,
    auth: { clients, rateLimitPerMinute: config.auth.rateLimitPerMinute, requireTrustedCertificate: !!config.http.tls?.clientCa },
    staff: new StaffSessions(staffAccounts, store, clock, config.staff),
    metrics,
    lifecycle,
    idempotency: { ...config.idempotency, holder: bootId },
    resilience: { reversals, uploads, selfPayInfno: config.resilience.selfPay.infno },
    archive,
    reconciliation,
    print: config.print,
  });

  let server: Server | undefined;
  let startupSignIn: Promise<unknown> = Promise.resolve();
  let maintenance: NodeJS.Timeout | undefined;
  const encounterServices = [outpatient, inpatient, pharmacy];
  // Shared Redis: a pending record is a dead process's only once it is older than any call can be.
  const deadAfterMs = store.backend === 'redis' ? config.platform.timeoutMs + 30_000 : 0;
  // An Idempotency-Key claim spans its whole request (a renewed sign-in and the call itself): on
  // Redis another replica's claim is a dead one's only once older than two calls can take.
  const claimsDeadAfterMs = store.backend === 'redis' ? 2 * config.platform.timeoutMs + 30_000 : 0;
  // this boot's alive mark: other replicas release its claims only once it lapses (or they are old)
  const markAlive = () => store.markAlive(bootId, ALIVE_TTL_SECONDS);
  let aliveTimer: NodeJS.Timeout | undefined;
  const recover = async () => {
    await recoverPending(store, encounterServices, logger, deadAfterMs, reversalTiming);
    await releaseDeadClaims(store, bootId, claimsDeadAfterMs, logger);
  };
  const reversalTiming = { timeoutMs: config.platform.timeoutMs, marginMs: config.resilience.reversal.firstDelayMs };
  return {
    app,
    store,
    logger,
    platform,
    metrics,
    reconciliation,
    /**
     * Marks what a previous process left pending as unknown and releases its Idempotency-Key claims
     * (a same-key retry is then answered from the journal, not 409 until the lease lapses), then listens.
     */
    async start(port = config.http.port, host = config.http.host) {
      await markAlive();
      await recover();
      aliveTimer = setInterval(() => {
        markAlive().catch((e: Error) => logger.error({ err: e.message }, 'could not renew the alive mark'));
      }, ALIVE_RENEW_MS);
      aliveTimer.unref();
      startupSignIn = platform
        .currentSignNo()
        .catch((e) =>
          logger.warn({ code: (e as { code?: string }).code }, 'platform sign-in failed at start-up; will retry on the first call'),
        );
      // Redis: sweep other replicas' dead calls; lmdb: drop expired counters, nonces and keys (Redis expires its own)
      maintenance =
        store instanceof LmdbStore
          ? setInterval(() => {
              store.pruneSequences();
              store.pruneIdempotency();
            }, 600_000)
          : setInterval(() => {
              recover().catch((e: Error) => logger.error({ err: e.message }, 'pending-call sweep failed'));
            }, 15_000);
      maintenance.unref();
      // partial refunds a previous process left between their steps: finished in the background
      void refunds.resumeUnfinished();
      reversals.start();
      uploads.start();
      archiver.start();
      // resumes at once a run a stopped process left, then keeps the daily schedule
      reconWorker.start();
      const tls = config.http.tls;
      server = await new Promise<Server>((resolve) => {
        if (!tls) {
          const s = app.listen(port, host, () => resolve(s));
          return;
        }
        // issue 20: TLS 1.2+ with forward-secret AEAD suites; a client certificate is asked for (not
        // required: API-key callers connect too) when a client pins one, and checked by auth.ts
        const s = createHttpsServer(
          {
            cert: tls.cert,
            key: tls.key,
            minVersion: 'TLSv1.2',
            ciphers: TLS12_CIPHERS,
            honorCipherOrder: true,
            requestCert: clients.acceptsCertificates || !!tls.clientCa,
            rejectUnauthorized: false,
            ...(tls.clientCa ? { ca: tls.clientCa } : {}),
          },
          app,
        );
        s.listen(port, host, () => resolve(s));
      });
      server.requestTimeout = 60_000;
      answerParserErrors(server, logger);
      const addr = server.address();
      return { port: typeof addr === 'object' && addr ? addr.port : port };
    },
    /**
     * Graceful stop: refuse new connections, let in-flight requests finish (at most
     * SHUTDOWN_GRACE_MS, then their connections are closed), then close the store. /readyz says
     * 503 meanwhile, and every response closes its keep-alive connection.
     */
    async stop() {
      lifecycle.draining = true;
      clearInterval(maintenance);
      clearInterval(aliveTimer);
      // a sign-in still being journaled must finish before the store closes
      await Promise.all([reversals.stop(), uploads.stop(), archiver.stop(), reconWorker.stop(), startupSignIn]);
      if (server) {
        const s = server;
        await new Promise<void>((resolve) => {
          const grace = setTimeout(() => {
            logger.warn({ grace_ms: config.http.shutdownGraceMs }, 'shutdown grace period over: closing the connections still open');
            s.closeAllConnections();
          }, config.http.shutdownGraceMs);
          grace.unref();
          s.close(() => {
            clearTimeout(grace);
            resolve();
          });
          s.closeIdleConnections();
        });
      }
      transport.close();
      await store.close();
    },
  };
}

export type Gateway = Awaited<ReturnType<typeof createGateway>>;

/**
 * TLS 1.2 suites allowed (TLS 1.3's are all AEAD with forward secrecy): ECDHE with AES-GCM or
 * ChaCha20-Poly1305 — the Mozilla "intermediate" list. No SM2/SM4 suite: the OpenSSL 3.0 of Node 20
 * has neither TLCP (GB/T 38636) nor the RFC 8998 TLS 1.3 suites (README "Security").
 */
const TLS12_CIPHERS = [
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
].join(':');

/** A process renews its alive mark (Idempotency-Key claims name it) every few seconds; it lapses 15 s after the last. */
const ALIVE_TTL_SECONDS = 15;
const ALIVE_RENEW_MS = 3_000;

function storeCipherOf(config: GatewayConfig) {
  try {
    return config.storeKeys ? new StoreCipher(config.storeKeys) : undefined;
  } catch (e) {
    if (e instanceof StoreKeyError) throw new ConfigError(e.message);
    throw e;
  }
}

/** A wrong or missing store key stops start-up with its message (main.ts: configuration refused). */
export async function openStore(config: GatewayConfig, logger: Logger, cipher?: StoreCipher): Promise<Store> {
  try {
    return await openStoreOf(config, logger, cipher);
  } catch (e) {
    if (e instanceof StoreKeyError) throw new ConfigError(`store key: ${e.message}`);
    throw e;
  }
}

async function openStoreOf(config: GatewayConfig, logger: Logger, cipher?: StoreCipher): Promise<Store> {
  if (config.store.backend === 'lmdb') {
    const s = new LmdbStore(config.store.path, { mapSizeBytes: config.store.mapSizeBytes, cipher });
    s.pruneSequences();
    s.pruneIdempotency();
    return s;
  }
  const { url, keyPrefix, sentinels, sentinelName, waitReplicas, waitTimeoutMs } = config.store;
  let lastError = 0;
  const onError = (e: Error) => {
    // ioredis retries every few hundred ms while Redis is away: one line per 10 s is enough
    if (Date.now() - lastError > 10_000) logger.error({ store: 'redis', err: e.message }, 'Redis connection error');
    lastError = Date.now();
  };
  const s = await new RedisStore({ url, keyPrefix, sentinels, sentinelName, waitReplicas, waitTimeoutMs, onError, cipher }).connect();
  const persistence = await s.checkPersistence();
  // A settlement journal must survive a Redis restart (design.md "Stores"): say so loudly.
  if (persistence === 'off') {
    logger.warn(
      { store: 'redis', appendonly: 'no' },
      'REDIS PERSISTENCE IS OFF (appendonly no): a Redis restart loses the settlement journal, visits and idempotency keys. Turn on AOF (appendonly yes, appendfsync everysec or always) before settling real patients.',
    );
  } else if (persistence === 'unknown') {
    logger.warn(
      { store: 'redis' },
      'Redis persistence could not be checked (CONFIG GET refused): make sure AOF is on (appendonly yes), or a Redis restart loses the settlement journal.',
    );
  }
  // WAIT needs replicas: with fewer than asked for every write is refused (503) until they come
  if (waitReplicas > 0) {
    const replicas = await s.connectedReplicas();
    if (replicas < waitReplicas) {
      logger.warn(
        { store: 'redis', replicas, wait_replicas: waitReplicas },
        `Redis has ${replicas} connected replica(s) and REDIS_WAIT_REPLICAS is ${waitReplicas}: every write is refused (503 GW_SYS_STORE_UNAVAILABLE) until enough replicas are in sync.`,
      );
    }
  } else if (sentinels?.length) {
    logger.warn(
      { store: 'redis' },
      'REDIS_WAIT_REPLICAS=0 with Sentinels: a failover may lose writes the gateway already acknowledged (replication is asynchronous).',
    );
  }
  return s;
}

/**
 * The Idempotency-Key claims of dead processes: on the embedded store every claim at start-up not
 * made by this boot (only this process writes); on Redis those of other boots whose alive mark has
 * lapsed, or older than `olderThanMs` (then their answer is overdue anyway). Runs after recoverPending, so a retry under the same key meets the journal's answer
 * (the unknown outcome, or a fresh run when the call books nothing).
 */
async function releaseDeadClaims(store: Store, bootId: string, olderThanMs: number, logger: Logger) {
  const count = await store.releaseIdempotencyClaims({ notHeldBy: bootId, claimedBefore: Date.now() - olderThanMs });
  if (count) logger.warn({ count }, 'Idempotency-Key claims left by a stopped process were released');
}

/**
 * A call journaled `pending` whose process died never gets its answer: its outcome is unknown (and a
 * booking one is then reversed). On the embedded store only this process writes, so at start-up
 * every pending record is such a call. On Redis other replicas are alive and may have calls in
 * flight: only records older than the longest a call can take (`olderThanMs`) are dead ones — the
 * sweep runs at start-up and then periodically.
 */
async function recoverPending(
  store: Store,
  encounters: Array<Pick<OutpatientService, 'recoverAfterCrash'>>,
  logger: Logger,
  olderThanMs: number,
  timing: { timeoutMs: number; marginMs: number },
) {
  const cutoff = new Date(Date.now() - olderThanMs).toISOString();
  // the calls in flight are open work of their own index: this costs what is in flight, not the journal
  const pending = (await store.listTransactions({ open: ['pending'], to: cutoff, limit: 100_000 })).filter((t) => t.updated_at <= cutoff);
  for (const t of pending) {
    t.outcome = 'unknown';
    t.updated_at = new Date().toISOString();
    const code = booksNothing(t.infno)
      ? 'GW_SYS_PLATFORM_NO_REPLY_NOTHING_BOOKED'
      : callKind(t.infno) === 'inquiry'
        ? 'GW_SYS_PLATFORM_OUTCOME_INQUIRING'
        : 'GW_SYS_PLATFORM_OUTCOME_UNKNOWN';
    t.error = { code, reason: 'the gateway stopped while the call was in flight' };
    t.resolution ??= unknownResolution(t.infno, t.created_at, t.updated_at, timing);
    await store.putTransaction(t);
    for (const e of encounters) await e.recoverAfterCrash(t);
  }
  if (pending.length) logger.warn({ count: pending.length }, 'transactions left in flight by the previous process are now outcome unknown');
}
