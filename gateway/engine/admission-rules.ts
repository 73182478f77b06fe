/**
 * The admission's rules and view (pure): the inpatient med_type, the states a step needs, and what
 * the HIS sees of a stay.
 */
import type { AdmissionFacts } from '../../adapters/platform/inpatient-messages.js';
import { GatewayError } from '../errors/errors.js';
import { type Admission, finalSettlement } from './admission.js';
import { notSettled } from './encounter-guards.js';
import { runState } from './encounter-runner.js';
import { admissionStatus } from './settled-status.js';
import { totalsView, unsettled } from './fee-lines.js';
import { settlementSummary } from './settlement-records.js';
import { selfPayView } from './self-pay-link.js';
import { commitmentProblems } from './trauma-rules.js';

/** 医疗类别 of a stay (schemas/codes/med_type.json): 2x 住院, 52 生育住院, 3101 低自付住院. */
const INPATIENT_MED_TYPES = new Set(['21', '22', '23', '24', '25', '26', '28', '52', '2114', '3101']);
/** 急诊转住院: the emergency flag (住院类型 急诊) must be set with it (and with the flag, its criterion: emergency-criteria.ts). */
const EMERGENCY_MED_TYPE = '24';

export function checkMedType(med_type: string, emergency: boolean) {
  if (!INPATIENT_MED_TYPES.has(med_type)) throw new GatewayError('GW_VAL_MED_TYPE_NOT_INPATIENT', { details: { med_type } });
  if (med_type === EMERGENCY_MED_TYPE && !emergency) {
    throw new GatewayError('GW_VAL_EMERGENCY_FLAG_MISMATCH', {
      details: { emergency, med_type, expected: 'emergency true with med_type 24 (急诊转住院)' },
    });
  }
}

export function stayFacts(a: Pick<Admission, 'facts'>): AdmissionFacts {
  return { ...a.facts, mdtrt_id: a.facts.mdtrt_id ?? '' };
}

/** The status words of an admission, as the counter reads them. */
const STATUS_ZH: Record<string, string> = { admitted: '在院', discharged: '已出院', cancelled: '已撤销', settled: '已出院结算' };

/** The step refused and why, each in English and Chinese: [en, zh]. */
export function stateError(a: Admission, op: [string, string], why: [string, string]) {
  return new GatewayError('GW_BIZ_ADMISSION_STATE', {
    message: `Cannot ${op[0]}: ${why[0]} (status ${a.status}).`,
    message_zh: `不能${op[1]}：${why[1]}（当前住院状态：${STATUS_ZH[a.status] ?? a.status}）`,
    details: { status: a.status, op: op[0] },
  });
}

/** Open: admitted or discharged, and not settled at discharge — the stay still takes fees, forms, changes. */
export function mustBeOpen(a: Admission) {
  const change: [string, string] = ['change the stay', '修改本次住院'];
  if (a.status === 'cancelled') throw stateError(a, change, ['the admission is cancelled', '入院登记已撤销']);
  if (a.status !== 'admitted' && a.status !== 'discharged')
    throw stateError(a, change, ['the admission is not registered', '未办理入院登记']);
  notSettled(finalSettlement(a));
}

/** What the HIS sees of an admission: never the credential number or the person's identity. */
export function admissionView(a: Admission) {
  const { mdtrt_cert_no: _n, card_sn: _s, ...f } = a.facts;
  const needed = a.facts.trum_flag === '1' && a.facts.rel_ttp_flag !== '1';
  const problems = needed ? commitmentProblems(a.commitment, a.person) : { missing: [], invalid: [] };
  return {
    admission_id: a.id,
    status: admissionStatus(a.status, a.settlements),
    ...f,
    insuplc_admdvs: a.insuplc_admdvs,
    scope: a.scope,
    filing: a.filing,
    ...(a.emergency_criterion ? { emergency_criterion: a.emergency_criterion } : {}),
    ...(a.self_pay ? { self_pay: selfPayView(a.self_pay) } : {}),
    trauma: {
      trum_flag: a.facts.trum_flag,
      rel_ttp_flag: a.facts.rel_ttp_flag,
      commitment_recorded: !!a.commitment,
      commitment_missing: problems.missing.map((m) => m.field),
      ...(problems.invalid.length ? { commitment_invalid: problems.invalid.map((m) => m.field) } : {}),
    },
    lines: a.lines.length,
    unsettled_lines: unsettled(a.lines).length,
    unsettled_totals: totalsView(unsettled(a.lines)),
    outside_forms: a.outside_forms.map((x) => ({ form_id: x.form_id, status: x.status, form_date: x.form.form_date })),
    settlements: a.settlements.map((s) => ({ ...settlementSummary(s), mid_setl_flag: s.mid_setl_flag, audit: s.audit })),
    ...runState(a),
  };
}
