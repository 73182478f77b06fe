/**
 * The stay's settlement: pre-settlement (2303) and settlement (2304), mid-stay or at discharge, under
 * the filing valid for the stay; recall (2305, 召回重结) of the latest settlement; and the stays
 * marked for 费用协查 (audit-register.ts).
 */
import * as msg from '../../adapters/platform/inpatient-messages.js';
import { interfaceDateTime } from '../../adapters/platform/msgid.js';
import type { InpatientSettlementRequest } from '../generated/api/inpatient-settlement.request.js';
import { GatewayError } from '../errors/errors.js';
import { type Admission, bookedSettlements, type InpatientSettlement, latestSettlement } from './admission.js';
import { mustBeOpen, stateError, stayFacts } from './admission-rules.js';
import { AUDIT_THRESHOLD, type AuditRecord, auditRecord, updateAuditRegister } from './audit-register.js';
import { cancellable, settleable } from './encounter-guards.js';
import type { RequestMeta } from './encounter-runner.js';
import { cancellationStep, findSettlement, settlementStep, slipCall } from './encounter-steps.js';
import { lineTotals, unsettled } from './fee-lines.js';
import { nowOf, runOnStay, type StayDeps } from './inpatient-stay.js';
import { sumOf } from './money.js';
import type { CallContext } from './platform-client.js';
import { cancellationRecord, settlementRecord } from './settlement-records.js';
import { refuseIfSelfPaid } from './self-pay-link.js';
import { filingForStay, type StayFiling } from './stay-filing.js';
import { checkTrauma } from './trauma-rules.js';
import type { Cancellation, StoredSlip } from './visit.js';

/** UTC+8, the platform's time (PLATFORM_TZ_OFFSET_MINUTES): the day a settlement happens on. */
const CHINA_STANDARD_TIME = 480;

export class InpatientSettlements {
  constructor(private readonly d: StayDeps) {}

  // ---- pre-settlement (2303) and settlement (2304) --------------------------------------------
  async preSettle(id: string, req: InpatientSettlementRequest, meta: RequestMeta) {
    let slip: StoredSlip | undefined;
    let filing_used: InpatientSettlement['filing_used'] | undefined;
    const r = await runOnStay(
      this.d,
      id,
      '2303',
      meta,
      (a) => settleGuard(a, req),
      async (a, ctx) => {
        filing_used = await this.filingNow(a, req, ctx);
        const { opts, totals } = settlementInputs(a, req);
        const quote = await slipCall(this.d.platform, '2303', msg.preSettle2303(stayFacts(a), opts, totals), ctx, 'pre_settlement', {
          his_input: req,
          total: totals.medfee_sumamt,
        });
        slip = quote.slip;
        return { transaction_id: quote.transaction_id, apply: () => {} };
      },
    );
    return { ...r, filing_used, slip: slip! };
  }

  async settle(id: string, req: InpatientSettlementRequest, meta: RequestMeta) {
    let entry: InpatientSettlement | undefined;
    let audit: AuditRecord | undefined;
    const r = await runOnStay(
      this.d,
      id,
      '2304',
      meta,
      (a) => settleGuard(a, req),
      async (a, ctx) => {
        const filing_used = await this.filingNow(a, req, ctx);
        const { opts, totals, lines } = settlementInputs(a, req);
        const { transaction_id, slip } = await slipCall(
          this.d.platform,
          '2304',
          msg.settle2304(stayFacts(a), opts, totals),
          ctx,
          'settlement',
          {
            keys: { invono: req.invono },
            his_input: req,
            total: totals.medfee_sumamt,
          },
        );
        const stayTotal = sumOf([...bookedSettlements(a).map((s) => s.slip.amounts.medfee_sumamt ?? '0'), totals.medfee_sumamt]);
        const flagged = stayTotal.gte(AUDIT_THRESHOLD);
        entry = {
          ...settlementRecord(transaction_id, slip, lines, req.invono, nowOf(this.d)),
          mid_setl_flag: req.mid_setl_flag,
          filing_used,
          audit: flagged,
          ...(a.facts.emergency ? { emergency: { emergency: true as const, criterion: a.emergency_criterion } } : {}),
        };
        if (flagged) audit = auditRecord(a, entry, totals.medfee_sumamt, stayTotal, this.d.hospital);
        return settlementStep(entry);
      },
    );
    if (audit) await updateAuditRegister(this.d.store, (entries) => entries.push(audit!));
    return {
      ...r,
      setl_id: entry!.setl_id,
      mid_setl_flag: entry!.mid_setl_flag,
      filing_used: entry!.filing_used,
      audit: entry!.audit,
      emergency: entry!.emergency,
      slip: entry!.slip,
    };
  }

  // ---- recall (2305): 召回重结, never 隔次召回 ---------------------------------------------------
  async cancelSettlement(setl_id: string, reason: string | undefined, meta: RequestMeta) {
    const { encounter } = await findSettlement(this.d.store, this.d.runner, setl_id);
    let cancellation: Cancellation | undefined;
    let wasAudited = false;
    const r = await runOnStay(
      this.d,
      encounter.id,
      '2305',
      meta,
      (a) => {
        const s = cancellable(a.settlements, setl_id);
        const latest = latestSettlement(a);
        // LN 54: 召回重结 is allowed, 隔次召回 is not — only the latest settlement of the stay
        if (latest && latest.setl_id !== setl_id)
          throw new GatewayError('GW_BIZ_INPATIENT_RECALL_NOT_LATEST', { details: { setl_id, latest_setl_id: latest.setl_id } });
        wasAudited = s.audit;
      },
      async (a, ctx) => {
        const { transaction_id, slip } = await slipCall(
          this.d.platform,
          '2305',
          msg.cancelSettlement2305(stayFacts(a), setl_id),
          ctx,
          'cancellation',
          { keys: { setl_id }, his_input: { setl_id, reason } },
        );
        cancellation = cancellationRecord(transaction_id, slip, reason, nowOf(this.d));
        return cancellationStep(setl_id, cancellation);
      },
    );
    if (wasAudited)
      await updateAuditRegister(this.d.store, (entries) => {
        for (const e of entries) if (e.setl_id === setl_id) e.status = 'cancelled';
      });
    return { ...r, setl_id, cancel_setl_id: cancellation!.setl_id, slip: cancellation!.slip };
  }

  async settlement(setl_id: string) {
    const { encounter, settlement } = await findSettlement(this.d.store, this.d.runner, setl_id);
    return { admission_id: encounter.id, ...settlement };
  }

  /**
   * The filing the settlement goes under. The discharge settlement re-checks it with 1101 first, so a
   * filing made during the stay — or, where the insured province allows it (结算前: JS 25, JL 22),
   * after the discharge, before this settlement — is picked up; one made after the province's
   * deadline (出院前: HN 27, LN 17; stay-filing.ts, late-filing.json) is refused here, before any
   * 2303/2304, unless the stay is an emergency (视同已备案: JS 37, HN 55, LN 22). In Liaoning that
   * 1101 is itself a trigger of the insured area's automatic filing (LN 20 获取异地人员信息), which
   * is how an un-filed patient is filed at discharge (LN 17). A mid-stay settlement uses the status
   * seen at admission.
   */
  private async filingNow(a: Admission, req: InpatientSettlementRequest, ctx: CallContext): Promise<InpatientSettlement['filing_used']> {
    if (req.mid_setl_flag !== '0') return a.filing;
    const { persons, clock, hospital } = this.d;
    const person = await persons.identify(
      { mdtrt_cert_type: a.facts.mdtrt_cert_type, mdtrt_cert_no: a.facts.mdtrt_cert_no, card_sn: a.facts.card_sn },
      a.facts.psn_no,
      ctx,
    );
    const today = interfaceDateTime(clock.now(), hospital.timeZoneOffsetMinutes ?? CHINA_STANDARD_TIME).slice(0, 10);
    const f = filingForStay(person.filings, a.insuplc_admdvs, hospital.mdtrtarea_admvs, a.facts.begntime, a.facts.endtime, today);
    if (f.late && !a.facts.emergency) refuseLateFiling(f.late);
    const { late: _late, ...used } = f;
    return used;
  }
}

/** 补办备案 after the insured province's deadline: self-pay, then manual reimbursement. */
function refuseLateFiling(late: NonNullable<StayFiling['late']>): never {
  const r = late.rule;
  const deadline = r.deadline === 'discharge' ? '出院前' : `出院结算前（出院后${r.window_days}日内）`;
  throw new GatewayError('GW_FIL_FILED_AFTER_DEADLINE', {
    message: `The filing began on ${late.filing.begndate}, after the deadline of the insured province (${r.deadline}: ${late.latest_begndate} at the latest; ${r.source}).`,
    message_zh: `备案开始于 ${late.filing.begndate}，晚于参保地规定的补办时限（${deadline}，最迟 ${late.latest_begndate}；${r.source}），本次住院不能直接结算；请按自费结算，参保人可向参保地经办机构申请手工报销`,
    details: {
      rule: { province: r.province, name: r.name, deadline: r.deadline, window_days: r.window_days, source: r.source, quote: r.quote },
      deadline_text: `参保地（${r.name}）规定补办备案须在${deadline}完成（${r.source}）；本次备案开始于${late.filing.begndate}，出院日期${late.discharge_date}`,
      filing: late.filing,
      admission_date: late.admission_date,
      discharge_date: late.discharge_date,
      settlement_day: late.settlement_day,
      latest_begndate: late.latest_begndate,
      settle_as: 'self_pay',
      next_step: 'manual_reimbursement',
    },
  });
}

function settleGuard(a: Admission, req: InpatientSettlementRequest) {
  mustBeOpen(a);
  if (req.mid_setl_flag === '1' && a.status !== 'admitted')
    throw stateError(
      a,
      ['settle mid-stay', '中途结算'],
      ['the patient is discharged: settle at discharge (mid_setl_flag 0)', '患者已出院，请办理出院结算（mid_setl_flag 0）'],
    );
  if (req.mid_setl_flag === '0' && a.status !== 'discharged')
    throw stateError(a, ['settle at discharge', '出院结算'], ['discharge (2402) first', '请先办理出院（2402）']);
  refuseIfSelfPaid(a);
  checkTrauma(a.facts, a.commitment, a.person);
  settleable(unsettled(a.lines), req.medfee_sumamt);
}

function settlementInputs(a: Admission, req: InpatientSettlementRequest) {
  const lines = unsettled(a.lines);
  return {
    lines,
    opts: {
      psn_setlway: req.psn_setlway ?? '01',
      acct_used_flag: req.acct_used_flag,
      mid_setl_flag: req.mid_setl_flag,
      invono: req.invono,
    },
    totals: lineTotals(lines),
  };
}
