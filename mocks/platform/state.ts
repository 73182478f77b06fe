/** The mock platform's in-memory state, and its reset to the seeded state. */
import { loadCatalogue, type Catalogue } from './catalogue.js';
import type { ClockSetting } from './clock.js';
import { FaultTable } from './faults.js';
import { TokenTable } from './profiles.js';
import { loadPolicyBook } from './policies.js';
import { createReconState, type ReconState } from './recon-state.js';
import { seedRegistry, type PersonRegistry } from './registry.js';
import { compactDateTime } from './time.js';
import type { Admission, CallRecord, LedgerEntry, PolicyBook, SignIn, Visit } from './types.js';

export interface MockState {
  policies: PolicyBook;
  catalogue: Catalogue;
  persons: PersonRegistry;
  visits: Map<string, Visit>;
  /** inpatient stays (2401), by mdtrt_id */
  admissions: Map<string, Admission>;
  ledger: LedgerEntry[];
  signIns: Map<string, SignIn>;
  msgids: Set<string>;
  calls: CallRecord[];
  faults: FaultTable;
  /** jilin-sm: the OAuth2 tokens issued; survives reset (a reset is of the business state, not of the sessions) */
  tokens: TokenTable;
  /** reconciliation (对账): kept files, and what a day is told to hold otherwise */
  recon: ReconState;
  /** Feeds generated ids; survives reset so ids stay unique for the process's life. */
  sequence: number;
  /** the business clock (clock.ts): set through POST /__mock/clock, back to the system clock on reset */
  clock: ClockSetting;
}

export function createState(mdtrtareaAdmvs?: string): MockState {
  const policies = loadPolicyBook();
  if (mdtrtareaAdmvs) policies.hospital.mdtrtarea_admvs = mdtrtareaAdmvs;
  return {
    policies,
    catalogue: loadCatalogue(),
    persons: seedRegistry(),
    visits: new Map(),
    admissions: new Map(),
    ledger: [],
    signIns: new Map(),
    msgids: new Set(),
    calls: [],
    faults: new FaultTable(),
    tokens: new TokenTable(),
    recon: createReconState(),
    sequence: 0,
    clock: { mode: 'system' },
  };
}

/**
 * Back to the seeded state, in place (holders of `state` keep a valid reference). The hospital the
 * mock serves (its treatment area: an option of the mock, not state) stays as it was.
 */
export function resetState(state: MockState): void {
  const fresh = createState();
  Object.assign(state, {
    ...fresh,
    sequence: state.sequence,
    tokens: state.tokens,
    policies: { ...fresh.policies, hospital: state.policies.hospital },
  });
}

/** Id prefixes: 6 digits, then yyyyMMddHHmmss, then an 8-digit sequence (28 chars). */
export const ID_PREFIX = {
  mdtrt: '440301',
  setl: '440302',
  sign: '440309',
} as const;

export function nextId(state: MockState, prefix: string, now: Date): string {
  state.sequence += 1;
  return `${prefix}${compactDateTime(now)}${String(state.sequence % 1e8).padStart(8, '0')}`;
}
