/** 2401 入院办理, 2403 住院信息变更, 2404 入院撤销, 2402 出院办理, 2405 出院撤销. */
import { BusinessError } from '../envelope.js';
import { hisFields } from '../his-fields.js';
import { EMERGENCY_INPATIENT, MATERNITY_INPATIENT } from '../inpatient-engine.js';
import { autoFilesCrossRegion, maternityAtLocalRate } from '../policies.js';
import { autoFileTemporary, isCrossRegion, validFilingOn } from '../registry.js';
import { ID_PREFIX, nextId, type MockState } from '../state.js';
import { datePart } from '../time.js';
import type { Admission, LedgerEntry, PersonRecord } from '../types.js';
import { requireInsutype, requirePerson, type TxContext } from './context.js';
import { checkCredentialBelongsTo } from './outpatient-visit.js';
import { entriesOfVisit } from '../ledger-index.js';

interface AdmissionInput {
  mdtrtinfo: {
    psn_no: string;
    insutype: string;
    begntime: string;
    mdtrt_cert_type: string;
    mdtrt_cert_no: string;
    med_type: string;
    ipt_no: string;
    er_flag?: string;
    trum_flag?: string;
    rel_ttp_flag?: string;
  };
}

interface AdmissionChangeInput {
  adminfo: { mdtrt_id: string; psn_no: string; begntime: string; med_type: string; trum_flag?: string; rel_ttp_flag?: string };
}

interface DischargeInput {
  dscginfo: { mdtrt_id: string; psn_no: string; insutype: string; endtime: string };
}

interface StayRef {
  data: { mdtrt_id: string; psn_no: string };
}

/** The admission, checked to belong to the person and not to be cancelled. */
export function requireAdmission(state: MockState, mdtrtId: string, psnNo: string): Admission {
  const adm = state.admissions.get(mdtrtId);
  if (!adm) throw new BusinessError(`就诊ID不存在: ${mdtrtId}`);
  if (adm.psn_no !== psnNo) throw new BusinessError('就诊ID与人员编号不符');
  if (adm.status === 'cancelled') throw new BusinessError('该住院登记已撤销');
  return adm;
}

/** The booked discharge settlement (mid_setl_flag 0) of a stay, if any. */
export function finalSettlementOf(ledger: readonly LedgerEntry[], mdtrtId: string): LedgerEntry | undefined {
  return entriesOfVisit(ledger, mdtrtId).find((e) => e.kind === 'settlement' && e.status === 'booked' && e.mid_setl_flag !== '1');
}

function bookedSettlementsOf(ledger: readonly LedgerEntry[], mdtrtId: string): LedgerEntry[] {
  return entriesOfVisit(ledger, mdtrtId).filter((e) => e.kind === 'settlement' && e.status === 'booked');
}

/**
 * LN 17/20/21: the insured area files an un-filed patient automatically on 入院登记 (and on
 * 出院 for one still un-filed) as temporary, non-emergency; a 生育住院 inside the province (LN 21:
 * 需在省内异地联网定点医疗机构住院的) is filed the same way and the filing is marked as a birth filing —
 * outside the province a birth is an ordinary temporary stay. The filing starts on the admission
 * date, so it covers the stay.
 */
export function autoFileStay(state: MockState, person: PersonRecord, adm: Admission): void {
  const area = state.policies.hospital.mdtrtarea_admvs;
  if (!isCrossRegion(person, area) || !autoFilesCrossRegion(state.policies, person.insuplc_admdvs)) return;
  const begins = datePart(adm.begntime);
  if (validFilingOn(person, area, begins)) return;
  const filing = autoFileTemporary(person, area, begins);
  if (adm.med_type === MATERNITY_INPATIENT && maternityAtLocalRate(state.policies, person.insuplc_admdvs)) filing.purpose = 'birth';
}

export const isEmergencyStay = (adm: Admission) => adm.er_flag === '1' || adm.med_type === EMERGENCY_INPATIENT;

export function admit(ctx: TxContext): Record<string, unknown> {
  const { mdtrtinfo: m } = ctx.envelope.input as unknown as AdmissionInput;
  const { state } = ctx;
  const person = requirePerson(state, m.psn_no);
  requireInsutype(person, m.insutype);
  checkCredentialBelongsTo(state, person, m.mdtrt_cert_type, m.mdtrt_cert_no, undefined);
  // JS 38, HN 56, LN 23: the trauma flags are uploaded on every admission of a cross-region patient
  if (isCrossRegion(person, state.policies.hospital.mdtrtarea_admvs) && (!m.trum_flag || !m.rel_ttp_flag)) {
    throw new BusinessError('异地就医住院登记时外伤标志(trum_flag)和涉及第三方标志(rel_ttp_flag)不能为空');
  }
  for (const other of state.admissions.values()) {
    if (
      other.psn_no === m.psn_no &&
      other.ipt_no === m.ipt_no &&
      other.status !== 'cancelled' &&
      !finalSettlementOf(state.ledger, other.mdtrt_id)
    ) {
      throw new BusinessError(`住院号${m.ipt_no}已有未结算的住院登记，请勿重复办理`);
    }
  }
  const adm: Admission = {
    mdtrt_id: nextId(state, ID_PREFIX.mdtrt, ctx.now),
    psn_no: m.psn_no,
    insutype: m.insutype,
    ipt_no: m.ipt_no,
    begntime: m.begntime,
    endtime: null,
    med_type: m.med_type,
    er_flag: m.er_flag ?? null,
    trum_flag: m.trum_flag ?? null,
    rel_ttp_flag: m.rel_ttp_flag ?? null,
    status: 'admitted',
    lines: [],
    mdtrt_cert_type: m.mdtrt_cert_type,
    his_fields: hisFields('mdtrtinfo', m),
    discharge_fields: null,
    opened_by: ctx.envelope.msgid,
  };
  state.admissions.set(adm.mdtrt_id, adm);
  autoFileStay(state, person, adm);
  return { result: { mdtrt_id: adm.mdtrt_id, psn_no: adm.psn_no, ipt_no: adm.ipt_no } };
}

export function changeAdmission(ctx: TxContext): Record<string, unknown> {
  const { adminfo: a } = ctx.envelope.input as unknown as AdmissionChangeInput;
  const adm = requireAdmission(ctx.state, a.mdtrt_id, a.psn_no);
  if (finalSettlementOf(ctx.state.ledger, adm.mdtrt_id)) throw new BusinessError('该住院已出院结算，不能变更住院信息');
  adm.begntime = a.begntime;
  adm.med_type = a.med_type;
  adm.trum_flag = a.trum_flag ?? adm.trum_flag;
  adm.rel_ttp_flag = a.rel_ttp_flag ?? adm.rel_ttp_flag;
  Object.assign(adm.his_fields, hisFields('mdtrtinfo', a));
  return {};
}

export function cancelAdmission(ctx: TxContext): Record<string, unknown> {
  const { data } = ctx.envelope.input as unknown as StayRef;
  const adm = requireAdmission(ctx.state, data.mdtrt_id, data.psn_no);
  if (bookedSettlementsOf(ctx.state.ledger, adm.mdtrt_id).length) throw new BusinessError('该住院存在有效结算，请先撤销结算');
  if (adm.status === 'discharged') throw new BusinessError('该住院已办理出院，请先撤销出院');
  adm.status = 'cancelled';
  adm.lines = [];
  return {};
}

export function discharge(ctx: TxContext): Record<string, unknown> {
  const { dscginfo: d } = ctx.envelope.input as unknown as DischargeInput;
  const { state } = ctx;
  const adm = requireAdmission(state, d.mdtrt_id, d.psn_no);
  if (adm.status !== 'admitted') throw new BusinessError('该住院已办理出院');
  if (d.endtime < adm.begntime) throw new BusinessError('出院时间早于入院时间');
  adm.endtime = d.endtime;
  adm.status = 'discharged';
  adm.discharge_fields = hisFields('mdtrtinfo', d);
  autoFileStay(state, requirePerson(state, adm.psn_no), adm);
  return {};
}

export function cancelDischarge(ctx: TxContext): Record<string, unknown> {
  const { data } = ctx.envelope.input as unknown as StayRef;
  const adm = requireAdmission(ctx.state, data.mdtrt_id, data.psn_no);
  if (adm.status !== 'discharged') throw new BusinessError('该住院未办理出院');
  if (finalSettlementOf(ctx.state.ledger, adm.mdtrt_id)) throw new BusinessError('该住院已出院结算，请先撤销结算');
  adm.status = 'admitted';
  adm.endtime = null;
  adm.discharge_fields = null;
  return {};
}
