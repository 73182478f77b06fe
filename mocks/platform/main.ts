/**
 * CLI entry of the mock settlement platform.
 * env: MOCK_PORT (9100), MOCK_HOST (127.0.0.1), MOCK_PAASID, MOCK_SECRET, MOCK_REPLY_STYLE (strict | real,
 * default strict), LOG_LEVEL (info);
 * MOCK_PROFILE (tif | fsi-paths | jilin-sm, default tif), and for jilin-sm MOCK_CLIENT_ID, MOCK_CLIENT_SECRET,
 * MOCK_USERNAME, MOCK_PASSWORD, MOCK_SM2_PUBLIC_KEY (the hospital's, 04‖x‖y hex), MOCK_ENCRYPT_REPLY (1 | 0,
 * default 1), MOCK_TOKEN_TTL_SECONDS (600), MOCK_SM2_PLATFORM_PRIVATE_KEY (hex d: sign encrypted replies).
 * Unset, the jilin-sm values are the demo ones the gateway's demo defaults match.
 */
import { pino } from 'pino';
import { MOCK_PROFILES, type MockProfileName } from './profiles.js';
import { replyStyleFromEnv } from './reply-style.js';
import { createMockPlatform, type MockOptionsInput } from './server.js';

const DEFAULT_PORT = 9100;
const DEFAULT_HOST = '127.0.0.1';

function portFromEnv(value: string | undefined): number {
  if (value === undefined || value === '') return DEFAULT_PORT;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`MOCK_PORT is not a port: ${value}`);
  return port;
}

function profileFromEnv(env: NodeJS.ProcessEnv): MockProfileName {
  const v = env.MOCK_PROFILE || 'tif';
  if (!(MOCK_PROFILES as readonly string[]).includes(v)) throw new Error(`MOCK_PROFILE must be one of ${MOCK_PROFILES.join(', ')}: ${v}`);
  return v as MockProfileName;
}

function optionsFromEnv(env: NodeJS.ProcessEnv): MockOptionsInput {
  const replyStyle = replyStyleFromEnv(env);
  const ttl = env.MOCK_TOKEN_TTL_SECONDS ? Number(env.MOCK_TOKEN_TTL_SECONDS) : undefined;
  if (ttl !== undefined && !(Number.isInteger(ttl) && ttl > 0))
    throw new Error(`MOCK_TOKEN_TTL_SECONDS is not a positive integer: ${env.MOCK_TOKEN_TTL_SECONDS}`);
  const jilin = {
    ...(env.MOCK_CLIENT_ID ? { clientId: env.MOCK_CLIENT_ID } : {}),
    ...(env.MOCK_CLIENT_SECRET ? { clientSecret: env.MOCK_CLIENT_SECRET } : {}),
    ...(env.MOCK_USERNAME ? { username: env.MOCK_USERNAME } : {}),
    ...(env.MOCK_PASSWORD ? { password: env.MOCK_PASSWORD } : {}),
    ...(env.MOCK_SM2_PUBLIC_KEY ? { hospitalPublicKey: env.MOCK_SM2_PUBLIC_KEY.toLowerCase() } : {}),
    ...(env.MOCK_ENCRYPT_REPLY ? { encryptReplies: env.MOCK_ENCRYPT_REPLY !== '0' } : {}),
    ...(ttl ? { tokenTtlSeconds: ttl } : {}),
    ...(env.MOCK_SM2_PLATFORM_PRIVATE_KEY ? { platformPrivateKey: env.MOCK_SM2_PLATFORM_PRIVATE_KEY.toLowerCase() } : {}),
  };
  return {
    ...(env.MOCK_PAASID ? { paasid: env.MOCK_PAASID } : {}),
    ...(env.MOCK_SECRET ? { secret: env.MOCK_SECRET } : {}),
    ...(replyStyle ? { replyStyle } : {}),
    profile: profileFromEnv(env),
    jilin,
  };
}

async function main(): Promise<void> {
  const logger = pino({ name: 'mock-platform', level: process.env.LOG_LEVEL ?? 'info' });
  const platform = createMockPlatform({ ...optionsFromEnv(process.env), logger });
  const { url } = await platform.listen(portFromEnv(process.env.MOCK_PORT), process.env.MOCK_HOST || DEFAULT_HOST);
  logger.info({ url, replyStyle: platform.replyStyle, profile: platform.profile }, 'mock settlement platform listening');

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'mock settlement platform stopping');
    platform.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'close failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  pino({ name: 'mock-platform' }).fatal({ err: error }, 'mock settlement platform failed to start');
  process.exit(1);
});
