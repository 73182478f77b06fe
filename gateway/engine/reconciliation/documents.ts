/**
 * What reconciliation keeps, as versioned documents of the store (compare-and-set through
 * saveEncounter / getEncounter, no store method of its own): one per day (`recon:yyyy-MM-dd`),
 * one per month (`recon-month:yyyy-MM`), and one index of the days whose run needs attention
 * (`recon:active`). Amounts are decimal strings with two places ("12.50", "-3.00").
 */
import type { EncounterBase } from '../../store/store.js';

export const DAY_KIND = 'reconciliation_day';
export const MONTH_KIND = 'reconciliation_month';
export const INDEX_KIND = 'reconciliation_index';
export const INDEX_ID = 'recon:active';
export const dayDocId = (day: string) => `recon:${day}`;
export const monthDocId = (month: string) => `recon-month:${month}`;

/** insutype × clr_type × setl_optins: how 3201 groups a day (nhis-web, hsa-his: one 3201 per group). */
export interface GroupKey {
  insutype: string;
  clr_type: string;
  setl_optins: string;
}

export interface Sums {
  medfee_sumamt: string;
  fund_pay_sumamt: string;
  acct_pay: string;
  /** 3202 carries cash_payamt where 3201 carries acct_pay */
  cash_payamt: string;
}

/** One group's totals on the gateway's side, and what 3201 answered for them. */
export interface GroupCheck extends GroupKey, Sums {
  /** fixmedins_setl_cnt: the rows counted, settlements and cancellations alike */
  count: number;
  /** of which cancellations (refd_setl_flag 1, negative amounts) */
  refunds: number;
  /** sums per fund (hifp_pay, cvlserv_pay, ... as the slips name them) */
  funds: Record<string, string>;
  /** 3201's answer, once asked: 0 对平, 1 中心多, 2 医药机构多, 3 数据不一致 */
  stmt_rslt?: string;
  stmt_rslt_dscr?: string;
  transaction_id?: string;
}

/** One detail reconciliation (setl_optins × clr_type): 9101 upload, 3202, 9102 download, the rows read. */
export interface DetailCheck {
  setl_optins: string;
  clr_type: string;
  rows: number;
  sums: Sums;
  filename?: string;
  upload_id?: string;
  file_qury_no?: string;
  detail_id?: string;
  result_file?: { file_qury_no: string; filename: string };
  download_id?: string;
  /** the result file's rows that are not 对平, read (the classification's input) */
  result_rows?: ResultRow[];
}

/** A result-file line (3202 via 9102): the centre's words on one settlement; absent = "null". */
export interface ResultRow {
  psn_no?: string;
  mdtrt_id?: string;
  setl_id?: string;
  msgid?: string;
  stmt_rslt: string;
  refd_setl_flag?: string;
  memo?: string;
  medfee_sumamt?: string;
  fund_pay_sumamt?: string;
  acct_pay?: string;
}

export type DifferenceKind = 'platform_only' | 'gateway_only' | 'amounts_differ' | 'unexplained';

/**
 * A difference is a work item: it stays in the day's document with its evidence, what the gateway
 * did about it and how it ended. open: staff's; fixing: an action is under way (a 2601); fixed: the
 * action finished, the next run should show it gone; resolved: gone on a re-run, or closed by staff.
 */
export interface Difference {
  id: string;
  key: string;
  kind: DifferenceKind;
  state: 'open' | 'fixing' | 'fixed' | 'resolved';
  group: { setl_optins: string; clr_type: string; insutype?: string };
  stmt_rslt?: string;
  setl_id?: string;
  mdtrt_id?: string;
  psn_no?: string;
  msgid?: string;
  refd_setl_flag?: string;
  memo?: string;
  /** the centre's amounts (result file) */
  platform?: { medfee_sumamt?: string; fund_pay_sumamt?: string; acct_pay?: string };
  /** the gateway's own entry, if it has one */
  gateway?: {
    transaction_id: string;
    infno: string;
    medfee_sumamt: string;
    fund_pay_sumamt: string;
    acct_pay: string;
    encounter_id?: string;
  };
  /** the journal record the platform's msgid names (platform_only) */
  journal?: {
    transaction_id: string;
    infno: string;
    outcome: string;
    resolution?: string;
    encounter_id?: string;
    encounter_kind?: string;
  };
  /** the inquiry that confirmed (or not) what the platform holds */
  inquiry?: { infno: string; transaction_id?: string; verdict: 'held' | 'not_held' | 'failed'; why?: string };
  /** what the gateway did or advises */
  action?: { what: 'reversal_queued' | 'reversal_reopened' | 'reversal_under_way' | 'none'; why: string; at: string };
  resolution?: {
    how: 'reversed' | 'adopted' | 'gone_on_rerun' | 'closed_by_staff';
    at: string;
    by?: string;
    reason?: string;
    transaction_id?: string;
  };
  first_seen_run: number;
  last_seen_run: number;
  /** the run that last looked into it (journal, inquiry, action): a resumed run does not look twice */
  investigated_run?: number;
}

/** A platform-side booking staff adopted as the hospital's: counted on the gateway's side from then on. */
export interface AdoptedEntry extends GroupKey {
  setl_id: string;
  mdtrt_id: string;
  psn_no: string;
  msgid: string;
  refd_setl_flag: string;
  medfee_sumamt: string;
  fund_pay_sumamt: string;
  acct_pay: string;
  difference_id: string;
  by: string;
  reason: string;
  at: string;
}

export type RunTrigger = 'schedule' | 'staff' | 'rerun';

/** The run in progress (or the last one): its steps' results, kept as each completes, so a resumed run skips them. */
export interface Run {
  no: number;
  trigger: RunTrigger;
  requested_by?: string;
  started_at: string;
  finished_at?: string;
  /** how often a replica took over a run whose holder had died */
  resumed: number;
  groups: GroupCheck[];
  details: DetailCheck[];
  /** the result rows have been classified and the differences merged */
  classified?: boolean;
  /** the differences' orphans have been looked into */
  investigated?: boolean;
}

export interface RunSummary {
  no: number;
  trigger: RunTrigger;
  requested_by?: string;
  started_at: string;
  finished_at?: string;
  resumed: number;
  result: 'balanced' | 'unbalanced' | 'error';
  groups: number;
  mismatched: number;
  error?: RunError;
}

export interface RunError {
  step: string;
  code: string;
  message: string;
  at: string;
  transaction_id?: string;
}

export type DayStatus = 'running' | 'balanced' | 'unbalanced' | 'error';

export interface DayDocument extends EncounterBase {
  kind: typeof DAY_KIND;
  day: string;
  status: DayStatus;
  created_at: string;
  updated_at: string;
  /** who runs the day now, until when (renewed while it runs): one run per day at a time across replicas */
  lease?: { holder: string; until: string };
  run?: Run;
  runs: RunSummary[];
  run_count: number;
  /** runs started on their own after fixes (bounded) */
  auto_reruns: number;
  differences: Difference[];
  adopted: AdoptedEntry[];
  /** the last run's error, while it stands */
  last_error?: RunError;
  balanced_at?: string;
}

export interface MonthDocument extends EncounterBase {
  kind: typeof MONTH_KIND;
  month: string;
  closed_at: string;
  closed_by: string;
  /** what each day was at the close (the report of record) */
  days: Array<{
    day: string;
    status: DayStatus;
    run_count: number;
    count: number;
    medfee_sumamt: string;
    fund_pay_sumamt: string;
    acct_pay: string;
  }>;
}

export interface IndexDocument extends EncounterBase {
  kind: typeof INDEX_KIND;
  days: string[];
}

/** A day is open until a run balanced it. */
export const isOpen = (d: DayDocument | undefined) => d?.status !== 'balanced';
