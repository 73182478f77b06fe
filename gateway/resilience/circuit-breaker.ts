import CircuitBreaker from 'opossum';
import { transportOutcome } from '../../adapters/platform/reply.js';
import { CIRCUIT_OPEN_REASON, type PlatformTransport, type SendOptions, type TransportResult } from '../../adapters/platform/transport.js';
import type { Logger } from '../logger.js';

export interface BreakerSettings {
  /** % of failed calls in the rolling window that opens the breaker */
  errorThresholdPercentage: number;
  /** calls in the window before the percentage counts */
  volumeThreshold: number;
  /** how long the breaker stays open before a harmless probe is tried */
  resetTimeoutMs: number;
  rollingWindowMs: number;
}

export type BreakerState = 'closed' | 'open' | 'half_open';

/** 9001 sign-in books nothing and names no patient: the only call allowed to test a recovering platform. */
const HARMLESS = new Set(['9001']);

// Defined with the transport port (adapters/platform/transport.ts); re-exported here only until
// gateway/engine/platform-client.ts imports it from the port (see .dependency-cruiser.cjs).

class PlatformDown extends Error {
  constructor(readonly result: TransportResult) {
    super('platform failure');
  }
}

/**
 * The circuit breaker (opossum) around the platform transport. A failure is what says the platform
 * is not working — not sent, or no trustworthy answer (timeout, reset, 5xx, malformed, infcode -1);
 * a business refusal (-2) is a working platform. While open or half-open, every call except a
 * harmless one fails fast without touching the network, so a patient's settlement is never the
 * probe; on half-open the gateway itself sends the probe (a 9001 sign-in, `probe`).
 * Per-call timeouts stay with the transport (an AbortController per request), so a timeout is
 * an `unknown` outcome, never a retry.
 */
export function withCircuitBreaker(inner: PlatformTransport, settings: BreakerSettings, logger: Logger) {
  const breaker = new CircuitBreaker(
    async (infno: string, envelope: object, opts: SendOptions) => {
      const result = await inner.send(infno, envelope, opts);
      const outcome = transportOutcome(result);
      if (outcome === 'not_sent' || outcome === 'unknown') throw new PlatformDown(result);
      return result;
    },
    {
      timeout: false,
      errorThresholdPercentage: settings.errorThresholdPercentage,
      volumeThreshold: settings.volumeThreshold,
      resetTimeout: settings.resetTimeoutMs,
      rollingCountTimeout: settings.rollingWindowMs,
      allowWarmUp: false,
    },
  );
  let probe: (() => Promise<unknown>) | undefined;
  const listeners = new Set<(s: BreakerState) => void>();
  const state = (): BreakerState => (breaker.opened ? 'open' : breaker.halfOpen ? 'half_open' : 'closed');
  const announce = () => {
    const s = state();
    logger.warn({ breaker: s }, `platform circuit breaker ${s}`);
    for (const l of listeners) l(s);
  };
  breaker.on('open', announce);
  breaker.on('close', announce);
  breaker.on('halfOpen', () => {
    announce();
    // failures of the probe are the breaker's business (it re-opens); nothing else to do here
    probe?.().catch(() => {});
  });

  const transport: PlatformTransport & {
    state: () => BreakerState;
    setProbe: (p: () => Promise<unknown>) => void;
    onStateChange: (l: (s: BreakerState) => void) => void;
    shutdown: () => void;
  } = {
    profile: inner.profile,
    async send(infno, envelope, opts) {
      if (!breaker.closed && !HARMLESS.has(infno)) return { kind: 'not_sent', reason: CIRCUIT_OPEN_REASON };
      try {
        return (await breaker.fire(infno, envelope, opts)) as TransportResult;
      } catch (e) {
        if (e instanceof PlatformDown) return e.result;
        return { kind: 'not_sent', reason: CIRCUIT_OPEN_REASON };
      }
    },
    close() {
      breaker.shutdown();
      inner.close();
    },
    state,
    setProbe(p) {
      probe = p;
    },
    onStateChange(l) {
      listeners.add(l);
    },
    shutdown() {
      breaker.shutdown();
    },
  };
  return transport;
}

export type BreakerTransport = ReturnType<typeof withCircuitBreaker>;
