/**
 * The filing an inpatient stay settles under (pure). Coverage follows the admission: a filing valid
 * on the admission date keeps covering the stay even when it ends before discharge (JS 13, HN 14,
 * LN 11; LN 26: 未在备案有效期内办理入院手续的，执行参保地规定). A filing made after the admission
 * (补办备案) is honoured only within the insured province's deadline (late-filing.json):
 *  - 出院前 (HN 27, LN 17): the filing began on or before the discharge date — a filing whose validity
 *    meets the stay;
 *  - 结算前 (JS 25 出院结算前, JL 22, and the national rule by default): also one that began after
 *    the discharge but before this discharge settlement, while that settlement is still due (a
 *    configured number of days after the discharge date, late-filing.json `settlement_window`).
 * A filing beyond the deadline is reported as `late` with the rule, the dates compared and the
 * article: the stay is self-pay, and the patient claims manually (JL 22, HN 17, LN 50).
 */
import { readFileSync } from 'node:fs';
import { projectPath } from '../paths.js';
import { filingOn, type FilingRecord, type FilingStatus, scopeOf } from './filing.js';

export type StayFilingBasis = 'admission_date' | 'before_discharge' | 'before_settlement';
export type LateFilingDeadline = 'discharge' | 'settlement';

export interface LateFilingRule {
  province: string;
  name: string;
  deadline: LateFilingDeadline;
  source: string;
  quote: string;
  /** 结算前: how many days after the discharge date a filing may still begin */
  window_days?: number;
}

interface RuleEntry {
  name: string;
  deadline: LateFilingDeadline;
  source: string;
  quote: string;
}

const file = JSON.parse(readFileSync(projectPath('gateway/engine/late-filing.json'), 'utf8')) as {
  provinces: Record<string, RuleEntry>;
  default: RuleEntry;
  settlement_window: { days_after_discharge: number };
};
const WINDOW_DAYS = file.settlement_window.days_after_discharge;
if (!Number.isInteger(WINDOW_DAYS) || WINDOW_DAYS < 0)
  throw new Error('late-filing.json: settlement_window.days_after_discharge must be a whole number ≥ 0');
for (const [p, r] of Object.entries({ ...file.provinces, default: file.default }))
  if (r.deadline !== 'discharge' && r.deadline !== 'settlement')
    throw new Error(`late-filing.json ${p}: deadline must be discharge or settlement`);

/** The late-filing rule of the insured area `insuplc_admdvs` (by its province). */
export function lateFilingRule(insuplc_admdvs: string): LateFilingRule {
  const province = insuplc_admdvs.slice(0, 2);
  const r = file.provinces[province] ?? file.default;
  return { province, ...r, ...(r.deadline === 'settlement' ? { window_days: WINDOW_DAYS } : {}) };
}

export type StayFiling = FilingStatus & {
  basis?: StayFilingBasis;
  /** set when the only filing that would cover the stay began after the deadline */
  late?: {
    rule: LateFilingRule;
    filing: { file_type: string; begndate: string; enddate: string | null };
    admission_date: string;
    discharge_date: string;
    settlement_day?: string;
    /** the last day the filing could have begun on */
    latest_begndate: string;
  };
};

const day = (s: string) => s.slice(0, 10);

/** yyyy-MM-dd plus n days. */
function plusDays(d: string, n: number): string {
  const t = new Date(`${d}T00:00:00Z`);
  t.setUTCDate(t.getUTCDate() + n);
  return t.toISOString().slice(0, 10);
}

export function filingForStay(
  records: FilingRecord[],
  insuplc: string,
  mdtrtarea: string,
  begntime: string,
  endtime: string | undefined,
  settlementDay?: string,
  rule: LateFilingRule = lateFilingRule(insuplc),
): StayFiling {
  const atAdmission = filingOn(records, insuplc, mdtrtarea, begntime);
  if (atAdmission.status !== 'not_filed') return atAdmission.status === 'filed' ? { ...atAdmission, basis: 'admission_date' } : atAdmission;
  if (!endtime || scopeOf(insuplc, mdtrtarea) === 'local') return atAdmission;
  const admitted = day(begntime);
  const discharged = day(endtime);
  // began after the admission, on or before the discharge date, and still valid then or later in the stay
  const during = records.find(
    (r) =>
      r.insuplc_admdvs === insuplc &&
      day(r.begndate) > admitted &&
      day(r.begndate) <= discharged &&
      (r.enddate == null || day(r.enddate) >= day(r.begndate)),
  );
  if (during) return { ...filingOn([during], insuplc, mdtrtarea, during.begndate), basis: 'before_discharge' };
  // began after the discharge date: valid on the settlement day
  const after = settlementDay ? filingOn(records, insuplc, mdtrtarea, settlementDay) : undefined;
  if (after?.status !== 'filed') return atAdmission;
  const began = day(after.begndate ?? settlementDay!);
  const latest = rule.deadline === 'discharge' ? discharged : plusDays(discharged, rule.window_days ?? WINDOW_DAYS);
  if (began <= latest) return { ...after, basis: 'before_settlement' };
  return {
    ...atAdmission,
    late: {
      rule,
      filing: { file_type: after.file_type ?? '', begndate: after.begndate ?? '', enddate: after.enddate ?? null },
      admission_date: admitted,
      discharge_date: discharged,
      settlement_day: settlementDay,
      latest_begndate: latest,
    },
  };
}
