import type { WireFile } from './wire.js';

/**
 * The port to the settlement platform. A transport only moves bytes and says how far they got;
 * what a reply means is decided by reply.ts.
 */
export type TransportResult =
  /**
   * The platform answered with an HTTP response (any status). `rawBody` is the plaintext reply text
   * (a profile that encrypts has already decrypted it); `file` is a file reply (9102: the zip itself).
   */
  (
    | { kind: 'reply'; status: number; rawBody: string; file?: WireFile }
    /** The request certainly did not reach the platform (connection refused, no route, DNS): safe to repeat. */
    | { kind: 'not_sent'; reason: string }
    /**
     * The request may have reached the platform, but no answer came (timeout after sending, reset),
     * or the answer cannot be trusted (it does not decrypt or verify).
     */
    | { kind: 'unknown'; reason: string }
  ) &
    WireDigests;

/**
 * The wire form only as a digest (the journal keeps the plaintext message, never the encrypted or
 * signed bytes): SHA-256 hex of the request body as sent, and of the reply body as received when
 * it differs from the plaintext `rawBody` (an encrypted reply).
 */
export interface WireDigests {
  wire_digest?: string;
  reply_wire_digest?: string;
}

/**
 * The `not_sent` reason of a call refused in front of the transport because the platform is held to
 * be down (the circuit breaker, gateway/resilience/circuit-breaker.ts). Part of the port's vocabulary,
 * so that the engine can tell "circuit open" from "platform unreachable" without importing resilience.
 */
export const CIRCUIT_OPEN_REASON = 'circuit open';

export interface SendOptions {
  /** Aborts the HTTP request after this many milliseconds. */
  timeoutMs: number;
  /** An outside abort (the circuit breaker's timeout, shutdown). */
  signal?: AbortSignal;
  /** A download: the body is read as bytes (the reply's `file`), and one larger than maxBytes is refused unread. */
  file?: { maxBytes: number };
}

export interface PlatformTransport {
  readonly profile: string;
  send(infno: string, envelope: object, opts: SendOptions): Promise<TransportResult>;
  close(): void;
}
