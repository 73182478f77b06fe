import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { GatewayError } from '../errors/errors.js';
import type { Logger } from '../logger.js';

/**
 * Requests Node's HTTP parser refuses before express sees them (headers over 16 KB, a 20,000-character
 * path, a malformed request line, a request not received in time) get a catalog body too (issue 13),
 * not Node's bare 400/431/408, and the connection is closed: after a parser error nothing more on it
 * can be trusted.
 */
export function answerParserErrors(server: Server, logger: Logger) {
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    const pending = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    // a reset peer, or a response already under way on this connection: nothing can be written
    if (err.code === 'ECONNRESET' || !socket.writable || pending?.headersSent) {
      socket.destroy();
      return;
    }
    const ge = new GatewayError(codeFor(err.code));
    const requestId = randomUUID();
    logger.warn({ request_id: requestId, code: ge.code, parser: err.code }, 'request refused by the HTTP parser');
    const body = JSON.stringify(ge.body(requestId));
    socket.end(
      [
        `HTTP/1.1 ${ge.status} ${REASONS[ge.status] ?? 'Bad Request'}`,
        'content-type: application/json; charset=utf-8',
        `content-length: ${Buffer.byteLength(body)}`,
        `x-request-id: ${requestId}`,
        'connection: close',
        '',
        body,
      ].join('\r\n'),
    );
  });
}

const REASONS: Record<number, string> = { 400: 'Bad Request', 408: 'Request Timeout', 431: 'Request Header Fields Too Large' };

function codeFor(parserCode: string | undefined): string {
  if (parserCode === 'HPE_HEADER_OVERFLOW') return 'GW_VAL_REQUEST_TOO_LARGE';
  if (parserCode === 'ERR_HTTP_REQUEST_TIMEOUT') return 'GW_VAL_REQUEST_TIMEOUT';
  return 'GW_VAL_MALFORMED_REQUEST';
}
