/** 2201 门诊挂号, 2202 挂号撤销, 2203 就诊信息上传. */
import { BusinessError } from '../envelope.js';
import { hisFields } from '../his-fields.js';
import { liveSettlementOf } from '../ledger.js';
import { findByCredential } from '../registry.js';
import { ID_PREFIX, nextId, type MockState } from '../state.js';
import type { PersonRecord, Visit } from '../types.js';
import { requireInsutype, requireOpenVisit, requirePerson, requireVisit, type TxContext } from './context.js';
import { addVisit, visitsOfRegistration } from '../visit-index.js';

interface RegistrationInput {
  data: {
    psn_no: string;
    insutype: string;
    begntime: string;
    mdtrt_cert_type: string;
    mdtrt_cert_no: string;
    card_sn?: string;
    ipt_otp_no: string;
    er_flag?: string;
  };
}

interface RegistrationCancelInput {
  data: { psn_no: string; mdtrt_id: string; ipt_otp_no: string };
}

interface VisitInfoInput {
  mdtrtinfo: { mdtrt_id: string; psn_no: string; med_type: string; begntime: string; dise_codg?: string; er_flag?: string };
  diseinfo: unknown[];
}

/** The credential presented must be the person's own (人卡一致). */
export function checkCredentialBelongsTo(
  state: MockState,
  person: PersonRecord,
  certType: string,
  certNo: string | undefined,
  cardSn: string | undefined,
): void {
  if (!certNo) return;
  const found = findByCredential(state.persons, certType, certNo, cardSn, false);
  if ('error' in found) throw new BusinessError(found.error);
  if (found.person.psn_no !== person.psn_no) throw new BusinessError('就诊凭证与人员编号不符');
}

/** Open = not cancelled and not settled. */
function isOpen(state: MockState, visit: Visit): boolean {
  return visit.status === 'open' && !liveSettlementOf(state.ledger, visit.mdtrt_id);
}

function refuseDuplicateRegistration(state: MockState, psnNo: string, iptOtpNo: string): void {
  for (const visit of visitsOfRegistration(state.visits, psnNo, iptOtpNo)) {
    if (isOpen(state, visit)) {
      throw new BusinessError(`门诊号${iptOtpNo}已有未结束的就诊，请勿重复挂号`);
    }
  }
}

export function registerVisit(ctx: TxContext): Record<string, unknown> {
  const { data } = ctx.envelope.input as unknown as RegistrationInput;
  const person = requirePerson(ctx.state, data.psn_no);
  requireInsutype(person, data.insutype);
  checkCredentialBelongsTo(ctx.state, person, data.mdtrt_cert_type, data.mdtrt_cert_no, data.card_sn);
  refuseDuplicateRegistration(ctx.state, data.psn_no, data.ipt_otp_no);
  const visit: Visit = {
    mdtrt_id: nextId(ctx.state, ID_PREFIX.mdtrt, ctx.now),
    psn_no: data.psn_no,
    insutype: data.insutype,
    ipt_otp_no: data.ipt_otp_no,
    begntime: data.begntime,
    er_flag: data.er_flag ?? null,
    med_type: null,
    dise_codg: null,
    status: 'open',
    lines: [],
    opened_by: 'registration',
    mdtrt_cert_type: data.mdtrt_cert_type,
    his_fields: hisFields('mdtrtinfo', data),
  };
  addVisit(ctx.state.visits, visit);
  return { data: { mdtrt_id: visit.mdtrt_id, psn_no: visit.psn_no, ipt_otp_no: visit.ipt_otp_no } };
}

export function cancelRegistration(ctx: TxContext): Record<string, unknown> {
  const { data } = ctx.envelope.input as unknown as RegistrationCancelInput;
  const visit = requireVisit(ctx.state, data.mdtrt_id, data.psn_no);
  if (visit.ipt_otp_no !== data.ipt_otp_no) throw new BusinessError('门诊号与就诊ID不符');
  if (visit.status === 'cancelled') throw new BusinessError('该挂号已撤销');
  if (liveSettlementOf(ctx.state.ledger, visit.mdtrt_id)) throw new BusinessError('该就诊存在有效结算，请先撤销结算');
  visit.status = 'cancelled';
  return {};
}

export function uploadVisitInfo(ctx: TxContext): Record<string, unknown> {
  const { mdtrtinfo } = ctx.envelope.input as unknown as VisitInfoInput;
  const visit = requireOpenVisit(ctx.state, mdtrtinfo.mdtrt_id, mdtrtinfo.psn_no);
  visit.med_type = mdtrtinfo.med_type;
  visit.dise_codg = mdtrtinfo.dise_codg ?? visit.dise_codg;
  visit.er_flag = mdtrtinfo.er_flag ?? visit.er_flag;
  Object.assign(visit.his_fields, hisFields('mdtrtinfo', mdtrtinfo));
  return {};
}
