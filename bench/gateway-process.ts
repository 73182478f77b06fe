/**
 * The gateway under test, in its own process, built exactly as gateway/main.ts builds it
 * (loadConfig(process.env) -> createGateway -> start): run.ts sets NODE_ENV=production and the
 * production variables, so nothing demo- or test-only is switched on. Logs: pino at LOG_LEVEL to
 * stdout, which the bench points at /dev/null — serialising and writing each line is paid, as in
 * production, but nothing is kept. Modelled on test/helpers/gateway-process.ts; the port goes
 * back over IPC instead of stdout.
 */
import { loadConfig } from '../gateway/config.js';
import { createGateway } from '../gateway/server.js';
import { sendReady, serveIpc } from './ipc.js';

const config = loadConfig(process.env);
const gw = await createGateway(config);
const { port } = await gw.start(0, '127.0.0.1');
serveIpc(() => gw.stop());
sendReady({ port, store: config.store.backend });
