/**
 * What the gateway does about a day's differences (engine/reconciliation/orphan.ts decides):
 * - during a run, each new orphan (platform_only) is looked into: the journal record its msgid
 *   names, the encounter it belongs to, the inquiry that confirms it (5204), and — for a booking
 *   whose outcome the gateway never learnt — its reversal (2601) through the reversal worker's own
 *   path (ReversalWorker.reverseNow / reopen);
 * - between runs, a fix under way is followed until the reversal worker has finished it;
 * - staff act on a work item: reverse, adopt (the platform's booking is the hospital's), close.
 * Nothing is done about a booking the gateway holds and the platform lacks: that is staff's.
 */
import type { Clock } from '../../../adapters/platform/msgid.js';
import { GatewayError } from '../../errors/errors.js';
import type { PlatformClient } from '../../engine/platform-client.js';
import type { AdoptedEntry, DayDocument, Difference } from '../../engine/reconciliation/documents.js';
import { groupOfMessage } from '../../engine/reconciliation/gateway-side.js';
import { orphanAction, orphanInquiry } from '../../engine/reconciliation/orphan.js';
import type { Logger } from '../../logger.js';
import type { Store, TransactionRecord } from '../../store/store.js';
import type { ReversalWorker } from '../reversal-worker.js';
import type { DayDocuments } from './day-documents.js';

export interface OrphansDeps {
  store: Store;
  docs: DayDocuments;
  platform: PlatformClient;
  reversals: ReversalWorker;
  clock: Clock;
  logger: Logger;
  autoReverse: boolean;
}

const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);

/** The reversal's states once it is over: undone at the platform (or staff said nothing stands). */
const UNDONE = new Set(['reversed', 'not_booked', 'resolved_by_staff']);

export class Orphans {
  constructor(private readonly d: OrphansDeps) {}

  /** Looks into every open orphan the run has not looked into yet; the run holds the day's lease. */
  async investigate(day: string, doc: DayDocument): Promise<DayDocument> {
    let cur = doc;
    const no = doc.run!.no;
    for (const d of doc.differences.filter((x) => x.kind === 'platform_only' && x.state === 'open' && x.investigated_run !== no)) {
      const found = await this.lookInto(day, d);
      cur = await this.d.docs.updateHeld(day, (x) => {
        const y = x.differences.find((z) => z.id === d.id);
        if (y?.state !== 'open') return;
        Object.assign(y, found, { investigated_run: no });
      });
    }
    return cur;
  }

  /** The journal record, the encounter, the inquiry, and the action taken. */
  private async lookInto(day: string, d: Difference): Promise<Partial<Difference>> {
    const { store, clock } = this.d;
    const rec = d.msgid ? await store.getTransaction(d.msgid) : undefined;
    const enc = rec?.encounter_id ? await store.getEncounter(rec.encounter_id) : undefined;
    const out: Partial<Difference> = {};
    if (rec)
      out.journal = {
        transaction_id: rec.id,
        infno: rec.infno,
        outcome: rec.outcome,
        resolution: rec.resolution?.state,
        encounter_id: rec.encounter_id,
        encounter_kind: enc?.value.kind,
      };
    if (rec && !d.group.insutype) out.group = { ...d.group, insutype: groupOfMessage(rec)?.insutype };
    const plan = orphanInquiry(d);
    if (plan) {
      try {
        const ok = await this.d.platform.call(plan.ask.infno, plan.ask.input, {
          insuplc_admdvs: insuredArea(rec) ?? d.group.setl_optins,
          keys: { psn_no: d.psn_no, mdtrt_id: d.mdtrt_id, setl_id: d.setl_id },
          request_id: `recon:${day}`,
          parent_id: rec?.id,
        });
        const v = plan.decide(ok.output);
        out.inquiry = { infno: plan.ask.infno, transaction_id: ok.transaction_id, verdict: v.verdict, why: v.why };
      } catch (e) {
        if (!(e instanceof GatewayError)) throw e;
        out.inquiry = { infno: plan.ask.infno, transaction_id: e.transaction_id, verdict: 'failed', why: e.code };
      }
    }
    const action = orphanAction(rec, out.inquiry?.verdict, this.d.autoReverse);
    const at = clock.now().toISOString();
    try {
      if (action.what === 'reverse_now') await this.d.reversals.reverseNow(rec!.id);
      else if (action.what === 'reopen_reversal') await this.d.reversals.reopen(rec!.id, `reconciliation of ${day}: the platform holds it`);
    } catch (e) {
      if (!(e instanceof GatewayError)) throw e;
      out.action = { what: 'none', why: `the reversal could not be queued (${e.code}): staff decide`, at };
      return out;
    }
    const what =
      action.what === 'reverse_now'
        ? 'reversal_queued'
        : action.what === 'reopen_reversal'
          ? 'reversal_reopened'
          : action.what === 'wait'
            ? 'reversal_under_way'
            : 'none';
    out.action = { what, why: action.why, at };
    if (what !== 'none') out.state = 'fixing';
    if (what !== 'none')
      this.d.logger.warn(
        { day, difference: d.id, transaction_id: rec?.id, encounter_id: rec?.encounter_id, action: what },
        'reconciliation: an orphan booking is being reversed',
      );
    return out;
  }

  /** Between runs: a fix under way whose reversal is over becomes fixed (re-run next), one given up to staff goes back to them. */
  async follow(day: string): Promise<DayDocument | undefined> {
    const doc = await this.d.docs.day(day);
    const fixing = doc?.differences.filter((x) => x.state === 'fixing' && x.journal) ?? [];
    if (!doc || doc.status === 'running' || !fixing.length) return doc;
    const now = this.d.clock.now().toISOString();
    const records = new Map<string, TransactionRecord | undefined>();
    for (const x of fixing) records.set(x.id, await this.d.store.getTransaction(x.journal!.transaction_id));
    return this.d.docs.update(day, (cur) => {
      if (!cur || cur.status === 'running') return false;
      let changed = false;
      for (const x of cur.differences) {
        const rec = records.get(x.id);
        if (x.state !== 'fixing' || !rec?.resolution) continue;
        const r = rec.resolution;
        x.journal = { ...x.journal!, outcome: rec.outcome, resolution: r.state };
        if (UNDONE.has(r.state)) {
          x.state = 'fixed';
          x.resolution = { how: 'reversed', at: now, transaction_id: r.reversal_ids.at(-1), by: r.resolved_by, reason: r.reason };
          changed = true;
        } else if (r.state === 'needs_manual' || r.state === 'confirmed') {
          x.state = 'open';
          x.action = {
            what: 'none',
            why: r.state === 'confirmed' ? 'staff confirmed it as booked: adopt it' : `the reversal needs staff: ${r.last_error ?? ''}`,
            at: now,
          };
          changed = true;
        }
      }
      return changed ? cur : false;
    });
  }

  // ---- staff actions --------------------------------------------------------------------------

  /** Staff: reverse an orphan the journal holds as a booking (2601 through the reversal worker). */
  async reverse(day: string, id: string, by: string): Promise<Difference> {
    const d = await this.mustGet(day, id);
    if (d.kind !== 'platform_only' || d.state === 'resolved' || d.state === 'fixing')
      throw notAllowed(day, id, 'reverse', 'only an open orphan (platform has, gateway lacks) is reversed');
    const rec = d.msgid ? await this.d.store.getTransaction(d.msgid) : undefined;
    if (!rec)
      throw notAllowed(
        day,
        id,
        'reverse',
        "the gateway has no call with this msgid: it cannot send 2601 for it (reverse it at the platform's counter, then close the item)",
      );
    const t = UNDONE.has(rec.resolution?.state ?? '')
      ? await this.d.reversals.reopen(rec.id, `reconciliation of ${day}, by ${by}`)
      : await this.d.reversals.reverseNow(rec.id);
    const now = this.d.clock.now().toISOString();
    return this.edit(day, id, (x) => {
      x.state = 'fixing';
      x.journal = {
        ...(x.journal ?? { transaction_id: t.id, infno: t.infno, outcome: t.outcome, encounter_id: t.encounter_id }),
        resolution: t.resolution?.state,
      };
      x.action = { what: 'reversal_queued', why: `staff (${by}) had it reversed`, at: now };
    });
  }

  /**
   * Staff: the platform's booking is the hospital's after all — counted on the gateway's side from
   * the next run on (with the centre's amounts); a journal record still open is resolved as booked
   * (ReversalWorker.resolve: confirmed — its encounter stays blocked, staff bring it in).
   */
  async adopt(day: string, id: string, by: string, reason: string, insutype?: string): Promise<Difference> {
    const d = await this.mustGet(day, id);
    if (d.kind !== 'platform_only' || d.state === 'resolved' || d.state === 'fixing')
      throw notAllowed(day, id, 'adopt', 'only an open orphan (platform has, gateway lacks) is adopted');
    const p = d.platform;
    if (!p?.medfee_sumamt || !p.fund_pay_sumamt || !d.setl_id)
      throw notAllowed(day, id, 'adopt', 'the result file gives no setl_id or amounts for it');
    const rec = d.msgid ? await this.d.store.getTransaction(d.msgid) : undefined;
    const group = { ...d.group, insutype: insutype ?? d.group.insutype ?? (rec ? groupOfMessage(rec)?.insutype : undefined) };
    if (!group.insutype) throw notAllowed(day, id, 'adopt', 'its insutype is not known: name it (insutype)');
    if (rec?.outcome === 'unknown' && ['reversing', 'inquiring', 'needs_manual'].includes(rec.resolution?.state ?? 'reversing'))
      await this.d.reversals.resolve(rec.id, by, `reconciliation of ${day}: adopted — ${reason}`, true);
    const now = this.d.clock.now().toISOString();
    const entry: AdoptedEntry = {
      insutype: group.insutype,
      clr_type: d.group.clr_type,
      setl_optins: d.group.setl_optins,
      setl_id: d.setl_id,
      mdtrt_id: d.mdtrt_id ?? '',
      psn_no: d.psn_no ?? '',
      msgid: d.msgid ?? '',
      refd_setl_flag: d.refd_setl_flag ?? '0',
      medfee_sumamt: p.medfee_sumamt,
      fund_pay_sumamt: p.fund_pay_sumamt,
      acct_pay: p.acct_pay ?? '0.00',
      difference_id: id,
      by,
      reason,
      at: now,
    };
    const out = await this.edit(day, id, (x, doc) => {
      x.state = 'fixed';
      x.group = group;
      x.action = { what: 'none', why: `adopted by ${by}`, at: now };
      x.resolution = { how: 'adopted', at: now, by, reason };
      doc.adopted = [...doc.adopted.filter((a) => a.difference_id !== id), entry];
    });
    await this.d.docs.markActive(day, true);
    return out;
  }

  /** Staff: a work item closed with a reason (settled with the 经办机构, corrected at the platform, ...). */
  async close(day: string, id: string, by: string, reason: string): Promise<Difference> {
    const d = await this.mustGet(day, id);
    if (d.state === 'resolved') throw notAllowed(day, id, 'close', 'it is resolved already');
    const now = this.d.clock.now().toISOString();
    return this.edit(day, id, (x) => {
      x.state = 'resolved';
      x.resolution = { how: 'closed_by_staff', at: now, by, reason };
    });
  }

  private async mustGet(day: string, id: string): Promise<Difference> {
    const d = (await this.d.docs.day(day))?.differences.find((x) => x.id === id);
    if (!d) throw new GatewayError('GW_BIZ_RECON_DIFFERENCE_NOT_FOUND', { details: { day, id } });
    return d;
  }

  private async edit(day: string, id: string, change: (d: Difference, doc: DayDocument) => void): Promise<Difference> {
    const doc = await this.d.docs.update(day, (cur) => {
      const x = cur?.differences.find((y) => y.id === id);
      if (!cur || !x) throw new GatewayError('GW_BIZ_RECON_DIFFERENCE_NOT_FOUND', { details: { day, id } });
      change(x, cur);
      return cur;
    });
    return doc!.differences.find((y) => y.id === id)!;
  }
}

function notAllowed(day: string, id: string, action: string, why: string) {
  return new GatewayError('GW_BIZ_RECON_ACTION_NOT_ALLOWED', { details: { day, id, action, why } });
}

function insuredArea(rec: TransactionRecord | undefined): string | undefined {
  return str((rec?.stages.envelope as { insuplc_admdvs?: unknown } | undefined)?.insuplc_admdvs);
}
