/**
 * The filing an inpatient stay settles under (pure): one valid on the admission date keeps covering
 * the stay even when it ends before discharge (JS 13, LN 11); a filing made later but before the
 * discharge settlement is honoured too (补办备案: JS 25 出院结算前, HN 27, LN 17, JL 22 结算前) — one
 * valid on the discharge date, or else one valid on the day of the settlement (filed after the
 * discharge, before settling).
 */
import { filingOn, type FilingRecord, type FilingStatus } from './filing.js';

export type StayFilingBasis = 'admission_date' | 'before_discharge' | 'before_settlement';

export function filingForStay(
  records: FilingRecord[],
  insuplc: string,
  mdtrtarea: string,
  begntime: string,
  endtime: string | undefined,
  settlementDay?: string,
): FilingStatus & { basis?: StayFilingBasis } {
  const atAdmission = filingOn(records, insuplc, mdtrtarea, begntime);
  if (atAdmission.status !== 'not_filed') return atAdmission.status === 'filed' ? { ...atAdmission, basis: 'admission_date' } : atAdmission;
  if (!endtime) return atAdmission;
  const late = filingOn(records, insuplc, mdtrtarea, endtime);
  if (late.status === 'filed') return { ...late, basis: 'before_discharge' };
  const atSettlement = settlementDay ? filingOn(records, insuplc, mdtrtarea, settlementDay) : atAdmission;
  return atSettlement.status === 'filed' ? { ...atSettlement, basis: 'before_settlement' } : atAdmission;
}
