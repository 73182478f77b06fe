/**
 * Canonical inpatient requests -> national interface inputs (2401-2405, 2301-2305). Pure functions:
 * the engine supplies the admission's facts, these only arrange them the way the interface wants.
 */
import { clean, lineFields, money } from './message-fields.js';
import type { InpatientAdmissionRequest } from '../../gateway/generated/api/inpatient-admission.request.js';
import type { InpatientDischargeRequest } from '../../gateway/generated/api/inpatient-discharge.request.js';
import type { Infno2301Input } from '../../gateway/generated/platform/2301.input.js';
import type { Infno2302Input } from '../../gateway/generated/platform/2302.input.js';
import type { Infno2303Input } from '../../gateway/generated/platform/2303.input.js';
import type { Infno2304Input } from '../../gateway/generated/platform/2304.input.js';
import type { Infno2305Input } from '../../gateway/generated/platform/2305.input.js';
import type { Infno2401Input } from '../../gateway/generated/platform/2401.input.js';
import type { Infno2402Input } from '../../gateway/generated/platform/2402.input.js';
import type { Infno2403Input } from '../../gateway/generated/platform/2403.input.js';
import type { Infno2404Input } from '../../gateway/generated/platform/2404.input.js';
import type { Infno2405Input } from '../../gateway/generated/platform/2405.input.js';
import { erFlag, type FeeLine, type SettlementTotals } from './outpatient-messages.js';

/** The facts of an admission every later message needs. */
export interface AdmissionFacts {
  psn_no: string;
  insutype: string;
  mdtrt_id: string;
  ipt_no: string;
  mdtrt_cert_type: string;
  mdtrt_cert_no: string;
  begntime: string;
  endtime?: string;
  med_type: string;
  emergency: boolean;
  trum_flag: string;
  rel_ttp_flag: string;
}

/** What the HIS said of the stay at admission (and changed since): everything but the credential. */
export type AdmissionDetails = Omit<
  InpatientAdmissionRequest,
  'mdtrt_cert_type' | 'mdtrt_cert_no' | 'card_sn' | 'counter_person' | 'psn_no' | 'insutype' | 'trauma_commitment'
>;

type Diagnosis = AdmissionDetails['diagnoses'][number];

function stayFields(d: AdmissionDetails) {
  return {
    medrcdno: d.medrcdno,
    atddr_no: d.atddr_no,
    chfpdr_name: d.chfpdr_name,
    adm_diag_dscr: d.adm_diag_dscr,
    adm_dept_codg: d.adm_dept_codg,
    adm_dept_name: d.adm_dept_name,
    adm_bed: d.adm_bed,
    dscg_maindiag_code: d.dscg_maindiag_code,
    dscg_maindiag_name: d.dscg_maindiag_name,
    main_cond_dscr: d.main_cond_dscr,
    dise_codg: d.dise_codg,
    dise_name: d.dise_name,
    coner_name: d.coner_name,
    tel: d.tel,
    ...(d.maternity ?? {}),
  };
}

const diagnosis = (psn_no: string, x: Diagnosis) => ({
  psn_no,
  diag_type: x.diag_type,
  maindiag_flag: x.maindiag_flag,
  diag_srt_no: x.diag_srt_no,
  diag_code: x.diag_code,
  diag_name: x.diag_name,
  diag_dept: x.diag_dept,
  dise_dor_no: x.dise_dor_no,
  dise_dor_name: x.dise_dor_name,
  diag_time: x.diag_time,
});

/** 2401 入院办理: the trauma flags and the emergency flag (住院类型 急诊 → er_flag) always go. */
export function admit2401(
  f: Omit<AdmissionFacts, 'mdtrt_id'>,
  d: AdmissionDetails,
  areas: { insuplc_admdvs: string; mdtrtarea_admvs: string },
): Infno2401Input {
  return {
    mdtrtinfo: clean({
      psn_no: f.psn_no,
      insutype: f.insutype,
      begntime: f.begntime,
      mdtrt_cert_type: f.mdtrt_cert_type,
      mdtrt_cert_no: f.mdtrt_cert_no,
      med_type: f.med_type,
      ipt_no: f.ipt_no,
      ...stayFields(d),
      er_flag: erFlag(f.emergency),
      trum_flag: f.trum_flag,
      rel_ttp_flag: f.rel_ttp_flag,
      insuplc_admdvs: areas.insuplc_admdvs,
      mdtrtarea_admvs: areas.mdtrtarea_admvs,
    }) as Infno2401Input['mdtrtinfo'],
    diseinfo: d.diagnoses.map((x) => clean({ ...diagnosis(f.psn_no, x), adm_cond: x.adm_cond })) as Infno2401Input['diseinfo'],
    agnterinfo: {},
  };
}

/** 2403 住院信息变更: the whole picture again, as it stands after the change. */
export function change2403(f: AdmissionFacts, d: AdmissionDetails): Infno2403Input {
  return {
    adminfo: clean({
      mdtrt_id: f.mdtrt_id,
      psn_no: f.psn_no,
      begntime: f.begntime,
      mdtrt_cert_type: f.mdtrt_cert_type,
      med_type: f.med_type,
      ipt_otp_no: f.ipt_no,
      ...stayFields(d),
      trum_flag: f.trum_flag,
      rel_ttp_flag: f.rel_ttp_flag,
    }) as Infno2403Input['adminfo'],
    diseinfo: d.diagnoses.map((x) =>
      clean({ mdtrt_id: f.mdtrt_id, ...diagnosis(f.psn_no, x), adm_cond: x.adm_cond }),
    ) as Infno2403Input['diseinfo'],
  };
}

export function cancelAdmission2404(f: Pick<AdmissionFacts, 'mdtrt_id' | 'psn_no'>): Infno2404Input {
  return { data: { mdtrt_id: f.mdtrt_id, psn_no: f.psn_no } };
}

/** 2301 住院费用明细上传: lines of an outside-purchase form carry etip_flag 1 and etip_hosp_code in `extra`. */
export function feeUpload2301(f: AdmissionFacts, lines: FeeLine[]): Infno2301Input {
  return {
    feedetail: lines.map(
      (l) =>
        clean({
          ...lineFields(l),
          mdtrt_id: f.mdtrt_id,
          psn_no: f.psn_no,
          med_type: f.med_type,
          hosp_appr_flag: l.extra.hosp_appr_flag ?? '0',
          ...l.extra,
        }) as Infno2301Input['feedetail'][number],
    ),
  };
}

/** 2302: one line, or "0000" = every unsettled line. */
export function feeCancel2302(f: Pick<AdmissionFacts, 'mdtrt_id' | 'psn_no'>, feedetl_sn: string): Infno2302Input {
  return { data: { feedetl_sn, mdtrt_id: f.mdtrt_id, psn_no: f.psn_no } };
}

export function discharge2402(f: AdmissionFacts, req: InpatientDischargeRequest): Infno2402Input {
  return {
    dscginfo: clean({
      mdtrt_id: f.mdtrt_id,
      psn_no: f.psn_no,
      insutype: f.insutype,
      endtime: req.endtime,
      dise_codg: req.dise_codg,
      dise_name: req.dise_name,
      oprn_oprt_code: req.oprn_oprt_code,
      oprn_oprt_name: req.oprn_oprt_name,
      ...(req.maternity ?? {}),
      cop_flag: req.cop_flag,
      dscg_dept_codg: req.dscg_dept_codg,
      dscg_dept_name: req.dscg_dept_name,
      dscg_bed: req.dscg_bed,
      dscg_way: req.dscg_way,
      die_date: req.die_date,
    }) as Infno2402Input['dscginfo'],
    diseinfo: req.diagnoses.map((x) => ({ mdtrt_id: f.mdtrt_id, ...diagnosis(f.psn_no, x) })),
  };
}

export function cancelDischarge2405(f: Pick<AdmissionFacts, 'mdtrt_id' | 'psn_no'>): Infno2405Input {
  return { data: { mdtrt_id: f.mdtrt_id, psn_no: f.psn_no } };
}

export interface InpatientSettleOptions {
  psn_setlway: string;
  acct_used_flag: string;
  mid_setl_flag: string;
  invono?: string;
}

export function preSettle2303(f: AdmissionFacts, o: InpatientSettleOptions, t: SettlementTotals): Infno2303Input {
  return {
    data: clean({
      psn_no: f.psn_no,
      mdtrt_cert_type: f.mdtrt_cert_type,
      mdtrt_cert_no: f.mdtrt_cert_no,
      medfee_sumamt: money(t.medfee_sumamt),
      psn_setlway: o.psn_setlway,
      mdtrt_id: f.mdtrt_id,
      // the admission's 医疗类别 (e.g. 52 生育住院, LN 21): public HIS code sends it on 2303/2304
      med_type: f.med_type,
      acct_used_flag: o.acct_used_flag,
      insutype: f.insutype,
      invono: o.invono,
      mid_setl_flag: o.mid_setl_flag,
      fulamt_ownpay_amt: money(t.fulamt_ownpay_amt),
      overlmt_selfpay: money(t.overlmt_selfpay),
      preselfpay_amt: money(t.preselfpay_amt),
      inscp_scp_amt: money(t.inscp_scp_amt),
      dscgTime: o.mid_setl_flag === '0' ? f.endtime : undefined,
    }) as Infno2303Input['data'],
  };
}

export function settle2304(f: AdmissionFacts, o: InpatientSettleOptions, t: SettlementTotals): Infno2304Input {
  return { data: preSettle2303(f, o, t).data as Infno2304Input['data'] };
}

export function cancelSettlement2305(f: Pick<AdmissionFacts, 'mdtrt_id' | 'psn_no'>, setl_id: string): Infno2305Input {
  return { data: { mdtrt_id: f.mdtrt_id, setl_id, psn_no: f.psn_no } };
}
