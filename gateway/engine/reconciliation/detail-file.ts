/**
 * The detail file of 3202 (医药机构费用结算对明细账), uploaded with 9101: a zip holding one UTF-8 txt,
 * TAB-separated, no header, one line per settlement and per cancellation, columns setl_id,
 * mdtrt_id, psn_no, medfee_sumamt, fund_pay_sumamt, acct_pay, refd_setl_flag (a cancellation: 1,
 * negative amounts). Every source agrees on the columns (spec-fields-more.json 3202
 * file:detail_line); they disagree on the bytes around them, which are settings here (config.ts),
 * defaulting to the majority:
 * - a TAB after the last field: only nhis-web's NationalInsuranceUpDownService writes one; zsba,
 *   openhis-itaii and openhis join with TABs — default none;
 * - line breaks: nhis-web (CRLF) and openhis (WriteLine on Windows) against zsba (LF) and
 *   openhis-itaii (the platform's) — default CRLF, between lines, none after the last (both nhis-web
 *   writers);
 * - the filename sent with 9101: with .zip (nhis-web; openhis-itaii refuses any other) against
 *   openhis's bare name — default with.
 * Pure; fflate builds the zip (a small, dependency-free, widely used zip library).
 */
import { strToU8, zipSync } from 'fflate';
import { compactTimestamp } from '../../../adapters/platform/msgid.js';
import type { Sums } from './documents.js';
import { type ReconEntry, sums } from './gateway-side.js';

export interface DetailFormat {
  /** a TAB after the last field of each line */
  trailingTab: boolean;
  lineBreak: 'crlf' | 'lf';
  /** the filename sent with 9101 ends in .zip */
  zipSuffix: boolean;
}

export const DEFAULT_DETAIL_FORMAT: DetailFormat = { trailingTab: false, lineBreak: 'crlf', zipSuffix: true };

/** The rows in file order: by settlement time, then setl_id (the same entries give the same file). */
export function detailOrder(entries: readonly ReconEntry[]): ReconEntry[] {
  return [...entries].sort((a, b) => (a.setl_time === b.setl_time ? cmp(a.setl_id, b.setl_id) : cmp(a.setl_time, b.setl_time)));
}
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** A field as the file carries it: no TAB or line break inside (they would split the line). */
const field = (v: string) => v.replace(/[\t\r\n]/g, ' ');

export function detailLine(e: ReconEntry, fmt: DetailFormat): string {
  const cols = [
    e.setl_id,
    e.mdtrt_id,
    e.psn_no,
    e.medfee_sumamt.toFixed(2),
    e.fund_pay_sumamt.toFixed(2),
    e.acct_pay.toFixed(2),
    e.refd_setl_flag,
  ].map(field);
  return cols.join('\t') + (fmt.trailingTab ? '\t' : '');
}

/** The txt's text: the lines joined by the configured break, none after the last. */
export function detailText(entries: readonly ReconEntry[], fmt: DetailFormat): string {
  return detailOrder(entries)
    .map((e) => detailLine(e, fmt))
    .join(fmt.lineBreak === 'crlf' ? '\r\n' : '\n');
}

export interface DetailFile {
  /** the name sent with 9101 (fsUploadIn.filename) */
  filename: string;
  /** the txt's name inside the zip */
  entry: string;
  txt: Uint8Array;
  zip: Uint8Array;
  /** the totals 3202 sends, summed over the rows written (openhis-itaii does the same) */
  count: number;
  sums: Sums;
}

/**
 * The file for one detail reconciliation: named <yyyyMMddHHmmss>_<clr_type>_<setl_optins> (nhis-web
 * and zsba stamp the name with the time; the pair keeps two files of one run apart), the txt inside
 * under the same name. `at` stamps the name and the zip entry's time.
 */
export function buildDetailFile(
  entries: readonly ReconEntry[],
  pair: { setl_optins: string; clr_type: string },
  fmt: DetailFormat,
  at: Date,
  offsetMinutes: number,
): DetailFile {
  const base = `${compactTimestamp(at, offsetMinutes)}_${pair.clr_type}_${pair.setl_optins}`.replace(/[^\w.-]/g, '_');
  const entry = `${base}.txt`;
  const txt = strToU8(detailText(entries, fmt));
  const zip = zipSync({ [entry]: [txt, { level: 6, mtime: at }] });
  return { filename: fmt.zipSuffix ? `${base}.zip` : base, entry, txt, zip, count: entries.length, sums: sums(entries) };
}
