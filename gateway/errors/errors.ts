import { readFileSync } from 'node:fs';
import { projectPath } from '../paths.js';

export type ErrorCategory = 'validation' | 'filing' | 'system_fault' | 'business' | 'security';

export interface CatalogEntry {
  code: string;
  status: number;
  category: ErrorCategory;
  message: string;
  message_en: string;
  action: string;
  coordination_deadline: string;
}

const catalogFile = JSON.parse(readFileSync(projectPath('gateway/errors/catalog.json'), 'utf8')) as { errors: CatalogEntry[] };
export const catalog: ReadonlyMap<string, CatalogEntry> = new Map(catalogFile.errors.map((e) => [e.code, e]));

export interface ErrorExtras {
  details?: unknown;
  transaction_id?: string;
  /** Replaces the catalog's message (e.g. to name the field); the catalog message stays the default. */
  message?: string;
  cause?: unknown;
}

/** The only error type the gateway raises on purpose: always a catalog code. */
export class GatewayError extends Error {
  readonly entry: CatalogEntry;
  readonly details?: unknown;
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
        message: e.message,
        message_en: this.message,
        action: e.action,
        coordination_deadline: e.coordination_deadline,
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
