/** The transactions the mock platform speaks, by infno. */
import type { TxHandler } from './context.js';
import { cancelFees, uploadFees } from './outpatient-fees.js';
import { cancelSettlement, preSettle, settle } from './outpatient-settlement.js';
import { cancelRegistration, registerVisit, uploadVisitInfo } from './outpatient-visit.js';
import { personInfo } from './person-info.js';
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
};

/** Transactions that need no sign_no. */
export const SIGN_IN_FREE: ReadonlySet<string> = new Set(['9001']);

export type { TxContext, TxHandler } from './context.js';
