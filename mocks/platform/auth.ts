/**
 * The "tif" transport profile: x-tif-paasid, x-tif-timestamp (Unix seconds, ±300 s),
 * x-tif-nonce (not reused within 10 minutes), x-tif-signature = hex SHA-256(timestamp + secret + nonce + timestamp).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

const TIMESTAMP_WINDOW_S = 300;
const NONCE_TTL_MS = 10 * 60 * 1000;

export function tifSignature(timestamp: string, secret: string, nonce: string): string {
  return createHash('sha256').update(`${timestamp}${secret}${nonce}${timestamp}`, 'utf8').digest('hex');
}

export type TifCheck = { ok: true } | { ok: false; reason: string };

export interface TifVerifierOptions {
  paasid: string;
  secret: string;
  clock: () => Date;
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function sameHex(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}

export class TifVerifier {
  /** nonce → time (ms, by the clock) after which it may be used again */
  private readonly nonces = new Map<string, number>();

  constructor(private readonly opts: TifVerifierOptions) {}

  verify(headers: IncomingHttpHeaders): TifCheck {
    const paasid = header(headers, 'x-tif-paasid');
    const timestamp = header(headers, 'x-tif-timestamp');
    const nonce = header(headers, 'x-tif-nonce');
    const signature = header(headers, 'x-tif-signature');
    const nowMs = this.opts.clock().getTime();
    if (!paasid || paasid !== this.opts.paasid) return { ok: false, reason: '接入方标识(x-tif-paasid)无效' };
    if (!timestamp || !/^[0-9]{1,12}$/.test(timestamp)) return { ok: false, reason: '时间戳(x-tif-timestamp)格式错误' };
    if (Math.abs(Number(timestamp) - nowMs / 1000) > TIMESTAMP_WINDOW_S)
      return { ok: false, reason: '时间戳(x-tif-timestamp)超出允许范围' };
    if (!nonce) return { ok: false, reason: '随机数(x-tif-nonce)不能为空' };
    if (!signature) return { ok: false, reason: '签名(x-tif-signature)不能为空' };
    if (!sameHex(signature, tifSignature(timestamp, this.opts.secret, nonce)))
      return { ok: false, reason: '签名(x-tif-signature)校验失败' };
    if (!this.useNonce(nonce, nowMs)) return { ok: false, reason: '随机数(x-tif-nonce)重复使用' };
    return { ok: true };
  }

  /** Records the nonce; false if it was used within the last 10 minutes. */
  private useNonce(nonce: string, nowMs: number): boolean {
    this.forgetExpired(nowMs);
    if (this.nonces.has(nonce)) return false;
    this.nonces.set(nonce, nowMs + NONCE_TTL_MS);
    return true;
  }

  private forgetExpired(nowMs: number): void {
    // insertion order = expiry order (for a clock that does not run backwards)
    for (const [nonce, reusableAt] of this.nonces) {
      if (reusableAt > nowMs) break;
      this.nonces.delete(nonce);
    }
  }
}
