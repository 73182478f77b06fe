/**
 * CLI entry of the mock settlement platform.
 * env: MOCK_PORT (9100), MOCK_HOST (127.0.0.1), MOCK_PAASID, MOCK_SECRET, MOCK_REPLY_STYLE (strict | real,
 * default strict), LOG_LEVEL (info).
 */
import { pino } from 'pino';
import { replyStyleFromEnv } from './reply-style.js';
import { createMockPlatform, type MockOptions } from './server.js';

const DEFAULT_PORT = 9100;
const DEFAULT_HOST = '127.0.0.1';

function portFromEnv(value: string | undefined): number {
  if (value === undefined || value === '') return DEFAULT_PORT;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`MOCK_PORT is not a port: ${value}`);
  return port;
}

function optionsFromEnv(env: NodeJS.ProcessEnv): Partial<MockOptions> {
  const replyStyle = replyStyleFromEnv(env);
  return {
    ...(env.MOCK_PAASID ? { paasid: env.MOCK_PAASID } : {}),
    ...(env.MOCK_SECRET ? { secret: env.MOCK_SECRET } : {}),
    ...(replyStyle ? { replyStyle } : {}),
  };
}

async function main(): Promise<void> {
  const logger = pino({ name: 'mock-platform', level: process.env.LOG_LEVEL ?? 'info' });
  const platform = createMockPlatform({ ...optionsFromEnv(process.env), logger });
  const { url } = await platform.listen(portFromEnv(process.env.MOCK_PORT), process.env.MOCK_HOST || DEFAULT_HOST);
  logger.info({ url, replyStyle: platform.replyStyle }, 'mock settlement platform listening');

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
