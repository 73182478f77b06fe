/** What reconciliation is told by configuration (gateway/config.ts reads it from the environment; README "Configuration"). */
import type { DetailFormat } from './detail-file.js';
import type { GroupKey } from './documents.js';
import type { ResultColumns, ResultLimits } from './result-file.js';

export interface ReconciliationSettings {
  /** the daily run (RECON_SCHEDULE=off: only staff start runs) */
  schedule: boolean;
  /** local time (PLATFORM_TZ_OFFSET_MINUTES) of the daily run for the day before, "HH:MM" */
  runAt: string;
  runAtMinutes: number;
  /** how often the worker looks for due runs, runs to resume and fixes to re-run after */
  intervalMs: number;
  /** a run's lease in the store, renewed while it runs; a dead holder's run is taken over once it lapses */
  leaseMs: number;
  /** days before yesterday a run is made up for when none was made (the gateway was down at the time) */
  catchUpDays: number;
  /** groups (insutype:clr_type:setl_optins) asked every day, whatever the gateway counted */
  groups: GroupKey[];
  /** an orphan the journal holds as an unknown booking is reversed (2601) without waiting for staff */
  autoReverse: boolean;
  /** re-runs a day starts on its own after its fixes finished */
  maxAutoReruns: number;
  /** the day of the next month by which a month is to be closed (JS 43: 每月3日前) */
  closeByDay: number;
  detail: DetailFormat;
  resultColumns: ResultColumns;
  limits: ResultLimits;
}
