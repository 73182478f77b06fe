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
}

export type FaultParams = Record<string, string | number | boolean>;

export interface FaultRule {
  id: number;
  kind: string;
  infno: string | null;
  phase: FaultPhase;
  /** calls still to affect; null = until cleared */
  remaining: number | null;
  params: FaultParams;
}

/** What a fault does to the call: carry on, answer with this instead, or drop the connection. */
export type FaultOutcome =
  | { action: 'continue' }
  | { action: 'respond'; status: number; body: unknown }
  | { action: 'destroy' };

export interface FaultContext {
  signal: AbortSignal;
}

interface FaultKind {
  /** The kind's parameters, or a message saying what is wrong with the request. */
  parse(request: FaultRequest): FaultParams | string;
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

const FAULT_KINDS: Record<string, FaultKind> = {
  latency: {
    parse(request) {
      const ms = request.latency_ms;
      if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0 || ms > MAX_LATENCY_MS) {
        return `latency_ms must be a number between 0 and ${MAX_LATENCY_MS}`;
      }
      return { latency_ms: ms };
    },
    async apply(rule, ctx) {
      await sleep(Number(rule.params['latency_ms']), ctx.signal);
      return { action: 'continue' };
    },
  },
};

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
  return {
    kind,
    infno: (request.infno as string | undefined) ?? null,
    phase: request.after_booking === true ? 'after_handler' : 'before_handler',
    remaining: (request.count as number | undefined) ?? null,
  };
}

export class FaultTable {
  private rules: FaultRule[] = [];
  private nextId = 1;

  /** Adds a rule; returns it, or a message saying what is wrong with the request. */
  add(request: FaultRequest): FaultRule | string {
    const common = parseCommon(request);
    if (typeof common === 'string') return common;
    const params = FAULT_KINDS[common.kind]!.parse(request);
    if (typeof params === 'string') return params;
    const rule: FaultRule = { id: this.nextId++, ...common, params };
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
    const matching = this.rules.filter((r) => r.phase === phase && (r.infno === null || r.infno === infno));
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
