/**
 * A client of the mock platform for the mock's own tests (and scripts): signs the tif headers, wraps
 * an input in the request envelope with a fresh msgid, checks what comes back, and calls the control
 * API. Framework-free: a reply that is not what the method promises throws an Error saying why.
 *
 * `J` is the type replies are handed out as (tests pass their own loose JSON type).
 */
import { createHash, randomUUID } from 'node:crypto';
import { checkOutput, checkReplyEnvelope } from './schemas.js';
import { createMockPlatform, type MockOptionsInput, type MockPlatform } from './server.js';
import { compactDateTime, formatDateTime } from './time.js';

export interface MockClientOptions {
  /** the business base URL, e.g. http://127.0.0.1:PORT/api */
  url: string;
  paasid: string;
  secret: string;
  /** the time the envelopes and the tif timestamp carry */
  clock: () => Date;
  hospital?: { code: string; name: string; area: string };
}

export interface CallOptions {
  /** insuplc_admdvs (default '') */
  insuplc?: string;
  /** sign_no: default the one the last signIn() got; null = none */
  signNo?: string | null;
  msgid?: string;
}

const DEFAULT_HOSPITAL = { code: 'H44030500001', name: '深圳市示例人民医院', area: '440300' };

type Loose = Record<string, unknown>;

export class MockClient<J extends object = Loose> {
  /** the sign_no sent by default (set by signIn) */
  signNo = '';
  private seq = 0;
  readonly hospital: { code: string; name: string; area: string };

  constructor(private readonly opts: MockClientOptions) {
    this.hospital = opts.hospital ?? DEFAULT_HOSPITAL;
  }

  /** http://host:port (the control API lives under /__mock there) */
  get origin(): string {
    return new URL(this.opts.url).origin;
  }

  /** institution code + yyyyMMddHHmmss of the clock + a 4-digit sequence */
  nextMsgid(): string {
    this.seq += 1;
    return `${this.hospital.code}${compactDateTime(this.opts.clock())}${String(this.seq % 10_000).padStart(4, '0')}`;
  }

  tifHeaders(overrides: Record<string, string> = {}): Record<string, string> {
    const timestamp = String(Math.floor(this.opts.clock().getTime() / 1000));
    const nonce = randomUUID();
    const signature = createHash('sha256').update(`${timestamp}${this.opts.secret}${nonce}${timestamp}`).digest('hex');
    return {
      'content-type': 'application/json',
      'x-tif-paasid': this.opts.paasid,
      'x-tif-timestamp': timestamp,
      'x-tif-nonce': nonce,
      'x-tif-signature': signature,
      ...overrides,
    };
  }

  envelope(infno: string, input: object, opts: CallOptions = {}): J {
    const env: Loose = {
      infno,
      msgid: opts.msgid ?? this.nextMsgid(),
      mdtrtarea_admvs: this.hospital.area,
      insuplc_admdvs: opts.insuplc ?? '',
      recer_sys_code: 'YBXT',
      infver: 'V1.0',
      opter_type: '1',
      opter: '0001',
      opter_name: '测试收费员',
      inf_time: formatDateTime(this.opts.clock()),
      fixmedins_code: this.hospital.code,
      fixmedins_name: this.hospital.name,
      input,
    };
    const sign = opts.signNo === undefined ? this.signNo : opts.signNo;
    if (sign !== null) env.sign_no = sign;
    return env as J;
  }

  /** A raw POST to {url}/{path}; the body is parsed as JSON. */
  async post(path: string, body: string, headers: Record<string, string>): Promise<{ status: number; body: J }> {
    const res = await fetch(`${this.opts.url}/${path}`, { method: 'POST', headers, body });
    return { status: res.status, body: (await res.json()) as J };
  }

  /** A signed business call: the reply, which must come with HTTP 200 and satisfy envelope.reply.json. */
  async call(infno: string, input: object, opts: CallOptions = {}): Promise<J> {
    const res = await this.post(infno, JSON.stringify(this.envelope(infno, input, opts)), this.tifHeaders());
    if (res.status !== 200) throw new Error(`${infno}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
    const problem = checkReplyEnvelope(res.body);
    if (problem) throw new Error(`${infno}: reply envelope: ${problem}`);
    return res.body;
  }

  /**
   * A success of a strict-style mock: infcode 0, err_msg null, and the output satisfies
   * <infno>.output.json; returns the output.
   */
  async callOk(infno: string, input: object, opts: CallOptions = {}): Promise<J> {
    const reply = (await this.call(infno, input, opts)) as Loose;
    if (reply.infcode !== 0 || reply.err_msg !== null)
      throw new Error(`${infno}: infcode ${String(reply.infcode)} ${String(reply.err_msg)}`);
    const problem = checkOutput(infno, reply.output);
    if (problem) throw new Error(`${infno}: output: ${problem}`);
    return reply.output as J;
  }

  /** The control API (/__mock): the parsed body, null for 204. */
  async control<T = J>(method: string, path: string, body?: object): Promise<T> {
    const res = await fetch(`${this.origin}/__mock${path}`, {
      method,
      headers: body ? { 'content-type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
    return (res.status === 204 ? null : await res.json()) as T;
  }

  /** Back to the seeded state (POST /__mock/reset), then a fresh 9001. */
  async resetAndSignIn(): Promise<void> {
    await this.control('POST', '/reset');
    await this.signIn();
  }

  /** 9001 with a fresh msgid; the sign_no becomes the default of later calls. Reads either reply style. */
  async signIn(): Promise<string> {
    const input = { signIn: { opter_no: '0001', mac: '00-16-3E-00-00-01', ip: '10.0.0.8' } };
    const reply = (await this.call('9001', input, { signNo: null })) as {
      infcode?: unknown;
      output?: { signinoutb?: { sign_no?: unknown } };
    };
    const signNo = reply.output?.signinoutb?.sign_no;
    if (Number(reply.infcode) !== 0 || typeof signNo !== 'string') throw new Error(`9001: ${JSON.stringify(reply)}`);
    this.signNo = signNo;
    return signNo;
  }
}

/** A mock platform listening on an ephemeral port, and a client for it (paasid and secret shared). */
export async function startMockWithClient<J extends object = Loose>(
  options: MockOptionsInput & { clock: () => Date },
): Promise<{ platform: MockPlatform; client: MockClient<J> }> {
  const paasid = options.paasid ?? 'mock-test';
  const secret = options.secret ?? 'mock-test-secret';
  const platform = createMockPlatform({ ...options, paasid, secret });
  const { url } = await platform.listen(0);
  return { platform, client: new MockClient<J>({ url, paasid, secret, clock: options.clock }) };
}
