/**
 * The mock settlement platform: an HTTP server speaking the national interface over a transport
 * profile (profiles.ts: tif = POST {basePath}/{infno}; fsi-paths; jilin-sm), with a control API for
 * tests under /__mock.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type NextFunction, type Request, type Response } from 'express';
import { pino, type Logger } from 'pino';
import { TifVerifier } from './auth.js';
import { CONTROL_PREFIX, controlApi } from './control-api.js';
import { buildReply, INFCODE_BUSINESS_ERROR, INFCODE_SYSTEM_ERROR } from './envelope.js';
import type { FaultOutcome } from './faults.js';
import { processCall, type CallOutcome } from './pipeline.js';
import {
  answerTokenRequest,
  bearerValid,
  DEMO_JILIN,
  fsiPathInfno,
  type JilinMockOptions,
  type MockProfileName,
  openJilinEnvelope,
  sealJilinReply,
} from './profiles.js';
import { type ReplyStyle, replyStyleFromEnv, shapeReply } from './reply-style.js';
import { businessNow } from './clock.js';
import { FILE } from './handlers/reconciliation.js';
import { checkOutput, validators } from './schemas.js';
import { createState, type MockState } from './state.js';
import type { CallRecord } from './types.js';

export interface MockOptions {
  paasid: string;
  secret: string;
  /** default '/api' */
  basePath: string;
  /** the transport clock (x-tif timestamps); the business clock follows it until POST /__mock/clock moves it */
  clock: () => Date;
  /** the hospital's treatment area (医保区划, default 440300 from data/policies.json): e.g. 210200 to play a Liaoning hospital */
  mdtrtareaAdmvs?: string;
  /** send infcode as "0"/"-2" instead of 0/-2 */
  infcodeAsString: boolean;
  /**
   * strict: replies as built (absent values left out, numbers); real: as real platforms send them
   * (nulls for absent fields, amounts and infcode as numbers or strings): reply-style.ts. Default:
   * MOCK_REPLY_STYLE of the environment, else strict.
   */
  replyStyle: ReplyStyle;
  /** the transport profile spoken (profiles.ts; main.ts reads MOCK_PROFILE), default tif */
  profile: MockProfileName;
  /** jilin-sm: credentials, the hospital's public key, reply encryption (default: the demo values) */
  jilin: JilinMockOptions;
  logger?: Logger;
}

export interface MockPlatform {
  app: express.Express;
  /** port 0 (default) = an ephemeral port; host defaults to 127.0.0.1 */
  listen(port?: number, host?: string): Promise<{ port: number; url: string }>;
  close(): Promise<void>;
  state: MockState;
  /** the reply style in force (the option, else MOCK_REPLY_STYLE, else strict) */
  readonly replyStyle: ReplyStyle;
  readonly profile: MockProfileName;
}

/** What createMockPlatform takes: any option, the jilin-sm ones each on its own. */
export type MockOptionsInput = Partial<Omit<MockOptions, 'jilin'>> & { jilin?: Partial<JilinMockOptions> };

export type { MockState } from './state.js';

const DEFAULT_OPTIONS: Omit<MockOptions, 'logger'> = {
  paasid: 'yidi-demo',
  secret: 'demo-secret-change-me',
  basePath: '/api',
  clock: () => new Date(),
  infcodeAsString: false,
  replyStyle: 'real',
  profile: 'tif',
  jilin: DEMO_JILIN,
};

const BODY_LIMIT = '10mb';

interface Runtime {
  options: MockOptions;
  logger: Logger;
  state: MockState;
  verifier: TifVerifier;
  /** aborted by close(): pending fault delays end at once */
  lifetime: AbortController;
}

function recordCall(state: MockState, infno: string, now: Date, path?: string): CallRecord {
  const call: CallRecord = { infno, msgid: null, at: now.toISOString(), infcode: null, ...(path ? { path } : {}) };
  state.calls.push(call);
  return call;
}

function parseBody(raw: unknown): { ok: true; value: unknown } | { ok: false } {
  const text = Buffer.isBuffer(raw) ? raw.toString('utf8') : typeof raw === 'string' ? raw : '';
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

/** processCall, with an unexpected error turned into infcode -1 (a platform-side system error). */
function runCall(rt: Runtime, body: unknown, infno: string, now: Date): CallOutcome {
  try {
    return processCall(rt.state, body, infno, now);
  } catch (error) {
    rt.logger.error({ err: error, infno }, 'transaction failed unexpectedly');
    return { infcode: INFCODE_SYSTEM_ERROR, msgid: null, refmsgTime: null, errMsg: '模拟平台内部错误', output: null };
  }
}

/** The mock's own output must satisfy <infno>.output.json; a miss is a mock bug, logged loudly. */
function selfCheckOutput(rt: Runtime, infno: string, outcome: CallOutcome): void {
  if (outcome.infcode !== 0) return;
  const problem = checkOutput(infno, outcome.output);
  if (problem) rt.logger.error({ infno, problem }, 'mock reply does not match its output schema');
}

/**
 * The one way a JSON reply envelope leaves the mock: shaped to the reply style (reply-style.ts), then
 * sealed by the profile (jilin-sm: `output` encrypted) unless `raw`.
 */
function sendReply(rt: Runtime, res: Response, status: number, infno: string, reply: object, raw = false): void {
  const shaped = shapeReply(reply, infno, { style: rt.options.replyStyle, infcodeAsString: rt.options.infcodeAsString });
  res.status(status).json(rt.options.profile === 'jilin-sm' && !raw ? sealJilinReply(rt.options.jilin, shaped) : shaped);
}

/** Applies a fault outcome; true when the fault has answered (or dropped) the call. */
function appliedFault(rt: Runtime, res: Response, infno: string, outcome: FaultOutcome): boolean {
  if (outcome.action === 'continue') return false;
  if (outcome.action === 'destroy') res.socket?.destroy();
  else if (outcome.action === 'respond_text') res.status(outcome.status).type('text/html').send(outcome.text);
  else sendReply(rt, res, outcome.status, infno, outcome.body as object, outcome.raw);
  return true;
}

/** A business request as the profile reads it: the infno and the plaintext envelope, or how it is refused. */
type Opened =
  | { ok: true; infno: string; body: unknown; path?: string }
  /** `record`: the call counts as received (listed by /__mock/calls); `raw`: the refusal goes out unsealed */
  | { ok: false; infno: string; status: number; reply: object; record: boolean; raw?: boolean; path?: string; log?: string };

const refusal = (rt: Runtime, errMsg: string) =>
  buildReply({ infcode: INFCODE_BUSINESS_ERROR, msgid: null, refmsgTime: null, now: rt.options.clock(), output: null, errMsg });
const NOT_JSON = '报文校验失败: 请求体不是合法的JSON';

/** tif: POST {base}/{infno}, the x-tif-* signature checked first. */
function openTif(rt: Runtime, req: Request): Opened {
  const infno = String(req.params.infno);
  const auth = rt.verifier.verify(req.headers);
  if (!auth.ok) {
    return {
      ok: false,
      infno,
      status: 401,
      reply: { infcode: INFCODE_BUSINESS_ERROR, err_msg: auth.reason },
      record: false,
      log: 'signature rejected',
    };
  }
  const parsed = parseBody(req.body);
  if (!parsed.ok) return { ok: false, infno, status: 400, reply: refusal(rt, NOT_JSON), record: true };
  return { ok: true, infno, body: parsed.value };
}

/** fsi-paths: a per-service path names the infno; the call-service endpoint takes it from the body. */
function openFsi(rt: Runtime, req: Request): Opened {
  const path = req.path.slice(rt.options.basePath.length);
  const mapped = fsiPathInfno(path);
  if (mapped === undefined) {
    return {
      ok: false,
      infno: '',
      status: 404,
      reply: { infcode: INFCODE_BUSINESS_ERROR, err_msg: `接口地址不存在: ${path}` },
      record: false,
      path,
    };
  }
  if (/^multipart\//i.test(String(req.headers['content-type'] ?? ''))) {
    // the front-end's 9101 upload form: the mock keeps no files
    return { ok: false, infno: '9101', status: 200, reply: refusal(rt, '不支持的交易编号: 9101'), record: true, path };
  }
  const parsed = parseBody(req.body);
  if (!parsed.ok) return { ok: false, infno: mapped ?? '', status: 400, reply: refusal(rt, NOT_JSON), record: true, path };
  const bodyInfno = (parsed.value as { infno?: unknown } | null)?.infno;
  return { ok: true, infno: mapped ?? (typeof bodyInfno === 'string' ? bodyInfno : ''), body: parsed.value, path };
}

/** jilin-sm: a live Bearer token, then the envelope decrypted and its signature verified. */
function openJilin(rt: Runtime, req: Request): Opened {
  if (!bearerValid(rt.state.tokens, req.headers, rt.options.clock().getTime())) {
    return {
      ok: false,
      infno: '',
      status: 401,
      reply: { error: 'invalid_token', error_description: '令牌无效或已过期' },
      record: false,
      raw: true,
      log: 'token rejected',
    };
  }
  const parsed = parseBody(req.body);
  if (!parsed.ok) return { ok: false, infno: '', status: 400, reply: refusal(rt, NOT_JSON), record: true };
  const bodyInfno = (parsed.value as { infno?: unknown } | null)?.infno;
  const infno = typeof bodyInfno === 'string' ? bodyInfno : '';
  const opened = openJilinEnvelope(rt.options.jilin, parsed.value);
  if (!opened.ok) return { ok: false, infno, status: 400, reply: refusal(rt, opened.errMsg), record: true, log: 'envelope refused' };
  return { ok: true, infno, body: opened.envelope };
}

const OPENERS: Record<MockProfileName, (rt: Runtime, req: Request) => Opened> = {
  tif: openTif,
  'fsi-paths': openFsi,
  'jilin-sm': openJilin,
};

async function handleBusinessCall(rt: Runtime, req: Request, res: Response): Promise<void> {
  const started = Date.now();
  const opened = OPENERS[rt.options.profile](rt, req);
  const infno = opened.infno;
  if (!opened.ok) {
    if (opened.log) rt.logger.warn({ infno, reason: (opened.reply as { err_msg?: unknown }).err_msg }, opened.log);
    if (opened.record) recordCall(rt.state, infno, rt.options.clock(), opened.path).infcode = INFCODE_BUSINESS_ERROR;
    sendReply(rt, res, opened.status, infno, opened.reply, opened.raw);
    return;
  }
  const call = recordCall(rt.state, infno, rt.options.clock(), opened.path);
  const ctx = { signal: rt.lifetime.signal };
  if (appliedFault(rt, res, infno, await rt.state.faults.run('before_handler', infno, ctx))) return;
  // the business clock (clock.ts: settable by tests for 跨年退费); signatures keep the real one
  const now = businessNow(rt.state.clock, rt.options.clock);
  const outcome = runCall(rt, opened.body, infno, now);
  call.msgid = outcome.msgid;
  call.infcode = outcome.infcode;
  selfCheckOutput(rt, infno, outcome);
  if (appliedFault(rt, res, infno, await rt.state.faults.run('after_handler', infno, ctx))) return;
  const file = outcome.infcode === 0 ? (outcome.output?.[FILE] as { filename: string; bytes: Uint8Array } | undefined) : undefined;
  if (file) {
    // 9102: the file itself, not a JSON envelope
    res.status(200).type('application/octet-stream').setHeader('content-disposition', `attachment; filename="${file.filename}"`);
    res.end(Buffer.from(file.bytes));
  } else sendReply(rt, res, 200, infno, buildReply({ ...outcome, now: businessNow(rt.state.clock, rt.options.clock) }));
  rt.logger.info(
    { infno, msgid: outcome.msgid, infcode: outcome.infcode, err_msg: outcome.errMsg, ms: Date.now() - started },
    'business call',
  );
}

/** jilin-sm: the OAuth2 token endpoint. */
function tokenRoute(rt: Runtime) {
  return (req: Request, res: Response): void => {
    const form = (req.body ?? {}) as Record<string, unknown>;
    const answer = answerTokenRequest(rt.options.jilin, rt.state.tokens, req.headers, form, rt.options.clock().getTime());
    if (answer.status !== 200) rt.logger.warn({ status: answer.status, error: answer.body.error }, 'token refused');
    res.status(answer.status).json(answer.body);
  };
}

function businessRoute(rt: Runtime) {
  return (req: Request, res: Response, next: NextFunction): void => {
    handleBusinessCall(rt, req, res).catch((error: unknown) => {
      if (rt.lifetime.signal.aborted) return; // closing: the socket is gone
      next(error);
    });
  };
}

function errorHandler(rt: Runtime) {
  return (error: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const status = (error as { status?: unknown }).status;
    const httpStatus = typeof status === 'number' && status >= 400 && status < 600 ? status : 500;
    rt.logger.error({ err: error, httpStatus }, 'request failed');
    if (res.headersSent) return;
    const infcode = httpStatus < 500 ? INFCODE_BUSINESS_ERROR : INFCODE_SYSTEM_ERROR;
    sendReply(rt, res, httpStatus, String(req.params.infno ?? ''), { infcode, err_msg: '请求无法处理' });
  };
}

function buildApp(rt: Runtime): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(CONTROL_PREFIX, controlApi(rt.state, rt.logger, rt.options.clock));
  const base = rt.options.basePath;
  const raw = express.raw({ type: () => true, limit: BODY_LIMIT });
  if (rt.options.profile === 'tif') app.post(`${base}/:infno`, raw, businessRoute(rt));
  if (rt.options.profile === 'fsi-paths') app.post(`${base}/fsi/api/*path`, raw, businessRoute(rt));
  if (rt.options.profile === 'jilin-sm') {
    app.post(`${base}${rt.options.jilin.tokenPath}`, express.urlencoded({ extended: false }), tokenRoute(rt));
    app.post(`${base}${rt.options.jilin.servicePath}`, raw, businessRoute(rt));
  }
  app.use(errorHandler(rt));
  return app;
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

function startServer(app: express.Express, port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer(app);
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

function stopServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeAllConnections();
  });
}

export function createMockPlatform(opts: MockOptionsInput = {}): MockPlatform {
  const options: MockOptions = {
    ...DEFAULT_OPTIONS,
    ...opts,
    jilin: { ...DEFAULT_OPTIONS.jilin, ...opts.jilin },
    // the environment's MOCK_REPLY_STYLE when the caller says nothing (e2e suites start the mock in-process)
    replyStyle: opts.replyStyle ?? replyStyleFromEnv(process.env) ?? DEFAULT_OPTIONS.replyStyle,
  };
  const logger = options.logger ?? pino({ level: 'silent' });
  validators(); // compile every schema now, not on the first call
  const rt: Runtime = {
    options,
    logger,
    state: createState(options.mdtrtareaAdmvs),
    verifier: new TifVerifier(options),
    lifetime: new AbortController(),
  };
  const app = buildApp(rt);
  let server: Server | null = null;

  return {
    app,
    state: rt.state,
    replyStyle: options.replyStyle,
    profile: options.profile,
    async listen(port = 0, host = '127.0.0.1') {
      if (server) throw new Error('mock platform is already listening');
      rt.lifetime = new AbortController();
      server = await startServer(app, port, host);
      const bound = (server.address() as AddressInfo).port;
      return { port: bound, url: `http://${urlHost(host)}:${bound}${options.basePath}` };
    },
    async close() {
      if (!server) return;
      const closing = server;
      server = null;
      rt.lifetime.abort(new Error('mock platform closed'));
      await stopServer(closing);
    },
  };
}
