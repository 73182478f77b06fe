import * as msg from '../../adapters/platform/pharmacy-messages.js';
import type { Clock } from '../../adapters/platform/msgid.js';
import type { PharmacySettlementRequest } from '../generated/api/pharmacy-settlement.request.js';
import { GatewayError } from '../errors/errors.js';
import type { Store } from '../store/store.js';
import { addLineId, cancellable, notSettled } from './encounter-guards.js';
import { EncounterRunner, encounterContext, failedAs, openingDraft, type RequestMeta } from './encounter-runner.js';
import { findSettlement, settlementOwner, slipCall } from './encounter-steps.js';
import { checkedAmounts } from './fee-lines.js';
import { Decimal, sumOf } from './money.js';
import { type Persons, withoutCredential } from './persons.js';
import type { CallContext, PlatformClient } from './platform-client.js';
import { saleStatus } from './settled-status.js';
import { liveOf, loadLine, type PharmacySale, type PharmacySettlement, saleView, storeLine } from './sale.js';
import { cancellationRecord, markCancelled, settlementRecord } from './settlement-records.js';
import type { Cancellation } from './visit.js';

/** One pharmacy sale's journal context. */
function ctxOf(s: PharmacySale, meta: RequestMeta): CallContext {
  return encounterContext(s, meta, { psn_no: s.facts.psn_no, ipt_otp_no: s.sale_no, invono: s.facts.invono });
}

/**
 * Pharmacy direct settlement (定点药店购药直接结算) for the hospital pharmacy and designated
 * pharmacies' POS: 1101 (人卡一致) then 2101 quote or 2102 settlement; 2103 cancels. A sale runs one
 * transaction at a time (EncounterRunner); an unknown 2102/2103 outcome keeps it blocked for the
 * reversal, visible to staff.
 */
export class PharmacyService {
  private readonly runner: EncounterRunner<PharmacySale>;

  constructor(
    private readonly store: Store,
    private readonly platform: PlatformClient,
    private readonly persons: Persons,
    private readonly clock: Clock,
  ) {
    this.runner = new EncounterRunner<PharmacySale>(store, clock, 'pharmacy', 'GW_BIZ_SETTLEMENT_NOT_FOUND', ctxOf);
  }

  /** 1101 + 2101: a quote, nothing booked, nothing kept but the journal. */
  async preSettle(req: PharmacySettlementRequest, meta: RequestMeta) {
    const lines = checkedLines(req);
    const { facts, insuplc_admdvs } = await this.identify(req, meta);
    const quote = await slipCall(
      this.platform,
      '2101',
      msg.preSettle2101(facts, lines),
      { insuplc_admdvs, request_id: meta.request_id, keys: { psn_no: facts.psn_no, ipt_otp_no: req.sale_no } },
      'pre_settlement',
      { his_input: withoutCredential(req), total: msg.totalOf(lines) },
    );
    return { sale_no: req.sale_no, transaction_id: quote.transaction_id, slip: quote.slip };
  }

  /** 1101 + 2102: books the sale's settlement; one settlement per sale_no. */
  async settle(req: PharmacySettlementRequest, meta: RequestMeta) {
    const lines = checkedLines(req);
    const existing = await this.runner.reopenable(
      'sale_no',
      req.sale_no,
      'failed',
      (s) =>
        new GatewayError('GW_BIZ_DUPLICATE_SALE', {
          details: { sale_no: req.sale_no, status: saleStatus(s.status, s.settlements), setl_id: liveOf(s)?.setl_id },
        }),
    );
    const { facts, insuplc_admdvs, view } = await this.identify(req, meta);
    const sale: PharmacySale = {
      ...openingDraft(existing?.value, 'P', 'pharmacy', 'settling', '2102', this.now()),
      sale_no: req.sale_no,
      facts,
      insuplc_admdvs,
      scope: view.scope,
      filing: view.filing,
      lines: lines.map(storeLine),
      settlements: [],
    };
    let entry: PharmacySettlement | undefined;
    const r = await this.runner.open(
      sale,
      existing?.version ?? null,
      { sale_no: req.sale_no },
      '2102',
      (w) =>
        new GatewayError('GW_BIZ_DUPLICATE_SALE', {
          details: { sale_no: req.sale_no, ...(w ? { status: saleStatus(w.status, w.settlements) } : {}) },
        }),
      async (s) => {
        const booked = await this.call2102(s, lines, ctxOf(s, meta), withoutCredential(req));
        entry = booked;
        return {
          transaction_id: booked.transaction_id,
          indexes: { setl_id: booked.setl_id },
          apply: (w: PharmacySale) => {
            w.status = 'settled';
            w.settlements.push(booked);
          },
        };
      },
      failedAs<PharmacySale>('unknown', 'failed'),
    );
    return { ...saleView(r.encounter), setl_id: entry!.setl_id, transaction_id: entry!.transaction_id, slip: entry!.slip };
  }

  /** 2103: cancels one booked settlement of the sale (any of the person's, 隔笔退费). */
  async cancel(setl_id: string, reason: string | undefined, meta: RequestMeta, refund?: Cancellation['refund']) {
    const id = await settlementOwner(this.store, setl_id);
    let cancellation: Cancellation | undefined;
    const r = await this.runner.run(
      id,
      '2103',
      meta,
      (s) => cancellable(s.settlements, setl_id),
      async (s, ctx) => {
        const { mdtrt_id } = s.settlements.find((y) => y.setl_id === setl_id)!;
        const { transaction_id, slip } = await slipCall(
          this.platform,
          '2103',
          msg.cancel2103({ psn_no: s.facts.psn_no, mdtrt_id, setl_id }),
          ctx,
          'cancellation',
          { keys: { setl_id, mdtrt_id }, his_input: { setl_id, reason }, output: msg.output2103AsSlip },
        );
        const done = cancellationRecord(transaction_id, slip, reason, this.now(), refund);
        cancellation = done;
        return {
          transaction_id,
          apply: (w: PharmacySale) => markCancelled(w.settlements, setl_id, done),
        };
      },
    );
    return {
      ...saleView(r.encounter),
      transaction_id: r.transaction_id,
      setl_id,
      cancel_setl_id: cancellation!.setl_id,
      slip: cancellation!.slip,
    };
  }

  /** 2102 again for the kept lines of a partially refunded sale (the refund operation's second step). */
  async resettle(saleId: string, keep: readonly string[], acct_used_flag: string, meta: RequestMeta) {
    let entry: PharmacySettlement | undefined;
    const r = await this.runner.run(
      saleId,
      '2102',
      meta,
      (s) => notSettled(liveOf(s)),
      async (s, ctx) => {
        const lines = s.lines.filter((l) => keep.includes(l.feedetl_sn)).map(loadLine);
        entry = await this.call2102({ ...s, facts: { ...s.facts, acct_used_flag } }, lines, ctx, { resettle: keep, acct_used_flag });
        const booked = entry;
        return {
          transaction_id: booked.transaction_id,
          indexes: { setl_id: booked.setl_id },
          apply: (w: PharmacySale) => {
            w.settlements.push(booked);
          },
        };
      },
    );
    return { ...saleView(r.encounter), setl_id: entry!.setl_id, transaction_id: r.transaction_id, slip: entry!.slip };
  }

  async load(id: string) {
    return (await this.runner.load(id))?.value;
  }

  async bySaleNo(sale_no: string) {
    const id = await this.store.findEncounterId('sale_no', sale_no);
    const s = id ? await this.runner.load(id) : undefined;
    if (!s) throw new GatewayError('GW_BIZ_SETTLEMENT_NOT_FOUND', { details: { sale_no } });
    return s.value;
  }

  async settlement(setl_id: string) {
    const { encounter, settlement } = await findSettlement(this.store, this.runner, setl_id);
    return { sale_id: encounter.id, sale_no: encounter.sale_no, ...settlement };
  }

  /**
   * The reversal worker undid (or found nothing of) a booking of this sale: a reversed 2102 leaves
   * the sale unsettled (`failed`, so the same sale_no may be settled again); a reversed 2103 leaves
   * the settlement booked.
   */
  async releaseAfterReversal(transaction: { id: string; infno: string; encounter_id?: string }) {
    return this.runner.release(transaction, (s) => {
      if (s.status === 'unknown' && transaction.infno === '2102') s.status = 'failed';
    });
  }

  /** After a restart: a 2102/2103 left pending keeps its sale blocked (booking transactions). */
  async recoverAfterCrash(transaction: { id: string; infno: string; encounter_id?: string }) {
    await this.runner.recover(transaction, (s) => {
      if (s.status === 'settling') s.status = 'unknown';
    });
  }

  private now() {
    return this.clock.now().toISOString();
  }

  private async identify(req: PharmacySettlementRequest, meta: RequestMeta) {
    const person = await this.persons.identify(
      req,
      req.psn_no,
      { request_id: meta.request_id, keys: { ipt_otp_no: req.sale_no } },
      { ...meta, channel: 'pharmacy_sale' },
    );
    const view = this.persons.view(person, req.begntime.slice(0, 10), req.insutype, !!req.counter_person);
    const facts: msg.PurchaseFacts = {
      psn_no: person.psn_no,
      insutype: this.persons.insuranceOf(person, req.insutype).insutype,
      mdtrt_cert_type: req.mdtrt_cert_type,
      mdtrt_cert_no: req.mdtrt_cert_no,
      card_sn: req.card_sn,
      begntime: req.begntime,
      med_type: req.med_type ?? msg.PHARMACY_MED_TYPE,
      acct_used_flag: req.acct_used_flag,
      invono: req.invono,
      dise_codg: req.dise_codg,
      dise_name: req.dise_name,
    };
    return { facts, insuplc_admdvs: view.insuplc_admdvs, view };
  }

  private async call2102(
    s: Pick<PharmacySale, 'facts' | 'insuplc_admdvs'>,
    lines: msg.DrugLine[],
    ctx: CallContext,
    his_input: unknown,
  ): Promise<PharmacySettlement> {
    const { transaction_id, slip } = await slipCall(this.platform, '2102', msg.settle2102(s.facts, lines), ctx, 'settlement', {
      his_input,
      total: msg.totalOf(lines),
    });
    return { ...settlementRecord(transaction_id, slip, lines, s.facts.invono, this.now()), mdtrt_id: slip.mdtrt_id };
  }
}

// ---- pure helpers -----------------------------------------------------------------------------

/** Line totals must be round2(cnt × pric), line ids unique, and the request total their sum. */
function checkedLines(req: PharmacySettlementRequest): msg.DrugLine[] {
  const seen = new Set<string>();
  const lines = req.drugdetail.map((l) => {
    addLineId(seen, l.feedetl_sn);
    const amounts = checkedAmounts(l);
    const { feedetl_sn, fee_ocur_time, med_list_codg, medins_list_codg, cnt: _c, pric: _p, det_item_fee_sumamt: _d, ...rest } = l;
    return { feedetl_sn, fee_ocur_time, med_list_codg, medins_list_codg, ...amounts, extra: rest as Record<string, string | undefined> };
  });
  const total = sumOf(lines.map((l) => l.det_item_fee_sumamt));
  if (!total.eq(new Decimal(req.medfee_sumamt))) {
    throw new GatewayError('GW_VAL_TOTAL_MISMATCH', {
      details: { his_total: new Decimal(req.medfee_sumamt), lines_total: total, lines: lines.length },
    });
  }
  return lines;
}
