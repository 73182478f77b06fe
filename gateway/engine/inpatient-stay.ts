/**
 * What the inpatient modules (inpatient.ts: the admission's lifecycle; inpatient-fees.ts;
 * inpatient-settlement.ts) share: their dependencies, the journal context of a stay's calls, and the
 * one way a step runs on an admission.
 */
import type { Clock } from '../../adapters/platform/msgid.js';
import type { EnvelopeSettings } from '../../adapters/platform/envelope.js';
import type { Store } from '../store/store.js';
import type { Admission } from './admission.js';
import { admissionView } from './admission-rules.js';
import { EncounterRunner, encounterContext, type RequestMeta, type StepResult } from './encounter-runner.js';
import type { Persons } from './persons.js';
import type { CallContext, PlatformClient } from './platform-client.js';

/** The hospital as the envelope names it, and the platform's time zone (the day a settlement happens on). */
export type Hospital = Pick<EnvelopeSettings, 'fixmedins_code' | 'fixmedins_name' | 'mdtrtarea_admvs'> &
  Partial<Pick<EnvelopeSettings, 'timeZoneOffsetMinutes'>>;

export interface StayDeps {
  store: Store;
  platform: PlatformClient;
  persons: Persons;
  clock: Clock;
  hospital: Hospital;
  runner: EncounterRunner<Admission>;
}

export function stayContext(a: Admission, meta: RequestMeta, extra: Partial<CallContext> = {}): CallContext {
  return encounterContext(a, meta, { psn_no: a.facts.psn_no, mdtrt_id: a.facts.mdtrt_id, ipt_otp_no: a.facts.ipt_no }, extra);
}

export function stayRunner(store: Store, clock: Clock): EncounterRunner<Admission> {
  return new EncounterRunner<Admission>(store, clock, 'inpatient', 'GW_BIZ_ADMISSION_NOT_FOUND', stayContext);
}

/** One step on the admission `id` through the runner; the HIS gets the admission as it stands after it. */
export async function runOnStay(
  d: StayDeps,
  id: string,
  infno: string,
  meta: RequestMeta,
  guard: (a: Admission) => void,
  exec: (a: Admission, ctx: CallContext) => Promise<StepResult<Admission>>,
) {
  const r = await d.runner.run(id, infno, meta, guard, exec);
  return { admission_id: id, admission: admissionView(r.encounter), transaction_id: r.transaction_id };
}

export const nowOf = (d: Pick<StayDeps, 'clock'>) => d.clock.now().toISOString();
