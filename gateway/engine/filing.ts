/**
 * Cross-region status and filing (备案) from a 1101 reply. Pure. Filing categories (schemas/codes/
 * filing_category.json): long-term 1-3 last until changed, temporary 4-6 six months (JS 10/13,
 * HN 13/14, LN 11); an encounter that began inside a filing's validity keeps it (JS 13, LN 11).
 */
export interface FilingRecord {
  file_type: string;
  insuplc_admdvs: string;
  begndate: string;
  enddate?: string | null;
}

export type Scope = 'local' | 'in_province' | 'cross_province';

export interface FilingStatus {
  /** not_required: the patient is insured in this pooling area */
  status: 'filed' | 'not_filed' | 'not_required';
  file_type?: string;
  term?: 'long_term' | 'temporary';
  begndate?: string;
  enddate?: string | null;
}

const LONG_TERM = new Set(['1', '2', '3']);

/** Compares 医保区划 codes: the first 4 digits name the city, the first 2 the province (domain.md). */
export function scopeOf(insuplc: string, mdtrtarea: string): Scope {
  if (insuplc.slice(0, 4) === mdtrtarea.slice(0, 4)) return 'local';
  if (insuplc.slice(0, 2) === mdtrtarea.slice(0, 2)) return 'in_province';
  return 'cross_province';
}

/** The filing valid on `date` (yyyy-MM-dd...), if any. */
export function filingOn(records: FilingRecord[], insuplc: string, mdtrtarea: string, date: string): FilingStatus {
  if (scopeOf(insuplc, mdtrtarea) === 'local') return { status: 'not_required' };
  const day = date.slice(0, 10);
  const valid = records.find(
    (r) => r.insuplc_admdvs === insuplc && r.begndate.slice(0, 10) <= day && (r.enddate == null || r.enddate.slice(0, 10) >= day),
  );
  if (!valid) return { status: 'not_filed' };
  return {
    status: 'filed',
    file_type: valid.file_type,
    term: LONG_TERM.has(valid.file_type) ? 'long_term' : 'temporary',
    begndate: valid.begndate,
    enddate: valid.enddate ?? null,
  };
}
