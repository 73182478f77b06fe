/**
 * The filing an inpatient stay settles under (pure): one valid on the admission date keeps covering
 * the stay even when it ends before discharge (JS 13, LN 11); a filing made during the stay, before
 * the discharge settlement, is honoured too (补办备案: JS 25, HN 27, LN 17, JL 22).
 */
import { filingOn, type FilingRecord, type FilingStatus } from './filing.js';

export function filingForStay(
  records: FilingRecord[],
  insuplc: string,
  mdtrtarea: string,
  begntime: string,
  endtime: string | undefined,
): FilingStatus & { basis?: 'admission_date' | 'before_discharge' } {
  const atAdmission = filingOn(records, insuplc, mdtrtarea, begntime);
  if (atAdmission.status !== 'not_filed') return atAdmission.status === 'filed' ? { ...atAdmission, basis: 'admission_date' } : atAdmission;
  if (!endtime) return atAdmission;
  const late = filingOn(records, insuplc, mdtrtarea, endtime);
  return late.status === 'filed' ? { ...late, basis: 'before_discharge' } : atAdmission;
}
