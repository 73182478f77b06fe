/**
 * The mock settlement platform: an HTTP server speaking the national interface over the "tif"
 * transport profile (POST {basePath}/{infno}), with a control API for tests under /__mock.
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
import { type ReplyStyle, replyStyleFromEnv, shapeReply } from './reply-style.js';
import { businessNow } from './clock.js';
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
}

export type { MockState } from './state.js';

const DEFAULT_OPTIONS: Omit<MockOptions, 'logger'> = {
  paasid: 'yidi-demo',
  secret: 'demo-secret-change-me',
  basePath: '/api',
  clock: () => new Date(),
  infcodeAsString: false,
  replyStyle: 'real',
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

function recordCall(state: MockState, infno: string, now: Date): CallRecord {
  const call: CallRecord = { infno, msgid: null, at: now.toISOString(), infcode: null };
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

/** The one way a JSON reply envelope leaves the mock: shaped to the reply style (reply-style.ts). */
function sendReply(rt: Runtime, res: Response, status: number, infno: string, reply: object): void {
  res.status(status).json(shapeReply(reply, infno, { style: rt.options.replyStyle, infcodeAsString: rt.options.infcodeAsString }));
}

/** Applies a fault outcome; true when the fault has answered (or dropped) the call. */
function appliedFault(rt: Runtime, res: Response, infno: string, outcome: FaultOutcome): boolean {
  if (outcome.action === 'continue') return false;
  if (outcome.action === 'destroy') res.socket?.destroy();
  else if (outcome.action === 'respond_text') res.status(outcome.status).type('text/html').send(outcome.text);
  else sendReply(rt, res, outcome.status, infno, outcome.body as object);
  return true;
}

async function handleBusinessCall(rt: Runtime, req: Request, res: Response): Promise<void> {
  const started = Date.now();
  const infno = String(req.params.infno);
  const auth = rt.verifier.verify(req.headers);
  if (!auth.ok) {
    rt.logger.warn({ infno, reason: auth.reason }, 'signature rejected');
    sendReply(rt, res, 401, infno, { infcode: INFCODE_BUSINESS_ERROR, err_msg: auth.reason });
    return;
  }
  const now = () => businessNow(rt.state.clock, rt.options.clock);
  const call = recordCall(rt.state, infno, now());
  const parsed = parseBody(req.body);
  if (!parsed.ok) {
    call.infcode = INFCODE_BUSINESS_ERROR;
    const fields = { infcode: INFCODE_BUSINESS_ERROR, msgid: null, refmsgTime: null, now: now(), output: null };
    sendReply(rt, res, 400, infno, buildReply({ ...fields, errMsg: '报文校验失败: 请求体不是合法的JSON' }));
    return;
  }
  const ctx = { signal: rt.lifetime.signal };
  if (appliedFault(rt, res, infno, await rt.state.faults.run('before_handler', infno, ctx))) return;
  const outcome = runCall(rt, parsed.value, infno, now());
  call.msgid = outcome.msgid;
  call.infcode = outcome.infcode;
  selfCheckOutput(rt, infno, outcome);
  if (appliedFault(rt, res, infno, await rt.state.faults.run('after_handler', infno, ctx))) return;
  sendReply(rt, res, 200, infno, buildReply({ ...outcome, now: now() }));
  rt.logger.info(
    { infno, msgid: outcome.msgid, infcode: outcome.infcode, err_msg: outcome.errMsg, ms: Date.now() - started },
    'business call',
  );
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
  app.post(`${rt.options.basePath}/:infno`, express.raw({ type: () => true, limit: BODY_LIMIT }), businessRoute(rt));
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

export function createMockPlatform(opts: Partial<MockOptions> = {}): MockPlatform {
  const options: MockOptions = {
    ...DEFAULT_OPTIONS,
    ...opts,
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
