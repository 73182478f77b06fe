import { createHmac, timingSafeEqual } from 'node:crypto';
import { sha256Hex } from './clients.js';

/**
 * HMAC request signing (请求签名) for HIS clients, on top of the API key:
 *   x-yidi-timestamp  Unix seconds, within ±300 s of the gateway's clock
 *   x-yidi-nonce      8-128 characters [A-Za-z0-9_-], never reused (remembered 600 s, twice the window)
 *   x-yidi-signature  hex HMAC-SHA256(secret, timestamp \n nonce \n METHOD \n target \n hex SHA-256(raw body))
 * where target is the request's path with its query string, exactly as sent. Pure functions here;
 * the nonce memory is the store's, used by the middleware (gateway/http/auth.ts).
 */
export const SIGNATURE_WINDOW_SECONDS = 300;
export const NONCE_TTL_SECONDS = 2 * SIGNATURE_WINDOW_SECONDS;

export const SIGNATURE_HEADERS = { timestamp: 'x-yidi-timestamp', nonce: 'x-yidi-nonce', signature: 'x-yidi-signature' } as const;

export interface SignedParts {
  timestamp: string;
  nonce: string;
  method: string;
  target: string;
  body: Buffer | string;
}

export function stringToSign(p: SignedParts): string {
  return [p.timestamp, p.nonce, p.method.toUpperCase(), p.target, sha256Hex(p.body)].join('\n');
}

export function sign(secret: Buffer | string, p: SignedParts): string {
  return createHmac('sha256', secret).update(stringToSign(p), 'utf8').digest('hex');
}

export type SignatureProblem =
  | 'missing_signature_headers'
  | 'malformed_signature_headers'
  | 'timestamp_out_of_window'
  | 'signature_mismatch';

/** Checks headers, clock window and signature (not the nonce's freshness: that needs the store). */
export function checkSignature(
  secret: Buffer,
  headers: { timestamp?: string; nonce?: string; signature?: string },
  req: { method: string; target: string; body: Buffer | string },
  nowMs: number,
): SignatureProblem | undefined {
  const { timestamp, nonce, signature } = headers;
  if (!timestamp || !nonce || !signature) return 'missing_signature_headers';
  if (!/^\d{1,12}$/.test(timestamp) || !/^[A-Za-z0-9_-]{8,128}$/.test(nonce) || !/^[0-9a-fA-F]{64}$/.test(signature))
    return 'malformed_signature_headers';
  if (Math.abs(nowMs / 1000 - Number(timestamp)) > SIGNATURE_WINDOW_SECONDS) return 'timestamp_out_of_window';
  const expected = Buffer.from(sign(secret, { timestamp, nonce, ...req }), 'hex');
  return timingSafeEqual(expected, Buffer.from(signature, 'hex')) ? undefined : 'signature_mismatch';
}
