import type { Clock } from '../../adapters/platform/msgid.js';
import type { Logger } from '../logger.js';
import { errForLog } from '../privacy.js';
import type { JournalArchive } from '../store/archive.js';
import { cursorOf, openWorkOf } from '../store/query.js';
import type { Store, TransactionRecord } from '../store/store.js';
import { Periodic } from './periodic.js';

export interface ArchiverDeps {
  store: Store;
  archive: JournalArchive;
  clock: Clock;
  logger: Logger;
  /** bodies older than this many days leave the hot store */
  hotDays: number;
  /**
   * Retention by rule (issue 20, config.ts retention): journal records older than journalDays are
   * erased (open work never), archive day files older than archiveDays deleted, audit entries
   * older than auditDays erased; 0 = kept for ever.
   */
  journalDays?: number;
  archiveDays?: number;
  auditDays?: number;
  intervalMs: number;
  /** the hospital's time zone: a record goes to the archive file of its local day */
  timeZoneOffsetMinutes: number;
}

const PAGE = 500;

/**
 * Retention (issue 11): moves the message bodies of journal records older than the hot period
 * into the archive (store/archive.ts) — the batch is on disk before the hot record drops its
 * stages — and keeps everything else of the record (keys, outcome, resolution, indexes), so an
 * archived record is still found by its keys and shown whole to staff. Open work is never archived.
 * It reads the store's `h` index (records still hot) older than the cut-off: the cost follows what
 * is due, never the journal. Replicas on one store take a lease per round (one archiver at a time;
 * with Redis, ARCHIVE_DIR is a directory every replica shares).
 */
export class Archiver {
  private readonly rounds: Periodic;

  constructor(private readonly d: ArchiverDeps) {
    this.rounds = new Periodic(
      () => this.run(),
      d.intervalMs,
      (e) => d.logger.error({ err: errForLog(e) }, 'archive round failed; retried at the next round'),
    );
  }

  start() {
    this.rounds.start(Math.min(this.d.intervalMs, 60_000));
  }

  stop() {
    return this.rounds.stop();
  }

  /** One round: every record due is archived. Returns how many were. */
  async run(): Promise<number> {
    const { store, clock, hotDays, intervalMs } = this.d;
    const now = clock.now().getTime();
    const leaseSeconds = Math.max(60, Math.ceil(intervalMs / 1000));
    if ((await store.nextSequence(`archive:${Math.floor(now / Math.max(intervalMs, 1000))}`, leaseSeconds)) !== 1) return 0;
    const cutoff = new Date(now - hotDays * 86_400_000).toISOString();
    let archived = 0;
    for (let cursor: string | undefined; !this.rounds.stopped; ) {
      const page = await store.listTransactions({ hot: true, to: cutoff, limit: PAGE, ...(cursor ? { cursor } : {}) });
      const due = page.filter((r) => openWorkOf(r) === undefined);
      for (const [day, records] of this.byDay(due)) {
        const at = this.d.archive.append(day, records);
        for (const r of records) {
          // a record written meanwhile keeps its stages (it is archived, with its new body, next round)
          const cur = await store.getTransaction(r.id);
          if (cur?.updated_at !== r.updated_at || cur.outcome !== r.outcome) continue;
          await store.putTransaction({ ...cur, stages: {}, archived: at });
          archived++;
        }
      }
      if (page.length < PAGE) break;
      cursor = cursorOf(page[page.length - 1]!);
    }
    if (archived) this.d.logger.info({ archived, before: cutoff }, 'journal bodies archived');
    await this.erase(now);
    return archived;
  }

  /** The retention round (issue 20): what is past its period is erased, open work never. */
  async erase(now: number): Promise<{ records: number; files: string[]; audit: number }> {
    const { store, journalDays, archiveDays, auditDays } = this.d;
    const before = (days: number) => new Date(now - days * 86_400_000).toISOString();
    let records = 0;
    if (journalDays) {
      const to = before(journalDays);
      for (let cursor: string | undefined; ; ) {
        const page = await store.listTransactions({ to, limit: PAGE, ...(cursor ? { cursor } : {}) });
        for (const r of page) {
          if (openWorkOf(r) !== undefined) continue;
          await store.eraseTransaction(r.id);
          records++;
        }
        if (page.length < PAGE) break;
        cursor = cursorOf(page[page.length - 1]!);
      }
    }
    const files = archiveDays ? this.d.archive.erase(this.localDay(Date.parse(before(archiveDays)))) : [];
    let audit = 0;
    if (auditDays) for (let n = PAGE; n === PAGE; audit += n) n = await store.eraseAuditBefore(before(auditDays), PAGE);
    if (records || files.length || audit)
      this.d.logger.info({ records, archive_files: files.length, audit }, 'retention: expired data erased');
    return { records, files, audit };
  }

  private localDay(ms: number) {
    return new Date(ms + this.d.timeZoneOffsetMinutes * 60_000).toISOString().slice(0, 10);
  }

  private byDay(records: TransactionRecord[]) {
    const days = new Map<string, TransactionRecord[]>();
    const offset = this.d.timeZoneOffsetMinutes * 60_000;
    for (const r of records) {
      const day = new Date(Date.parse(r.created_at) + offset).toISOString().slice(0, 10);
      days.set(day, [...(days.get(day) ?? []), r]);
    }
    return days;
  }
}
