/**
 * The national-format door's answer to an HIS's own 2601 (冲正) for a msgid it sent the door earlier:
 * read from the journal, never a second 2601 on the wire — the gateway reverses every booking whose
 * outcome is unknown by itself (gateway/resilience/reversal-worker.ts), so the HIS's 2601 asks what
 * became of it. Pure: the journal records come in, the answer goes out.
 */

/** What the answer needs of the gateway's journal record of the HIS's original call. */
export interface OriginalCall {
  transaction_id: string;
  outcome: 'pending' | 'succeeded' | 'rejected' | 'unknown' | 'not_sent';
  /** its resolution, when its outcome was unknown */
  resolution?: { state: string; reason?: string; learned?: { mdtrt_id?: string } };
}

export type ReversalAnswer =
  /** the HIS's goal holds: nothing of the original stands at the platform */
  | { kind: 'nothing_stands'; warn_msg: string; transaction_id?: string }
  /** the gateway's own 2601 reversed it: answered with that reversal's reply */
  | { kind: 'reversed'; transaction_id: string }
  /** not final yet: ask again later (not kept under the 2601's msgid) */
  | { kind: 'in_progress'; message_zh: string; transaction_id: string }
  /** the original stands at the platform: a 2601 is not the way to undo it */
  | { kind: 'stands'; message_zh: string; transaction_id: string };

/** The answer for the HIS's 2601 of `omsgid` (`oinfno`), given the gateway's record of it (undefined: none). */
export function reversalAnswer(omsgid: string, oinfno: string, original: OriginalCall | undefined): ReversalAnswer {
  if (!original) {
    return {
      kind: 'nothing_stands',
      warn_msg: `网关未向平台发送过 msgid 为 ${omsgid} 的 ${oinfno} 交易（网关拒绝了它，或从未收到）：平台上没有需要冲正的记账`,
    };
  }
  const id = original.transaction_id;
  switch (original.outcome) {
    case 'rejected':
    case 'not_sent':
      return { kind: 'nothing_stands', transaction_id: id, warn_msg: `原交易 ${oinfno} 未在平台记账（平台拒绝或未发出），无需冲正` };
    case 'succeeded':
      return {
        kind: 'stands',
        transaction_id: id,
        message_zh: `原交易 ${oinfno} 已成功办理（网关交易号 ${id}）：请以原 msgid 重发原报文取回应答；如需撤销，请发相应的撤销交易（如 2208、2305、2202），不用 2601`,
      };
    case 'pending':
      return { kind: 'in_progress', transaction_id: id, message_zh: `原交易 ${oinfno} 仍在处理中，请稍后再查` };
    case 'unknown':
      break;
  }
  const state = original.resolution?.state;
  switch (state) {
    case 'reversed':
      return { kind: 'reversed', transaction_id: id };
    case 'not_booked':
    case 'not_done':
      return { kind: 'nothing_stands', transaction_id: id, warn_msg: `网关已查明原交易 ${oinfno} 未在平台记账，无需冲正` };
    case 'confirmed':
    case 'done': {
      // an inquired registration or admission: the HIS never got its 就诊ID, the inquiry learnt it
      const learned = original.resolution?.learned?.mdtrt_id;
      return {
        kind: 'stands',
        transaction_id: id,
        message_zh: `网关已向平台查明原交易 ${oinfno} 已办理（网关交易号 ${id}${learned ? `，就诊ID（mdtrt_id）${learned}` : ''}）；请以此继续办理，如需撤销，请发相应的撤销交易`,
      };
    }
    case 'needs_manual':
      return {
        kind: 'in_progress',
        transaction_id: id,
        message_zh: `原交易 ${oinfno} 结果未知，网关自动冲正未成功，已转医保办人工处理（网关交易号 ${id}）：请联系医保办`,
      };
    case 'resolved_by_staff':
      return {
        kind: 'stands',
        transaction_id: id,
        message_zh: `原交易 ${oinfno} 已由医保办人工处理（网关交易号 ${id}${original.resolution?.reason ? `：${original.resolution.reason}` : ''}），请向医保办确认`,
      };
    default:
      return {
        kind: 'in_progress',
        transaction_id: id,
        message_zh: `原交易 ${oinfno} 结果未知，网关正在冲正或查询（网关交易号 ${id}），请稍后再发 2601 查询`,
      };
  }
}
