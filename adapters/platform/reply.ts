import type { TransportResult } from './transport.js';

/** The outcome of one platform call, exactly the four of design.md. */
export type CallOutcome = 'succeeded' | 'rejected' | 'unknown' | 'not_sent';

export interface ParsedReply {
  infcode: number;
  inf_refmsgid?: string | null;
  err_msg?: string | null;
  warn_msg?: string | null;
  output?: Record<string, unknown> | null;
  [k: string]: unknown;
}

export type Classified =
  | { outcome: 'succeeded'; reply: ParsedReply }
  | { outcome: 'rejected'; reply?: ParsedReply; httpStatus?: number; reason: string }
  | { outcome: 'unknown'; reply?: ParsedReply; httpStatus?: number; reason: string }
  | { outcome: 'not_sent'; reason: string };

/** infcode arrives as a number or a string ("0", "-1"); anything else is not a trustworthy reply. */
export function parseInfcode(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && /^-?\d+$/.test(v.trim())) return Number(v.trim());
  return undefined;
}

/**
 * What a transport result means for the transaction:
 * - HTTP 4xx: the platform's gateway refused the request before the business layer (nothing booked).
 * - HTTP 5xx, unparseable body, missing infcode: unknown (it may have been booked).
 * - infcode 0: succeeded; -1 (system error): unknown, the interface calls for a reversal;
 *   any other non-zero code: rejected, a business error with err_msg.
 * The envelope's schema validation happens in the engine, which owns the validators.
 */
export function classifyReply(result: TransportResult, sentMsgid?: string): Classified {
  if (result.kind === 'not_sent') return { outcome: 'not_sent', reason: result.reason };
  if (result.kind === 'unknown') return { outcome: 'unknown', reason: result.reason };
  let body: unknown;
  try {
    body = JSON.parse(result.rawBody);
  } catch {
    body = undefined;
  }
  const obj = body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : undefined;
  const infcode = obj ? parseInfcode(obj.infcode) : undefined;
  const reply = obj && infcode !== undefined ? ({ ...obj, infcode } as ParsedReply) : undefined;
  if (result.status >= 400 && result.status < 500) {
    return {
      outcome: 'rejected',
      reply,
      httpStatus: result.status,
      reason: reply?.err_msg ? String(reply.err_msg) : `HTTP ${result.status}`,
    };
  }
  if (result.status >= 500) return { outcome: 'unknown', reply, httpStatus: result.status, reason: `HTTP ${result.status}` };
  if (!reply) return { outcome: 'unknown', httpStatus: result.status, reason: `malformed reply: ${whatIsWrong(result.rawBody, obj)}` };
  // a platform that echoes the msgid answered another message: this reply says nothing of ours
  const echoed = typeof obj?.msgid === 'string' ? obj.msgid : undefined;
  if (sentMsgid && echoed && echoed !== sentMsgid)
    return { outcome: 'unknown', httpStatus: result.status, reason: 'malformed reply: it answers another message (msgid differs)' };
  if (reply.infcode === 0) return { outcome: 'succeeded', reply };
  if (reply.infcode === -1) return { outcome: 'unknown', reply, reason: `infcode -1: ${reply.err_msg ?? ''}` };
  return { outcome: 'rejected', reply, reason: reply.err_msg ? String(reply.err_msg) : `infcode ${reply.infcode}` };
}

/**
 * A download's answer (9102): the file itself on success — a body that is no JSON (nhis-web and
 * openhis-itaii look for application/octet-stream; a zip begins with "PK"). Anything else is the
 * platform's JSON word, read as any reply: an error, or a success that brought no file.
 */
export function fileOf(result: TransportResult): { bytes: Uint8Array; contentType: string } | undefined {
  if (result.kind !== 'reply' || !result.file || result.status < 200 || result.status >= 300) return undefined;
  const { bytes, contentType } = result.file;
  const zip = bytes.length >= 2 && bytes[0] === 0x50 && bytes[1] === 0x4b;
  return zip || !/json|text\//i.test(contentType) ? result.file : undefined;
}

/** The outcome of a transport result (the circuit breaker's measure): a file answered counts as succeeded. */
export function transportOutcome(result: TransportResult): CallOutcome {
  return fileOf(result) ? 'succeeded' : classifyReply(result).outcome;
}

/** What staff read about a body that is no reply (its text is never quoted: it is untrusted). */
function whatIsWrong(raw: string, obj: Record<string, unknown> | undefined): string {
  const t = raw.trim();
  if (obj) return 'no infcode in the reply';
  if (!t) return 'the body is empty';
  if (t.startsWith('<')) return 'the body is an HTML or XML page, not JSON';
  if (t.startsWith('{') || t.startsWith('[')) return 'the JSON is cut off or broken';
  return 'the body is not JSON';
}
