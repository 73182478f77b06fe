import pino, { type DestinationStream, type Logger } from 'pino';
import { PERSONAL_FIELDS, redactText } from './privacy.js';

/**
 * Personal data never reaches a log line (design.md invariants): the fields of gateway/privacy.ts
 * are censored wherever they appear, compiled once by pino; the text under `err` and `error` (an
 * error message may quote the platform's err_msg, which can carry anything) goes through
 * redactText's patterns — the call sites that know the encounter add its names and credential
 * numbers. A test reads the real log output of whole flows (test/e2e/logs.e2e.test.ts).
 */
const PERSONAL = new Set(PERSONAL_FIELDS);
const CENSOR = '[redacted]';
const plain = (v: object) => {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
};

/**
 * Every field of the list, at any depth, censored — one walk over the log object. (pino's own
 * `redact` option did the same with five wildcard paths per field; those paths cost a tenth of the
 * gateway's CPU on the settle path — measured with `--cpu-prof`, README "Performance" — and still
 * stopped at a depth of five.) Only plain objects and arrays are walked; the object is copied
 * only where something is censored.
 */
function censor(v: unknown, depth = 0): unknown {
  if (depth > 12 || v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) {
    let out: unknown[] | undefined;
    v.forEach((x, i) => {
      const c = censor(x, depth + 1);
      if (c === x) return;
      out ??= [...v];
      out[i] = c;
    });
    return out ?? v;
  }
  if (!plain(v)) return v;
  let out: Record<string, unknown> | undefined;
  for (const [k, x] of Object.entries(v)) {
    const c = PERSONAL.has(k) ? CENSOR : censor(x, depth + 1);
    if (c === x) continue;
    out ??= { ...(v as Record<string, unknown>) };
    out[k] = c;
  }
  return out ?? v;
}

/** Every string inside `v` through the patterns of redactText (ID and phone numbers, card-like runs). */
function redactStrings(v: unknown, depth = 0): unknown {
  if (typeof v === 'string') return redactText(v);
  if (depth > 6 || v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map((x) => redactStrings(x, depth + 1));
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, redactStrings(x, depth + 1)]));
}

const freeText = (v: unknown) => censor(redactStrings(v instanceof Error ? pino.stdSerializers.err(v) : v));

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'yidi-gateway' },
      // ISO 8601 with the zone (UTC), not epoch milliseconds: readable in a log file and by any log shipper
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { log: (o) => censor(o) as Record<string, unknown> },
      // never log request or reply bodies whole; error text is the platform's words, kept but redacted
      serializers: { err: freeText, error: freeText },
    },
    destination,
  );
}

export type { Logger };
