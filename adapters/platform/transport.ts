/**
 * The port to the settlement platform. A transport only moves bytes and says how far they got;
 * what a reply means is decided by reply.ts.
 */
export type TransportResult =
  /**
   * The platform answered with an HTTP response (any status). A download (SendOptions.file) also
   * carries the body's bytes as they came and their content type: 9102 answers with the file itself.
   */
  | { kind: 'reply'; status: number; rawBody: string; file?: { bytes: Uint8Array; contentType: string } }
  /** The request certainly did not reach the platform (connection refused, no route, DNS): safe to repeat. */
  | { kind: 'not_sent'; reason: string }
  /** The request may have reached the platform, but no answer came (timeout after sending, reset). */
  | { kind: 'unknown'; reason: string };

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
