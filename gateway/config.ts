import { statSync, readFileSync } from 'node:fs';
import { ER_FLAG_PLACEMENTS, type ErFlagPlacement } from '../adapters/platform/outpatient-messages.js';
import type { EnvelopeSettings } from '../adapters/platform/envelope.js';
import { FSI_CALL_SERVICE_PATH, FSI_UPLOAD_PATH, type FsiSettings } from '../adapters/platform/profile-fsi-paths.js';
import { JILIN_DEFAULTS, type JilinSettings } from '../adapters/platform/profile-jilin-sm.js';
import { parseSm2PrivateKey, parseSm2PublicKey, Sm2KeyError, sm2Sign, sm2Verify } from '../adapters/platform/sm.js';
import { PROFILES, type ProfileName } from '../adapters/platform/transports.js';
import { parseTimeOfDay } from './engine/reconciliation/calendar.js';
import type { GroupKey } from './engine/reconciliation/documents.js';
import type { ReconciliationSettings } from './engine/reconciliation/settings.js';
import { parseKeyring, StoreKeyError, type StoreKeyring } from './store/crypto.js';

/**
 * Configuration, read once from the environment by loadConfig() in main.ts and passed down; no
 * module reads process.env on its own. Every setting is listed in README.md ("Configuration").
 */
export interface GatewayConfig {
  mode: 'production' | 'demo' | 'test';
  /** shutdownGraceMs: how long SIGTERM waits for in-flight requests before closing their connections */
  http: { host: string; port: number; bodyLimitBytes: number; shutdownGraceMs: number; tls?: TlsSettings };
  /**
   * API clients (gateway/auth/): the clients file (required; the demo writes its own), the default
   * rate limit, and how a client's `hmac_secret_env` is looked up in the environment.
   */
  auth: { clientsFile?: string; rateLimitPerMinute: number; secretOf: (envName: string) => string | undefined };
  /** named staff accounts and their console sessions (gateway/auth/staff.ts, sessions.ts; README "Staff accounts") */
  staff: StaffSettings;
  store:
    | { backend: 'lmdb'; path: string; mapSizeBytes: number }
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
  /**
   * Encryption at rest (issue 20, gateway/store/crypto.ts): the keyring of STORE_KEYS /
   * STORE_KEYS_FILE; undefined = the store is kept in clear (refused in production).
   */
  storeKeys?: StoreKeyring;
  /** Idempotency-Key records: kept ttlSeconds; a duplicate waits up to waitMs for the first to finish */
  idempotency: { ttlSeconds: number; waitMs: number };
  platform: {
    /** PLATFORM_PROFILE: how bytes travel (adapters/platform/transports.ts); README "Transport profiles" */
    profile: ProfileName;
    baseUrl: string;
    /** tif: x-tif-paasid and the signing secret */
    paasid: string;
    secret: string;
    fsi?: FsiSettings;
    jilin?: JilinSettings;
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
  /** the printed slips (README "Printed slips"): 医院等级 as JS annex 9 prints it (HOSPITAL_LEVEL, optional) */
  print: { hospitalLevel?: string };
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
  /**
   * Retention (issue 11): message bodies of journal records older than hotDays move to daily
   * archive files in archiveDir (gateway/store/archive.ts, resilience/archiver.ts); open work never.
   */
  retention: { hotDays: number; archiveDir: string; intervalMs: number; journalDays: number; archiveDays: number; auditDays: number };
  /** issue 12: daily reconciliation with the platform (对账) and month close (gateway/resilience/reconciliation/) */
  reconciliation: ReconciliationConfig;
  logLevel: string;
}

/** gateway/engine/reconciliation/settings.ts */
export type ReconciliationConfig = ReconciliationSettings;

export class ConfigError extends Error {}

/** STAFF_* settings (README "Staff accounts"). */
export interface StaffSettings {
  /** STAFF_ACCOUNTS_FILE (npm run staff); unset: nobody signs in with a password, API keys only */
  accountsFile?: string;
  /** a session ends this long after sign-in, however busy (STAFF_SESSION_HOURS, default 8) */
  sessionTtlSeconds: number;
  /** ... or after this long without a request (STAFF_SESSION_IDLE_MINUTES, default 30) */
  idleSeconds: number;
  /** this many wrong passwords for one username lock it (STAFF_LOCKOUT_FAILURES, default 5) ... */
  maxFailures: number;
  /** ... for this long (STAFF_LOCKOUT_SECONDS, default 900) */
  lockoutSeconds: number;
  /** STAFF_COOKIE_SECURE=1: the cookie is Secure even when the request came over plain HTTP (TLS ended at a proxy) */
  cookieSecure: boolean;
  /** how often the console page asks for the count of new work items (CONSOLE_POLL_SECONDS, default 30) */
  consolePollSeconds: number;
}
/** A problem loadConfig's list already names (reading on would only repeat it). */
class AlreadyReported extends ConfigError {}

/**
 * While loadConfig reads the settings, a wrong or missing one is collected rather than thrown, so
 * that a refused start names every problem at once (issue 15), not one per attempt. Outside
 * loadConfig (a helper called on its own) it throws.
 */
let collecting: string[] | undefined;
function wrong(message: string): void {
  if (collecting) collecting.push(message);
  else throw new ConfigError(message);
}

/**
 * TLS on the listener (issue 20): TLS_CERT_FILE and TLS_KEY_FILE (PEM; the key file 0600), TLS 1.2
 * or newer with forward-secret AEAD suites only. Client certificates (mutual TLS) are asked for
 * when the clients file pins one (cert_fingerprints_sha256); TLS_CLIENT_CA_FILE additionally
 * requires them to chain to that CA.
 */
export interface TlsSettings {
  cert: string;
  key: string;
  clientCa?: string;
}

/** The mock platform's credentials (mocks/platform/server.ts defaults), used by the demo. */
const DEMO_PAASID = 'yidi-demo';
const DEMO_SECRET = 'demo-secret-change-me';
/** The mock platform's jilin-sm demo credentials (mocks/platform/profiles.ts); a real platform never issues them. */
const DEMO_JILIN = {
  PLATFORM_CLIENT_ID: 'yidi-demo-client',
  PLATFORM_CLIENT_SECRET: 'demo-client-secret-change-me',
  PLATFORM_USERNAME: 'yidi-demo',
  PLATFORM_PASSWORD: 'demo-password-change-me',
  // the demo hospital's SM2 key: its public key is the one the mock checks cainfo with
  PLATFORM_SM2_PRIVATE_KEY: 'IiGHNvu05mI4MBhvsdtW/4w/4jODliw8Q24amzFB4Po=',
} as const;

type Env = Record<string, string | undefined>;

const int = (env: Env, name: string, dflt: number) => {
  const v = env[name];
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) {
    wrong(`${name} must be a non-negative integer, got "${v}"`);
    return dflt;
  }
  return n;
};

/**
 * Defaults suit the demo (mock platform on loopback); production must name its platform. Every
 * missing or wrong setting is reported at once, one per line, in one ConfigError.
 */
export function loadConfig(env: Env, mode: GatewayConfig['mode'] = env.NODE_ENV === 'production' ? 'production' : 'demo'): GatewayConfig {
  collecting = [];
  const problems = collecting;
  let config: GatewayConfig | undefined;
  try {
    config = readConfig(env, mode);
  } catch (e) {
    // a setting that cannot be read further (a key file, a key): its message; anything else it caused is a consequence
    if (e instanceof AlreadyReported && problems.length) {
      // listed already
    } else if (e instanceof ConfigError) problems.push(e.message);
    else if (!problems.length) throw e;
  } finally {
    collecting = undefined;
  }
  if (problems.length || !config) {
    const list = problems.map((p) => `  - ${p.replace(/^production start refused: /, '')}`).join('\n');
    throw new ConfigError(
      `${mode === 'production' ? 'production start refused' : 'start refused'}: ${problems.length} setting${problems.length === 1 ? ' is' : 's are'} missing or wrong:\n${list}`,
    );
  }
  return config;
}

function readConfig(env: Env, mode: GatewayConfig['mode']): GatewayConfig {
  const baseUrl = env.PLATFORM_BASE_URL ?? '';
  const profile = platformProfile(env);
  if (mode === 'production') {
    const missing = [
      ...['PLATFORM_BASE_URL', 'FIXMEDINS_CODE', 'FIXMEDINS_NAME', 'MDTRTAREA_ADMVS'].filter((k) => !env[k]),
      ...missingForProfile(env, profile),
    ];
    if (missing.length) {
      wrong(
        `production start refused: ${missing.join(', ')} not set (PLATFORM_PROFILE=${profile}). A gateway never settles against the mock platform by accident; run "npm run demo" for the demo.`,
      );
    }
    if (/127\.0\.0\.1|localhost|\[::1\]/.test(baseUrl) && env.ALLOW_LOOPBACK_PLATFORM !== '1') {
      wrong(
        'production start refused: PLATFORM_BASE_URL points at this machine (the mock?). Set ALLOW_LOOPBACK_PLATFORM=1 if a local proxy really forwards to the platform.',
      );
    }
    // the demo's credentials are the mock platform's: a real platform never issues them
    if ((env.PLATFORM_PAASID === DEMO_PAASID || env.PLATFORM_SECRET === DEMO_SECRET) && env.ALLOW_MOCK_PLATFORM !== '1') {
      wrong(
        'production start refused: PLATFORM_PAASID / PLATFORM_SECRET are the demo values of the mock platform. Set the platform credentials the insurance bureau issued, or ALLOW_MOCK_PLATFORM=1 to run against the mock on purpose.',
      );
    }
    if (profile === 'jilin-sm' && env.ALLOW_MOCK_PLATFORM !== '1') {
      const demo = (Object.keys(DEMO_JILIN) as Array<keyof typeof DEMO_JILIN>).filter((k) => secretSetting(env, k) === DEMO_JILIN[k]);
      if (demo.length)
        wrong(
          `production start refused: ${demo.join(', ')} ${demo.length > 1 ? 'are the demo values' : 'is the demo value'} of the mock platform. Set what the insurance bureau issued, or ALLOW_MOCK_PLATFORM=1 to run against the mock on purpose.`,
        );
    }
  }
  const fixmedins_code = env.FIXMEDINS_CODE ?? 'H44030500001';
  if (fixmedins_code.length !== 12) wrong(`FIXMEDINS_CODE must be 12 characters, got ${fixmedins_code.length}`);
  const backend = (env.STORE_BACKEND ?? 'lmdb') as 'lmdb' | 'redis';
  if (backend !== 'lmdb' && backend !== 'redis') wrong(`STORE_BACKEND must be lmdb or redis, got "${backend}"`);
  const opterType = env.OPTER_TYPE ?? '1';
  if (!['1', '2', '3'].includes(opterType)) wrong('OPTER_TYPE must be 1, 2 or 3');
  return {
    mode,
    http: {
      // the demo answers with public demo keys: only on this machine, unless HOST says otherwise
      host: env.HOST ?? (mode === 'demo' ? '127.0.0.1' : '0.0.0.0'),
      port: int(env, 'PORT', 8080),
      bodyLimitBytes: int(env, 'BODY_LIMIT_BYTES', 512 * 1024),
      shutdownGraceMs: int(env, 'SHUTDOWN_GRACE_MS', 10_000),
      tls: tlsSettings(env),
    },
    auth: {
      clientsFile: env.API_CLIENTS_FILE || undefined,
      rateLimitPerMinute: int(env, 'RATE_LIMIT_PER_MINUTE', 600),
      secretOf: (name) => env[name],
    },
    staff: {
      accountsFile: env.STAFF_ACCOUNTS_FILE || undefined,
      sessionTtlSeconds: int(env, 'STAFF_SESSION_HOURS', 8) * 3600,
      idleSeconds: int(env, 'STAFF_SESSION_IDLE_MINUTES', 30) * 60,
      maxFailures: int(env, 'STAFF_LOCKOUT_FAILURES', 5),
      lockoutSeconds: int(env, 'STAFF_LOCKOUT_SECONDS', 900),
      cookieSecure: env.STAFF_COOKIE_SECURE === '1',
      consolePollSeconds: int(env, 'CONSOLE_POLL_SECONDS', 30),
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
        : { backend, path: env.DATA_DIR ?? './data', mapSizeBytes: int(env, 'LMDB_MAP_SIZE_GIB', 64) * 2 ** 30 },
    storeKeys: storeKeys(env, mode),
    idempotency: { ttlSeconds: idempotencyTtl(env, mode), waitMs: int(env, 'IDEMPOTENCY_WAIT_MS', 10_000) },
    platform: {
      profile,
      baseUrl: baseUrl || 'http://127.0.0.1:9100/api',
      paasid: env.PLATFORM_PAASID ?? DEMO_PAASID,
      secret: secretSetting(env, 'PLATFORM_SECRET') ?? DEMO_SECRET,
      ...(profile === 'fsi-paths' ? { fsi: fsiSettings(env, baseUrl || 'http://127.0.0.1:9100/api') } : {}),
      ...(profile === 'jilin-sm' ? { jilin: jilinSettings(env, baseUrl || 'http://127.0.0.1:9100/api', mode) } : {}),
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
      // jilin-sm: the source always sends sys01
      recer_sys_code: env.RECER_SYS_CODE ?? (profile === 'jilin-sm' ? 'sys01' : 'YBXT'),
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
    retention: {
      // 400 days: a cross-year refund (JS 45, HN 52, LN 54) and the previous year's month close
      // (JS 43) still read their records from the hot store; older bodies are read only by staff
      hotDays: int(env, 'JOURNAL_HOT_DAYS', 400),
      archiveDir: env.ARCHIVE_DIR ?? (backend === 'lmdb' ? `${env.DATA_DIR ?? './data'}/archive` : './data/archive'),
      intervalMs: int(env, 'ARCHIVE_INTERVAL_MS', 3_600_000),
      ...retentionPeriods(env, mode),
    },
    outpatientErFlagAt: erFlagPlacement(env),
    print: { hospitalLevel: env.HOSPITAL_LEVEL?.trim() || undefined },
    reconciliation: reconciliation(env),
    logLevel: env.LOG_LEVEL ?? 'info',
  };
}

function platformProfile(env: Env): ProfileName {
  const v = env.PLATFORM_PROFILE || 'tif';
  if (!(PROFILES as readonly string[]).includes(v))
    throw new ConfigError(`PLATFORM_PROFILE must be one of ${PROFILES.join(', ')}, got "${v}"`);
  return v as ProfileName;
}

/** What a production start of `profile` needs that is not set (a secret may come as NAME or NAME_FILE). */
function missingForProfile(env: Env, profile: ProfileName): string[] {
  const has = (k: string) => Boolean(env[k]) || Boolean(env[`${k}_FILE`]);
  const need: Record<ProfileName, string[]> = {
    tif: ['PLATFORM_PAASID', 'PLATFORM_SECRET'],
    'fsi-paths': [],
    'jilin-sm': ['PLATFORM_CLIENT_ID', 'PLATFORM_CLIENT_SECRET', 'PLATFORM_USERNAME', 'PLATFORM_PASSWORD', 'PLATFORM_SM2_PRIVATE_KEY'],
  };
  return need[profile]
    .filter((k) => !has(k))
    .map((k) => (k === 'PLATFORM_PAASID' || k === 'PLATFORM_CLIENT_ID' || k === 'PLATFORM_USERNAME' ? k : `${k} (or ${k}_FILE)`));
}

/**
 * A secret from the environment (NAME) or from a file (NAME_FILE, e.g. a mounted Docker/Kubernetes
 * secret). A file readable by group or others is refused: the secret would not be one. The value
 * is never put into a message.
 */
export function secretSetting(env: Env, name: string): string | undefined {
  const file = env[`${name}_FILE`];
  if (env[name] && file) throw new ConfigError(`${name} and ${name}_FILE are both set: set one`);
  if (!file) return env[name] || undefined;
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(file);
  } catch (e) {
    throw new ConfigError(`${name}_FILE ${file} cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (!st.isFile()) throw new ConfigError(`${name}_FILE ${file} is not a file`);
  if ((st.mode & 0o077) !== 0) {
    throw new ConfigError(
      `${name}_FILE ${file} is readable by group or others (mode ${(st.mode & 0o777).toString(8).padStart(4, '0')}): a secret file must be 0600 or 0400 (chmod 600 ${file})`,
    );
  }
  const v = readFileSync(file, 'utf8').trim();
  if (!v) throw new ConfigError(`${name}_FILE ${file} is empty`);
  return v;
}

const oneOf = <T extends string>(env: Env, name: string, values: readonly T[], dflt: T): T => {
  const v = env[name] || dflt;
  if (!(values as readonly string[]).includes(v)) throw new ConfigError(`${name} must be one of ${values.join(', ')}, got "${v}"`);
  return v as T;
};

function fsiSettings(env: Env, baseUrl: string): FsiSettings {
  const routing = oneOf(env, 'PLATFORM_FSI_ROUTING', ['call-service', 'service-paths'] as const, 'call-service');
  const callServicePath = env.PLATFORM_FSI_CALL_SERVICE_PATH || FSI_CALL_SERVICE_PATH;
  return {
    baseUrl,
    routing,
    callServicePath,
    uploadPath: env.PLATFORM_FSI_UPLOAD_PATH || (routing === 'service-paths' ? FSI_UPLOAD_PATH : callServicePath),
    upload: oneOf(env, 'PLATFORM_FSI_UPLOAD', ['multipart', 'json'] as const, 'multipart'),
    apikey: secretSetting(env, 'PLATFORM_FSI_APIKEY'),
  };
}

/**
 * jilin-sm: every setting checked now, so that a wrong key or a missing secret stops the start with
 * a message naming the setting — never on the first patient's call. Outside production the mock's
 * demo credentials fill what is not set.
 */
function jilinSettings(env: Env, baseUrl: string, mode: GatewayConfig['mode']): JilinSettings {
  const production = mode === 'production';
  const get = (k: keyof typeof DEMO_JILIN) => secretSetting(env, k) ?? (production ? undefined : DEMO_JILIN[k]);
  const missing = (
    ['PLATFORM_CLIENT_ID', 'PLATFORM_CLIENT_SECRET', 'PLATFORM_USERNAME', 'PLATFORM_PASSWORD', 'PLATFORM_SM2_PRIVATE_KEY'] as const
  ).filter((k) => !get(k));
  if (missing.length) {
    const message = `PLATFORM_PROFILE=jilin-sm needs ${missing.join(', ')} (each may also come as NAME_FILE)`;
    // in production the start's own check has listed them already
    throw production ? new AlreadyReported(message) : new ConfigError(message);
  }
  const clientId = get('PLATFORM_CLIENT_ID')!;
  const idBytes = Buffer.byteLength(clientId, 'utf8');
  if (idBytes !== 16)
    throw new ConfigError(
      `PLATFORM_CLIENT_ID must be exactly 16 bytes of UTF-8 (it is the SM4 key of the jilin-sm profile), got ${idBytes}`,
    );
  let sm2: JilinSettings['sm2'];
  try {
    sm2 = parseSm2PrivateKey(get('PLATFORM_SM2_PRIVATE_KEY')!);
  } catch (e) {
    if (e instanceof Sm2KeyError) throw new ConfigError(`PLATFORM_SM2_PRIVATE_KEY is not an SM2 private key: ${e.message}`);
    throw e;
  }
  const publicKey = (name: string) => {
    const v = env[name];
    if (!v) return undefined;
    try {
      return parseSm2PublicKey(v);
    } catch (e) {
      if (e instanceof Sm2KeyError) throw new ConfigError(`${name} is not an SM2 public key: ${e.message}`);
      throw e;
    }
  };
  // the public key the platform registered for this hospital, if given: the private key must be its pair
  const registered = publicKey('PLATFORM_SM2_PUBLIC_KEY');
  if (registered && registered !== sm2.publicKey)
    throw new ConfigError(
      'PLATFORM_SM2_PRIVATE_KEY does not belong to PLATFORM_SM2_PUBLIC_KEY: the platform would reject every signature (a wrong or swapped key file?)',
    );
  const userId = env.PLATFORM_SM2_USER_ID || JILIN_DEFAULTS.userId;
  // a signature made now must verify now: the key is usable before the first call needs it
  const probe = Buffer.from('yidi start-up self-check');
  if (!sm2Verify(sm2.publicKey, probe, sm2Sign(sm2, probe, userId), userId))
    throw new ConfigError('PLATFORM_SM2_PRIVATE_KEY: an SM2 signature made with it does not verify (the key is unusable)');
  return {
    baseUrl,
    clientId,
    clientSecret: get('PLATFORM_CLIENT_SECRET')!,
    username: get('PLATFORM_USERNAME')!,
    password: get('PLATFORM_PASSWORD')!,
    scope: env.PLATFORM_OAUTH_SCOPE || JILIN_DEFAULTS.scope,
    grantType: env.PLATFORM_OAUTH_GRANT_TYPE || JILIN_DEFAULTS.grantType,
    tokenPath: env.PLATFORM_TOKEN_PATH || JILIN_DEFAULTS.tokenPath,
    servicePath: env.PLATFORM_SERVICE_PATH || JILIN_DEFAULTS.servicePath,
    tokenTtlSeconds: positiveInt(env, 'PLATFORM_TOKEN_TTL_SECONDS', JILIN_DEFAULTS.tokenTtlSeconds),
    encrypt: bool(env, 'PLATFORM_ENCRYPT', true),
    decryptReply: oneOf(env, 'PLATFORM_DECRYPT_REPLY', ['auto', 'always', 'never'] as const, 'auto'),
    sm2,
    userId,
    platformPublicKey: publicKey('PLATFORM_SM2_PLATFORM_PUBLIC_KEY'),
  };
}

function positiveInt(env: Env, name: string, dflt: number) {
  const n = int(env, name, dflt);
  if (n < 1) wrong(`${name} must be at least 1`);
  return n;
}

const bool = (env: Env, name: string, dflt: boolean) => {
  const v = env[name];
  if (v === undefined || v === '') return dflt;
  if (['1', 'true', 'on', 'yes'].includes(v)) return true;
  if (['0', 'false', 'off', 'no'].includes(v)) return false;
  throw new ConfigError(`${name} must be on or off (1 or 0), got "${v}"`);
};

/**
 * Reconciliation settings. The detail file's bytes where the public sources disagree default to
 * their majority (engine/reconciliation/detail-file.ts): no trailing TAB, CRLF, the .zip suffix;
 * the result file's columns 5/6 to nhis-web's order (stmt_rslt, then refd_setl_flag).
 */
function reconciliation(env: Env): ReconciliationConfig {
  const runAt = env.RECON_RUN_AT ?? '00:30';
  const runAtMinutes = parseTimeOfDay(runAt);
  if (runAtMinutes === undefined) wrong(`RECON_RUN_AT must be HH:MM (24 h), got "${runAt}"`);
  const closeByDay = int(env, 'RECON_CLOSE_BY_DAY', 3);
  if (closeByDay < 1 || closeByDay > 28) wrong('RECON_CLOSE_BY_DAY must be 1..28');
  const leaseMs = int(env, 'RECON_LEASE_MS', 60_000);
  if (leaseMs < 1_000) wrong('RECON_LEASE_MS must be at least 1000');
  return {
    schedule: bool(env, 'RECON_SCHEDULE', true),
    runAt,
    runAtMinutes: runAtMinutes ?? 30,
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

/**
 * How long what the gateway keeps is kept (issue 20; README "Retention"), in days, 0 = for ever.
 * Defaults: 30 years (10 958 days) for journal records, archives and the audit log — the longest
 * period the records serve: accounting vouchers are kept 30 years (会计档案管理办法, 2015, 附表:
 * 会计凭证 30年) and inpatient medical records at least 30 years from discharge (医疗机构病历管理规定
 * 2013, 第二十九条; outpatient 15 years). ASSUMPTION: that the settlement journal counts as both
 * (it is the hospital's evidence of every fund settlement); a hospital's archive office may set
 * shorter or longer periods. The audit log is never kept less than 180 days in production
 * (网络安全法 第二十一条: network logs at least six months).
 */
function retentionPeriods(env: Env, mode: GatewayConfig['mode']) {
  const THIRTY_YEARS = 10_958;
  const journalDays = int(env, 'JOURNAL_RETENTION_DAYS', THIRTY_YEARS);
  const archiveDays = int(env, 'ARCHIVE_RETENTION_DAYS', journalDays);
  const auditDays = int(env, 'AUDIT_RETENTION_DAYS', THIRTY_YEARS);
  const hotDays = int(env, 'JOURNAL_HOT_DAYS', 400);
  if (journalDays && journalDays < hotDays)
    throw new ConfigError(`JOURNAL_RETENTION_DAYS (${journalDays}) must not be shorter than JOURNAL_HOT_DAYS (${hotDays})`);
  if (mode === 'production' && auditDays && auditDays < 180)
    throw new ConfigError(`AUDIT_RETENTION_DAYS must be at least 180 in production (网络安全法 第二十一条: six months), got ${auditDays}`);
  return { journalDays, archiveDays, auditDays };
}

function tlsSettings(env: Env): TlsSettings | undefined {
  if (!env.TLS_CERT_FILE && !env.TLS_KEY_FILE) {
    if (env.TLS_CLIENT_CA_FILE) throw new ConfigError('TLS_CLIENT_CA_FILE needs TLS_CERT_FILE and TLS_KEY_FILE');
    return undefined;
  }
  if (!env.TLS_CERT_FILE || !env.TLS_KEY_FILE) throw new ConfigError('TLS_CERT_FILE and TLS_KEY_FILE must be set together');
  const read = (name: string) => {
    try {
      return readFileSync(env[name]!, 'utf8');
    } catch (e) {
      throw new ConfigError(`${name} ${env[name]} cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  };
  // the private key: TLS_KEY_FILE through secretSetting's checks (a file, 0600 or 0400)
  const key = secretSetting({ TLS_KEY_FILE: env.TLS_KEY_FILE }, 'TLS_KEY');
  return { cert: read('TLS_CERT_FILE'), key: key!, ...(env.TLS_CLIENT_CA_FILE ? { clientCa: read('TLS_CLIENT_CA_FILE') } : {}) };
}

/**
 * The store keyring (issue 20): STORE_KEYS or STORE_KEYS_FILE (0600, see secretSetting) with
 * `id:base64key` entries, STORE_KEY_CURRENT (default the last entry), STORE_CIPHER, STORE_INDEX_KEY_ID.
 * Production refuses to start without one: the journal holds sensitive personal information (PIPL).
 */
export function storeKeys(env: Env, mode: GatewayConfig['mode']): StoreKeyring | undefined {
  const text = secretSetting(env, 'STORE_KEYS');
  if (!text) {
    if (mode === 'production')
      throw new ConfigError(
        'production start refused: STORE_KEYS (or STORE_KEYS_FILE) not set. The store holds patients\' personal data and is kept encrypted; create a key with "npm run store-key -- k1" (README "Security").',
      );
    return undefined;
  }
  try {
    return parseKeyring(text, {
      current: env.STORE_KEY_CURRENT,
      cipher: env.STORE_CIPHER,
      indexKeyId: env.STORE_INDEX_KEY_ID,
      source: env.STORE_KEYS_FILE ? `STORE_KEYS_FILE ${env.STORE_KEYS_FILE}` : 'STORE_KEYS',
    });
  } catch (e) {
    if (e instanceof StoreKeyError) throw new ConfigError(e.message);
    throw e;
  }
}

/** Keys are kept at least 24 hours in production (an HIS retries a settlement the next morning). */
function idempotencyTtl(env: Env, mode: GatewayConfig['mode']) {
  const ttl = int(env, 'IDEMPOTENCY_TTL_SECONDS', 86_400);
  if (ttl < 1) wrong('IDEMPOTENCY_TTL_SECONDS must be at least 1');
  if (mode === 'production' && ttl < 86_400)
    throw new ConfigError(`IDEMPOTENCY_TTL_SECONDS must be at least 86400 (24 hours) in production, got ${ttl}`);
  return ttl;
}
