/**
 * The mock settlement platform in its own process, quiet (warn level, stdout to /dev/null): its
 * per-call info log would otherwise be work done on both sides alike, and is of no interest here.
 * mocks/platform/main.ts prints its URL only at info level, hence this small entry.
 */
import { pino } from 'pino';
import { createMockPlatform } from '../mocks/platform/server.js';
import { sendReady, serveIpc } from './ipc.js';

const platform = createMockPlatform({ logger: pino({ level: 'warn' }) });
const { url, port } = await platform.listen(0, '127.0.0.1');
serveIpc(() => platform.close());
sendReady({ url, port });
