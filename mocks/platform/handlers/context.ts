/** What a transaction handler gets, and the lookups most of them share. */
import { BusinessError, type RequestEnvelope, type TxOutput } from '../envelope.js';
import type { MockState } from '../state.js';
import type { PersonRecord, Visit } from '../types.js';

export interface TxContext {
  state: MockState;
  envelope: RequestEnvelope;
  now: Date;
}

/** Runs one transaction synchronously (so a call is atomic); throws BusinessError to refuse. */
export type TxHandler = (ctx: TxContext) => TxOutput;

export function requirePerson(state: MockState, psnNo: string): PersonRecord {
  const person = state.persons.get(psnNo);
  if (!person) throw new BusinessError(`人员编号不存在: ${psnNo}`);
  return person;
}

/** The visit, checked to belong to the person. */
export function requireVisit(state: MockState, mdtrtId: string, psnNo: string): Visit {
  const visit = state.visits.get(mdtrtId);
  if (!visit) throw new BusinessError(`就诊ID不存在: ${mdtrtId}`);
  if (visit.psn_no !== psnNo) throw new BusinessError('就诊ID与人员编号不符');
  return visit;
}

/** The visit, checked to belong to the person and not to be cancelled. */
export function requireOpenVisit(state: MockState, mdtrtId: string, psnNo: string): Visit {
  const visit = requireVisit(state, mdtrtId, psnNo);
  if (visit.status === 'cancelled') throw new BusinessError('该就诊已撤销');
  return visit;
}

export function requireInsutype(person: PersonRecord, insutype: string): void {
  if (person.insutype !== insutype) throw new BusinessError(`参保人无该险种参保信息: ${insutype}`);
}
