/**
 * Canonical outpatient requests -> national interface inputs (2201-2208). Pure functions: the
 * engine supplies the visit's facts, these only arrange them the way the interface wants.
 */
import type { Decimal } from 'decimal.js';
import { clean, lineFields, money, type CheckedLine } from './message-fields.js';
import type { Infno2201Input } from '../../gateway/generated/platform/2201.input.js';
import type { Infno2202Input } from '../../gateway/generated/platform/2202.input.js';
import type { Infno2203Input } from '../../gateway/generated/platform/2203.input.js';
import type { Infno2204Input } from '../../gateway/generated/platform/2204.input.js';
import type { Infno2205Input } from '../../gateway/generated/platform/2205.input.js';
import type { Infno2206Input } from '../../gateway/generated/platform/2206.input.js';
import type { Infno2207Input } from '../../gateway/generated/platform/2207.input.js';
import type { Infno2208Input } from '../../gateway/generated/platform/2208.input.js';
import type { Infno1101Input } from '../../gateway/generated/platform/1101.input.js';
import type { VisitCreateRequest } from '../../gateway/generated/api/visit-create.request.js';
import type { VisitDiagnosesRequest } from '../../gateway/generated/api/visit-diagnoses.request.js';
import type { PersonQueryRequest } from '../../gateway/generated/api/person-query.request.js';

/** The facts of a registered visit every later message needs. */
export interface VisitFacts {
  psn_no: string;
  insutype: string;
  mdtrt_id: string;
  ipt_otp_no: string;
  mdtrt_cert_type: string;
  mdtrt_cert_no: string;
  card_sn?: string;
  begntime: string;
  emergency: boolean;
  med_type?: string;
}

/** A fee line after the gateway checked it, in its charge batch (收费批次). */
export interface FeeLine extends CheckedLine {
  chrg_bchno: string;
}

/** Totals the 2207 input restates (from the platform's own 2204 classification). */
export interface SettlementTotals {
  medfee_sumamt: Decimal;
  fulamt_ownpay_amt: Decimal;
  overlmt_selfpay: Decimal;
  preselfpay_amt: Decimal;
  inscp_scp_amt: Decimal;
}

export const erFlag = (emergency: boolean) => (emergency ? '1' : '0');

/**
 * Where the outpatient 门诊急诊标志 (er_flag) goes (issue 10; JS 37, HN 55, LN 22 ask that it be
 * uploaded truthfully). No public field list has er_flag at the top of 2201 or 2203; openhis models
 * 2204 feedetail[].exp_content — "格式为 JSON 格式的字符串" — as {er_flag} (spec-fields.json 2204).
 * `fee_exp_content` (the default) follows that record; `visit` puts er_flag on 2201 and 2203 (the
 * gateway's earlier reading); `both` does both. Configuration: OUTPATIENT_ER_FLAG_PLACEMENT.
 */
export type ErFlagPlacement = 'fee_exp_content' | 'visit' | 'both';
export const ER_FLAG_PLACEMENTS: readonly ErFlagPlacement[] = ['fee_exp_content', 'visit', 'both'];
const onVisit = (p: ErFlagPlacement, emergency: boolean) => (p === 'fee_exp_content' ? undefined : erFlag(emergency));
const onFeeLine = (p: ErFlagPlacement, emergency: boolean) => (p === 'visit' ? undefined : JSON.stringify({ er_flag: erFlag(emergency) }));

export function personQuery1101(q: Pick<PersonQueryRequest, 'mdtrt_cert_type' | 'mdtrt_cert_no' | 'card_sn'>): Infno1101Input {
  return {
    data: clean({
      mdtrt_cert_type: q.mdtrt_cert_type,
      mdtrt_cert_no: q.mdtrt_cert_no,
      card_sn: q.card_sn,
      psn_cert_type: '',
      certno: '',
      psn_name: '',
    }),
  };
}

export function register2201(
  req: VisitCreateRequest,
  psn_no: string,
  insutype: string,
  placement: ErFlagPlacement = 'fee_exp_content',
): Infno2201Input {
  return {
    data: clean({
      psn_no,
      insutype,
      begntime: req.begntime,
      mdtrt_cert_type: req.mdtrt_cert_type,
      mdtrt_cert_no: req.mdtrt_cert_no,
      card_sn: req.card_sn,
      ipt_otp_no: req.ipt_otp_no,
      atddr_no: req.atddr_no,
      dr_name: req.dr_name,
      dept_code: req.dept_code,
      dept_name: req.dept_name,
      caty: req.caty,
      er_flag: onVisit(placement, req.emergency),
    }) as Infno2201Input['data'],
  };
}

export function cancelRegistration2202(v: VisitFacts): Infno2202Input {
  return { data: { psn_no: v.psn_no, mdtrt_id: v.mdtrt_id, ipt_otp_no: v.ipt_otp_no } };
}

export function visitInfo2203(v: VisitFacts, req: VisitDiagnosesRequest, placement: ErFlagPlacement = 'fee_exp_content'): Infno2203Input {
  const main = req.diagnoses.find((d) => d.diag_srt_no === 1) ?? req.diagnoses[0];
  return {
    mdtrtinfo: clean({
      mdtrt_id: v.mdtrt_id,
      psn_no: v.psn_no,
      med_type: req.med_type,
      begntime: req.begntime ?? v.begntime,
      main_cond_dscr: req.main_cond_dscr,
      dise_codg: req.dise_codg ?? main?.diag_code,
      dise_name: req.dise_name ?? main?.diag_name,
      birctrl_type: req.birctrl_type,
      birctrl_matn_date: req.birctrl_matn_date,
      matn_type: req.matn_type,
      geso_val: req.geso_val,
      er_flag: onVisit(placement, v.emergency),
    }) as Infno2203Input['mdtrtinfo'],
    diseinfo: req.diagnoses.map((d) => ({
      diag_type: d.diag_type,
      diag_srt_no: d.diag_srt_no,
      diag_code: d.diag_code,
      diag_name: d.diag_name,
      diag_dept: d.diag_dept,
      dise_dor_no: d.dise_dor_no,
      dise_dor_name: d.dise_dor_name,
      diag_time: d.diag_time,
      vali_flag: d.vali_flag ?? '1',
    })),
  };
}

export function feeUpload2204(v: VisitFacts, lines: FeeLine[], placement: ErFlagPlacement = 'fee_exp_content'): Infno2204Input {
  return {
    feedetail: lines.map(
      (l) =>
        clean({
          ...lineFields(l),
          mdtrt_id: v.mdtrt_id,
          psn_no: v.psn_no,
          chrg_bchno: l.chrg_bchno,
          rx_circ_flag: l.extra.rx_circ_flag ?? '0',
          hosp_appr_flag: l.extra.hosp_appr_flag ?? '0',
          exp_content: onFeeLine(placement, v.emergency),
          ...l.extra,
          // 数值型 on 2204 (a string on 2101/2102): the HIS line carries it as it came, a number or a decimal string
          prd_days: l.extra.prd_days === undefined ? undefined : Number(l.extra.prd_days),
        }) as Infno2204Input['feedetail'][number],
    ),
  };
}

export function feeCancel2205(v: VisitFacts, chrg_bchno: string): Infno2205Input {
  return { data: { mdtrt_id: v.mdtrt_id, chrg_bchno, psn_no: v.psn_no } };
}

export interface SettleOptions {
  chrg_bchno: string;
  psn_setlway: string;
  acct_used_flag: string;
  invono?: string;
  med_type: string;
}

export function preSettle2206(v: VisitFacts, o: SettleOptions, t: SettlementTotals): Infno2206Input {
  return {
    data: clean({
      psn_no: v.psn_no,
      mdtrt_cert_type: v.mdtrt_cert_type,
      mdtrt_cert_no: v.mdtrt_cert_no,
      card_sn: v.card_sn,
      med_type: o.med_type,
      medfee_sumamt: money(t.medfee_sumamt),
      psn_setlway: o.psn_setlway,
      mdtrt_id: v.mdtrt_id,
      chrg_bchno: o.chrg_bchno,
      acct_used_flag: o.acct_used_flag,
      insutype: v.insutype,
    }) as Infno2206Input['data'],
  };
}

export function settle2207(v: VisitFacts, o: SettleOptions, t: SettlementTotals): Infno2207Input {
  return {
    data: clean({
      ...preSettle2206(v, o, t).data,
      invono: o.invono,
      fulamt_ownpay_amt: money(t.fulamt_ownpay_amt),
      overlmt_selfpay: money(t.overlmt_selfpay),
      preselfpay_amt: money(t.preselfpay_amt),
      inscp_scp_amt: money(t.inscp_scp_amt),
    }) as Infno2207Input['data'],
  };
}

export function cancelSettlement2208(v: Pick<VisitFacts, 'psn_no' | 'mdtrt_id'>, setl_id: string): Infno2208Input {
  return { data: { setl_id, mdtrt_id: v.mdtrt_id, psn_no: v.psn_no } };
}
