/**
 * The steps the encounter flows share around the runner (encounter-runner.ts): a call answered by a
 * slip — pre-settlement (2206 / 2303 / 2101), settlement (2207 / 2304 / 2102), cancellation
 * (2208 / 2305 / 2103) — and what a settlement or a cancellation applies to its encounter; and
 * finding a settlement by its setl_id.
 */
import type { Slip } from '../../adapters/platform/slip.js';
import { slipFromOutput } from '../../adapters/platform/slip.js';
import { GatewayError } from '../errors/errors.js';
import type { BusinessKeys, Store } from '../store/store.js';
import type { EncounterRunner, RunnableEncounter, StepResult } from './encounter-runner.js';
import type { Decimal } from './money.js';
import type { CallContext, PlatformClient } from './platform-client.js';
import { addSettlement, cancelSettlementOf, expectTotal, storeSlip } from './settlement-records.js';
import type { Cancellation, SettlementEntry, StoredFeeLine, StoredSlip } from './visit.js';

export interface SlipCallOptions {
  /** what the HIS sent, journaled as the call's first stage */
  his_input: unknown;
  /** business keys the call adds to the encounter's (invono, setl_id, ...) */
  keys?: BusinessKeys;
  /** the total sent: the slip must settle exactly this (expectTotal) */
  total?: Decimal;
  /** the reply's output as slip fields, where the interface spells them otherwise (2103) */
  output?: (output: Record<string, unknown>) => Record<string, unknown>;
}

/** One call whose reply is a slip: journaled with the HIS input and business keys, its total checked, the slip kept. */
export async function slipCall(
  platform: PlatformClient,
  infno: string,
  input: object,
  ctx: CallContext,
  kind: Slip['kind'],
  o: SlipCallOptions,
): Promise<{ transaction_id: string; slip: StoredSlip }> {
  const call = await platform.call(infno, input, {
    ...ctx,
    ...(o.keys ? { keys: { ...ctx.keys, ...o.keys } } : {}),
    his_input: o.his_input,
    ...(o.total ? { expect: expectTotal(o.total) } : {}),
  });
  const output = o.output ? o.output(call.output) : call.output;
  return { transaction_id: call.transaction_id, slip: storeSlip(slipFromOutput(kind, output)) };
}

/** An encounter that settles fee lines: outpatient visit, inpatient stay. */
type Settles = RunnableEncounter & { settlements: SettlementEntry[]; lines: StoredFeeLine[] };

/** The runner's step for a booked settlement: indexed by its setl_id, its lines settled by it. */
export function settlementStep<E extends Settles>(entry: E['settlements'][number]): StepResult<E> {
  return {
    transaction_id: entry.transaction_id,
    indexes: { setl_id: entry.setl_id },
    apply: (w: E) => addSettlement(w, entry),
  };
}

/** The runner's step for a cancelled settlement: its lines may be settled again. */
export function cancellationStep<E extends Settles>(setl_id: string, c: Cancellation): StepResult<E> {
  return {
    transaction_id: c.transaction_id,
    apply: (w: E) => cancelSettlementOf(w, setl_id, c),
  };
}

/** The encounter the settlement `setl_id` belongs to (the setl_id index), or GW_BIZ_SETTLEMENT_NOT_FOUND. */
export async function settlementOwner(store: Store, setl_id: string): Promise<string> {
  const id = await store.findEncounterId('setl_id', setl_id);
  if (!id) throw new GatewayError('GW_BIZ_SETTLEMENT_NOT_FOUND', { details: { setl_id } });
  return id;
}

/** The settlement `setl_id` and its encounter, of the runner's kind; or GW_BIZ_SETTLEMENT_NOT_FOUND. */
export async function findSettlement<E extends RunnableEncounter & { settlements: SettlementEntry[] }>(
  store: Store,
  runner: EncounterRunner<E>,
  setl_id: string,
): Promise<{ encounter: E; settlement: E['settlements'][number] }> {
  const id = await store.findEncounterId('setl_id', setl_id);
  const e = id ? await runner.load(id) : undefined;
  const s = e?.value.settlements.find((x) => x.setl_id === setl_id);
  if (!e || !s) throw new GatewayError('GW_BIZ_SETTLEMENT_NOT_FOUND', { details: { setl_id } });
  return { encounter: e.value, settlement: s };
}
