import http from 'node:http';
import https from 'node:https';
import axios, { type AxiosError } from 'axios';
import type { Clock } from './msgid.js';
import { tifHeaders } from './signature.js';
import type { PlatformTransport, SendOptions, TransportResult } from './transport.js';

export interface TifProfileConfig {
  /** e.g. https://fsi.example.gov.cn/fsi/api/rsfComIfsService/callService — the infno is appended as a path segment */
  baseUrl: string;
  paasid: string;
  secret: string;
}

/** Error codes that prove no byte reached the platform. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL']);

/**
 * Transport profile "tif" (Guangdong, Hebei style): POST {baseUrl}/{infno} with the x-tif-* signature
 * headers. A timeout is classified by whether the socket had connected: before, nothing was sent.
 */
export function createTifTransport(cfg: TifProfileConfig, clock: Clock): PlatformTransport {
  const httpAgent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 64 });
  const client = axios.create({
    // axios' own http adapter takes a `transport`; ours notes when the socket connects, which is
    // what separates "never sent" from "sent, answer lost" when a timeout fires.
    transport: connectTracking,
    httpAgent,
    httpsAgent,
    maxRedirects: 0,
    responseType: 'text',
    transformResponse: [(d: unknown) => d],
    validateStatus: () => true,
    headers: { 'content-type': 'application/json; charset=utf-8' },
  });
  const base = cfg.baseUrl.replace(/\/+$/, '');

  return {
    profile: 'tif',
    async send(infno: string, envelope: object, opts: SendOptions): Promise<TransportResult> {
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(new Error(`timeout after ${opts.timeoutMs} ms`)), opts.timeoutMs);
      const onOuterAbort = () => controller.abort(opts.signal?.reason);
      opts.signal?.addEventListener('abort', onOuterAbort, { once: true });
      try {
        const res = await client.post(`${base}/${encodeURIComponent(infno)}`, JSON.stringify(envelope), {
          headers: tifHeaders(cfg.paasid, cfg.secret, clock.now()),
          signal: controller.signal,
          // a download (9102) answers with the file's bytes: read as such, and no more of them than allowed
          ...(opts.file ? { responseType: 'arraybuffer' as const, maxContentLength: opts.file.maxBytes } : {}),
        });
        if (opts.file) {
          const bytes = res.data instanceof Uint8Array ? res.data : new Uint8Array(res.data as ArrayBuffer);
          const contentType = String(res.headers['content-type'] ?? '');
          return { kind: 'reply', status: res.status, rawBody: Buffer.from(bytes).toString('utf8'), file: { bytes, contentType } };
        }
        return { kind: 'reply', status: res.status, rawBody: typeof res.data === 'string' ? res.data : String(res.data ?? '') };
      } catch (err) {
        // the answer was larger than a download may be: it came, but it is not read (a file size limit, not a lost reply)
        if (opts.file && /maxContentLength/.test((err as Error).message ?? ''))
          return { kind: 'unknown', reason: `the reply is larger than ${opts.file.maxBytes} bytes (the download size limit)` };
        return classifyFailure(err);
      } finally {
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onOuterAbort);
      }
    },
    close() {
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}

const CONNECTED = Symbol('connected');

function track(req: http.ClientRequest & { [CONNECTED]?: boolean }) {
  req.once('socket', (socket) => {
    if (!socket.connecting) req[CONNECTED] = true;
    else
      socket.once('connect', () => {
        req[CONNECTED] = true;
      });
  });
  return req;
}

const connectTracking = {
  request(options: http.RequestOptions, cb: (res: http.IncomingMessage) => void) {
    const mod = options.protocol === 'https:' ? https : http;
    return track(mod.request(options, cb));
  },
};

export function classifyFailure(err: unknown): TransportResult {
  const e = err as AxiosError & { cause?: { code?: string } };
  const code = e.code ?? e.cause?.code ?? '';
  if (NOT_SENT_CODES.has(code)) return { kind: 'not_sent', reason: code };
  const req = e.request as (http.ClientRequest & { [CONNECTED]?: boolean }) | undefined;
  // Aborted while still connecting (or waiting for a socket): the request never left.
  if ((code === 'ERR_CANCELED' || axios.isCancel(err)) && !req?.[CONNECTED]) {
    return { kind: 'not_sent', reason: 'connect timeout' };
  }
  return { kind: 'unknown', reason: code || (e.message ?? 'transport error') };
}
