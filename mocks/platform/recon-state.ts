/** What the mock keeps for reconciliation (对账): the files of 9101 / 3202, the days' overrides, the result-file faults (reconciliation.ts uses them). */

export interface PlatformRow {
  setl_id: string;
  mdtrt_id: string;
  psn_no: string;
  msgid: string;
  insutype: string;
  clr_type: string;
  setl_optins: string;
  refd_setl_flag: '0' | '1';
  day: string;
  medfee_sumamt: string;
  fund_pay_sumamt: string;
  acct_pay: string;
}

export type Override =
  | ({ kind: 'extra' } & PlatformRow)
  | { kind: 'missing'; setl_id: string }
  | { kind: 'different'; setl_id: string; medfee_sumamt?: string; fund_pay_sumamt?: string; acct_pay?: string };

/** A result file fault: the next 9102 answers this instead of the real file. */
export type ResultFault = { kind: 'malformed' } | { kind: 'not_zip' } | { kind: 'oversized'; bytes: number };

export interface ReconState {
  files: Map<string, { filename: string; bytes: Uint8Array }>;
  overrides: Map<string, Override[]>;
  resultFaults: ResultFault[];
}

export const createReconState = (): ReconState => ({ files: new Map(), overrides: new Map(), resultFaults: [] });
