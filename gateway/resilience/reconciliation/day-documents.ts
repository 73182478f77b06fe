/**
 * Reading and writing the reconciliation documents (engine/reconciliation/documents.ts) by
 * compare-and-set — Store.getEncounter / saveEncounter with the version read — retried when another
 * writer (a replica, a staff action, the run's own heartbeat) came first. The lease that makes one
 * run per day at a time lives in the day's document and is taken the same way.
 */
import type { Clock } from '../../../adapters/platform/msgid.js';
import { GatewayError } from '../../errors/errors.js';
import {
  DAY_KIND,
  type DayDocument,
  dayDocId,
  INDEX_ID,
  INDEX_KIND,
  type IndexDocument,
  MONTH_KIND,
  type MonthDocument,
  monthDocId,
} from '../../engine/reconciliation/documents.js';
import type { Store } from '../../store/store.js';

const TRIES = 50;

/** Thrown inside an update when the lease is no longer the caller's: another replica took the run over. */
export class LeaseLost extends Error {
  constructor(readonly day: string) {
    super(`the lease of ${day} was taken by another holder`);
  }
}

export class DayDocuments {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    /** this process's boot id: the holder named in the leases it takes */
    readonly holder: string,
  ) {}

  async day(day: string): Promise<DayDocument | undefined> {
    const v = await this.store.getEncounter<DayDocument>(dayDocId(day));
    return v?.value.kind === DAY_KIND ? v.value : undefined;
  }

  async month(month: string): Promise<MonthDocument | undefined> {
    const v = await this.store.getEncounter<MonthDocument>(monthDocId(month));
    return v?.value.kind === MONTH_KIND ? v.value : undefined;
  }

  /** Creates the month's close record; false when it exists already (closed by someone else first). */
  async closeMonth(doc: MonthDocument): Promise<boolean> {
    return this.store.saveEncounter(doc, null);
  }

  /**
   * Reads the day's document, lets `change` edit a copy (or create it: `cur` undefined), writes it
   * if the version is still the one read. `change` returns false to leave it as it is. Retried on a
   * lost race; whatever `change` throws is thrown.
   */
  async update(day: string, change: (cur: DayDocument | undefined) => DayDocument | false): Promise<DayDocument | undefined> {
    for (let i = 0; i < TRIES; i++) {
      const v = await this.store.getEncounter<DayDocument>(dayDocId(day));
      const cur = v?.value.kind === DAY_KIND ? structuredClone(v.value) : undefined;
      const next = change(cur);
      if (next === false) return cur;
      next.updated_at = this.clock.now().toISOString();
      if (await this.store.saveEncounter(next, v?.version ?? null)) return next;
    }
    throw new GatewayError('GW_SYS_STORE_UNAVAILABLE', {
      details: { reason: `the reconciliation document of ${day} kept changing under this write` },
    });
  }

  /** update() for the holder of the day's run: refused (LeaseLost) once the lease is someone else's. */
  async updateHeld(day: string, change: (cur: DayDocument) => void): Promise<DayDocument> {
    const doc = await this.update(day, (cur) => {
      if (cur?.status !== 'running' || cur.lease?.holder !== this.holder) throw new LeaseLost(day);
      change(cur);
      return cur;
    });
    return doc!;
  }

  /** A lease is alive while its holder keeps renewing it; `deadHolder` says a holder is gone for sure (the embedded store: any but this process). */
  leaseAlive(doc: DayDocument | undefined, deadHolder: (holder: string) => boolean): boolean {
    const l = doc?.lease;
    if (doc?.status !== 'running' || !l) return false;
    if (l.holder === this.holder) return true;
    return !deadHolder(l.holder) && Date.parse(l.until) > this.clock.now().getTime();
  }

  // ---- the index of days that need the worker's attention ----------------------------------------

  async activeDays(): Promise<string[]> {
    const v = await this.store.getEncounter<IndexDocument>(INDEX_ID);
    return v?.value.kind === INDEX_KIND ? [...v.value.days] : [];
  }

  /** Adds the day to (or drops it from) the index of days with a run to resume or fixes to follow. */
  async markActive(day: string, active: boolean): Promise<void> {
    for (let i = 0; i < TRIES; i++) {
      const v = await this.store.getEncounter<IndexDocument>(INDEX_ID);
      const days = new Set(v?.value.kind === INDEX_KIND ? v.value.days : []);
      if (days.has(day) === active) return;
      if (active) days.add(day);
      else days.delete(day);
      const doc: IndexDocument = { id: INDEX_ID, kind: INDEX_KIND, days: [...days].sort() };
      if (await this.store.saveEncounter(doc, v?.version ?? null)) return;
    }
    throw new GatewayError('GW_SYS_STORE_UNAVAILABLE', { details: { reason: 'the reconciliation index kept changing under this write' } });
  }
}
