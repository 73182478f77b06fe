import type { IdempotencyClaim, IdempotencyRecord } from './store.js';

/**
 * What a live Idempotency-Key record means to a new request with `fingerprint`; both backends
 * read their record through this one rule so that they answer alike.
 */
export function answerFor(rec: IdempotencyRecord, fingerprint: string): Exclude<IdempotencyClaim, { state: 'claimed' }> {
  if (rec.fingerprint !== fingerprint) return { state: 'mismatch' };
  if (rec.state === 'done' && rec.response) return { state: 'done', response: rec.response };
  return { state: 'in_flight' };
}

/** Seconds (fractions allowed, for tests) to whole milliseconds, at least 1. */
export const toMs = (seconds: number) => Math.max(1, Math.round(seconds * 1000));

/** A new claim of a key (both backends write this shape): in flight under `token` until the lease ends. */
export function inFlightClaim(fingerprint: string, token: string, leaseSeconds: number, now: number, holder?: string): IdempotencyRecord {
  return {
    fingerprint,
    state: 'in_flight',
    token,
    expires: now + toMs(leaseSeconds),
    ...(holder ? { holder } : {}),
    claimed_at: now,
  };
}
