import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './logger.js';
import { createGateway } from './server.js';

/** Production entry point: `npm start` (or the Docker image). Refuses to start without a platform. */
async function main() {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(process.env);
  } catch (e) {
    if (e instanceof ConfigError) {
      createLogger('info').fatal({ reason: e.message }, 'configuration refused');
      process.exitCode = 78; // EX_CONFIG
      return;
    }
    throw e;
  }
  let gw: Awaited<ReturnType<typeof createGateway>>;
  try {
    gw = await createGateway(config);
  } catch (e) {
    // e.g. API_CLIENTS_FILE missing or invalid, a client's HMAC secret not set
    if (e instanceof ConfigError) {
      createLogger('info').fatal({ reason: e.message }, 'configuration refused');
      process.exitCode = 78;
      return;
    }
    throw e;
  }
  const { port } = await gw.start();
  gw.logger.info(
    { port, mode: config.mode, store: config.store.backend, platform: config.platform.baseUrl, profile: config.platform.profile },
    'gateway listening',
  );
  installShutdown(gw);
}

export function installShutdown(gw: { stop(): Promise<void>; logger: { info: (o: object, m: string) => void } }) {
  let stopping = false;
  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    process.on(sig, () => {
      if (stopping) return;
      stopping = true;
      gw.logger.info({ signal: sig }, 'shutting down: no new requests, draining in-flight ones');
      gw.stop().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) void main();
