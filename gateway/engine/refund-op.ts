import type { Clock } from '../../adapters/platform/msgid.js';
import { GatewayError } from '../errors/errors.js';
import type { EncounterBase, Store } from '../store/store.js';
import type { StoredSlip } from './visit.js';

/**
 * A partial refund (部分退费) as a durable operation: cancel the settlement, then settle the kept
 * lines again. Saved through the Store before the first platform call and after every step, so
 * that a restart finds it and finishes it; each step's platform calls are journaled by the
 * PlatformClient as usual (their encounter is the visit or sale, their request id the refund's).
 *
 *   cancelling ──cancel ok──▶ resettling ──re-settle ok──▶ completed
 *       │ definite refusal           │ definite refusal × MAX_RESETTLE_ATTEMPTS
 *       ▼                            ▼
 *     failed (nothing changed)     resettle_failed (refunded in full; kept lines unsettled)
 *   any unknown outcome ──▶ needs_reversal (the reversal worker's: `reversal` names the call)
 */
export type RefundOpStatus = 'cancelling' | 'resettling' | 'completed' | 'failed' | 'resettle_failed' | 'needs_reversal';

export const TERMINAL: ReadonlySet<RefundOpStatus> = new Set(['completed', 'failed', 'resettle_failed', 'needs_reversal']);

export interface RefundStep {
  step: 'cancel' | 'resettle';
  attempt: number;
  at: string;
  outcome: 'succeeded' | 'refused' | 'unknown';
  code?: string;
  transaction_id?: string;
  platform_err_msg?: string;
}

export interface RefundOp extends EncounterBase {
  kind: 'refund_op';
  status: RefundOpStatus;
  created_at: string;
  updated_at: string;
  request_id?: string;
  setl_id: string;
  target: { kind: 'outpatient' | 'pharmacy'; encounter_id: string };
  reason_code: string;
  reason?: string;
  return_lines: string[];
  keep_lines: string[];
  /**
   * The kept lines as they were uploaded, copied when the operation is created: re-settling
   * withdraws the visit's unsettled lines (2205) before uploading these again (2204), so after a
   * crash between those two calls the visit no longer holds them (outpatient only; absent on
   * operations stored before it was added).
   */
  keep_line_data?: Array<Record<string, unknown> & { feedetl_sn: string; det_item_fee_sumamt: string }>;
  acct_used_flag: string;
  invono?: string;
  steps: RefundStep[];
  cancel?: { cancel_setl_id?: string; transaction_id: string; slip: StoredSlip };
  resettle?: { setl_id: string; transaction_id: string; slip: StoredSlip };
  /**
   * The seam for the reversal worker (冲正, 2601): the call whose outcome is unknown. The worker
   * reverses or confirms it and then calls Refunds.resolveReversal(refund_id, outcome).
   */
  reversal?: { step: 'cancel' | 'resettle'; transaction_id?: string; code: string };
  /** when a later process took the operation over (start-up), newest last */
  resumed_at?: string[];
  /** the catalog error the HIS got when the operation ended without completing */
  error?: { code: string; transaction_id?: string; platform_err_msg?: string };
  /**
   * How a `resettle_failed` operation left the console's work queue (issue 15: a refund that needs a
   * decision): staff marked it handled (the kept lines collected as self-pay, or settled some other
   * way), or the visit's kept lines were settled again (`setl_id`, found by the gateway).
   */
  decision?: RefundDecision;
}

export interface RefundDecision {
  at: string;
  by: 'staff' | 'resettled';
  /** staff: the actor (client id, `staff:<username>`) and the signed-in person's name */
  actor?: string;
  actor_name?: string;
  reason?: string;
  /** resettled: the settlement of the kept lines */
  setl_id?: string;
}

/** Refunded in full, the kept lines not settled again, and nobody has decided yet: open work for staff. */
export const needsDecision = (op: RefundOp) => op.status === 'resettle_failed' && op.decision === undefined;

/** The one list of unfinished operations, so a restart finds them without scanning the store. */
interface OpenOps extends EncounterBase {
  kind: 'refund_op_index';
  ids: string[];
}
const OPEN_OPS_ID = 'refund-ops-open';
/**
 * The operations that need a decision (needsDecision): the work queue's index of them, an id in it
 * from the save that ended the operation resettle_failed until the save of its decision.
 */
const DECISIONS_ID = 'refund-ops-decision';

/** The ids of the refund operations that need a decision (the console's work queue, the metrics). */
export async function refundDecisionIds(store: Store): Promise<string[]> {
  return (await store.getEncounter<OpenOps>(DECISIONS_ID))?.value.ids ?? [];
}

/** Load and save refund operations (compare-and-set, like every encounter) and their open list. */
export class RefundOps {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  async get(id: string): Promise<RefundOp | undefined> {
    const v = await this.store.getEncounter<RefundOp>(id);
    return v?.value.kind === 'refund_op' ? v.value : undefined;
  }

  async mustGet(id: string): Promise<RefundOp> {
    const op = await this.get(id);
    if (!op) throw new GatewayError('GW_BIZ_REFUND_NOT_FOUND', { details: { refund_id: id } });
    return op;
  }

  /** The unfinished operation on a settlement, if any (one at a time per setl_id). */
  async openFor(setl_id: string): Promise<RefundOp | undefined> {
    const op = await this.latestFor(setl_id);
    return op && !TERMINAL.has(op.status) ? op : undefined;
  }

  /** The latest partial-refund operation on a settlement, finished or not. */
  async latestFor(setl_id: string): Promise<RefundOp | undefined> {
    const id = await this.store.findEncounterId('refund_of', setl_id);
    return id ? this.get(id) : undefined;
  }

  /** Creates the operation; false when another request created one for the same settlement first. */
  async create(op: RefundOp): Promise<boolean> {
    if (!(await this.store.saveEncounter(op, null, { refund_of: op.setl_id }))) return false;
    await this.updateOpen((ids) => [...ids.filter((x) => x !== op.id), op.id]);
    return true;
  }

  /** The operation waiting on the reversal of `transaction_id`, if any. */
  async waitingOn(transaction_id: string): Promise<RefundOp | undefined> {
    const id = await this.store.findEncounterId('refund_reversal', transaction_id);
    return id ? this.get(id) : undefined;
  }

  /** Applies `change` to the stored operation (re-read and retried on a concurrent write). */
  async update(id: string, change: (op: RefundOp) => void): Promise<RefundOp> {
    for (;;) {
      const cur = await this.store.getEncounter<RefundOp>(id);
      if (!cur) throw new GatewayError('GW_BIZ_REFUND_NOT_FOUND', { details: { refund_id: id } });
      const next = structuredClone(cur.value);
      change(next);
      next.updated_at = this.clock.now().toISOString();
      // an operation waiting on a reversal is found by that call's transaction id (reversal worker)
      const indexes = next.reversal?.transaction_id ? { refund_reversal: next.reversal.transaction_id } : undefined;
      if (await this.store.saveEncounter(next, cur.version, indexes)) {
        // into the decisions before out of the open list: a crash between the two leaves it open, and
        // the next start's resume (an update) puts it there
        if (needsDecision(next)) await this.updateList(DECISIONS_ID, (ids) => (ids.includes(id) ? ids : [...ids, id]));
        else if (next.decision) await this.updateList(DECISIONS_ID, (ids) => ids.filter((x) => x !== id));
        if (TERMINAL.has(next.status)) await this.updateOpen((ids) => ids.filter((x) => x !== id));
        return next;
      }
    }
  }

  async openIds(): Promise<string[]> {
    return (await this.store.getEncounter<OpenOps>(OPEN_OPS_ID))?.value.ids ?? [];
  }

  /**
   * The operations that need a decision, oldest first. An id whose operation was decided but left in
   * the list (a crash between the two saves) is taken out here, so the counts read from the list
   * fall too.
   */
  async decisions(): Promise<RefundOp[]> {
    const ids = await refundDecisionIds(this.store);
    const ops = await Promise.all(ids.map((id) => this.get(id)));
    const open = ops.filter((op): op is RefundOp => op !== undefined && needsDecision(op));
    if (open.length < ids.length) {
      const stale = ids.filter((id) => !open.some((op) => op.id === id));
      await this.updateList(DECISIONS_ID, (list) => list.filter((x) => !stale.includes(x)));
    }
    return open;
  }

  private updateOpen(f: (ids: string[]) => string[]) {
    return this.updateList(OPEN_OPS_ID, f);
  }

  private async updateList(id: string, f: (ids: string[]) => string[]) {
    for (;;) {
      const cur = await this.store.getEncounter<OpenOps>(id);
      const before = cur?.value.ids ?? [];
      const ids = f(before);
      if (cur && ids.length === before.length && ids.every((x, i) => x === before[i])) return;
      const next: OpenOps = { id, kind: 'refund_op_index', ids };
      if (await this.store.saveEncounter(next, cur?.version ?? null)) return;
    }
  }
}
