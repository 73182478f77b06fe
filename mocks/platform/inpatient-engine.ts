/**
 * The insured area's inpatient benefit engine (住院待遇). Pure functions over Decimal. The arithmetic
 * is the outpatient one (deductible, then ratio, then cap: policy-engine.ts) with three inpatient
 * differences:
 *  - the ratio is the local ratio reduced by the patient's tier (domain.md "Benefit tiers": JL 12,
 *    JS 17-19, HN 20, LN 5/20-22), read from policies.json `inpatient.tier_reduction`;
 *  - the deductible is paid once per admission: mid-stay settlements (中途结算) share it;
 *  - the annual cap counts by the calendar year of the settlement's discharge date, so a stay
 *    across the new year counts wholly in the discharge year (JL 25, JS 44, HN 51, LN 48).
 */
import type { Decimal } from 'decimal.js';
import { dec, sumOf } from './money.js';
import { computeOutpatientSettlement, type LineTotals } from './policy-engine.js';
import type { InpatientPolicy, LedgerEntry, SettlementResult, TierReduction } from './types.js';
import { yearOf } from './time.js';
import { entriesOfVisit } from './ledger-index.js';

export type Tier = keyof TierReduction;

/** Why an inpatient stay may be settled directly. */
export type StayBasis = 'local' | 'filed' | 'emergency' | 'auto_filing';

export const MATERNITY_INPATIENT = '52';
export const EMERGENCY_INPATIENT = '24';
const LONG_TERM_FILINGS = new Set(['1', '2', '3']);

export interface TierFacts {
  basis: StayBasis;
  /** the filing's category (schemas/codes/filing_category.json), when basis = filed */
  file_type?: string;
  med_type: string;
  /** 住院类型 急诊 (er_flag 1 or med_type 24) */
  emergency: boolean;
  /** the insured province settles this 生育住院 at the local ratio here (LN 21: in-province only; policies.ts maternityAtLocalRate) */
  maternity_local?: boolean;
}

/**
 * The tier of a stay. A 生育住院 (med_type 52) settles at the local ratio where the insured province
 * says so (LN 21: 省内异地 only — a Liaoning birth in another province is filed and paid as any
 * temporary stay, LN 17/20); Jilin's births are long-term filings already (JL 7). Otherwise every
 * category that applies is a candidate — the filing's, and the emergency tier when the admission is
 * an emergency (视同已备案, JS 37, HN 55, LN 22) — and the most favourable (smallest reduction) wins.
 */
export function tierOf(f: TierFacts, reduction: TierReduction): Tier {
  if (f.med_type === MATERNITY_INPATIENT && f.maternity_local) return 'long_term';
  const candidates: Tier[] = [];
  if (f.basis === 'local') candidates.push('long_term');
  if (f.basis === 'filed') candidates.push(filingTier(f.file_type ?? ''));
  if (f.basis === 'auto_filing') candidates.push('other_temporary'); // LN 17/20: filed as temporary, non-emergency
  if (f.emergency || f.basis === 'emergency') candidates.push('emergency');
  if (candidates.length === 0) candidates.push('not_filed');
  return candidates.reduce((best, t) => (reduction[t] < reduction[best] ? t : best));
}

function filingTier(fileType: string): Tier {
  if (LONG_TERM_FILINGS.has(fileType)) return 'long_term';
  if (fileType === '4') return 'referral';
  if (fileType === '5') return 'emergency';
  return 'other_temporary';
}

/** ratio = local ratio − the tier's reduction (never below 0). */
export function tierRatio(policy: InpatientPolicy, tier: Tier): Decimal {
  const r = dec(policy.ratio).minus(dec(policy.tier_reduction[tier]));
  return r.isNegative() ? dec(0) : r;
}

/** Deductible already taken by this admission's booked settlements (one deductible per stay). */
export function deductibleUsedInStay(ledger: readonly LedgerEntry[], mdtrtId: string): Decimal {
  return sumOf(
    entriesOfVisit(ledger, mdtrtId)
      .filter((e) => e.kind === 'settlement' && e.status === 'booked')
      .map((e) => e.amounts.act_pay_dedc),
  );
}

/** Pooled fund paid on the person's inpatient settlements counted in `year` (by discharge date). */
export function inpatientPoolPaidInYear(ledger: readonly LedgerEntry[], psnNo: string, year: number): Decimal {
  return sumOf(
    ledger
      .filter(
        (e) =>
          e.kind === 'settlement' &&
          e.status === 'booked' &&
          e.encounter === 'inpatient' &&
          e.psn_no === psnNo &&
          yearOf(e.accrual_date ?? e.setl_time) === year,
      )
      .map((e) => e.amounts.hifp_pay),
  );
}

export interface InpatientSettlementInput {
  insutype: string;
  totals: LineTotals;
  policy: InpatientPolicy;
  tier: Tier;
  dedcUsedInStay: Decimal;
  poolPaidInYear: Decimal;
  balance: Decimal;
  useAccount: boolean;
}

/**
 * act_pay_dedc = min(inscp, max(0, deductible − deductible used by this stay))
 * hifp_pay     = min(round2((inscp − act_pay_dedc) × (ratio − tier reduction)), max(0, annual_cap − inpatient pool paid in the discharge year))
 * then as outpatient: psn_part = medfee − funds, acct_pay = min(balance, psn_part) when asked.
 */
export function computeInpatientSettlement(input: InpatientSettlementInput): SettlementResult {
  const ratio = tierRatio(input.policy, input.tier);
  return computeOutpatientSettlement({
    insutype: input.insutype,
    totals: input.totals,
    policy: { deductible: input.policy.deductible, ratio: ratio.toNumber(), annual_cap: input.policy.annual_cap },
    accumulation: { dedc_used: input.dedcUsedInStay, pool_paid: input.poolPaidInYear },
    balance: input.balance,
    useAccount: input.useAccount,
  });
}
