/**
 * The state checks the encounter flows (outpatient visit, inpatient stay, pharmacy sale) share, each
 * throwing its catalog error. Pure. Not found, busy and unknown-pending are the runner's
 * (encounter-runner.ts); the checks of one flow alone stay with that flow.
 */
import { GatewayError } from '../errors/errors.js';
import { checkHisTotal } from './fee-lines.js';
import type { SettlementEntry, StoredFeeLine } from './visit.js';

/** The person the HIS named (psn_no), where it named one, must be the one the credential's 1101 found. */
export function samePerson(psn_no: string | undefined, person: { psn_no: string; transaction_id: string }): void {
  if (psn_no && psn_no !== person.psn_no) {
    throw new GatewayError('GW_ID_PERSON_CREDENTIAL_MISMATCH', {
      transaction_id: person.transaction_id,
      details: { mismatched_fields: ['psn_no'] },
    });
  }
}

/** Once a settlement stands (`live`), the encounter takes no more fees and no second settlement. */
export function notSettled(live: { setl_id: string } | undefined): void {
  if (live) throw new GatewayError('GW_BIZ_VISIT_ALREADY_SETTLED', { details: { setl_id: live.setl_id } });
}

/** A registration, admission or discharge is not cancelled while a settlement (`live`) stands on it. */
export function nothingSettledUnder(live: { setl_id: string } | undefined): void {
  if (live) throw new GatewayError('GW_BIZ_VISIT_HAS_SETTLEMENT', { details: { setl_id: live.setl_id } });
}

/** The settlement `setl_id` a cancellation (2208, 2305, 2103) undoes: on this encounter, and cancelled at most once. */
export function cancellable<S extends SettlementEntry>(settlements: S[], setl_id: string): S {
  const s = settlements.find((x) => x.setl_id === setl_id);
  if (!s) throw new GatewayError('GW_BIZ_SETTLEMENT_NOT_FOUND', { details: { setl_id } });
  if (s.status === 'cancelled')
    throw new GatewayError('GW_BIZ_SETTLEMENT_ALREADY_CANCELLED', { details: { setl_id, cancellation: s.cancellation?.setl_id } });
  return s;
}

/** Adds a fee line id (费用明细流水号) to `seen`: each at most once in a request. */
export function addLineId(seen: Set<string>, feedetl_sn: string): void {
  if (seen.has(feedetl_sn)) throw new GatewayError('GW_VAL_DUPLICATE_FEE_LINE', { details: { feedetl_sn } });
  seen.add(feedetl_sn);
}

/** The request's fee line ids, each once. */
export function distinctLineIds(lines: ReadonlyArray<{ feedetl_sn: string }>): Set<string> {
  const seen = new Set<string>();
  for (const l of lines) addLineId(seen, l.feedetl_sn);
  return seen;
}

/** None of the new line ids is already on the encounter: a fee line id is unique per encounter. */
export function notYetUploaded(stored: ReadonlyArray<{ feedetl_sn: string }>, ids: Set<string>): void {
  const dup = stored.find((x) => ids.has(x.feedetl_sn));
  if (dup) throw new GatewayError('GW_VAL_DUPLICATE_FEE_LINE', { details: { feedetl_sn: dup.feedetl_sn } });
}

/** A settlement needs unsettled fee lines, and the HIS's total must be theirs. */
export function settleable(lines: StoredFeeLine[], his_total: Parameters<typeof checkHisTotal>[1]): void {
  if (!lines.length) throw new GatewayError('GW_BIZ_VISIT_NO_FEES');
  checkHisTotal(lines, his_total);
}
