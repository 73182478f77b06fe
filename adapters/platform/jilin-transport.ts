import { createWireClient, resultOf, type WireClient, withDeadline } from './http-transport.js';
import type { Clock } from './msgid.js';
import { decodeJilin, encodeJilin, type JilinSettings, readTokenReply, tokenRequest } from './profile-jilin-sm.js';
import type { PlatformTransport, TransportResult } from './transport.js';

/** A token is given up this long before it would expire (a call in flight must not carry a dying one). */
const EXPIRY_MARGIN_MS = 30_000;

interface Token {
  value: string;
  expiresAt: number;
}

/**
 * Transport profile "jilin-sm": the pure encoder/decoder of profile-jilin-sm.ts over the shared HTTP
 * mechanics, plus the OAuth2 token: fetched on first use, cached until it expires (the token reply's
 * `expires_in`, at most `tokenTtlSeconds`), renewed once when the platform answers 401. Whatever
 * goes wrong at the token endpoint, the business request has not left: `not_sent`. One deadline
 * covers the token fetch and the business call together.
 */
export function createJilinTransport(s: JilinSettings, clock: Clock, client: WireClient = createWireClient()): PlatformTransport {
  let token: Token | undefined;
  let fetching: Promise<Token | { reason: string }> | undefined;

  const fetchToken = async (signal: AbortSignal): Promise<Token | { reason: string }> => {
    const req = tokenRequest(s);
    const res = await client.post(req, signal);
    if (res.kind !== 'reply') return { reason: `token endpoint: ${res.reason}` };
    const t = readTokenReply(res.reply);
    if (!t.ok) return { reason: t.reason };
    const ttlS = Math.min(s.tokenTtlSeconds, t.expiresInS ?? s.tokenTtlSeconds);
    const lifeMs = ttlS * 1000;
    return { value: t.accessToken, expiresAt: clock.now().getTime() + Math.max(lifeMs - EXPIRY_MARGIN_MS, lifeMs / 2) };
  };

  /** The cached token, or a fresh one (concurrent callers share one fetch); `stale`: a token the platform refused. */
  const currentToken = async (signal: AbortSignal, stale?: string): Promise<Token | { reason: string }> => {
    if (token && token.value !== stale && clock.now().getTime() < token.expiresAt) return token;
    if (stale && token?.value === stale) token = undefined;
    fetching ??= fetchToken(signal).then(
      (t) => {
        if ('value' in t) token = t;
        return t;
      },
      (e: unknown) => ({ reason: `token endpoint: ${(e as Error).message}` }),
    );
    const pending = fetching;
    try {
      return await pending;
    } finally {
      if (fetching === pending) fetching = undefined;
    }
  };

  return {
    profile: 'jilin-sm',
    send(infno, envelope, opts) {
      return withDeadline(opts, async (signal): Promise<TransportResult> => {
        let t = await currentToken(signal);
        if (!('value' in t)) return { kind: 'not_sent', reason: t.reason };
        let req = encodeJilin(s, infno, envelope, t.value);
        let res = await client.post(req, signal, opts.file?.maxBytes);
        if (res.kind === 'reply' && res.reply.status === 401) {
          // expired or revoked: renew once, then send again (a 401 is refused before any business)
          t = await currentToken(signal, t.value);
          if (!('value' in t))
            return { kind: 'not_sent', reason: `the platform refused the token (HTTP 401) and renewing it failed: ${t.reason}` };
          req = encodeJilin(s, infno, envelope, t.value);
          res = await client.post(req, signal, opts.file?.maxBytes);
        }
        return resultOf(req, res, (reply) => decodeJilin(s, reply));
      });
    },
    close: () => client.close(),
  };
}
