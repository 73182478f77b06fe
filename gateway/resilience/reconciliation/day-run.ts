/**
 * One run of a day's reconciliation, step by step, each step's result written into the day's
 * document before the next (a resumed run skips what is there), each platform call journaled
 * like any (PlatformClient): 3201 per group → where a group is not 对平, per setl_optins ×
 * clr_type the detail file (9101 upload, 3202, 9102 download of the result file) → the result
 * rows classified into the day's work items → the orphans looked into (orphans.ts). Every write
 * goes through the lease (DayDocuments.updateHeld): a run whose lease another replica took stops.
 */
import type { Clock } from '../../../adapters/platform/msgid.js';
import { GatewayError } from '../../errors/errors.js';
import type { PlatformClient } from '../../engine/platform-client.js';
import { buildDetailFile } from '../../engine/reconciliation/detail-file.js';
import { classifyRows, type Finding, mergeDifferences, unexplainedGroups } from '../../engine/reconciliation/differences.js';
import type { DayDocument, DetailCheck, GroupCheck, RunError } from '../../engine/reconciliation/documents.js';
import { entriesOfPair, groupId, groupTotals } from '../../engine/reconciliation/gateway-side.js';
import { type GatewaySide, loadGatewaySide } from '../../engine/reconciliation/journal-side.js';
import { readResultFile, ResultFileError } from '../../engine/reconciliation/result-file.js';
import type { ReconciliationSettings } from '../../engine/reconciliation/settings.js';
import type { Logger } from '../../logger.js';
import type { Store } from '../../store/store.js';
import type { Schemas } from '../../validation.js';
import type { DayDocuments } from './day-documents.js';
import type { Orphans } from './orphans.js';

export interface DayRunDeps {
  store: Store;
  docs: DayDocuments;
  platform: PlatformClient;
  schemas: Schemas;
  clock: Clock;
  logger: Logger;
  orphans: Orphans;
  settings: ReconciliationSettings;
  fixmedinsCode: string;
  offsetMinutes: number;
}

/** The gateway is stopping: the run stops before its next step, still `running` under its lease (resumed at the next start). */
export class Stopped extends Error {
  constructor() {
    super('stopping');
  }
}

/** Errors a later run may not meet again (the platform was away): such a run is retried on its own, within the re-run budget. */
export const PASSING_ERRORS: ReadonlySet<string> = new Set([
  'GW_SYS_PLATFORM_UNAVAILABLE',
  'GW_SYS_PLATFORM_CIRCUIT_OPEN',
  'GW_SYS_PLATFORM_NO_REPLY_NOTHING_BOOKED',
]);

/** A step that failed: what the run shows as its error. */
class StepFailed extends Error {
  constructor(readonly error: RunError) {
    super(error.message);
  }
}

const str = (v: unknown) => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined);
const obj = (v: unknown) => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
const num = (s: string) => Number(s);

export class DayRun {
  private signal?: AbortSignal;

  constructor(private readonly d: DayRunDeps) {}

  /** Runs (or resumes) the day's run this process holds the lease of, to its end: balanced, unbalanced or error. */
  async execute(day: string, signal?: AbortSignal): Promise<DayDocument> {
    const { docs, logger } = this.d;
    this.signal = signal;
    try {
      const side = await loadGatewaySide(
        this.d.store,
        this.d.schemas,
        day,
        this.d.offsetMinutes,
        (await docs.day(day))?.adopted ?? [],
        this.d.settings.groups,
      );
      if (side.problems.length) logger.warn({ day, problems: side.problems.length }, 'reconciliation: journal records left out of the day');
      let doc = await this.plan(day, side);
      doc = await this.totals(day, doc);
      const mismatched = doc.run!.groups.filter((g) => g.stmt_rslt !== '0');
      if (mismatched.length) {
        doc = await this.details(day, doc, side);
        doc = await this.classify(day, doc, side);
        doc = await this.d.orphans.investigate(day, doc);
      } else if (!doc.run!.classified) doc = await this.classify(day, doc, side);
      return await this.finish(day, mismatched.length ? 'unbalanced' : 'balanced');
    } catch (e) {
      if (e instanceof StepFailed) return this.fail(day, e.error);
      throw e;
    }
  }

  /** The groups to ask, fixed once per run (a resumed run asks the same). */
  private async plan(day: string, side: GatewaySide): Promise<DayDocument> {
    return this.d.docs.updateHeld(day, (doc) => {
      const run = doc.run!;
      if (run.groups.length || run.classified) return;
      run.groups = groupTotals(side.entries, side.alsoAsk);
    });
  }

  /** 3201 for every group not yet answered. */
  private async totals(day: string, doc: DayDocument): Promise<DayDocument> {
    let cur = doc;
    for (const g of doc.run!.groups) {
      if (g.stmt_rslt !== undefined) continue;
      const r = await this.step('3201', () =>
        this.d.platform.call(
          '3201',
          {
            data: {
              insutype: g.insutype,
              clr_type: g.clr_type,
              setl_optins: g.setl_optins,
              stmt_begndate: day,
              stmt_enddate: day,
              medfee_sumamt: num(g.medfee_sumamt),
              fund_pay_sumamt: num(g.fund_pay_sumamt),
              acct_pay: num(g.acct_pay),
              fixmedins_setl_cnt: g.count,
              // 1: the totals include the day's refunds (nhis-web: 1/empty include them) — LN 53 counts them in their day
              refd_setl_flag: '1',
            },
          },
          { request_id: `recon:${day}` },
        ),
      );
      const info = obj(r.output.stmtinfo);
      cur = await this.d.docs.updateHeld(day, (x) => {
        const slot = x.run!.groups.find((y) => groupId(y) === groupId(g))!;
        slot.stmt_rslt = str(info.stmt_rslt);
        slot.stmt_rslt_dscr = str(info.stmt_rslt_dscr);
        slot.transaction_id = r.transaction_id;
      });
    }
    return cur;
  }

  /** The detail reconciliation of each setl_optins × clr_type with a group 3201 did not balance. */
  private async details(day: string, doc: DayDocument, side: GatewaySide): Promise<DayDocument> {
    const pairs = new Map<string, { setl_optins: string; clr_type: string }>();
    for (const g of doc.run!.groups.filter((x: GroupCheck) => x.stmt_rslt !== '0'))
      pairs.set(`${g.setl_optins}|${g.clr_type}`, { setl_optins: g.setl_optins, clr_type: g.clr_type });
    let cur = doc;
    for (const pair of pairs.values()) {
      const found = (x: DayDocument) => x.run!.details.find((y) => y.setl_optins === pair.setl_optins && y.clr_type === pair.clr_type);
      let det: DetailCheck | undefined = found(cur);
      if (det?.result_rows) continue;
      const entries = entriesOfPair(side.entries, pair);
      if (!det?.file_qury_no) {
        // 9101: the detail file, uploaded
        const file = buildDetailFile(entries, pair, this.d.settings.detail, this.d.clock.now(), this.d.offsetMinutes);
        const up = await this.step('9101', () =>
          this.d.platform.call(
            '9101',
            { fsUploadIn: { filename: file.filename, fixmedins_code: this.d.fixmedinsCode, in: Buffer.from(file.zip).toString('base64') } },
            { request_id: `recon:${day}` },
          ),
        );
        const file_qury_no = str(up.output.file_qury_no);
        if (!file_qury_no)
          throw this.failed('9101', 'GW_SYS_PLATFORM_REPLY_INVALID', '9101 answered without a file_qury_no', up.transaction_id);
        cur = await this.d.docs.updateHeld(day, (x) => {
          const fresh: DetailCheck = {
            ...pair,
            rows: file.count,
            sums: file.sums,
            filename: file.filename,
            upload_id: up.transaction_id,
            file_qury_no,
          };
          const i = x.run!.details.findIndex((y) => y.setl_optins === pair.setl_optins && y.clr_type === pair.clr_type);
          if (i >= 0) x.run!.details[i] = fresh;
          else x.run!.details.push(fresh);
        });
        det = found(cur)!;
      }
      if (!det.result_file) {
        // 3202: the detail reconciliation of the uploaded file, with the totals it was built from
        const d3202 = det;
        const r = await this.step('3202', () =>
          this.d.platform.call(
            '3202',
            {
              data: {
                setl_optins: pair.setl_optins,
                file_qury_no: d3202.file_qury_no!,
                stmt_begndate: day,
                stmt_enddate: day,
                medfee_sumamt: num(d3202.sums.medfee_sumamt),
                fund_pay_sumamt: num(d3202.sums.fund_pay_sumamt),
                cash_payamt: num(d3202.sums.cash_payamt),
                fixmedins_setl_cnt: d3202.rows,
                clr_type: pair.clr_type,
                refd_setl_flag: '1',
              },
            },
            { request_id: `recon:${day}` },
          ),
        );
        const info = obj(r.output.fileinfo);
        const file_qury_no = str(info.file_qury_no);
        const filename = str(info.filename);
        if (!file_qury_no || !filename)
          throw this.failed('3202', 'GW_SYS_PLATFORM_REPLY_INVALID', '3202 answered without the result file (fileinfo)', r.transaction_id);
        cur = await this.d.docs.updateHeld(day, (x) => {
          const y = found(x)!;
          y.detail_id = r.transaction_id;
          y.result_file = { file_qury_no, filename };
        });
        det = found(cur)!;
      }
      // 9102: the result file itself (a zip, not JSON), read within the limits
      const rf = det.result_file!;
      const dl = await this.step('9102', () =>
        this.d.platform.download(
          '9102',
          { fsDownloadIn: { file_qury_no: rf.file_qury_no, filename: rf.filename, fixmedins_code: this.d.fixmedinsCode } },
          { request_id: `recon:${day}` },
          { maxBytes: this.d.settings.limits.maxZipBytes },
        ),
      );
      let rows: ReturnType<typeof readResultFile>['rows'];
      try {
        rows = readResultFile(dl.file.bytes, this.d.settings.resultColumns, this.d.settings.limits).rows;
      } catch (e) {
        if (!(e instanceof ResultFileError)) throw e;
        throw this.failed('9102', 'GW_SYS_RECON_RESULT_FILE_INVALID', e.message, dl.transaction_id);
      }
      cur = await this.d.docs.updateHeld(day, (x) => {
        const y = found(x)!;
        y.download_id = dl.transaction_id;
        y.result_rows = rows.filter((row) => row.stmt_rslt !== '0');
      });
    }
    return cur;
  }

  /** The result rows against the gateway's entries, merged into the day's work items. */
  private async classify(day: string, doc: DayDocument, side: GatewaySide): Promise<DayDocument> {
    if (doc.run!.classified) return doc;
    return this.d.docs.updateHeld(day, (x) => {
      const run = x.run!;
      const findings: Finding[] = run.details.flatMap((det) => classifyRows(det.result_rows ?? [], entriesOfPair(side.entries, det), det));
      findings.push(...unexplainedGroups(run.groups, findings));
      x.differences = mergeDifferences(x.differences, findings, run.no, this.d.clock.now().toISOString()).differences;
      run.classified = true;
    });
  }

  private async finish(day: string, result: 'balanced' | 'unbalanced'): Promise<DayDocument> {
    const now = this.d.clock.now().toISOString();
    const doc = await this.d.docs.updateHeld(day, (x) => {
      const run = x.run!;
      run.finished_at = now;
      x.status = result === 'balanced' && x.differences.every((d) => d.state === 'resolved') ? 'balanced' : 'unbalanced';
      if (x.status === 'balanced') x.balanced_at = now;
      x.lease = undefined;
      x.last_error = undefined;
      x.runs = [...x.runs, summary(x, x.status)].slice(-20);
    });
    await this.d.docs.markActive(day, needsAttention(doc));
    this.d.logger.info({ day, status: doc.status, run: doc.run?.no, groups: doc.run?.groups.length }, 'reconciliation run finished');
    return doc;
  }

  /** The run stops at the failed step: the day stays open with the error, its work items as they were. */
  private async fail(day: string, error: RunError): Promise<DayDocument> {
    const doc = await this.d.docs.updateHeld(day, (x) => {
      x.status = 'error';
      x.run!.finished_at = error.at;
      x.last_error = error;
      x.lease = undefined;
      x.runs = [...x.runs, summary(x, 'error', error)].slice(-20);
    });
    await this.d.docs.markActive(day, needsAttention(doc));
    this.d.logger.error(
      { day, step: error.step, code: error.code, transaction_id: error.transaction_id },
      'reconciliation run failed; the day stays open',
    );
    return doc;
  }

  /** A run that failed for no reason of its steps (the store, a defect): the day shows it and is open; nothing else changes. */
  async abandon(day: string, e: unknown): Promise<DayDocument> {
    return this.fail(day, {
      step: 'run',
      code: 'GW_SYS_INTERNAL',
      message: `the run stopped: ${(e as Error)?.message ?? String(e)}`,
      at: this.d.clock.now().toISOString(),
    });
  }

  /** A platform call of a step; a GatewayError becomes the run's error, naming the step and the journal record. */
  private async step<T>(name: string, call: () => Promise<T>): Promise<T> {
    if (this.signal?.aborted) throw new Stopped();
    try {
      return await call();
    } catch (e) {
      if (!(e instanceof GatewayError)) throw e;
      const platform = str((e.details as { platform_err_msg?: unknown; reason?: unknown } | undefined)?.platform_err_msg);
      const reason = str((e.details as { reason?: unknown } | undefined)?.reason);
      throw this.failed(
        name,
        e.code,
        `${name}: ${e.message}${platform ? ` — the platform said: ${platform}` : reason ? ` (${reason})` : ''}`,
        e.transaction_id,
      );
    }
  }

  private failed(step: string, code: string, message: string, transaction_id?: string) {
    return new StepFailed({ step, code, message, at: this.d.clock.now().toISOString(), ...(transaction_id ? { transaction_id } : {}) });
  }
}

function summary(x: DayDocument, result: 'balanced' | 'unbalanced' | 'error', error?: RunError) {
  const run = x.run!;
  return {
    no: run.no,
    trigger: run.trigger,
    requested_by: run.requested_by,
    started_at: run.started_at,
    finished_at: run.finished_at,
    resumed: run.resumed,
    result,
    groups: run.groups.length,
    mismatched: run.groups.filter((g) => g.stmt_rslt !== undefined && g.stmt_rslt !== '0').length,
    ...(error ? { error } : {}),
  };
}

/** The worker keeps an eye on a day while a run of it holds a lease, or a fix of it is under way or finished and waits for its re-run. */
export function needsAttention(doc: DayDocument): boolean {
  if (doc.status === 'running') return true;
  if (doc.status === 'error' && PASSING_ERRORS.has(doc.last_error?.code ?? '')) return true;
  return doc.status !== 'balanced' && doc.differences.some((d) => d.state === 'fixing' || d.state === 'fixed');
}
