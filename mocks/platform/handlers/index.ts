/** The transactions the mock platform speaks, by infno. */
import type { TxHandler } from './context.js';
import { cancelFees, uploadFees } from './outpatient-fees.js';
import { cancelSettlement, preSettle, settle } from './outpatient-settlement.js';
import { cancelRegistration, registerVisit, uploadVisitInfo } from './outpatient-visit.js';
import { admit, cancelAdmission, cancelDischarge, changeAdmission, discharge } from './inpatient-admission.js';
import { cancelInpatientFees, uploadInpatientFees } from './inpatient-fees.js';
import { cancelInpatientSettlement, preSettleInpatient, settleInpatient } from './inpatient-settlement.js';
import { feeInquiry, settlementInquiry, visitInquiry } from './inquiry.js';
import { personInfo } from './person-info.js';
import { pharmacyCancel, pharmacyPreSettle, pharmacySettle } from './pharmacy.js';
import { detailReconciliation, fileDownload, fileUpload, totalsReconciliation } from './reconciliation.js';
import { reverse } from './reversal.js';
import { selfPayUpload } from './self-pay.js';
import { signIn } from './sign-in.js';

export const TRANSACTIONS: Readonly<Record<string, TxHandler>> = {
  '9001': signIn,
  '1101': personInfo,
  '2201': registerVisit,
  '2202': cancelRegistration,
  '2203': uploadVisitInfo,
  '2204': uploadFees,
  '2205': cancelFees,
  '2206': preSettle,
  '2207': settle,
  '2208': cancelSettlement,
  '2601': reverse,
  // unverified infno (no 4xxx self-pay message in the public record): see schemas/platform/4201.input.json
  '4201': selfPayUpload,
  '2101': pharmacyPreSettle,
  '2102': pharmacySettle,
  '2103': pharmacyCancel,
  '2401': admit,
  '2403': changeAdmission,
  '2404': cancelAdmission,
  '2301': uploadInpatientFees,
  '2302': cancelInpatientFees,
  '2402': discharge,
  '2405': cancelDischarge,
  '2303': preSettleInpatient,
  '2304': settleInpatient,
  '2305': cancelInpatientSettlement,
  '5201': visitInquiry,
  '5203': settlementInquiry,
  '5204': feeInquiry,
  // reconciliation (对账): totals, file upload, detail, file download (answers the file itself)
  '3201': totalsReconciliation,
  '9101': fileUpload,
  '3202': detailReconciliation,
  '9102': fileDownload,
};

/** Transactions that need no sign_no. */
export const SIGN_IN_FREE: ReadonlySet<string> = new Set(['9001']);

export type { TxContext, TxHandler } from './context.js';
