/** The national interface envelope: request shape, business errors, and reply construction. */
import type { EnvelopeRequest } from '../../gateway/generated/platform/envelope.request.js';
import { formatDateTimeMs } from './time.js';

/** The request envelope after envelope.request.json accepted it (type generated from that schema). */
export type RequestEnvelope = EnvelopeRequest;

export const INFCODE_OK = 0;
export const INFCODE_SYSTEM_ERROR = -1;
export const INFCODE_BUSINESS_ERROR = -2;

/** A refusal the counter can read: infcode -2 with this message, nothing booked. */
export class BusinessError extends Error {
  override readonly name = 'BusinessError';
}

export type TxOutput = Record<string, unknown>;

export interface ReplyFields {
  infcode: number;
  msgid: string | null;
  refmsgTime: string | null;
  now: Date;
  errMsg: string | null;
  output: TxOutput | null;
}

export interface Reply {
  infcode: number;
  inf_refmsgid: string | null;
  refmsg_time: string | null;
  respond_time: string;
  err_msg: string | null;
  warn_msg: null;
  output: TxOutput | null;
}

/** The reply envelope of a call (infcode a number: reply-style.ts decides how it goes on the wire). */
export function buildReply(fields: ReplyFields): Reply {
  return {
    infcode: fields.infcode,
    inf_refmsgid: fields.msgid,
    refmsg_time: fields.refmsgTime,
    respond_time: formatDateTimeMs(fields.now),
    err_msg: fields.errMsg,
    warn_msg: null,
    output: fields.output,
  };
}

/** Every string value of a `psn_no` key anywhere in the input. */
export function psnNosIn(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(psnNosIn);
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, v]) => (key === 'psn_no' && typeof v === 'string' ? [v] : psnNosIn(v)));
}
