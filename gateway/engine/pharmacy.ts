import { randomUUID } from 'node:crypto';
import * as msg from '../../adapters/platform/pharmacy-messages.js';
import type { Clock } from '../../adapters/platform/msgid.js';
import { slipFromOutput, type Slip } from '../../adapters/platform/slip.js';
import type { PharmacySettlementRequest } from '../generated/api/pharmacy-settlement.request.js';
import { GatewayError } from '../errors/errors.js';
import type { Store } from '../store/store.js';
import { EncounterRunner, type ErrorNote, type RequestMeta, type RunnableEncounter } from './encounter-runner.js';
import type { FilingStatus, Scope } from './filing.js';
import { Decimal, round2, sumOf } from './money.js';
import { expectTotal, storeSlip } from './settlement-records.js';
import type { Persons } from './persons.js';
import type { CallContext, PlatformClient } from './platform-client.js';
import type { SettlementEntry, StoredSlip } from './visit.js';

/** A drug line at rest: amounts as decimal strings. */
export interface StoredDrugLine extends Omit<msg.DrugLine, 'cnt' | 'pric' | 'det_item_fee_sumamt'> {
  cnt: string;
  pric: string;
  det_item_fee_sumamt: string;
}

/** A pharmacy settlement: 2102 opens its own 就诊, so each settlement has its own mdtrt_id. */
export interface PharmacySettlement extends SettlementEntry {
  mdtrt_id: string;
}

export type SaleStatus = 'settling' | 'settled' | 'failed' | 'unknown';

/**
 * A pharmacy sale (药店购药) as an encounter: one POS receipt (`sale_no`), its drug lines, and the
 * settlements made of them — the first 2102, then any re-settlement of kept lines after a
 * partial refund.
 */
export interface PharmacySale extends RunnableEncounter {
  kind: 'pharmacy';
  status: SaleStatus;
  created_at: string;
  updated_at: string;
  sale_no: string;
  facts: msg.PurchaseFacts;
  insuplc_admdvs: string;
  scope: Scope;
  filing: FilingStatus;
  lines: StoredDrugLine[];
  settlements: PharmacySettlement[];
  last_error?: ErrorNote;
}

/** One pharmacy sale's journal context. */
function ctxOf(s: PharmacySale, meta: RequestMeta): CallContext {
  return {
    insuplc_admdvs: s.insuplc_admdvs,
    encounter_id: s.id,
    request_id: meta.request_id,
    keys: { psn_no: s.facts.psn_no, ipt_otp_no: s.sale_no, invono: s.facts.invono },
  };
}

const liveOf = (s: PharmacySale) => s.settlements.find((x) => x.status === 'booked');

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
    const call = await this.platform.call('2101', msg.preSettle2101(facts, lines), {
      insuplc_admdvs,
      request_id: meta.request_id,
      keys: { psn_no: facts.psn_no, ipt_otp_no: req.sale_no },
      his_input: redact(req),
      expect: expectTotal(msg.totalOf(lines)),
    });
    return { sale_no: req.sale_no, transaction_id: call.transaction_id, slip: storeSlip(slipFromOutput('pre_settlement', call.output)) };
  }

  /** 1101 + 2102: books the sale's settlement; one settlement per sale_no. */
  async settle(req: PharmacySettlementRequest, meta: RequestMeta) {
    const lines = checkedLines(req);
    const existingId = await this.store.findEncounterId('sale_no', req.sale_no);
    const existing = existingId ? await this.runner.load(existingId) : undefined;
    if (existing && existing.value.status !== 'failed') {
      throw new GatewayError('GW_BIZ_DUPLICATE_SALE', {
        details: { sale_no: req.sale_no, status: existing.value.status, setl_id: liveOf(existing.value)?.setl_id },
      });
    }
    const { facts, insuplc_admdvs, view } = await this.identify(req, meta);
    const now = this.clock.now().toISOString();
    const token = randomUUID();
    const sale: PharmacySale = {
      id: existing?.value.id ?? `P${now.slice(0, 10).replace(/-/g, '')}${randomUUID().replace(/-/g, '').slice(0, 12)}`,
      kind: 'pharmacy',
      status: 'settling',
      created_at: existing?.value.created_at ?? now,
      updated_at: now,
      sale_no: req.sale_no,
      facts,
      insuplc_admdvs,
      scope: view.scope,
      filing: view.filing,
      lines: lines.map(storeLine),
      settlements: [],
      inflight: { op: '2102', token, since: now },
    };
    let entry: SettlementEntry | undefined;
    const r = await this.runner.open(
      sale,
      existing?.version ?? null,
      { sale_no: req.sale_no },
      '2102',
      () => new GatewayError('GW_BIZ_DUPLICATE_SALE', { details: { sale_no: req.sale_no } }),
      async (s) => {
        const booked = await this.call2102(s, lines, ctxOf(s, meta), redact(req));
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
      (s, unknown) => {
        s.status = unknown ? 'unknown' : 'failed';
      },
    );
    return { ...saleView(r.encounter), setl_id: entry!.setl_id, transaction_id: entry!.transaction_id, slip: entry!.slip };
  }

  /** 2103: cancels one booked settlement of the sale (any of the person's, 隔笔退费). */
  async cancel(setl_id: string, reason: string | undefined, meta: RequestMeta) {
    const id = await this.store.findEncounterId('setl_id', setl_id);
    if (!id) throw new GatewayError('GW_BIZ_SETTLEMENT_NOT_FOUND', { details: { setl_id } });
    let cancellation: SettlementEntry['cancellation'];
    const r = await this.runner.run(
      id,
      '2103',
      meta,
      (s) => {
        const x = s.settlements.find((y) => y.setl_id === setl_id);
        if (!x) throw new GatewayError('GW_BIZ_SETTLEMENT_NOT_FOUND', { details: { setl_id } });
        if (x.status === 'cancelled')
          throw new GatewayError('GW_BIZ_SETTLEMENT_ALREADY_CANCELLED', { details: { setl_id, cancellation: x.cancellation?.setl_id } });
      },
      async (s, ctx) => {
        const x = s.settlements.find((y) => y.setl_id === setl_id)!;
        const call = await this.platform.call('2103', msg.cancel2103({ psn_no: s.facts.psn_no, mdtrt_id: x.mdtrt_id, setl_id }), {
          ...ctx,
          keys: { ...ctx.keys, setl_id, mdtrt_id: x.mdtrt_id },
          his_input: { setl_id, reason },
        });
        const slip = slipFromOutput('cancellation', msg.output2103AsSlip(call.output));
        const done = {
          setl_id: slip.setl_id,
          transaction_id: call.transaction_id,
          cancelled_at: this.clock.now().toISOString(),
          reason,
          slip: storeSlip(slip),
        };
        cancellation = done;
        return {
          transaction_id: call.transaction_id,
          apply: (w: PharmacySale) => {
            const y = w.settlements.find((z) => z.setl_id === setl_id)!;
            y.status = 'cancelled';
            y.cancellation = done;
          },
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
      (s) => {
        const live = liveOf(s);
        if (live) throw new GatewayError('GW_BIZ_VISIT_ALREADY_SETTLED', { details: { setl_id: live.setl_id } });
      },
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
    const id = await this.store.findEncounterId('setl_id', setl_id);
    const s = id ? await this.runner.load(id) : undefined;
    const x = s?.value.settlements.find((y) => y.setl_id === setl_id);
    if (!s || !x) throw new GatewayError('GW_BIZ_SETTLEMENT_NOT_FOUND', { details: { setl_id } });
    return { sale_id: s.value.id, sale_no: s.value.sale_no, ...x };
  }

  /** After a restart: a 2102/2103 left pending keeps its sale blocked (booking transactions). */
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

  async recoverAfterCrash(transaction: { id: string; infno: string; encounter_id?: string }) {
    await this.runner.recover(transaction, (s) => {
      if (s.status === 'settling') s.status = 'unknown';
    });
  }

  private async identify(req: PharmacySettlementRequest, meta: RequestMeta) {
    const person = await this.persons.lookup(req, { request_id: meta.request_id, keys: { ipt_otp_no: req.sale_no } });
    if (req.psn_no && req.psn_no !== person.psn_no) {
      throw new GatewayError('GW_ID_PERSON_CREDENTIAL_MISMATCH', {
        transaction_id: person.transaction_id,
        details: { mismatched_fields: ['psn_no'] },
      });
    }
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
    const call = await this.platform.call('2102', msg.settle2102(s.facts, lines), {
      ...ctx,
      his_input,
      expect: expectTotal(msg.totalOf(lines)),
    });
    const slip = slipFromOutput('settlement', call.output);
    return {
      setl_id: slip.setl_id ?? '',
      mdtrt_id: slip.mdtrt_id,
      status: 'booked',
      transaction_id: call.transaction_id,
      settled_at: this.clock.now().toISOString(),
      invono: s.facts.invono,
      feedetl_sns: lines.map((l) => l.feedetl_sn),
      slip: storeSlip(slip),
    };
  }
}

// ---- pure helpers -----------------------------------------------------------------------------

/** Line totals must be round2(cnt × pric), line ids unique, and the request total their sum. */
function checkedLines(req: PharmacySettlementRequest): msg.DrugLine[] {
  const seen = new Set<string>();
  const lines = req.drugdetail.map((l) => {
    if (seen.has(l.feedetl_sn)) throw new GatewayError('GW_VAL_DUPLICATE_FEE_LINE', { details: { feedetl_sn: l.feedetl_sn } });
    seen.add(l.feedetl_sn);
    const cnt = new Decimal(l.cnt);
    const pric = new Decimal(l.pric);
    const computed = round2(cnt.times(pric));
    if (l.det_item_fee_sumamt !== undefined && !new Decimal(l.det_item_fee_sumamt).eq(computed)) {
      throw new GatewayError('GW_VAL_LINE_AMOUNT_MISMATCH', {
        details: {
          feedetl_sn: l.feedetl_sn,
          det_item_fee_sumamt: new Decimal(l.det_item_fee_sumamt).toFixed(2),
          cnt_times_pric: computed.toFixed(2),
        },
      });
    }
    const { feedetl_sn, fee_ocur_time, med_list_codg, medins_list_codg, cnt: _c, pric: _p, det_item_fee_sumamt: _d, ...rest } = l;
    return {
      feedetl_sn,
      fee_ocur_time,
      med_list_codg,
      medins_list_codg,
      cnt,
      pric,
      det_item_fee_sumamt: computed,
      extra: rest as Record<string, string | undefined>,
    };
  });
  const total = sumOf(lines.map((l) => l.det_item_fee_sumamt));
  if (!total.eq(new Decimal(req.medfee_sumamt))) {
    throw new GatewayError('GW_VAL_TOTAL_MISMATCH', {
      details: { his_total: new Decimal(req.medfee_sumamt).toFixed(2), lines_total: total.toFixed(2), lines: lines.length },
    });
  }
  return lines;
}

const storeLine = (l: msg.DrugLine): StoredDrugLine => ({
  ...l,
  cnt: l.cnt.toString(),
  pric: l.pric.toString(),
  det_item_fee_sumamt: l.det_item_fee_sumamt.toFixed(2),
});
const loadLine = (l: StoredDrugLine): msg.DrugLine => ({
  ...l,
  cnt: new Decimal(l.cnt),
  pric: new Decimal(l.pric),
  det_item_fee_sumamt: new Decimal(l.det_item_fee_sumamt),
});

function redact(req: PharmacySettlementRequest) {
  // the credential travels only in the platform message, never in the journal's HIS stage
  const { mdtrt_cert_no: _n, card_sn: _s, counter_person: _c, ...rest } = req;
  return rest;
}

/** What the counter sees of a sale: never the credential number. */
export function saleView(s: PharmacySale) {
  const { mdtrt_cert_no: _n, card_sn: _s, ...facts } = s.facts;
  return {
    sale_id: s.id,
    sale_no: s.sale_no,
    status: s.status,
    ...facts,
    insuplc_admdvs: s.insuplc_admdvs,
    scope: s.scope,
    filing: s.filing,
    lines: s.lines.map((l) => ({
      feedetl_sn: l.feedetl_sn,
      med_list_codg: l.med_list_codg,
      medins_list_codg: l.medins_list_codg,
      cnt: l.cnt,
      pric: l.pric,
      det_item_fee_sumamt: l.det_item_fee_sumamt,
    })),
    settlements: s.settlements.map((x) => ({
      setl_id: x.setl_id,
      mdtrt_id: x.mdtrt_id,
      status: x.status,
      feedetl_sns: x.feedetl_sns,
      transaction_id: x.transaction_id,
      cancel_setl_id: x.cancellation?.setl_id,
    })),
    pending: s.inflight
      ? { op: s.inflight.op, outcome: s.inflight.outcome ?? 'in_flight', transaction_id: s.inflight.transaction_id }
      : undefined,
    last_error: s.last_error,
    created_at: s.created_at,
    updated_at: s.updated_at,
  };
}

export type { Slip, StoredSlip };
