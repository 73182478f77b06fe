/**
 * The national-format door's inpatient messages (2401, 2301, 2402, 2303, 2304, 2305) -> the REST
 * API's canonical inpatient bodies (schemas/api/inpatient-*.request.json). Pure; the helpers and the
 * conventions ("" and null are absent) are requests.ts's.
 */
import type { InpatientAdmissionRequest } from '../../../gateway/generated/api/inpatient-admission.request.js';
import type { InpatientDischargeRequest } from '../../../gateway/generated/api/inpatient-discharge.request.js';
import type { InpatientFeesRequest } from '../../../gateway/generated/api/inpatient-fees.request.js';
import type { InpatientSettlementRequest } from '../../../gateway/generated/api/inpatient-settlement.request.js';
import { expContent, feeDetail, isObj, type Obj, pick, present, section } from './requests.js';

const DIAGNOSIS = [
  'diag_type',
  'maindiag_flag',
  'diag_srt_no',
  'diag_code',
  'diag_name',
  'adm_cond',
  'diag_dept',
  'dise_dor_no',
  'dise_dor_name',
  'diag_time',
];
const MATERNITY = [
  'matn_type',
  'birctrl_type',
  'fpsc_no',
  'latechb_flag',
  'geso_val',
  'fetts',
  'fetus_cnt',
  'pret_flag',
  'birctrl_matn_date',
];
/** 医疗类别 24 急诊转住院 */
const EMERGENCY_ADMISSION = '24';

const diagnoses = (input: unknown, without: readonly string[] = []) =>
  (isObj(input) && Array.isArray(input.diseinfo) ? (present(input.diseinfo) as Obj[]) : []).map((x) =>
    pick(
      x,
      DIAGNOSIS.filter((k) => !without.includes(k)),
    ),
  );

function maternity(o: Obj) {
  const m = pick(o, MATERNITY);
  return Object.keys(m).length ? { maternity: m } : {};
}

/**
 * 2401 (mdtrtinfo + diseinfo) -> POST /v1/inpatient/admissions. 住院类型 急诊 is `er_flag` where the
 * HIS sends it, else med_type 24 (急诊转住院); the emergency criterion (LN 22) may travel in
 * exp_content as `emergency_criterion`, as for 2201. 外伤标志 and 涉及第三方标志 are the message's own
 * trum_flag / rel_ttp_flag; the 外伤无第三方责任承诺书 has no field in the national message: the HIS
 * puts it into exp_content as `trauma_commitment` (the REST API's own shape), or records it through
 * POST /v1/inpatient/admissions/{id}/trauma-commitment before 2304 (docs/national-door.md).
 */
export function admission(input: unknown): InpatientAdmissionRequest {
  const m = section(input, 'mdtrtinfo');
  const exp = expContent(m.exp_content);
  const er = m.er_flag ?? exp.er_flag;
  return {
    ...(pick(m, [
      'mdtrt_cert_type',
      'mdtrt_cert_no',
      'card_sn',
      'psn_no',
      'insutype',
      'ipt_no',
      'medrcdno',
      'begntime',
      'med_type',
      'trum_flag',
      'rel_ttp_flag',
      'atddr_no',
      'chfpdr_name',
      'adm_diag_dscr',
      'adm_dept_codg',
      'adm_dept_name',
      'adm_bed',
      'dscg_maindiag_code',
      'dscg_maindiag_name',
      'main_cond_dscr',
      'dise_codg',
      'dise_name',
      'coner_name',
      'tel',
    ]) as Omit<InpatientAdmissionRequest, 'emergency' | 'diagnoses'>),
    emergency: er !== undefined ? er === '1' : m.med_type === EMERGENCY_ADMISSION,
    ...(isObj(exp.emergency_criterion)
      ? { emergency_criterion: exp.emergency_criterion as InpatientAdmissionRequest['emergency_criterion'] }
      : {}),
    ...(isObj(exp.trauma_commitment) ? { trauma_commitment: exp.trauma_commitment as InpatientAdmissionRequest['trauma_commitment'] } : {}),
    ...maternity(m),
    diagnoses: diagnoses(input) as unknown as InpatientAdmissionRequest['diagnoses'],
  };
}

/** 2301 (feedetail[], one stay) -> POST /v1/inpatient/admissions/{id}/fees; `lineFields`: the canonical line's fields. */
export function inpatientFees(input: unknown, lineFields: readonly string[]): InpatientFeesRequest {
  return { lines: feeDetail(input, ['mdtrt_id']).map((l) => pick(l, lineFields)) as unknown as InpatientFeesRequest['lines'] };
}

/** 2402 (dscginfo + diseinfo) -> POST /v1/inpatient/admissions/{id}/discharge. */
export function discharge(input: unknown): InpatientDischargeRequest {
  const d = section(input, 'dscginfo');
  return {
    ...(pick(d, [
      'endtime',
      'dscg_dept_codg',
      'dscg_dept_name',
      'dscg_bed',
      'dscg_way',
      'dise_codg',
      'dise_name',
      'oprn_oprt_code',
      'oprn_oprt_name',
      'cop_flag',
      'die_date',
    ]) as Omit<InpatientDischargeRequest, 'diagnoses'>),
    ...maternity(d),
    diagnoses: diagnoses(input, ['adm_cond']) as unknown as InpatientDischargeRequest['diagnoses'],
  };
}

/** 2303 / 2304 -> POST /v1/inpatient/admissions/{id}/pre-settlement | settlement. */
export function inpatientSettlement(input: unknown): InpatientSettlementRequest {
  const d = section(input, 'data');
  return pick(d, ['medfee_sumamt', 'acct_used_flag', 'mid_setl_flag', 'psn_setlway', 'invono']) as unknown as InpatientSettlementRequest;
}
