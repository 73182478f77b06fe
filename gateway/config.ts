import type { EnvelopeSettings } from '../adapters/platform/envelope.js';

/**
 * Configuration, read once from the environment by loadConfig() in main.ts and passed down; no
 * module reads process.env on its own. Every setting is listed in README.md ("Configuration").
 */
export interface GatewayConfig {
  mode: 'production' | 'demo' | 'test';
  http: { host: string; port: number; bodyLimitBytes: number };
  store: { backend: 'lmdb'; path: string } | { backend: 'redis'; url: string };
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
  };
  envelope: EnvelopeSettings;
  logLevel: string;
}

export class ConfigError extends Error {}

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
    const missing = ['PLATFORM_BASE_URL', 'PLATFORM_PAASID', 'PLATFORM_SECRET', 'FIXMEDINS_CODE', 'FIXMEDINS_NAME', 'MDTRTAREA_ADMVS'].filter((k) => !env[k]);
    if (missing.length) {
      throw new ConfigError(`production start refused: ${missing.join(', ')} not set. A gateway never settles against the mock platform by accident; run "npm run demo" for the demo.`);
    }
    if (/127\.0\.0\.1|localhost|\[::1\]/.test(baseUrl) && env.ALLOW_LOOPBACK_PLATFORM !== '1') {
      throw new ConfigError('production start refused: PLATFORM_BASE_URL points at this machine (the mock?). Set ALLOW_LOOPBACK_PLATFORM=1 if a local proxy really forwards to the platform.');
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
    http: { host: env.HOST ?? '0.0.0.0', port: int(env, 'PORT', 8080), bodyLimitBytes: int(env, 'BODY_LIMIT_BYTES', 512 * 1024) },
    store: backend === 'redis' ? { backend, url: env.REDIS_URL ?? 'redis://127.0.0.1:6379' } : { backend, path: env.DATA_DIR ?? './data' },
    platform: {
      profile: 'tif',
      baseUrl: baseUrl || 'http://127.0.0.1:9100/api',
      paasid: env.PLATFORM_PAASID ?? 'yidi-demo',
      secret: env.PLATFORM_SECRET ?? 'demo-secret-change-me',
      timeoutMs: int(env, 'PLATFORM_TIMEOUT_MS', 15_000),
      signInTtlMs: int(env, 'SIGN_IN_TTL_MS', 12 * 3600_000),
      signInOpterNo: env.SIGN_IN_OPTER_NO ?? env.OPTER ?? 'gateway',
      signInMac: env.SIGN_IN_MAC ?? '00-00-00-00-00-00',
      signInIp: env.SIGN_IN_IP ?? '127.0.0.1',
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
    logLevel: env.LOG_LEVEL ?? 'info',
  };
}
