/**
 * The national-format door's outbound half: what the engine did -> the national reply envelope
 * (交易输出报文: infcode, inf_refmsgid, refmsg_time, respond_time, err_msg, warn_msg, output), as
 * the platform itself answers, so that an HIS that speaks the national interface reads the gateway's
 * answer with the code it already has. Pure.
 */
import type { RoutingTable } from './requests.js';

export interface NationalReply {
  infcode: number;
  inf_refmsgid: string | null;
  refmsg_time: string;
  respond_time: string;
  err_msg: string | null;
  warn_msg: string | null;
  cainfo: null;
  signtype: null;
  output: Record<string, unknown> | null;
}

/** yyyyMMddHHmmssSSS in China time (the form the platform's refmsg_time / respond_time take). */
export function replyTime(at: Date, offsetMinutes = 480): string {
  const t = new Date(at.getTime() + offsetMinutes * 60_000).toISOString();
  return t.slice(0, 23).replace(/[-T:.]/g, '');
}

/** The platform reply as the journal kept it (its parsed form): what the door passes on. */
export interface JournaledReply {
  infcode?: unknown;
  inf_refmsgid?: unknown;
  refmsg_time?: unknown;
  respond_time?: unknown;
  warn_msg?: unknown;
  output?: unknown;
}

const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : null);

/**
 * A success: the platform's own output for the call the engine made (the journal's reply), its
 * inf_refmsgid and warn_msg; where the door answered itself (`reply` absent), `output` as given and
 * the gateway's transaction id (or none) as the reference.
 */
export function successReply(
  at: Date,
  o: { reply?: JournaledReply; output?: Record<string, unknown> | null; transaction_id?: string; warn_msg?: string },
): NationalReply {
  const now = replyTime(at);
  const r = o.reply;
  return {
    infcode: 0,
    inf_refmsgid: str(r?.inf_refmsgid) ?? o.transaction_id ?? null,
    refmsg_time: str(r?.refmsg_time) ?? now,
    respond_time: now,
    err_msg: null,
    warn_msg: o.warn_msg ?? str(r?.warn_msg),
    cainfo: null,
    signtype: null,
    output: r ? ((r.output as Record<string, unknown> | null | undefined) ?? null) : (o.output ?? null),
  };
}

/** What the door knows of a refusal: the catalog entry's code, category, Chinese message and action. */
export interface Refusal {
  code: string;
  category: string;
  message_zh: string;
  action: string;
  transaction_id?: string;
}

/**
 * A refusal or an unknown outcome, the national way: infcode by the code, else the catalog's category
 * (the table's error_infcodes: -1 where the platform's outcome is not known or it could not be reached, -2 for
 * everything refused with nothing booked), err_msg = `[code] message` + what happens next — for an
 * outcome the counter must wait on, the table's next step (the gateway reverses or inquires), else
 * the catalog's action.
 */
export function errorReply(table: RoutingTable, at: Date, r: Refusal): NationalReply {
  const now = replyTime(at);
  const next = Object.hasOwn(table.next_steps, r.code) ? table.next_steps[r.code] : undefined;
  const step = next ? next.replaceAll('{transaction_id}', r.transaction_id ?? '（无）') : r.action;
  const byCode = Object.hasOwn(table.error_infcodes, r.code) ? table.error_infcodes[r.code] : undefined;
  const byCategory = Object.hasOwn(table.error_infcodes, r.category) ? table.error_infcodes[r.category] : undefined;
  const infcode = byCode ?? byCategory ?? table.error_infcodes.default ?? -1;
  return {
    infcode,
    inf_refmsgid: r.transaction_id ?? null,
    refmsg_time: now,
    respond_time: now,
    err_msg: `[${r.code}] ${r.message_zh}；${step}`,
    warn_msg: null,
    cainfo: null,
    signtype: null,
    output: null,
  };
}
