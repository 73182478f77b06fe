/**
 * The day's differences: what the result files list (3202 via 9102), classified against the
 * gateway's own entries, and merged into the day's work items so that a re-run keeps each item's
 * history and an item the re-run no longer shows is resolved. Pure.
 *
 * Classified by what the gateway holds, the platform's stmt_rslt kept beside it:
 * - platform_only (中心多): the platform holds a booking the gateway's side lacks — an orphan, e.g.
 *   a settlement whose reply was lost and whose reversal did not happen, or a late original booked
 *   after its reversal; the result file's msgid names the call that booked it;
 * - gateway_only (医药机构多): the gateway counts a booking the platform does not hold;
 * - amounts_differ (数据不一致): both hold it, with other amounts (or another refund flag);
 * - unexplained: 3201 did not balance a group, yet no result file line explains it.
 */
import { Decimal } from '../money.js';
import type { Difference, DifferenceKind, GroupCheck, ResultRow } from './documents.js';
import { groupId, type ReconEntry } from './gateway-side.js';

export interface Finding {
  key: string;
  kind: DifferenceKind;
  group: Difference['group'];
  row?: ResultRow;
  entry?: ReconEntry;
}

/** Matches a difference across runs: the settlement's setl_id (and refund flag), else the booking's msgid. */
export function findingKey(row: ResultRow): string {
  const flag = row.refd_setl_flag ?? '0';
  if (row.setl_id) return `setl:${row.setl_id}:${flag}`;
  if (row.msgid) return `msgid:${row.msgid}:${flag}`;
  return `row:${row.psn_no ?? ''}:${row.mdtrt_id ?? ''}:${flag}`;
}

const centreAmounts = (r: ResultRow) => r.medfee_sumamt !== undefined || r.fund_pay_sumamt !== undefined || r.acct_pay !== undefined;

/** The rows of one detail reconciliation that are not 对平, classified. */
export function classifyRows(
  rows: readonly ResultRow[],
  entries: readonly ReconEntry[],
  pair: { setl_optins: string; clr_type: string },
): Finding[] {
  const out: Finding[] = [];
  for (const row of rows) {
    if (row.stmt_rslt === '0') continue;
    const flag = row.refd_setl_flag ?? '0';
    const entry =
      entries.find((e) => row.setl_id !== undefined && e.setl_id === row.setl_id && e.refd_setl_flag === flag) ??
      entries.find((e) => row.msgid !== undefined && e.msgid === row.msgid && e.refd_setl_flag === flag);
    let kind: DifferenceKind;
    if (!entry) kind = row.stmt_rslt === '2' ? 'unexplained' : 'platform_only';
    else if (!centreAmounts(row)) kind = 'gateway_only';
    else kind = 'amounts_differ';
    out.push({ key: findingKey(row), kind, group: { ...pair, insutype: entry?.insutype }, row, entry });
  }
  return out;
}

/** A group 3201 did not balance, but whose detail lists no line for it: the work item says so. */
export function unexplainedGroups(groups: readonly GroupCheck[], explained: readonly Finding[]): Finding[] {
  return groups
    .filter((g) => g.stmt_rslt !== undefined && g.stmt_rslt !== '0')
    .filter((g) => !explained.some((f) => f.group.setl_optins === g.setl_optins && f.group.clr_type === g.clr_type))
    .map((g) => ({
      key: `group:${groupId(g)}`,
      kind: 'unexplained' as const,
      group: { setl_optins: g.setl_optins, clr_type: g.clr_type, insutype: g.insutype },
    }));
}

const money = (v: string | undefined) => (v === undefined ? undefined : new Decimal(v).toFixed(2));

function evidence(f: Finding): Partial<Difference> {
  const r = f.row;
  const e = f.entry;
  return {
    kind: f.kind,
    group: f.group,
    stmt_rslt: r?.stmt_rslt,
    setl_id: r?.setl_id ?? e?.setl_id,
    mdtrt_id: r?.mdtrt_id ?? e?.mdtrt_id,
    psn_no: r?.psn_no ?? e?.psn_no,
    msgid: r?.msgid ?? e?.msgid,
    refd_setl_flag: r?.refd_setl_flag ?? e?.refd_setl_flag,
    memo: r?.memo,
    platform:
      r && centreAmounts(r)
        ? { medfee_sumamt: money(r.medfee_sumamt), fund_pay_sumamt: money(r.fund_pay_sumamt), acct_pay: money(r.acct_pay) }
        : undefined,
    gateway:
      e && !e.adopted
        ? {
            transaction_id: e.msgid,
            infno: e.infno,
            medfee_sumamt: e.medfee_sumamt.toFixed(2),
            fund_pay_sumamt: e.fund_pay_sumamt.toFixed(2),
            acct_pay: e.acct_pay.toFixed(2),
            encounter_id: e.encounter_id,
          }
        : undefined,
  };
}

const clean = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

/**
 * The day's work items after a run that finished its checks: each finding updates the item of its
 * key (or opens a new one; one resolved as gone comes back open), and every item the run no longer
 * finds is resolved — by its fix when one was made (a 2601, an adoption), else as gone on re-run.
 * Items staff closed stay closed. Returns the items and the ones this run opened.
 */
export function mergeDifferences(
  existing: readonly Difference[],
  findings: readonly Finding[],
  run: number,
  at: string,
): { differences: Difference[]; opened: Difference[] } {
  const differences = existing.map((d) => structuredClone(d));
  const opened: Difference[] = [];
  let next = differences.reduce((n, d) => Math.max(n, Number(d.id.replace(/^d/, '')) || 0), 0);
  const seen = new Set<string>();
  for (const f of findings) {
    seen.add(f.key);
    const cur = differences.find((d) => d.key === f.key);
    if (cur) {
      Object.assign(cur, clean(evidence(f)), { last_seen_run: run });
      if (cur.state === 'resolved' && cur.resolution?.how !== 'closed_by_staff') {
        // it came back: the fix did not hold (or the platform changed its mind)
        cur.state = 'open';
        cur.resolution = undefined;
        cur.action = undefined;
      } else if (cur.state === 'fixed') {
        cur.state = 'open';
        cur.resolution = undefined;
      }
      continue;
    }
    next += 1;
    const d = clean({ id: `d${next}`, key: f.key, state: 'open', first_seen_run: run, last_seen_run: run, ...evidence(f) }) as Difference;
    differences.push(d);
    opened.push(d);
  }
  for (const d of differences) {
    if (seen.has(d.key) || d.state === 'resolved') continue;
    // a fix sets the resolution's `how` (reversed, adopted) when it finishes; otherwise it went away by itself
    const how = d.resolution?.how ?? 'gone_on_rerun';
    d.state = 'resolved';
    d.resolution = { ...d.resolution, how, at };
  }
  return { differences, opened };
}
