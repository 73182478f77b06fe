import type { TransactionRecord } from '../store/store.js';

/**
 * Resolution by inquiry (issue 10; design.md "any other write is resolved by inquiry"): a write that
 * 2601 does not reverse (2201, 2202, 2204, 2205, 2301, 2302, 2402, 2404, 2405 …) and whose reply was
 * lost is settled by asking the platform what it holds — 5201 就诊信息查询 for visits and stays, 5204
 * 费用明细查询 for fee lines — and adopting the answer. Pure: the plan is built from the journal record
 * and the encounter's facts; the verdict from the answer. The reversal worker runs the plan, the
 * encounter's service applies the verdict.
 *
 * 2203 and 2403 (visit information, admission change) are upserts: sending them again overwrites
 * whatever the platform holds, and no inquiry returns their content, so they are taken as not done
 * and the HIS repeats them.
 */
export type Verdict =
  /** the platform holds it: the encounter takes the step (with what was learned) */
  | { verdict: 'done'; mdtrt_id?: string; lines?: Array<Record<string, unknown>> }
  /** the platform holds nothing of it: the encounter stays as before, the HIS may send it again */
  | { verdict: 'not_done' }
  /** the answer does not tell: staff decide (the console) */
  | { verdict: 'undecided'; why: string };

export interface InquiryPlan {
  /** the query that tells; none where the write is safe to repeat */
  ask?: { infno: '5201' | '5204'; input: { data: Record<string, string> } };
  decide(output: Record<string, unknown>): Verdict;
}

/** What the encounter knows that an inquiry needs. */
export interface EncounterFacts {
  psn_no: string;
  mdtrt_id?: string;
  /** 就诊 / 入院 time (yyyy-MM-dd HH:mm:ss) */
  begntime: string;
  med_type?: string;
  ipt_otp_no?: string;
  /** 门诊 or 住院: the 医疗类别 the inquiry names when the encounter has none yet */
  default_med_type: string;
  /** a fee cancellation (2205 / 2302): the unsettled lines it withdraws */
  cancelled_lines?: string[];
}

const rows = (v: unknown): Array<Record<string, unknown>> =>
  Array.isArray(v) ? (v as Array<Record<string, unknown>>) : v && typeof v === 'object' ? [v as Record<string, unknown>] : [];

const str = (v: unknown) => (v === undefined || v === null ? undefined : String(v));

/** 5201 over the day the encounter began (the record's begntime / endtime bound the 就诊's begin). */
function ask5201(f: EncounterFacts, withMdtrtId: boolean): InquiryPlan['ask'] {
  const day = f.begntime.slice(0, 10);
  const data: Record<string, string> = {
    psn_no: f.psn_no,
    begntime: `${day} 00:00:00`,
    endtime: `${day} 23:59:59`,
    med_type: f.med_type ?? f.default_med_type,
  };
  if (withMdtrtId && f.mdtrt_id) data.mdtrt_id = f.mdtrt_id;
  return { infno: '5201', input: { data } };
}

function ask5204(f: EncounterFacts): InquiryPlan['ask'] {
  return { infno: '5204', input: { data: { psn_no: f.psn_no, mdtrt_id: f.mdtrt_id ?? '' } } };
}

/** The visit or stay of `f` among 5201's rows. */
const ours = (output: Record<string, unknown>, f: EncounterFacts) =>
  rows(output.mdtrtinfo).find((r) => (f.mdtrt_id ? str(r.mdtrt_id) === f.mdtrt_id : str(r.ipt_otp_no) === f.ipt_otp_no));

const feeLines = (output: Record<string, unknown>) => rows(output.feedetail ?? output.result ?? output.data);

/** feedetl_sn of the lines a fee message (2204 / 2301 feedetail, 2302 data) names. */
function sentLines(message: unknown): string[] {
  const m = (message ?? {}) as { feedetail?: unknown; data?: unknown };
  return [...rows(m.feedetail), ...rows(m.data)].map((l) => str(l.feedetl_sn)).filter((x): x is string => !!x);
}

/** How to find out what became of the unknown write `t` of an encounter with facts `f`. */
export function inquiryPlan(t: Pick<TransactionRecord, 'infno' | 'stages'>, f: EncounterFacts): InquiryPlan | undefined {
  switch (t.infno) {
    case '2201': {
      // registration: is there a 就诊 with our 门诊号? then adopt its mdtrt_id
      return {
        ask: ask5201(f, false),
        decide: (out) => {
          const row = ours(out, { ...f, mdtrt_id: undefined });
          return row?.mdtrt_id ? { verdict: 'done', mdtrt_id: String(row.mdtrt_id) } : { verdict: 'not_done' };
        },
      };
    }
    case '2202': // registration cancelled: our 就诊 is gone
    case '2404':
      return { ask: ask5201(f, true), decide: (out) => (ours(out, f) ? { verdict: 'not_done' } : { verdict: 'done' }) };
    case '2402': // discharged: the stay has its end
    case '2405': {
      // discharge cancelled: the stay has no end again
      const discharging = t.infno === '2402';
      return {
        ask: ask5201(f, true),
        decide: (out) => {
          const row = ours(out, f);
          if (!row) return { verdict: 'undecided', why: 'the platform does not list the stay (5201)' };
          return !!row.endtime === discharging ? { verdict: 'done' } : { verdict: 'not_done' };
        },
      };
    }
    case '2204': // fee upload: are the lines there?
    case '2301': {
      const sent = sentLines(t.stages.message);
      return {
        ask: ask5204(f),
        decide: (out) => {
          const held = feeLines(out).filter((l) => sent.includes(String(l.feedetl_sn)));
          if (held.length === sent.length && sent.length > 0) return { verdict: 'done', lines: held };
          if (held.length === 0) return { verdict: 'not_done' };
          return { verdict: 'undecided', why: `the platform holds ${held.length} of the ${sent.length} lines sent (5204)` };
        },
      };
    }
    case '2205': // fee lines withdrawn: are they gone?
    case '2302': {
      const sent = f.cancelled_lines ?? [];
      return {
        ask: ask5204(f),
        decide: (out) => {
          const held = feeLines(out).filter((l) => sent.includes(String(l.feedetl_sn)));
          if (held.length === 0) return { verdict: 'done' };
          if (held.length === sent.length) return { verdict: 'not_done' };
          return { verdict: 'undecided', why: `the platform still holds ${held.length} of the ${sent.length} lines withdrawn (5204)` };
        },
      };
    }
    case '2203':
    case '2403':
      return { decide: () => ({ verdict: 'not_done' }) };
    default:
      return undefined;
  }
}

/**
 * A settlement (2207 / 2304) that a 2601 found nothing of: does the platform hold the lines it
 * settled under a setl_id the encounter does not know? 5204 lists each line with the setl_id that
 * covers it now. done = a booking stands after all (a late original); not_done = nothing stands.
 */
export function settlementInquiry(f: EncounterFacts, settledLines: string[], knownSetlIds: string[]): InquiryPlan {
  return {
    ask: ask5204(f),
    decide: (out) => {
      const foreign = feeLines(out).filter(
        (l) => settledLines.includes(String(l.feedetl_sn)) && l.setl_id !== undefined && !knownSetlIds.includes(String(l.setl_id)),
      );
      if (foreign.length === 0) return { verdict: 'not_done' };
      const ids = [...new Set(foreign.map((l) => String(l.setl_id)))];
      return { verdict: 'undecided', why: `the lines are settled under setl_id ${ids.join(', ')}, which the gateway never learnt` };
    },
  };
}
