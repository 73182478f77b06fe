/**
 * The national-format door (国家接口格式入口, issue 19; docs/national-door.md): an HIS that already
 * speaks the national interface points its platform base URL at `<gateway>/national` and sends what
 * it sends the platform — the envelope with `infno`, `msgid`, `input` — under the path shape it
 * already uses (base URL + infno, or the 前置机's /fsi/api/... paths with the infno in the body). It
 * is answered in the national reply envelope, always HTTP 200 as the platform answers; a request that
 * never reaches the door (no API key, too large, not JSON) meets the gateway's HTTP errors first.
 *
 * The path, in order: envelope checked against the platform's envelope schema -> path infno agrees
 * with the body's -> routing table (unknown or refused infno: answered, never forwarded) -> input
 * checked against the platform's schema of that infno -> the HIS's msgid claimed as the idempotency
 * key, scoped per client (resent: the first answer; resent with another input: refused) -> the
 * operation (national-operations.ts: the same engine as the REST API) -> the national reply, stored
 * under the msgid before it is sent.
 */
import { createHash } from 'node:crypto';
import { type Request, type Response, Router } from 'express';
import { errorReply, type NationalReply, successReply } from '../../adapters/his/national/replies.js';
import { present, type RoutingTable, routeOf } from '../../adapters/his/national/requests.js';
import { GatewayError } from '../errors/errors.js';
import type { AppDeps } from './deps.js';
import { canonicalJson, keeps } from './idempotency.js';
import { moneyJson, sendJson } from './money-json.js';
import { journaledReply, loadRoutingTable, type OpResult, runOperation } from './national-operations.js';
import type { Ops } from './openapi.js';

/** Where the door is mounted: the HIS's platform base URL becomes `<gateway>/national`. */
export const NATIONAL_PREFIX = '/national';

const LEASE_SECONDS = 300;
const POLL_MS = 50;

interface Envelope {
  infno: string;
  msgid: string;
  input: unknown;
  [k: string]: unknown;
}

export function nationalDoor(d: AppDeps, table: RoutingTable = loadRoutingTable()) {
  const r = Router({ caseSensitive: true });
  // profile "tif" (and any base URL + infno): POST <base>/<infno>
  r.post('/:infno', (req, res, next) => answer(d, table, req, res, req.params.infno as string).catch(next));
  // profile "fsi-paths": the 前置机's paths, one call-service endpoint or a path per service; the infno is in the body
  r.post('/fsi/api/:service/:method', (req, res, next) => answer(d, table, req, res, undefined).catch(next));
  return r;
}

async function answer(d: AppDeps, table: RoutingTable, req: Request, res: Response, pathInfno: string | undefined) {
  const now = () => d.clock.now();
  const refuse = (e: GatewayError) => send(res, errorReply(table, now(), refusalOf(e)));
  const body = present(req.body ?? null) as unknown;
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    return refuse(
      new GatewayError('GW_VAL_NATIONAL_MESSAGE', { message_zh: '报文不是国家接口的请求报文（JSON 对象）', details: { field: '(body)' } }),
    );
  }
  const problems = d.schemas.checkPlatform('envelope.request', body);
  if (problems.length) return refuse(fieldError('报文头', problems));
  const env = body as Envelope;
  if (pathInfno !== undefined && pathInfno !== env.infno) {
    return refuse(
      new GatewayError('GW_VAL_NATIONAL_MESSAGE', {
        message_zh: `地址中的交易编号 ${pathInfno} 与报文的 infno ${env.infno} 不一致`,
        details: { field: 'infno' },
      }),
    );
  }
  const route = routeOf(table, env.infno);
  if (route.kind !== 'passed') {
    const why = route.kind === 'refused' ? route.reason : '网关不认识该交易编号，报文未转发医保平台';
    return refuse(
      new GatewayError('GW_VAL_NATIONAL_INFNO_REFUSED', {
        message: `The national-format door does not pass infno ${env.infno}.`,
        message_zh: `国家格式入口不办理交易 ${env.infno}：${why}`,
        details: { infno: env.infno },
      }),
    );
  }
  if (d.schemas.hasPlatform(`${env.infno}.input`)) {
    const inputProblems = d.schemas.checkPlatform(`${env.infno}.input`, env.input);
    if (inputProblems.length) return refuse(fieldError(`${env.infno} 交易输入`, inputProblems, 'input'));
  }

  const client = req.client?.id ?? 'anonymous';
  const scope = `national:${client}:${env.msgid}`;
  const fingerprint = createHash('sha256')
    .update(`${env.infno}\n${canonicalJson(env.input)}`)
    .digest('hex');
  const deadline = Date.now() + d.idempotency.waitMs;
  for (;;) {
    const c = await d.store.claimIdempotency(scope, fingerprint, LEASE_SECONDS, d.idempotency.holder);
    if (c.state === 'mismatch') {
      return refuse(
        new GatewayError('GW_VAL_IDEMPOTENCY_KEY_REUSED', {
          message: `msgid ${env.msgid} was already used for another message.`,
          message_zh: `发送方报文ID（msgid）${env.msgid} 已用于另一笔内容不同的报文：新报文须使用新的 msgid，原样重发才沿用原 msgid`,
          details: { msgid: env.msgid },
        }),
      );
    }
    if (c.state === 'done') {
      if (c.response.transaction_id) res.setHeader('x-transaction-id', c.response.transaction_id);
      res.setHeader('idempotent-replayed', 'true');
      return void res.status(200).type('application/json; charset=utf-8').send(c.response.body);
    }
    if (c.state === 'claimed') {
      let done: Awaited<ReturnType<typeof execute>>;
      try {
        done = await execute(d, table, env, route.route, req, client);
      } catch (e) {
        // no answer came of it (the store failed reading the journal back): the msgid may be sent again
        await d.store.releaseIdempotency(scope, c.token).catch(() => {});
        throw e;
      }
      const { reply, transaction_id, keep } = done;
      // the text stored under the msgid is the text sent: a resent msgid gets these very bytes
      const text = moneyJson(reply);
      if (keep) {
        if (!(await d.store.completeIdempotency(scope, c.token, { status: 200, body: text, transaction_id }, d.idempotency.ttlSeconds)))
          req.log.warn({ request_id: req.id }, 'national door: the msgid claim lapsed before the answer was stored');
      } else {
        await d.store.releaseIdempotency(scope, c.token);
      }
      if (transaction_id) res.setHeader('x-transaction-id', transaction_id);
      return void res.status(200).type('application/json; charset=utf-8').send(text);
    }
    if (Date.now() >= deadline) {
      return refuse(
        new GatewayError('GW_BIZ_IDEMPOTENCY_IN_FLIGHT', {
          message_zh: `msgid ${env.msgid} 的报文仍在处理中，请稍后以同一 msgid 原样重发取回应答`,
          details: { msgid: env.msgid },
        }),
      );
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** Runs the operation; the reply, the gateway's transaction id, and whether the msgid keeps this answer. */
async function execute(
  d: AppDeps,
  table: RoutingTable,
  env: Envelope,
  route: Parameters<typeof runOperation>[0]['route'],
  req: Request,
  client: string,
): Promise<{ reply: NationalReply; transaction_id?: string; keep: boolean }> {
  const meta = { request_id: req.id, client_id: req.client?.id, client_role: req.client?.role, his_msgid: `${client}:${env.msgid}` };
  let result: OpResult;
  try {
    result = await runOperation({ d, input: env.input, route, meta, clientScope: `${client}:` });
  } catch (e) {
    const ge = e instanceof GatewayError ? e : new GatewayError('GW_SYS_INTERNAL', { cause: e });
    if (ge.code === 'GW_SYS_INTERNAL') req.log.error({ request_id: req.id, err: (e as Error)?.message }, 'national door: operation failed');
    else req.log.warn({ request_id: req.id, infno: env.infno, code: ge.code, transaction_id: ge.transaction_id }, 'national door: refused');
    // the REST door's rule of which answers a key keeps (idempotency.ts keeps), on the same error body
    const keep = keeps({ status: ge.status, body: JSON.stringify(ge.body(req.id)) });
    return { reply: errorReply(table, d.clock.now(), refusalOf(ge)), transaction_id: ge.transaction_id, keep };
  }
  if (result.from === 'journal') {
    const reply = await journaledReply(d, result.transaction_id);
    return {
      reply: successReply(d.clock.now(), { reply: reply ?? {}, transaction_id: result.transaction_id }),
      transaction_id: result.transaction_id,
      keep: true,
    };
  }
  return {
    reply: successReply(d.clock.now(), { output: result.output, transaction_id: result.transaction_id, warn_msg: result.warn_msg }),
    transaction_id: result.transaction_id,
    keep: result.keep ?? true,
  };
}

function refusalOf(e: GatewayError) {
  return { code: e.code, category: e.entry.category, message_zh: e.message_zh, action: e.entry.action, transaction_id: e.transaction_id };
}

/** A schema refusal naming each field (as the platform's schema path, e.g. input.data.mdtrt_cert_type). */
function fieldError(what: string, problems: Array<{ field: string; problem: string }>, under = '') {
  const named = problems.map((p) => [under, p.field.replace(/^[./]+/, '').replaceAll('/', '.')].filter(Boolean).join('.'));
  return new GatewayError('GW_VAL_PLATFORM_FIELD', {
    message: `The message does not fit the national interface: ${problems.map((p) => `${p.field} ${p.problem}`).join('; ')}`,
    message_zh: `${what}不符合国家接口规范：${[...new Set(named)].join('、')}（${problems.map((p) => p.problem).join('; ')}）`,
    details: { errors: problems },
  });
}

function send(res: Response, reply: NationalReply, transaction_id?: string) {
  if (transaction_id) res.setHeader('x-transaction-id', transaction_id);
  sendJson(res, 200, reply);
}

export const nationalOps: Ops = {
  [`${NATIONAL_PREFIX}/{infno}`]: {
    post: {
      id: 'nationalByInfno',
      tag: 'national',
      zh: '国家接口格式入口：基础地址 + 交易编号（如 /national/2207），报文与应答同国家医保平台',
      summary:
        'National-format door, base URL + infno: the national request envelope in, the national reply envelope out (always HTTP 200; infcode says the outcome)',
      body: 'national-envelope.request',
      status: 200,
      response: 'national-reply.response',
      params: ['infno'],
    },
  },
  [`${NATIONAL_PREFIX}/fsi/api/{service}/{method}`]: {
    post: {
      id: 'nationalFsiPath',
      tag: 'national',
      zh: '国家接口格式入口：前置机地址（/fsi/api/rsfComIfsService/callService 或按服务的地址），交易编号在报文中',
      summary: 'National-format door, front-end machine paths (/fsi/api/...): the infno travels in the envelope',
      body: 'national-envelope.request',
      status: 200,
      response: 'national-reply.response',
      params: ['service', 'method'],
    },
  },
};
