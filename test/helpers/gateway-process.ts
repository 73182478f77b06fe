/**
 * A gateway in its own OS process, for tests that kill it (kill -9) or signal it (SIGTERM).
 * Configured by the environment like the real thing; prints one JSON line {"port":N} when listening.
 */
import { loadConfig } from '../../gateway/config.js';
import { installShutdown } from '../../gateway/main.js';
import { createGateway } from '../../gateway/server.js';

const config = loadConfig(process.env, 'test');
const gw = await createGateway(config);
const { port } = await gw.start(0, '127.0.0.1');
installShutdown(gw);
process.stdout.write(`${JSON.stringify({ port })}\n`);
