import pino, { type DestinationStream, type Logger } from 'pino';
import { PERSONAL_FIELDS, redactText } from './privacy.js';

/**
 * Personal data never reaches a log line (design.md invariants): the fields of gateway/privacy.ts
 * are censored wherever they appear, compiled once by pino; the text under `err` and `error` (an
 * error message may quote the platform's err_msg, which can carry anything) goes through
 * redactText's patterns — the call sites that know the encounter add its names and credential
 * numbers. A test reads the real log output of whole flows (test/e2e/logs.e2e.test.ts).
 */
function redactPaths(): string[] {
  const paths: string[] = [];
  for (const f of PERSONAL_FIELDS) {
    const key = /^[a-z_]+$/.test(f) ? f : `["${f}"]`;
    const join = (prefix: string) => (key.startsWith('[') ? `${prefix}${key}` : `${prefix}.${key}`);
    paths.push(key, join('*'), join('*.*'), join('*.*.*'), join('*.*.*.*'));
  }
  return paths;
}

/** Every string inside `v` through the patterns of redactText (ID and phone numbers, card-like runs). */
function redactStrings(v: unknown, depth = 0): unknown {
  if (typeof v === 'string') return redactText(v);
  if (depth > 6 || v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map((x) => redactStrings(x, depth + 1));
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, redactStrings(x, depth + 1)]));
}

const freeText = (v: unknown) => redactStrings(v instanceof Error ? pino.stdSerializers.err(v) : v);

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'yidi-gateway' },
      redact: { paths: redactPaths(), censor: '[redacted]' },
      // never log request or reply bodies whole; error text is the platform's words, kept but redacted
      serializers: { err: freeText, error: freeText },
    },
    destination,
  );
}

export type { Logger };
