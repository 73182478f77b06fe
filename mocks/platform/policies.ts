/** Insured-area policies and the hospital's identity, loaded from data/policies.json. */
import policyData from './data/policies.json' with { type: 'json' };
import type { OutpatientPolicy, PolicyBook } from './types.js';

const POLICY_BOOK: PolicyBook = {
  hospital: policyData.hospital,
  auto_filing_provinces: policyData.auto_filing_provinces,
  outpatient_filing_exempt_provinces: policyData.outpatient_filing_exempt_provinces,
  maternity_local_rate: policyData.maternity_local_rate as PolicyBook['maternity_local_rate'],
  areas: policyData.areas,
};

export function loadPolicyBook(): PolicyBook {
  return structuredClone(POLICY_BOOK);
}

export function outpatientPolicyFor(book: PolicyBook, insuplcAdmdvs: string, insutype: string): OutpatientPolicy | undefined {
  return book.areas[insuplcAdmdvs]?.outpatient[insutype];
}

/** Provinces (2-digit admdvs prefix) that file an un-filed cross-region patient automatically (LN 20-22). */
export function autoFilesCrossRegion(book: PolicyBook, insuplcAdmdvs: string): boolean {
  return book.auto_filing_provinces.includes(insuplcAdmdvs.slice(0, 2));
}

/** HN 8: an outpatient visit (普通门诊, 门诊慢特病) of a patient insured in this province settles directly without a filing. */
export function outpatientNeedsNoFiling(book: PolicyBook, insuplcAdmdvs: string): boolean {
  return book.outpatient_filing_exempt_provinces.includes(insuplcAdmdvs.slice(0, 2));
}

/**
 * LN 21: a 生育住院 of a patient insured in this province settles at the local ratio (and files the
 * patient automatically, as a birth filing) — where the rule says: in_province only when the
 * hospital is in the insured province too (省内异地联网定点医疗机构).
 */
export function maternityAtLocalRate(book: PolicyBook, insuplcAdmdvs: string): boolean {
  const where = book.maternity_local_rate[insuplcAdmdvs.slice(0, 2)];
  if (where === 'everywhere') return true;
  return where === 'in_province' && insuplcAdmdvs.slice(0, 2) === book.hospital.mdtrtarea_admvs.slice(0, 2);
}
