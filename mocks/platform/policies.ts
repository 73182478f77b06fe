/** Insured-area policies and the hospital's identity, loaded from data/policies.json. */
import policyData from './data/policies.json' with { type: 'json' };
import type { OutpatientPolicy, PolicyBook } from './types.js';

const POLICY_BOOK: PolicyBook = {
  hospital: policyData.hospital,
  auto_filing_provinces: policyData.auto_filing_provinces,
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
