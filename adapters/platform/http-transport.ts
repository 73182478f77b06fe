import http from 'node:http';
import https from 'node:https';
import axios, { type AxiosError } from 'axios';
import type { PlatformTransport, SendOptions, TransportResult } from './transport.js';
import { type Decoded, sha256Hex, type WireReply, type WireRequest } from './wire.js';

/**
 * The HTTP mechanics every transport profile shares: one axios client with keep-alive agents, a
 * deadline per call, and the classification of a failure by how far the request got — a timeout
 * or an abort before the socket connected means nothing was sent; after it, the outcome is unknown.
 * The profiles (profile-*.ts) only say what goes on the wire and what a reply means.
 */

/** Error codes that prove no byte reached the platform. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL']);

export type WireOutcome = { kind: 'reply'; reply: WireReply } | { kind: 'not_sent'; reason: string } | { kind: 'unknown'; reason: string };

export interface WireClient {
  /**
   * One POST; `signal` is the call's deadline (withDeadline) or an outside abort. `maxBytes` (a
   * download, SendOptions.file): a reply body larger than that is not read — an unknown outcome
   * with that reason (the answer came, but it is not taken).
   */
  post(req: WireRequest, signal: AbortSignal, maxBytes?: number): Promise<WireOutcome>;
  close(): void;
}

export function createWireClient(): WireClient {
  const httpAgent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 64 });
  const client = axios.create({
    // axios' own http adapter takes a `transport`; ours notes when the socket connects, which is
    // what separates "never sent" from "sent, answer lost" when a timeout fires.
    transport: connectTracking,
    httpAgent,
    httpsAgent,
    maxRedirects: 0,
    // bytes: a 9102 reply is a zip, and an encrypted profile decodes the text itself
    responseType: 'arraybuffer',
    transformResponse: [(d: unknown) => d],
    validateStatus: () => true,
  });
  return {
    async post(req, signal, maxBytes) {
      try {
        const res = await client.post(req.url, req.body, {
          headers: req.headers,
          signal,
          ...(maxBytes !== undefined ? { maxContentLength: maxBytes } : {}),
        });
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers ?? {})) if (v !== undefined && v !== null) headers[k.toLowerCase()] = String(v);
        const data = res.data as unknown;
        const body = Buffer.isBuffer(data) ? data : data instanceof ArrayBuffer ? Buffer.from(data) : Buffer.from(String(data ?? ''));
        return { kind: 'reply', reply: { status: res.status, headers, body } };
      } catch (err) {
        if (maxBytes !== undefined && /maxContentLength/.test((err as Error).message ?? ''))
          return { kind: 'unknown', reason: `the reply is larger than ${maxBytes} bytes (the download size limit)` };
        return classifyFailure(err);
      }
    },
    close() {
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}

/**
 * Runs `fn` under one deadline of `opts.timeoutMs` for the whole call (a profile that first fetches
 * a token spends it from the same budget, so the business request never outlives the timeout the
 * engine's reversal timing counts on) and the caller's outside abort.
 */
export async function withDeadline<T>(opts: SendOptions, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error(`timeout after ${opts.timeoutMs} ms`)), opts.timeoutMs);
  const onOuterAbort = () => controller.abort(opts.signal?.reason);
  if (opts.signal?.aborted) onOuterAbort();
  else opts.signal?.addEventListener('abort', onOuterAbort, { once: true });
  try {
    return await fn(controller.signal);
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onOuterAbort);
  }
}

/** The transport result of a sent request: the decoder's plaintext, or unknown when it cannot be trusted. */
export function resultOf(req: WireRequest, outcome: WireOutcome, decode: (reply: WireReply) => Decoded): TransportResult {
  const wire_digest = sha256Hex(req.body);
  if (outcome.kind !== 'reply') return { ...outcome, wire_digest };
  const decoded = decode(outcome.reply);
  const reply_wire_digest = sha256Hex(outcome.reply.body);
  if (!decoded.ok) return { kind: 'unknown', reason: decoded.reason, wire_digest, reply_wire_digest };
  const plainSame = !decoded.file && decoded.rawBody === outcome.reply.body.toString('utf8');
  return {
    kind: 'reply',
    status: outcome.reply.status,
    rawBody: decoded.rawBody,
    ...(decoded.file ? { file: decoded.file } : {}),
    wire_digest,
    ...(plainSame ? {} : { reply_wire_digest }),
  };
}

/** A profile whose every call is one request: encode, post, decode. */
export interface Codec {
  encode(infno: string, envelope: object): WireRequest;
  decode(reply: WireReply): Decoded;
}

export function createCodecTransport(profile: string, codec: Codec, client: WireClient = createWireClient()): PlatformTransport {
  return {
    profile,
    send(infno, envelope, opts) {
      const req = codec.encode(infno, envelope);
      return withDeadline(opts, async (signal) => resultOf(req, await client.post(req, signal, opts.file?.maxBytes), codec.decode));
    },
    close: () => client.close(),
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

export function classifyFailure(err: unknown): { kind: 'not_sent' | 'unknown'; reason: string } {
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
