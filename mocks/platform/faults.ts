/**
 * Injected faults of the control API (POST /__mock/faults). Table-driven: each kind says how to read
 * its parameters and what it does to a matching call; a new kind is one more row in FAULT_KINDS.
 */

/** before_handler: before the transaction runs (nothing booked yet); after_handler: after it ran (booked). */
export type FaultPhase = 'before_handler' | 'after_handler';

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
}

export type FaultParams = Record<string, string | number | boolean>;

export interface FaultRule {
  id: number;
  kind: string;
  infno: string | null;
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
  | { action: 'respond'; status: number; body: unknown }
  /** a body that is not JSON at all (a proxy's error page, a cut-off reply) */
  | { action: 'respond_text'; status: number; text: string }
  | { action: 'destroy' };

export interface FaultContext {
  signal: AbortSignal;
}

interface FaultKind {
  /** The kind's parameters, or a message saying what is wrong with the request. */
  parse(request: FaultRequest): FaultParams | string;
  /** when the fault strikes, if the kind decides it (else `after_booking`) */
  phase?(request: FaultRequest): FaultPhase;
  apply(rule: FaultRule, ctx: FaultContext): Promise<FaultOutcome>;
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
function durationParam(request: FaultRequest, name: 'latency_ms' | 'hold_ms', fallback?: number): FaultParams | string {
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
  (name: 'latency_ms' | 'hold_ms') =>
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

function parseCommon(request: FaultRequest): Omit<FaultRule, 'id' | 'params'> | string {
  const kind = request.kind === undefined ? 'latency' : request.kind;
  if (typeof kind !== 'string' || !(kind in FAULT_KINDS)) return `unknown fault kind: ${String(kind)}`;
  if (request.infno !== undefined && (typeof request.infno !== 'string' || !/^[0-9]{4}$/.test(request.infno))) {
    return 'infno must be a 4-digit string';
  }
  if (request.count !== undefined && (!Number.isInteger(request.count) || (request.count as number) < 1)) {
    return 'count must be a positive integer';
  }
  if (request.after_booking !== undefined && typeof request.after_booking !== 'boolean') return 'after_booking must be a boolean';
  const p = request.probability;
  if (p !== undefined && (typeof p !== 'number' || !(p > 0 && p <= 1))) return 'probability must be a number in (0, 1]';
  if (request.seed !== undefined && !Number.isInteger(request.seed)) return 'seed must be an integer';
  return {
    kind,
    infno: (request.infno as string | undefined) ?? null,
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
    return this.rules.map((r) => ({ ...r, params: { ...r.params } }));
  }

  /** Takes the rules matching this call in this phase, counting the call against each. */
  private take(phase: FaultPhase, infno: string): FaultRule[] {
    const matching = this.rules.filter(
      (r) =>
        r.phase === phase && (r.infno === null || r.infno === infno) && (r.probability == null || this.random.get(r.id)!() < r.probability),
    );
    for (const rule of matching) {
      if (rule.remaining !== null) rule.remaining -= 1;
    }
    this.rules = this.rules.filter((r) => r.remaining === null || r.remaining > 0);
    return matching;
  }

  /** Applies the matching rules in order; the first outcome other than 'continue' wins. */
  async run(phase: FaultPhase, infno: string, ctx: FaultContext): Promise<FaultOutcome> {
    for (const rule of this.take(phase, infno)) {
      const outcome = await FAULT_KINDS[rule.kind]!.apply(rule, ctx);
      if (outcome.action !== 'continue') return outcome;
    }
    return { action: 'continue' };
  }
}
