/**
 * The emergency flag (门诊急诊转诊标志 / 住院类型 急诊: JS 37, HN 55, LN 22) carries the criterion the
 * hospital applied: LN 22 lets the insured area treat a patient as filed only when "经就医地定点医疗
 * 机构认定符合《急危重病种标准》". The criterion is a category of that standard
 * (schemas/codes/emergency_criterion.json — the hospital's configuration: the standard's list is not
 * in the seeds), or a diagnosis code with the physician's reason. Required with emergency true;
 * recorded on the visit or stay and shown wherever the flag is. Pure.
 */
import { readFileSync } from 'node:fs';
import { GatewayError } from '../errors/errors.js';
import { projectPath } from '../paths.js';

/** What the HIS sends (schemas/api/common.json#/$defs/emergency_criterion). */
export interface EmergencyCriterionInput {
  category?: string;
  diag_code?: string;
  diag_name?: string;
  reason?: string;
}

/** As recorded: the category's name as the table said it then, and when. */
export interface EmergencyCriterion extends EmergencyCriterionInput {
  category_name?: string;
  /** 'category': a category of the table; 'diagnosis': a diagnosis code and a reason */
  basis: 'category' | 'diagnosis';
  table: string;
  recorded_at: string;
}

const TABLE = 'emergency_criterion';
const table = JSON.parse(readFileSync(projectPath(`schemas/codes/${TABLE}.json`), 'utf8')) as {
  title: string;
  'x-status'?: string;
  values: Record<string, string>;
};

export const EMERGENCY_CRITERIA = table;

const LABEL = {
  emergency_criterion: '急诊认定依据',
  category: '《急危重病种标准》类别',
  diag_code: '诊断编码',
  reason: '认定理由',
} as const;
const filled = (v: unknown): v is string => typeof v === 'string' && v.trim() !== '';

/**
 * The criterion to record for `emergency`, or the catalog error: emergency true needs a category,
 * or a diagnosis code with a reason (each missing part named in Chinese); emergency false takes none.
 */
export function emergencyCriterion(
  emergency: boolean,
  c: EmergencyCriterionInput | undefined,
  now: string,
): EmergencyCriterion | undefined {
  if (!emergency) {
    if (c)
      throw new GatewayError('GW_VAL_EMERGENCY_FLAG_MISMATCH', {
        message: 'emergency_criterion is given but emergency is false.',
        message_zh: '报送了急诊认定依据（emergency_criterion），但急诊标志（emergency）为 false',
        details: { emergency, emergency_criterion: 'given', expected: 'no emergency_criterion without the emergency flag' },
      });
    return undefined;
  }
  const missing = criterionMissing(c);
  if (missing.length)
    throw new GatewayError('GW_VAL_EMERGENCY_CRITERION_MISSING', {
      message: `emergency true needs emergency_criterion: ${missing.map((m) => m.field).join(' or ')}.`,
      message_zh: `急诊标志为 true，须报送急诊认定依据，缺少：${missing.map((m) => m.label).join('，或')}`,
      details: { missing, missing_text: `缺少：${missing.map((m) => m.label).join('，或')}`, table: TABLE, source: 'LN 22' },
    });
  const x = c!;
  if (filled(x.category)) {
    return { ...x, basis: 'category', category_name: table.values[x.category], table: TABLE, recorded_at: now };
  }
  return { ...x, basis: 'diagnosis', table: TABLE, recorded_at: now };
}

function criterionMissing(c: EmergencyCriterionInput | undefined): Array<{ field: string; label: string }> {
  if (!c)
    return [
      { field: 'emergency_criterion', label: `${LABEL.emergency_criterion}（${LABEL.category}，或${LABEL.diag_code}及${LABEL.reason}）` },
    ];
  if (filled(c.category)) return [];
  if (filled(c.diag_code) && !filled(c.reason)) return [{ field: 'emergency_criterion.reason', label: LABEL.reason }];
  if (filled(c.reason) && !filled(c.diag_code)) return [{ field: 'emergency_criterion.diag_code', label: LABEL.diag_code }];
  if (filled(c.diag_code) && filled(c.reason)) return [];
  return [
    { field: 'emergency_criterion.category', label: LABEL.category },
    { field: 'emergency_criterion.diag_code + reason', label: `${LABEL.diag_code}及${LABEL.reason}` },
  ];
}

/** How the criterion reads on a page or in the console: "10 急腹症…" or "K35.800 急性阑尾炎：理由". */
export function criterionText(c: EmergencyCriterion | undefined): string {
  if (!c) return '';
  if (c.basis === 'category') return `《急危重病种标准》${c.category} ${c.category_name ?? ''}`.trim();
  return `诊断 ${c.diag_code}${c.diag_name ? ` ${c.diag_name}` : ''}：${c.reason ?? ''}`;
}
