import { ER_FLAG_PLACEMENTS, type ErFlagPlacement } from '../adapters/platform/outpatient-messages.js';
import type { EnvelopeSettings } from '../adapters/platform/envelope.js';
import { parseTimeOfDay } from './engine/reconciliation/calendar.js';
import type { GroupKey } from './engine/reconciliation/documents.js';
import type { ReconciliationSettings } from './engine/reconciliation/settings.js';

/**
 * Configuration, read once from the environment by loadConfig() in main.ts and passed down; no
 * module reads process.env on its own. Every setting is listed in README.md ("Configuration").
 */
export interface GatewayConfig {
  mode: 'production' | 'demo' | 'test';
  /** shutdownGraceMs: how long SIGTERM waits for in-flight requests before closing their connections */
  http: { host: string; port: number; bodyLimitBytes: number; shutdownGraceMs: number };
  /**
   * API clients (gateway/auth/): the clients file (required; the demo writes its own), the default
   * rate limit, and how a client's `hmac_secret_env` is looked up in the environment.
   */
  auth: { clientsFile?: string; rateLimitPerMinute: number; secretOf: (envName: string) => string | undefined };
  store:
    | { backend: 'lmdb'; path: string }
    | {
        backend: 'redis';
        url: string;
        keyPrefix: string;
        sentinels?: Array<{ host: string; port: number }>;
        sentinelName?: string;
        /** WAIT after every write: acknowledged only once this many replicas hold it, within waitTimeoutMs */
        waitReplicas: number;
        waitTimeoutMs: number;
      };
  /** Idempotency-Key records: kept ttlSeconds; a duplicate waits up to waitMs for the first to finish */
  idempotency: { ttlSeconds: number; waitMs: number };
  platform: {
    profile: 'tif';
    baseUrl: string;
    paasid: string;
    secret: string;
    timeoutMs: number;
    /** renew the 9001 sign-in after this long even without a rejection */
    signInTtlMs: number;
    signInOpterNo: string;
    signInMac: string;
    signInIp: string;
    /** the circuit breaker around the transport (gateway/resilience/circuit-breaker.ts) */
    breaker: { errorThresholdPercentage: number; volumeThreshold: number; resetTimeoutMs: number; rollingWindowMs: number };
  };
  envelope: EnvelopeSettings;
  /** where the outpatient 门诊急诊标志 goes (OUTPATIENT_ER_FLAG_PLACEMENT; adapters/platform/outpatient-messages.ts) */
  outpatientErFlagAt: ErFlagPlacement;
  /** issue 5: the reversal worker (冲正) and store-and-forward of uploads (gateway/resilience/) */
  resilience: {
    reversal: {
      intervalMs: number;
      firstDelayMs: number;
      maxAttempts: number;
      maxAgeMs: number;
      backoffBaseMs: number;
      backoffMaxMs: number;
    };
    /** SELF_PAY_UPLOAD_INFNO is UNVERIFIED (no 4xxx self-pay message in the public record) */
    selfPay: { infno: string; intervalMs: number };
  };
  /** issue 12: daily reconciliation with the platform (对账) and month close (gateway/resilience/reconciliation/) */
  reconciliation: ReconciliationConfig;
  logLevel: string;
}

/** gateway/engine/reconciliation/settings.ts */
export type ReconciliationConfig = ReconciliationSettings;

export class ConfigError extends Error {}

/** The mock platform's credentials (mocks/platform/server.ts defaults), used by the demo. */
const DEMO_PAASID = 'yidi-demo';
const DEMO_SECRET = 'demo-secret-change-me';

type Env = Record<string, string | undefined>;

const int = (env: Env, name: string, dflt: number) => {
  const v = env[name];
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new ConfigError(`${name} must be a non-negative integer, got "${v}"`);
  return n;
};

/** Defaults suit the demo (mock platform on loopback); production must name its platform. */
export function loadConfig(env: Env, mode: GatewayConfig['mode'] = env.NODE_ENV === 'production' ? 'production' : 'demo'): GatewayConfig {
  const baseUrl = env.PLATFORM_BASE_URL ?? '';
  if (mode === 'production') {
    const missing = [
      'PLATFORM_BASE_URL',
      'PLATFORM_PAASID',
      'PLATFORM_SECRET',
      'FIXMEDINS_CODE',
      'FIXMEDINS_NAME',
      'MDTRTAREA_ADMVS',
    ].filter((k) => !env[k]);
    if (missing.length) {
      throw new ConfigError(
        `production start refused: ${missing.join(', ')} not set. A gateway never settles against the mock platform by accident; run "npm run demo" for the demo.`,
      );
    }
    if (/127\.0\.0\.1|localhost|\[::1\]/.test(baseUrl) && env.ALLOW_LOOPBACK_PLATFORM !== '1') {
      throw new ConfigError(
        'production start refused: PLATFORM_BASE_URL points at this machine (the mock?). Set ALLOW_LOOPBACK_PLATFORM=1 if a local proxy really forwards to the platform.',
      );
    }
    // the demo's credentials are the mock platform's: a real platform never issues them
    if ((env.PLATFORM_PAASID === DEMO_PAASID || env.PLATFORM_SECRET === DEMO_SECRET) && env.ALLOW_MOCK_PLATFORM !== '1') {
      throw new ConfigError(
        'production start refused: PLATFORM_PAASID / PLATFORM_SECRET are the demo values of the mock platform. Set the platform credentials the insurance bureau issued, or ALLOW_MOCK_PLATFORM=1 to run against the mock on purpose.',
      );
    }
  }
  const fixmedins_code = env.FIXMEDINS_CODE ?? 'H44030500001';
  if (fixmedins_code.length !== 12) throw new ConfigError(`FIXMEDINS_CODE must be 12 characters, got ${fixmedins_code.length}`);
  const backend = env.STORE_BACKEND ?? 'lmdb';
  if (backend !== 'lmdb' && backend !== 'redis') throw new ConfigError(`STORE_BACKEND must be lmdb or redis, got "${backend}"`);
  const opterType = env.OPTER_TYPE ?? '1';
  if (!['1', '2', '3'].includes(opterType)) throw new ConfigError('OPTER_TYPE must be 1, 2 or 3');
  return {
    mode,
    http: {
      host: env.HOST ?? '0.0.0.0',
      port: int(env, 'PORT', 8080),
      bodyLimitBytes: int(env, 'BODY_LIMIT_BYTES', 512 * 1024),
      shutdownGraceMs: int(env, 'SHUTDOWN_GRACE_MS', 10_000),
    },
    auth: {
      clientsFile: env.API_CLIENTS_FILE || undefined,
      rateLimitPerMinute: int(env, 'RATE_LIMIT_PER_MINUTE', 600),
      secretOf: (name) => env[name],
    },
    store:
      backend === 'redis'
        ? {
            backend,
            url: env.REDIS_URL ?? 'redis://127.0.0.1:6379',
            keyPrefix: env.REDIS_KEY_PREFIX ?? 'yidi:',
            sentinels: sentinels(env.REDIS_SENTINELS),
            sentinelName: env.REDIS_SENTINEL_NAME,
            // with Sentinel there are replicas to fail over to: a write counts once one of them has it
            waitReplicas: int(env, 'REDIS_WAIT_REPLICAS', env.REDIS_SENTINELS ? 1 : 0),
            waitTimeoutMs: int(env, 'REDIS_WAIT_TIMEOUT_MS', 500),
          }
        : { backend, path: env.DATA_DIR ?? './data' },
    idempotency: { ttlSeconds: idempotencyTtl(env, mode), waitMs: int(env, 'IDEMPOTENCY_WAIT_MS', 10_000) },
    platform: {
      profile: 'tif',
      baseUrl: baseUrl || 'http://127.0.0.1:9100/api',
      paasid: env.PLATFORM_PAASID ?? DEMO_PAASID,
      secret: env.PLATFORM_SECRET ?? DEMO_SECRET,
      timeoutMs: int(env, 'PLATFORM_TIMEOUT_MS', 15_000),
      signInTtlMs: int(env, 'SIGN_IN_TTL_MS', 12 * 3600_000),
      signInOpterNo: env.SIGN_IN_OPTER_NO ?? env.OPTER ?? 'gateway',
      signInMac: env.SIGN_IN_MAC ?? '00-00-00-00-00-00',
      signInIp: env.SIGN_IN_IP ?? '127.0.0.1',
      breaker: {
        errorThresholdPercentage: int(env, 'BREAKER_ERROR_PERCENT', 50),
        volumeThreshold: int(env, 'BREAKER_MIN_CALLS', 10),
        resetTimeoutMs: int(env, 'BREAKER_RESET_MS', 30_000),
        rollingWindowMs: int(env, 'BREAKER_WINDOW_MS', 10_000),
      },
    },
    envelope: {
      mdtrtarea_admvs: env.MDTRTAREA_ADMVS ?? '440300',
      fixmedins_code,
      fixmedins_name: env.FIXMEDINS_NAME ?? '演示医院（DEMO）',
      recer_sys_code: env.RECER_SYS_CODE ?? 'YBXT',
      infver: env.INFVER ?? 'V1.0',
      opter_type: opterType as '1' | '2' | '3',
      opter: env.OPTER ?? 'gateway',
      opter_name: env.OPTER_NAME ?? '结算网关',
      dev_no: env.DEV_NO,
      signtype: env.SIGNTYPE,
      timeZoneOffsetMinutes: int(env, 'PLATFORM_TZ_OFFSET_MINUTES', 480),
    },
    resilience: {
      reversal: {
        intervalMs: int(env, 'REVERSAL_INTERVAL_MS', 5_000),
        // a late original may still be in flight: the first 2601 waits a little
        firstDelayMs: int(env, 'REVERSAL_FIRST_DELAY_MS', 10_000),
        maxAttempts: int(env, 'REVERSAL_MAX_ATTEMPTS', 10),
        maxAgeMs: int(env, 'REVERSAL_MAX_AGE_MS', 24 * 3600_000),
        backoffBaseMs: int(env, 'REVERSAL_BACKOFF_MS', 5_000),
        backoffMaxMs: int(env, 'REVERSAL_BACKOFF_MAX_MS', 10 * 60_000),
      },
      selfPay: { infno: selfPayInfno(env), intervalMs: int(env, 'SELF_PAY_INTERVAL_MS', 5_000) },
    },
    outpatientErFlagAt: erFlagPlacement(env),
    reconciliation: reconciliation(env),
    logLevel: env.LOG_LEVEL ?? 'info',
  };
}

const bool = (env: Env, name: string, dflt: boolean) => {
  const v = env[name];
  if (v === undefined || v === '') return dflt;
  if (['1', 'true', 'on', 'yes'].includes(v)) return true;
  if (['0', 'false', 'off', 'no'].includes(v)) return false;
  throw new ConfigError(`${name} must be on or off (1 or 0), got "${v}"`);
};

const oneOf = <T extends string>(env: Env, name: string, allowed: readonly T[], dflt: T): T => {
  const v = env[name] ?? dflt;
  if (!(allowed as readonly string[]).includes(v)) throw new ConfigError(`${name} must be one of ${allowed.join(', ')}, got "${v}"`);
  return v as T;
};

/**
 * Reconciliation settings. The detail file's bytes where the public sources disagree default to
 * their majority (engine/reconciliation/detail-file.ts): no trailing TAB, CRLF, the .zip suffix;
 * the result file's columns 5/6 to nhis-web's order (stmt_rslt, then refd_setl_flag).
 */
function reconciliation(env: Env): ReconciliationConfig {
  const runAt = env.RECON_RUN_AT ?? '00:30';
  const runAtMinutes = parseTimeOfDay(runAt);
  if (runAtMinutes === undefined) throw new ConfigError(`RECON_RUN_AT must be HH:MM (24 h), got "${runAt}"`);
  const closeByDay = int(env, 'RECON_CLOSE_BY_DAY', 3);
  if (closeByDay < 1 || closeByDay > 28) throw new ConfigError('RECON_CLOSE_BY_DAY must be 1..28');
  const leaseMs = int(env, 'RECON_LEASE_MS', 60_000);
  if (leaseMs < 1_000) throw new ConfigError('RECON_LEASE_MS must be at least 1000');
  return {
    schedule: bool(env, 'RECON_SCHEDULE', true),
    runAt,
    runAtMinutes,
    intervalMs: int(env, 'RECON_INTERVAL_MS', 60_000),
    leaseMs,
    catchUpDays: int(env, 'RECON_CATCH_UP_DAYS', 7),
    groups: reconGroups(env.RECON_GROUPS),
    autoReverse: bool(env, 'RECON_AUTO_REVERSE', true),
    maxAutoReruns: int(env, 'RECON_MAX_RERUNS', 5),
    closeByDay,
    detail: {
      trailingTab: bool(env, 'RECON_DETAIL_TRAILING_TAB', false),
      lineBreak: oneOf(env, 'RECON_DETAIL_LINE_BREAK', ['crlf', 'lf'] as const, 'crlf'),
      zipSuffix: bool(env, 'RECON_DETAIL_ZIP_SUFFIX', true),
    },
    resultColumns: oneOf(env, 'RECON_RESULT_COLUMNS', ['stmt_rslt_first', 'refd_setl_flag_first'] as const, 'stmt_rslt_first'),
    limits: {
      maxZipBytes: int(env, 'RECON_MAX_FILE_BYTES', 10 * 1024 * 1024),
      maxTextBytes: int(env, 'RECON_MAX_UNZIPPED_BYTES', 64 * 1024 * 1024),
      maxRows: int(env, 'RECON_MAX_ROWS', 200_000),
    },
  };
}

/** "310:11:220100,390:21:430100" -> groups */
function reconGroups(v: string | undefined): GroupKey[] {
  if (!v) return [];
  return v.split(',').map((g) => {
    const m = /^\s*(\d{3}):(\d{2}):(\d{6})\s*$/.exec(g);
    if (!m) throw new ConfigError(`RECON_GROUPS must be "insutype:clr_type:setl_optins,...", e.g. 310:11:220100; got "${g}"`);
    return { insutype: m[1]!, clr_type: m[2]!, setl_optins: m[3]! };
  });
}

function erFlagPlacement(env: Env): ErFlagPlacement {
  const v = env.OUTPATIENT_ER_FLAG_PLACEMENT ?? 'fee_exp_content';
  if (!(ER_FLAG_PLACEMENTS as readonly string[]).includes(v))
    throw new ConfigError(`OUTPATIENT_ER_FLAG_PLACEMENT must be one of ${ER_FLAG_PLACEMENTS.join(', ')}, got "${v}"`);
  return v as ErFlagPlacement;
}

function selfPayInfno(env: Env) {
  const v = env.SELF_PAY_UPLOAD_INFNO ?? '4201';
  if (!/^\d{4}$/.test(v)) throw new ConfigError(`SELF_PAY_UPLOAD_INFNO must be 4 digits, got "${v}"`);
  return v;
}

/** "host:port,host:port" -> ioredis `sentinels`. */
function sentinels(v: string | undefined) {
  if (!v) return undefined;
  return v.split(',').map((hp) => {
    const m = hp.trim().match(/^(.+):(\d+)$/);
    if (!m) throw new ConfigError(`REDIS_SENTINELS must be "host:port,host:port", got "${hp}"`);
    return { host: m[1]!, port: Number(m[2]) };
  });
}

/** Keys are kept at least 24 hours in production (an HIS retries a settlement the next morning). */
function idempotencyTtl(env: Env, mode: GatewayConfig['mode']) {
  const ttl = int(env, 'IDEMPOTENCY_TTL_SECONDS', 86_400);
  if (ttl < 1) throw new ConfigError('IDEMPOTENCY_TTL_SECONDS must be at least 1');
  if (mode === 'production' && ttl < 86_400)
    throw new ConfigError(`IDEMPOTENCY_TTL_SECONDS must be at least 86400 (24 hours) in production, got ${ttl}`);
  return ttl;
}
