import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { buildEnvelope, type EnvelopeSettings } from '../../adapters/platform/envelope.js';
import type { Clock, MsgidGenerator } from '../../adapters/platform/msgid.js';
import { classifyReply, fileOf, type Classified, type ParsedReply } from '../../adapters/platform/reply.js';
import type { PlatformTransport } from '../../adapters/platform/transport.js';
import { counterReason, GatewayError } from '../errors/errors.js';
import { booksNothing, callKind } from './call-kinds.js';
import { readReply } from './reply-reader.js';
import { CIRCUIT_OPEN_REASON } from '../../adapters/platform/transport.js';
import type { Logger } from '../logger.js';
import { projectPath } from '../paths.js';
import type { BusinessKeys, Resolution, Store, TransactionRecord } from '../store/store.js';
import type { Schemas } from '../validation.js';
import { deferOutcome, type OutcomeCollector, outcomeNotWritten } from './deferred-outcomes.js';

/**
 * A booking transaction whose outcome is unknown enters the durable reversal queue (the journal
 * itself): gateway/resilience/reversal-worker.ts picks it up and sends 2601.
 */
export function openResolution(at: string): Resolution {
  return { state: 'reversing', attempts: 0, next_at: at, reversal_ids: [] };
}

/** A write 2601 does not reverse, with an unknown outcome: what the platform holds is asked (gateway/engine/inquiries.ts). */
export function openInquiry(at: string): Resolution {
  return { state: 'inquiring', attempts: 0, next_at: at, reversal_ids: [], inquiry_ids: [] };
}

/**
 * When the first 2601 of a booking sent at `sentAt` may go: once the original can no longer be
 * processed — its send time (journaled write-ahead, so a restart does not move it) + the platform
 * timeout + a margin. A reversal sent earlier could reach the platform before a late original,
 * find nothing, and let the original book afterwards (issue 10).
 */
export function firstReversalAt(sentAt: string, timeoutMs: number, marginMs: number): string {
  return new Date(Date.parse(sentAt) + timeoutMs + marginMs).toISOString();
}

/**
 * How an unknown outcome of `infno` is made final (call-kinds.ts): a reversible booking enters the
 * reversal queue; any other write is inquired; a call that books nothing is final at once (nothing
 * to do, nobody's work); a 2601's own word is kept on the original it reverses.
 */
export function unknownResolution(infno: string, sentAt: string, now: string, timing: { timeoutMs: number; marginMs: number }) {
  const kind = callKind(infno);
  if (kind === 'reversible') return openResolution(firstReversalAt(sentAt, timing.timeoutMs, timing.marginMs));
  // asked no earlier than a 2601 would be: before that a late original could still change the answer
  if (kind === 'inquiry') return openInquiry(firstReversalAt(sentAt, timing.timeoutMs, timing.marginMs));
  if (kind === 'no_booking') {
    const final: Resolution = {
      state: 'not_booked',
      attempts: 0,
      next_at: now,
      reversal_ids: [],
      reason: `${infno} books nothing: the outcome is final and the call may be repeated`,
      resolved_at: now,
      encounter_released: true,
    };
    return final;
  }
  return undefined;
}

interface PlatformErrorMap {
  rules: Array<{ pattern: string; code: string }>;
  sign_in_expired_pattern: string;
}
const errorMap = JSON.parse(readFileSync(projectPath('gateway/errors/platform-error-map.json'), 'utf8')) as PlatformErrorMap;
const errorRules = errorMap.rules.map((r) => ({ re: new RegExp(r.pattern), code: r.code }));
const signInExpired = new RegExp(errorMap.sign_in_expired_pattern);

export interface CallContext {
  /** 参保地医保区划 of the person the input names */
  insuplc_admdvs?: string;
  encounter_id?: string;
  request_id?: string;
  keys?: BusinessKeys;
  /** what the HIS sent, kept as the first stage of the journal record */
  his_input?: unknown;
  /** checks of a successful reply against what was sent (e.g. the slip total); problems make the outcome unknown */
  expect?: (output: Record<string, unknown>) => string[];
  /** a 2601 reversal: the msgid it reverses (journaled as `reverses`) */
  reverses?: string;
  /** a staff retry: the record it repeats (journaled as `parent_id`) */
  parent_id?: string;
  /** the encounter step this call runs in, which writes its outcome with the encounter (deferred-outcomes.ts) */
  outcomes?: OutcomeCollector;
}

export interface CallSuccess {
  transaction_id: string;
  output: Record<string, unknown>;
  reply: ParsedReply;
}

/** A download's success (9102): the file as it came; the journal keeps its size, type and SHA-256, not its bytes. */
export interface DownloadSuccess {
  transaction_id: string;
  file: { bytes: Uint8Array; content_type: string };
}

type Attempt =
  | { kind: 'ok'; result: CallSuccess; file?: DownloadSuccess['file'] }
  | { kind: 'sign_in_expired'; transaction_id: string; error: GatewayError };

export interface PlatformClientDeps {
  store: Store;
  transport: PlatformTransport;
  msgids: MsgidGenerator;
  schemas: Schemas;
  envelope: EnvelopeSettings;
  clock: Clock;
  logger: Logger;
  timeoutMs: number;
  signIn: { opter_no: string; mac: string; ip: string; ttlMs: number };
  /** Checks a successful reply's meaning (e.g. the slip equations); returns problems, empty when fine. */
  replyChecks?: Record<string, (output: Record<string, unknown>) => string[]>;
  /** How long after an unknown booking outcome the first reversal (2601) waits: a late original may still be in flight. */
  firstReversalDelayMs?: number;
  /** Told of every finished call (metrics: calls by infno and outcome, latency). */
  observe?: (infno: string, outcome: string, ms: number) => void;
}

/**
 * The one way to the platform: validate the message, journal it write-ahead with its msgid,
 * send it, validate and classify the reply, journal the outcome. Each step is a call, in order.
 */
export class PlatformClient {
  private signNo?: { value: string; at: number };
  private signing?: Promise<string>;
  private lastSignIn?: number;

  constructor(private readonly d: PlatformClientDeps) {}

  /** Calls `infno`; resolves with the output on success, throws a GatewayError with a catalog code otherwise. */
  async call(infno: string, input: object, ctx: CallContext = {}): Promise<CallSuccess> {
    return (await this.signedAttempt(infno, input, ctx)).result;
  }

  /**
   * A download (9102 文件下载): journaled and sent like any call; a success is the file itself
   * (not JSON), of at most `maxBytes`. A JSON answer is the platform's word: a refusal throws as
   * any call's does, a JSON success that brought no file is an invalid reply.
   */
  async download(infno: string, input: object, ctx: CallContext, opts: { maxBytes: number }): Promise<DownloadSuccess> {
    const r = await this.signedAttempt(infno, input, ctx, opts);
    return { transaction_id: r.result.transaction_id, file: r.file! };
  }

  private async signedAttempt(infno: string, input: object, ctx: CallContext, file?: { maxBytes: number }) {
    const first = await this.attempt(infno, input, ctx, await this.currentSignNo(), undefined, file);
    if (first.kind === 'sign_in_expired') {
      // A rejection books nothing, so the same message may be sent again under a new msgid.
      this.signNo = undefined;
      const retry = await this.attempt(infno, input, { ...ctx }, await this.currentSignNo(), first.transaction_id, file);
      if (retry.kind === 'sign_in_expired') throw retry.error;
      return retry;
    }
    return first;
  }

  /** The sign_no of a fresh 9001 (cached; concurrent callers share one sign-in). */
  async currentSignNo(): Promise<string> {
    const now = this.d.clock.now().getTime();
    if (this.signNo && now - this.signNo.at < this.d.signIn.ttlMs) return this.signNo.value;
    this.signing ??= this.signInNow().finally(() => {
      this.signing = undefined;
    });
    return this.signing;
  }

  get signedIn(): boolean {
    return this.signNo !== undefined;
  }

  /** When the last 9001 sign-in succeeded (clock ms; undefined: none yet in this process). Metrics read it. */
  get lastSignInAt(): number | undefined {
    return this.lastSignIn;
  }

  /** A fresh 9001 now (also the circuit breaker's harmless probe). */
  async signInNow(): Promise<string> {
    const { opter_no, mac, ip } = this.d.signIn;
    const r = await this.attempt('9001', { signIn: { opter_no, mac, ip } }, {}, undefined);
    if (r.kind === 'sign_in_expired') throw r.error;
    const out = r.result.output.signinoutb as { sign_no: string };
    this.signNo = { value: out.sign_no, at: this.d.clock.now().getTime() };
    this.lastSignIn = this.signNo.at;
    this.d.logger.info({ infno: '9001', transaction_id: r.result.transaction_id }, 'signed in to the platform');
    return out.sign_no;
  }

  private async attempt(
    infno: string,
    input: object,
    ctx: CallContext,
    signNo: string | undefined,
    parentId?: string,
    download?: { maxBytes: number },
  ): Promise<Attempt> {
    const { schemas, logger } = this.d;
    const inputProblems = schemas.checkPlatform(`${infno}.input`, input);
    if (inputProblems.length) {
      throw new GatewayError('GW_VAL_PLATFORM_FIELD', {
        message: `The ${infno} message does not fit the national interface: ${inputProblems.map((p) => `${p.field} ${p.problem}`).join('; ')}`,
        message_zh: `${infno} 报文不符合国家接口规范（长度或格式）：${inputProblems.map((p) => p.field).join('、')}（见 details.errors）`,
        details: { infno, errors: inputProblems },
      });
    }
    const msgid = await this.d.msgids.next();
    const now = this.d.clock.now();
    const envelope = buildEnvelope(this.d.envelope, {
      infno,
      msgid,
      input: input as Record<string, unknown>,
      insuplc_admdvs: ctx.insuplc_admdvs,
      sign_no: signNo,
      now,
    });
    const envProblems = schemas.checkPlatform('envelope.request', envelope);
    if (envProblems.length) {
      throw new GatewayError('GW_VAL_PLATFORM_FIELD', { details: { infno, errors: envProblems } });
    }
    const rec: TransactionRecord = {
      id: msgid,
      infno,
      outcome: 'pending',
      created_at: now.toISOString(),
      updated_at: now.toISOString(),
      request_id: ctx.request_id,
      encounter_id: ctx.encounter_id,
      parent_id: parentId ?? ctx.parent_id,
      reverses: ctx.reverses,
      keys: { ...ctx.keys },
      // the envelope is kept without its input, which is `message` itself (sentStages() joins them)
      stages: { his_input: ctx.his_input, message: input, envelope: envelopeHeader(envelope) },
    };
    // Write-ahead: the record is durable before a byte leaves for the platform.
    await this.journal(rec);
    logger.debug({ infno, transaction_id: msgid, request_id: ctx.request_id }, 'journal write-ahead done; sending');

    const started = process.hrtime.bigint();
    const sent = await this.d.transport.send(infno, envelope, { timeoutMs: this.d.timeoutMs, ...(download ? { file: download } : {}) });
    const file = download ? fileOf(sent) : undefined;
    const check = this.d.replyChecks?.[infno];
    const classified: Classified & { output?: Record<string, unknown> } = file
      ? { outcome: 'succeeded', reply: { infcode: 0 } }
      : withoutFile(
          !!download,
          readReply(this.d.schemas, infno, classifyReply(sent, msgid), [...(check ? [check] : []), ...(ctx.expect ? [ctx.expect] : [])]),
        );
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    // the classification only: the reply's words stay in the journal (staff see them redacted)
    logger.debug({ infno, transaction_id: msgid, outcome: classified.outcome, ms: Math.round(ms) }, 'platform reply classified');

    rec.outcome = classified.outcome;
    rec.updated_at = this.d.clock.now().toISOString();
    // the wire form (encrypted, signed) only as its digest: the message above is the plaintext
    if (sent.wire_digest) rec.wire_digest = sent.wire_digest;
    if (sent.reply_wire_digest) rec.reply_wire_digest = sent.reply_wire_digest;
    if (file) rec.stages.reply = { file: fileSummary(file) };
    else if ('reply' in classified && classified.reply) rec.stages.reply = classified.reply;
    const error = this.errorFor(classified, msgid, infno);
    if (error) {
      rec.error = {
        code: error.code,
        reason: 'reason' in classified ? classified.reason : '',
        platform_err_msg: platformErrMsg(classified),
      };
    }
    if (classified.outcome === 'unknown') {
      rec.resolution = unknownResolution(infno, rec.created_at, rec.updated_at, {
        timeoutMs: this.d.timeoutMs,
        marginMs: this.d.firstReversalDelayMs ?? 0,
      });
    }
    if (classified.outcome === 'succeeded') {
      const out = classified.output ?? {};
      const setl = (out.setlinfo ?? out.data) as Record<string, unknown> | undefined;
      if (setl && typeof setl.setl_id === 'string') rec.keys.setl_id ??= setl.setl_id;
      if (setl && typeof setl.mdtrt_id === 'string') rec.keys.mdtrt_id ??= setl.mdtrt_id;
    }
    // the outcome: left to the encounter step's own write where one runs this call (deferred-outcomes.ts)
    if (!deferOutcome(rec, ctx.outcomes)) await this.journal(rec, infno);
    logger.info({ infno, transaction_id: msgid, outcome: rec.outcome, ms: Math.round(ms), code: error?.code }, 'platform call');
    this.d.observe?.(infno, rec.outcome, ms);

    if (error && classified.outcome === 'rejected' && signNo !== undefined && signInExpired.test(rec.error?.platform_err_msg ?? '')) {
      return { kind: 'sign_in_expired', transaction_id: msgid, error };
    }
    if (error) throw error;
    const ok = classified as Extract<Classified, { outcome: 'succeeded' }>;
    return {
      kind: 'ok',
      result: { transaction_id: msgid, output: classified.output ?? {}, reply: ok.reply },
      ...(file ? { file: { bytes: file.bytes, content_type: file.contentType } } : {}),
    };
  }

  /**
   * Writes the record. Before sending (no `sentInfno`) a failure means nothing was sent. After the
   * platform had the message, a failure leaves the record pending in the journal (the start-up and
   * periodic recovery make it unknown and resolve it by kind): the HIS is told what an unknown
   * outcome of that infno means, never "nothing was sent".
   */
  private async journal(rec: TransactionRecord, sentInfno?: string) {
    try {
      await this.d.store.putTransaction(rec);
      // the write-ahead is the point of no return: on disk (with every write before it) before a byte is sent
      if (!sentInfno) await this.d.store.sync();
    } catch (cause) {
      if (!sentInfno) throw new GatewayError('GW_SYS_STORE_UNAVAILABLE', { cause, transaction_id: rec.id });
      throw outcomeNotWritten(sentInfno, rec.id, cause);
    }
  }

  private errorFor(c: Classified, transaction_id: string, infno: string): GatewayError | undefined {
    switch (c.outcome) {
      case 'succeeded':
        return undefined;
      case 'not_sent':
        return new GatewayError(c.reason === CIRCUIT_OPEN_REASON ? 'GW_SYS_PLATFORM_CIRCUIT_OPEN' : 'GW_SYS_PLATFORM_UNAVAILABLE', {
          transaction_id,
          details: counterReason(c.reason),
        });
      case 'unknown': {
        const safe = booksNothing(infno);
        const code = c.reason.startsWith('slip inconsistent')
          ? 'GW_SYS_SLIP_INCONSISTENT'
          : c.reason.startsWith('reply invalid') || c.reason.startsWith('malformed reply')
            ? 'GW_SYS_PLATFORM_REPLY_INVALID'
            : safe
              ? 'GW_SYS_PLATFORM_NO_REPLY_NOTHING_BOOKED'
              : callKind(infno) === 'inquiry'
                ? 'GW_SYS_PLATFORM_OUTCOME_INQUIRING'
                : 'GW_SYS_PLATFORM_OUTCOME_UNKNOWN';
        return new GatewayError(code, {
          transaction_id,
          // the counter's reason (超时, 连接中断 …); the transport's own words stay in the journal
          details: {
            ...counterReason(c.reason),
            platform_err_msg: c.reply?.err_msg ?? undefined,
            ...(safe ? { nothing_booked: true } : {}),
          },
        });
      }
      case 'rejected': {
        const msg = platformErrMsg(c) ?? '';
        const code =
          c.httpStatus === 401 || c.httpStatus === 403
            ? 'GW_SYS_PLATFORM_AUTH'
            : (errorRules.find((r) => r.re.test(msg))?.code ?? 'GW_BIZ_PLATFORM_REJECTED');
        return new GatewayError(code, { transaction_id, details: { platform_err_msg: msg, http_status: c.httpStatus } });
      }
    }
  }
}

/** A download answered with JSON that says success: no file came, so it is no trustworthy answer. */
function withoutFile<C extends Classified>(download: boolean, c: C): C | Classified {
  if (!download || c.outcome !== 'succeeded') return c;
  return { outcome: 'unknown', reply: c.reply, reason: 'reply invalid: a JSON reply where the file was expected' };
}

/** What the journal keeps of a downloaded file: not its bytes (they may be large), but what identifies them. */
function fileSummary(f: { bytes: Uint8Array; contentType: string }) {
  return { content_type: f.contentType, bytes: f.bytes.length, sha256: createHash('sha256').update(f.bytes).digest('hex') };
}

function platformErrMsg(c: Classified): string | undefined {
  if (c.outcome === 'not_sent' || c.outcome === 'succeeded') return undefined;
  const m = c.reply?.err_msg;
  return m ? String(m) : c.reason;
}

/** The envelope as journaled: everything but `input`, which the record keeps once, as `message`. */
function envelopeHeader(envelope: object): object {
  const { input: _input, ...header } = envelope as Record<string, unknown>;
  return header;
}

/** A record's stages as they were on the wire: the envelope with its input again. */
export function sentStages(stages: TransactionRecord['stages']): TransactionRecord['stages'] {
  const env = stages.envelope as Record<string, unknown> | undefined;
  return env && !('input' in env) ? { ...stages, envelope: { ...env, input: stages.message } } : stages;
}
