import { readFileSync } from 'node:fs';
import { projectPath } from '../paths.js';

export type ErrorCategory = 'validation' | 'filing' | 'system_fault' | 'business' | 'security';

export interface CatalogEntry {
  code: string;
  status: number;
  category: ErrorCategory;
  message: string;
  message_en: string;
  /** 下一步怎么办, in Chinese: what the counter reads */
  action: string;
  action_en: string;
  /**
   * Which reply deadline of domain.md §11 (JS 57, LN 78, HN 77) applies when this problem is raised
   * with another area: filing problems, system faults, others. Absent where no other area is involved
   * (the HIS's own request, the gateway's own store, access control).
   */
  coordination?: Coordination;
  /** the deadline's text, from the catalog's coordination_deadlines table */
  coordination_deadline?: string;
}

export type Coordination = 'filing' | 'system_fault' | 'other';

interface CatalogFile {
  coordination_deadlines: Record<Coordination, string>;
  errors: CatalogEntry[];
}

const catalogFile = JSON.parse(readFileSync(projectPath('gateway/errors/catalog.json'), 'utf8')) as CatalogFile;
export const coordinationDeadlines: Readonly<Record<Coordination, string>> = catalogFile.coordination_deadlines;
export const catalog: ReadonlyMap<string, CatalogEntry> = new Map(
  catalogFile.errors.map((e) => [
    e.code,
    { ...e, ...(e.coordination ? { coordination_deadline: catalogFile.coordination_deadlines[e.coordination] } : {}) },
  ]),
);

export interface ErrorExtras {
  details?: unknown;
  transaction_id?: string;
  /** Replaces the catalog's English message (e.g. to name the field); the catalog message stays the default. */
  message?: string;
  /** The same in Chinese: as precise as `message` (the field, the state, the next step) — give both or neither. */
  message_zh?: string;
  cause?: unknown;
}

/** The only error type the gateway raises on purpose: always a catalog code. */
export class GatewayError extends Error {
  readonly entry: CatalogEntry;
  readonly details?: unknown;
  /** the Chinese message the counter reads (catalog's, or the thrower's more precise one) */
  readonly message_zh: string;
  transaction_id?: string;

  constructor(
    readonly code: string,
    extras: ErrorExtras = {},
  ) {
    const entry = catalog.get(code);
    if (!entry) throw new Error(`error code ${code} is not in the catalog`);
    super(extras.message ?? entry.message_en, { cause: extras.cause });
    this.name = 'GatewayError';
    this.entry = entry;
    this.message_zh = extras.message_zh ?? entry.message;
    this.details = extras.details;
    this.transaction_id = extras.transaction_id;
  }

  get status(): number {
    return this.entry.status;
  }

  body(requestId?: string) {
    const e = this.entry;
    return {
      error: {
        code: e.code,
        category: e.category,
        message: this.message_zh,
        message_en: this.message,
        action: e.action,
        action_en: e.action_en,
        ...(e.coordination_deadline ? { coordination_deadline: e.coordination_deadline } : {}),
        ...(this.transaction_id ? { transaction_id: this.transaction_id } : {}),
        ...(requestId ? { request_id: requestId } : {}),
        ...(this.details !== undefined ? { details: this.details } : {}),
      },
    };
  }
}

export function isGatewayError(e: unknown): e is GatewayError {
  return e instanceof GatewayError;
}

interface CounterReasonRule {
  match: string;
  reason: string;
  reason_en: string;
  /** the raw reason is the gateway's own precise words: passed on after the reason */
  precise?: boolean;
}
const reasonRules = (
  JSON.parse(readFileSync(projectPath('gateway/errors/transport-reasons.json'), 'utf8')) as { reasons: CounterReasonRule[] }
).reasons.map((r) => ({ ...r, re: new RegExp(r.match, 'i') }));

/**
 * What the HIS is told of why a platform call failed (gateway/errors/transport-reasons.json): 超时,
 * 连接中断 … instead of a library's error code; the raw reason stays in the journal and the logs.
 */
export function counterReason(raw: string): { reason: string; reason_en: string } {
  const r = reasonRules.find((x) => x.re.test(raw)) ?? reasonRules.at(-1)!;
  if (r.precise) return { reason: `${r.reason}：${raw}`, reason_en: raw };
  return { reason: r.reason, reason_en: r.reason_en };
}
