/**
 * Injected faults of the control API (POST /__mock/faults). Table-driven: each kind says how to read
 * its parameters and what it does to a matching call; a new kind is one more row in FAULT_KINDS.
 * Every kind works for every infno (`infno`: one, a list, or absent = all), unless the kind is
 * about one transaction (reversal_unsupported: 2601).
 */

/**
 * before_handler: before the transaction runs (nothing booked yet); after_handler: after it ran
 * (booked); in_transaction: in place of the transaction, once the envelope checks passed (the
 * platform's own business refusal: the msgid is used up, nothing booked).
 */
export type FaultPhase = 'before_handler' | 'after_handler' | 'in_transaction';

export interface FaultRequest {
  kind?: unknown;
  infno?: unknown;
  latency_ms?: unknown;
  after_booking?: unknown;
  count?: unknown;
  /** reject: the err_msg of the infcode -2 reply */
  err_msg?: unknown;
  /** 0 < p <= 1: the rule hits a matching call with this probability (the chaos test) */
  probability?: unknown;
  /** seed of the rule's random numbers, so a chaos run can be repeated */
  seed?: unknown;
  /** timeout_after_booking: how long the late reply is held */
  hold_ms?: unknown;
  /** infcode_-1: whether the transaction ran (booked) before the system error */
  booked?: unknown;
  /** late_booking: how long after it arrived the call is booked (and then answered) */
  delay_ms?: unknown;
  /** reversal_unsupported: the original infno (or list) whose 2601 is refused */
  oinfno?: unknown;
}

export type FaultParams = Record<string, string | number | boolean>;

export interface FaultRule {
  id: number;
  kind: string;
  /** the infno (or list) the rule matches; null = every infno */
  infno: string | string[] | null;
  phase: FaultPhase;
  /** calls still to affect; null = until cleared */
  remaining: number | null;
  /** the chance a matching call is hit; null = every matching call */
  probability?: number | null;
  params: FaultParams;
}

/** What a fault does to the call: carry on, answer with this instead, or drop the connection. */
export type FaultOutcome =
  | { action: 'continue' }
  /** `raw`: the body goes out as it is (not sealed by the profile: jilin-sm encrypts `output`) */
  | { action: 'respond'; status: number; body: unknown; raw?: boolean }
  /** a body that is not JSON at all (a proxy's error page, a cut-off reply) */
  | { action: 'respond_text'; status: number; text: string }
  | { action: 'destroy' };

export interface FaultContext {
  signal: AbortSignal;
}

/** What an in_transaction fault sees of the call: the request envelope, checked. */
export interface FaultCall {
  infno: string;
  input: unknown;
}

interface FaultKind {
  /** The kind's parameters, or a message saying what is wrong with the request. */
  parse(request: FaultRequest): FaultParams | string;
  /** when the fault strikes, if the kind decides it (else `after_booking`) */
  phase?(request: FaultRequest): FaultPhase;
  /** the one transaction the kind is about, whatever `infno` says */
  infno?: string;
  /** before_handler / after_handler kinds: what happens to the call */
  apply?(rule: FaultRule, ctx: FaultContext): Promise<FaultOutcome>;
  /** in_transaction kinds: whether the rule concerns this call, and the err_msg it refuses it with */
  refusal?(rule: FaultRule, call: FaultCall): string | null;
}

const MAX_LATENCY_MS = 10 * 60 * 1000;

export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** A duration parameter (latency_ms, hold_ms): a number of ms up to MAX_LATENCY_MS, or a message. */
type Duration = 'latency_ms' | 'hold_ms' | 'delay_ms';

function durationParam(request: FaultRequest, name: Duration, fallback?: number): FaultParams | string {
  const ms = request[name] === undefined ? fallback : request[name];
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0 || ms > MAX_LATENCY_MS) {
    return `${name} must be a number between 0 and ${MAX_LATENCY_MS}`;
  }
  return { [name]: ms };
}

/** The err_msg of a refusal (default 模拟平台业务拒绝), or a message. */
function errMsgParam(request: FaultRequest): FaultParams | string {
  const msg = request.err_msg === undefined ? '模拟平台业务拒绝' : request.err_msg;
  if (typeof msg !== 'string' || msg.length === 0 || msg.length > 200)
    return 'err_msg must be a non-empty string of at most 200 characters';
  return { err_msg: msg };
}

/** Waits the rule's `name` parameter, then lets the call carry on. */
const waitFor =
  (name: Duration) =>
  async (rule: FaultRule, ctx: FaultContext): Promise<FaultOutcome> => {
    await sleep(Number(rule.params[name]), ctx.signal);
    return { action: 'continue' };
  };

/** A reply envelope with this infcode and err_msg and no output. */
const replyWith = (infcode: number, err_msg: string) => ({
  infcode,
  inf_refmsgid: null,
  refmsg_time: null,
  respond_time: null,
  err_msg,
  warn_msg: null,
  output: null,
});

/** Answers infcode -2 with the rule's err_msg. */
async function refuse(rule: FaultRule): Promise<FaultOutcome> {
  return { action: 'respond', status: 200, body: replyWith(-2, String(rule.params.err_msg)) };
}

const FAULT_KINDS: Record<string, FaultKind> = {
  latency: {
    parse: (request) => durationParam(request, 'latency_ms'),
    apply: waitFor('latency_ms'),
  },
  /** A definite business refusal (infcode -2, err_msg), before the transaction runs: nothing booked. */
  reject: {
    parse: errMsgParam,
    apply: refuse,
  },
  /** The connection is dropped without a reply; with after_booking the transaction WAS booked (outcome unknown to the caller). */
  drop_reply: {
    parse: () => ({}),
    async apply() {
      return { action: 'destroy' };
    },
  },
};

const DEFAULT_HOLD_MS = 30_000;

/** The failures a real platform shows (issue 5): each says whether the transaction was booked. */
const FAILURE_KINDS: Record<string, FaultKind> = {
  /** Books, then holds the reply longer than the caller waits: a timeout after the request left. */
  timeout_after_booking: {
    phase: () => 'after_handler',
    parse: (request) => durationParam(request, 'hold_ms', DEFAULT_HOLD_MS),
    apply: waitFor('hold_ms'),
  },
  /** HTTP 500 from the platform's front, before the transaction (or after it, with after_booking). */
  http_500: {
    parse: () => ({}),
    async apply() {
      return { action: 'respond', status: 500, body: replyWith(-1, '服务器内部错误') };
    },
  },
  /** Books, then answers a body that is not JSON. */
  malformed: {
    phase: () => 'after_handler',
    parse: () => ({}),
    async apply() {
      return { action: 'respond_text', status: 200, text: '<html><body>502 Bad Gateway</body>' };
    },
  },
  /**
   * Books, then answers infcode 0 whose `output` is a string of Base64 that decrypts to nothing
   * (under jilin-sm: it does not decrypt with the client id; under any profile: no output object).
   */
  undecryptable_output: {
    phase: () => 'after_handler',
    parse: () => ({}),
    async apply() {
      return {
        action: 'respond',
        status: 200,
        raw: true,
        body: { ...replyWith(0, ''), err_msg: null, output: 'bm90IGVuY3J5cHRlZCBhdCBhbGwsIDMyIGJ5dGVzISE=' },
      };
    },
  },
  /** infcode -1 (系统异常): the interface says reverse it. `booked` (default true): the transaction ran first. */
  'infcode_-1': {
    phase: (request) => (request.booked === false ? 'before_handler' : 'after_handler'),
    parse(request) {
      if (request.booked !== undefined && typeof request.booked !== 'boolean') return 'booked must be a boolean';
      return { booked: request.booked !== false };
    },
    async apply() {
      return { action: 'respond', status: 200, body: replyWith(-1, '系统异常，请稍后再试') };
    },
  },
  /** infcode -2: a business refusal, before the transaction runs (nothing booked). */
  'infcode_-2': {
    phase: () => 'before_handler',
    parse: errMsgParam,
    apply: refuse,
  },
  /**
   * The original is booked `delay_ms` after it arrived (a platform working through a queue), then
   * answered: the caller has usually given up by then. A 2601 arriving meanwhile finds nothing to
   * reverse (-2 原交易不存在, handlers/reversal.ts), and the booking still happens after it.
   */
  late_booking: {
    phase: () => 'before_handler',
    parse: (request) => durationParam(request, 'delay_ms'),
    apply: waitFor('delay_ms'),
  },
  /**
   * 2601 of an original of `oinfno` (a 4-digit string or a list) is refused: infcode -2
   * `该交易不支持冲正: <oinfno>` (or `err_msg`). -2, not -1: a definite answer that nothing was
   * reversed, and asking again will not change it; the caller learns what was booked by inquiry
   * (5201/5203/5204). The same words as the mock's own answer for an original that booked nothing
   * it can undo (handlers/reversal.ts).
   */
  reversal_unsupported: {
    infno: '2601',
    phase: () => 'in_transaction',
    parse(request) {
      const oinfnos = Array.isArray(request.oinfno) ? request.oinfno : [request.oinfno];
      if (oinfnos.length === 0 || !oinfnos.every((o) => typeof o === 'string' && /^[0-9]{4}$/.test(o)))
        return 'oinfno must be a 4-digit string or a list of them';
      if (request.err_msg !== undefined) {
        const msg = errMsgParam(request);
        if (typeof msg === 'string') return msg;
      }
      return { oinfno: oinfnos.join(','), ...(request.err_msg === undefined ? {} : { err_msg: String(request.err_msg) }) };
    },
    refusal(rule, call) {
      const oinfno = (call.input as { data?: { oinfno?: unknown } } | null)?.data?.oinfno;
      if (typeof oinfno !== 'string' || !String(rule.params.oinfno).split(',').includes(oinfno)) return null;
      return rule.params.err_msg === undefined ? `该交易不支持冲正: ${oinfno}` : String(rule.params.err_msg);
    },
  },
  /**
   * The platform is down: every matching call is dropped before it is read (nothing booked). To the
   * caller a connection reset after connecting is an unknown outcome; a refused connection (not
   * sent) is the mock's listener closed — close() and listen(port) of the mock in-process.
   */
  outage: {
    phase: () => 'before_handler',
    parse: () => ({}),
    async apply() {
      return { action: 'destroy' };
    },
  },
};
Object.assign(FAULT_KINDS, FAILURE_KINDS);

/** mulberry32: a small seeded generator, so that a chaos run with one seed hits the same calls. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const isInfno = (v: unknown): v is string => typeof v === 'string' && /^[0-9]{4}$/.test(v);

/** absent: null (every infno); a 4-digit string or a non-empty list of them; undefined = invalid. */
function parseInfno(value: unknown): string | string[] | null | undefined {
  if (value === undefined || value === null) return null;
  if (isInfno(value)) return value;
  if (Array.isArray(value) && value.length > 0 && value.every(isInfno)) return [...value];
  return undefined;
}

const matchesInfno = (rule: FaultRule, infno: string): boolean =>
  rule.infno === null || (Array.isArray(rule.infno) ? rule.infno.includes(infno) : rule.infno === infno);

function parseCommon(request: FaultRequest): Omit<FaultRule, 'id' | 'params'> | string {
  const kind = request.kind === undefined ? 'latency' : request.kind;
  if (typeof kind !== 'string' || !(kind in FAULT_KINDS)) return `unknown fault kind: ${String(kind)}`;
  const infno = parseInfno(request.infno);
  if (infno === undefined) return 'infno must be a 4-digit string or a non-empty list of them';
  const fixed = FAULT_KINDS[kind]!.infno;
  if (fixed !== undefined && infno !== null && infno !== fixed) return `${kind} concerns ${fixed} only`;
  if (request.count !== undefined && (!Number.isInteger(request.count) || (request.count as number) < 1)) {
    return 'count must be a positive integer';
  }
  if (request.after_booking !== undefined && typeof request.after_booking !== 'boolean') return 'after_booking must be a boolean';
  const p = request.probability;
  if (p !== undefined && (typeof p !== 'number' || !(p > 0 && p <= 1))) return 'probability must be a number in (0, 1]';
  if (request.seed !== undefined && !Number.isInteger(request.seed)) return 'seed must be an integer';
  return {
    kind,
    infno: fixed ?? infno,
    phase: FAULT_KINDS[kind]!.phase?.(request) ?? (request.after_booking === true ? 'after_handler' : 'before_handler'),
    remaining: (request.count as number | undefined) ?? null,
    probability: (p as number | undefined) ?? null,
  };
}

export class FaultTable {
  private rules: FaultRule[] = [];
  private nextId = 1;
  private readonly random = new Map<number, () => number>();

  /** Adds a rule; returns it, or a message saying what is wrong with the request. */
  add(request: FaultRequest): FaultRule | string {
    const common = parseCommon(request);
    if (typeof common === 'string') return common;
    const params = FAULT_KINDS[common.kind]!.parse(request);
    if (typeof params === 'string') return params;
    const rule: FaultRule = { id: this.nextId++, ...common, params };
    if (rule.probability != null) this.random.set(rule.id, seeded(typeof request.seed === 'number' ? request.seed : rule.id));
    this.rules.push(rule);
    return rule;
  }

  clear(): void {
    this.rules = [];
  }

  list(): FaultRule[] {
    return this.rules.map((r) => ({ ...r, infno: Array.isArray(r.infno) ? [...r.infno] : r.infno, params: { ...r.params } }));
  }

  /** Takes the rules matching this call in this phase, counting the call against each. */
  private take(phase: FaultPhase, infno: string, concerns: (rule: FaultRule) => boolean = () => true): FaultRule[] {
    const matching = this.rules.filter(
      (r) =>
        r.phase === phase && matchesInfno(r, infno) && concerns(r) && (r.probability == null || this.random.get(r.id)!() < r.probability),
    );
    for (const rule of matching) {
      if (rule.remaining !== null) rule.remaining -= 1;
    }
    this.rules = this.rules.filter((r) => r.remaining === null || r.remaining > 0);
    return matching;
  }

  /** Applies the matching rules in order; the first outcome other than 'continue' wins. */
  async run(phase: 'before_handler' | 'after_handler', infno: string, ctx: FaultContext): Promise<FaultOutcome> {
    for (const rule of this.take(phase, infno)) {
      const outcome = (await FAULT_KINDS[rule.kind]!.apply?.(rule, ctx)) ?? { action: 'continue' };
      if (outcome.action !== 'continue') return outcome;
    }
    return { action: 'continue' };
  }

  /** in_transaction: the err_msg the platform refuses this (checked) call with instead of running it, if a rule says so. */
  refusalFor(call: FaultCall): string | null {
    const refusalOf = (rule: FaultRule) => FAULT_KINDS[rule.kind]!.refusal?.(rule, call) ?? null;
    const [first] = this.take('in_transaction', call.infno, (rule) => refusalOf(rule) !== null);
    return first ? refusalOf(first) : null;
  }
}
