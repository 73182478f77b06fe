/**
 * The platform's side of reconciliation (对账): what its ledger holds for a day, grouped as 3201
 * asks (insutype × clr_type × setl_optins) — every settlement and cancellation booked that day and
 * not reversed (a 2601 reversal is as if it never happened), a cancellation with its own negated
 * amounts and refd_setl_flag 1 on the day it happened; plus what a test told it to hold otherwise
 * for a day (control API): an extra entry, a missing one, one with different amounts. The files of
 * 9101 / 3202 / 9102 are kept here too. Stand-alone: the gateway's code is never used.
 */
import { strToU8, unzipSync, zipSync } from 'fflate';
import { dec, sumOf } from './money.js';
import type { PlatformRow, ResultFault } from './recon-state.js';
import type { MockState } from './state.js';
import type { LedgerEntry } from './types.js';

/** 清算类别 by the infno that booked the entry (schemas/codes/clr_type.json). */
const CLR_TYPE: Readonly<Record<string, string>> = { '2207': '11', '2208': '11', '2304': '21', '2305': '21', '2102': '41', '2103': '41' };

const money = (v: { toFixed(n: number): string }) => v.toFixed(2);

function rowOf(e: LedgerEntry): PlatformRow {
  return {
    setl_id: e.setl_id,
    mdtrt_id: e.mdtrt_id,
    psn_no: e.psn_no,
    msgid: e.msgid,
    insutype: e.insutype,
    clr_type: CLR_TYPE[e.infno] ?? '99',
    setl_optins: e.insuplc_admdvs,
    refd_setl_flag: e.kind === 'cancellation' ? '1' : '0',
    day: e.setl_time.slice(0, 10),
    medfee_sumamt: money(e.amounts.medfee_sumamt),
    fund_pay_sumamt: money(e.amounts.fund_pay_sumamt),
    acct_pay: money(e.amounts.acct_pay),
  };
}

/** The platform's rows of a day: its ledger, then the day's overrides. */
export function platformRows(state: MockState, day: string): PlatformRow[] {
  let rows = state.ledger.filter((e) => e.status !== 'reversed' && e.setl_time.slice(0, 10) === day).map(rowOf);
  for (const o of state.recon.overrides.get(day) ?? []) {
    if (o.kind === 'extra') rows.push({ ...o, day });
    else if (o.kind === 'missing') rows = rows.filter((r) => r.setl_id !== o.setl_id);
    else
      rows = rows.map((r) =>
        r.setl_id === o.setl_id
          ? {
              ...r,
              medfee_sumamt: o.medfee_sumamt ?? r.medfee_sumamt,
              fund_pay_sumamt: o.fund_pay_sumamt ?? r.fund_pay_sumamt,
              acct_pay: o.acct_pay ?? r.acct_pay,
            }
          : r,
      );
  }
  return rows;
}

/** The rows of every day from `begin` to `end` (yyyy-MM-dd, inclusive). */
export function rowsBetween(state: MockState, begin: string, end: string): PlatformRow[] {
  const out: PlatformRow[] = [];
  for (let d = begin; d <= end; d = nextDay(d)) out.push(...platformRows(state, d));
  return out;
}

const nextDay = (d: string) => new Date(Date.parse(`${d}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);

export function totals(rows: readonly { medfee_sumamt: string; fund_pay_sumamt: string; acct_pay: string }[]) {
  return {
    count: rows.length,
    medfee_sumamt: sumOf(rows.map((r) => dec(r.medfee_sumamt))),
    fund_pay_sumamt: sumOf(rows.map((r) => dec(r.fund_pay_sumamt))),
    acct_pay: sumOf(rows.map((r) => dec(r.acct_pay))),
  };
}

export interface DetailLine {
  setl_id: string;
  mdtrt_id: string;
  psn_no: string;
  medfee_sumamt: string;
  fund_pay_sumamt: string;
  acct_pay: string;
  refd_setl_flag: string;
}

/** The hospital's detail file: a zip with one txt, TAB-separated (a trailing TAB, CRLF or LF all read). */
export function readDetailFile(zip: Uint8Array): DetailLine[] | string {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(zip);
  } catch {
    return '明细文件不是有效的zip文件';
  }
  const txts = Object.keys(files).filter((n) => n.toLowerCase().endsWith('.txt'));
  if (txts.length !== 1) return '明细文件应包含一个txt文件';
  const text = new TextDecoder('utf-8').decode(files[txts[0]!]);
  const out: DetailLine[] = [];
  for (const [i, line] of text.split(/\r\n|\n/).entries()) {
    if (!line.trim()) continue;
    const c = line.split('\t');
    if (c.length === 8 && c[7] === '') c.pop();
    if (c.length !== 7) return `明细文件第${i + 1}行字段数错误`;
    const [setl_id, mdtrt_id, psn_no, medfee_sumamt, fund_pay_sumamt, acct_pay, refd_setl_flag] = c as [
      string,
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    if (![medfee_sumamt, fund_pay_sumamt, acct_pay].every((a) => /^-?\d+(\.\d{1,2})?$/.test(a))) return `明细文件第${i + 1}行金额格式错误`;
    out.push({ setl_id, mdtrt_id, psn_no, medfee_sumamt, fund_pay_sumamt, acct_pay, refd_setl_flag });
  }
  return out;
}

const nul = (v: string | undefined) => (v === undefined || v === '' ? 'null' : v);

/**
 * The result file of 3202: a zip with result.txt, one line per difference (nhis-web's column order:
 * psn_no, mdtrt_id, setl_id, msgid, stmt_rslt, refd_setl_flag, memo, then the centre's
 * medfee_sumamt, fund_pay_sumamt, acct_pay), "null" for empty, CRLF.
 */
export function resultFile(platform: readonly PlatformRow[], hospital: readonly DetailLine[]): Uint8Array {
  const lines: string[] = [];
  const key = (r: { setl_id: string; refd_setl_flag: string }) => `${r.setl_id}|${r.refd_setl_flag}`;
  const theirs = new Map(hospital.map((h) => [key(h), h]));
  for (const p of platform) {
    const h = theirs.get(key(p));
    theirs.delete(key(p));
    const same =
      h &&
      dec(h.medfee_sumamt).equals(p.medfee_sumamt) &&
      dec(h.fund_pay_sumamt).equals(p.fund_pay_sumamt) &&
      dec(h.acct_pay).equals(p.acct_pay);
    if (same) continue;
    const stmt = h ? '3' : '1';
    const memo = h ? '金额不一致' : '医药机构无此结算';
    lines.push(
      [p.psn_no, p.mdtrt_id, p.setl_id, p.msgid, stmt, p.refd_setl_flag, memo, p.medfee_sumamt, p.fund_pay_sumamt, p.acct_pay]
        .map(nul)
        .join('\t'),
    );
  }
  for (const h of theirs.values())
    lines.push(
      [h.psn_no, h.mdtrt_id, h.setl_id, undefined, '2', h.refd_setl_flag, '中心无此结算', undefined, undefined, undefined]
        .map(nul)
        .join('\t'),
    );
  return zipSync({ 'result.txt': strToU8(lines.join('\r\n')) });
}

/** What a result-file fault answers instead of the file. */
export function faultyResult(f: ResultFault): Uint8Array {
  if (f.kind === 'not_zip') return strToU8('this is not a zip archive');
  if (f.kind === 'malformed') {
    // a zip cut off in the middle of its entry (a download broken off)
    const whole = zipSync({ 'result.txt': strToU8('22000000000000000001\tM\tS\tX\t1\t0\tnull\t20.00\t12.00\t0.00\r\n'.repeat(200)) });
    return whole.subarray(0, Math.floor(whole.length / 2));
  }
  // a zip that claims little and unzips to a lot (compressed ~1000:1)
  return zipSync({ 'result.txt': new Uint8Array(f.bytes) }, { level: 9 });
}
