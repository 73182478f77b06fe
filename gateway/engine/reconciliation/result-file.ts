/**
 * The result file of 3202, fetched with 9102: a zip holding one UTF-8 txt, TAB-separated, one line
 * per settlement the centre looked at, "null" for an empty value (nhis-web zsba InsQgRecService,
 * openhis ClassHelper). Columns (nhis-web NationalDict.ACC_DETAIL and InsQgRecService): psn_no,
 * mdtrt_id, setl_id, msgid, stmt_rslt, refd_setl_flag, memo, medfee_sumamt, fund_pay_sumamt,
 * acct_pay (the last three the centre's amounts). openhis OutputDownload13 lists the first seven
 * with refd_setl_flag and stmt_rslt swapped: the order of columns 5 and 6 is a setting, defaulting
 * to nhis-web's (two of its modules agree).
 *
 * The file comes from outside: it is read with limits (the zip's size, what it unzips to, the
 * number of lines), and anything that is not such a file is refused with the reason — never half
 * read. The unzip is streamed and stops as soon as the unzipped bytes pass the limit, so a zip bomb
 * costs at most the limit (and one slice's worth), not the memory it claims.
 */
import { Unzip, UnzipInflate } from 'fflate';
import type { ResultRow } from './documents.js';

export type ResultColumns = 'stmt_rslt_first' | 'refd_setl_flag_first';

export interface ResultLimits {
  /** the zip as downloaded */
  maxZipBytes: number;
  /** what its txt unzips to */
  maxTextBytes: number;
  maxRows: number;
}

export const DEFAULT_RESULT_LIMITS: ResultLimits = { maxZipBytes: 10 * 1024 * 1024, maxTextBytes: 64 * 1024 * 1024, maxRows: 200_000 };

/** A result file that cannot be read; `why` says what is wrong with it (shown on the run). */
export class ResultFileError extends Error {
  constructor(readonly why: string) {
    super(`the result file cannot be read: ${why}`);
    this.name = 'ResultFileError';
  }
}

/** Compressed bytes pushed per step: what one step can unzip to is bounded (DEFLATE expands ~1032:1 at most). */
const SLICE = 4096;
const MAX_ENTRIES = 16;

/** The one .txt of a zip, unzipped within the limits (directories are skipped: openhis zips a folder). */
export function unzipSingleText(zip: Uint8Array, limits: ResultLimits): { name: string; bytes: Uint8Array } {
  if (zip.length > limits.maxZipBytes)
    throw new ResultFileError(`the zip is ${zip.length} bytes, more than the limit of ${limits.maxZipBytes}`);
  if (zip.length < 4 || zip[0] !== 0x50 || zip[1] !== 0x4b || zip[2] !== 0x03 || zip[3] !== 0x04)
    throw new ResultFileError('it is not a zip archive');
  const files: Array<{ name: string; chunks: Uint8Array[]; size: number; done: boolean }> = [];
  let total = 0;
  let failure: ResultFileError | undefined;
  const stop = (e: ResultFileError) => {
    failure ??= e;
    throw e;
  };
  const unzip = new Unzip((file) => {
    if (file.name.endsWith('/')) return;
    if (files.length >= MAX_ENTRIES) stop(new ResultFileError(`it holds more than ${MAX_ENTRIES} files`));
    const f = { name: file.name, chunks: [] as Uint8Array[], size: 0, done: false };
    files.push(f);
    file.ondata = (err, chunk, final) => {
      if (err) stop(new ResultFileError(`${file.name} is damaged (${err.message})`));
      f.size += chunk.length;
      total += chunk.length;
      if (total > limits.maxTextBytes) stop(new ResultFileError(`it unzips to more than the limit of ${limits.maxTextBytes} bytes`));
      f.chunks.push(chunk);
      if (final) f.done = true;
    };
    try {
      file.start();
    } catch (e) {
      stop(new ResultFileError(`${file.name} uses a compression this reader does not know (${(e as Error).message})`));
    }
  });
  unzip.register(UnzipInflate);
  try {
    for (let i = 0; i < zip.length; i += SLICE) unzip.push(zip.subarray(i, Math.min(zip.length, i + SLICE)), i + SLICE >= zip.length);
  } catch (e) {
    if (failure) throw failure;
    throw new ResultFileError(`the zip is damaged (${(e as Error).message})`);
  }
  if (failure) throw failure;
  if (files.length === 0) throw new ResultFileError('it holds no file: the zip is damaged or empty');
  const texts = files.filter((f) => /\.txt$/i.test(f.name));
  if (texts.length !== 1)
    throw new ResultFileError(`it holds ${texts.length} .txt files (${files.map((f) => f.name).join(', ') || 'none'}), not one`);
  const t = texts[0]!;
  if (!t.done) throw new ResultFileError(`${t.name} is cut off`);
  const bytes = new Uint8Array(t.size);
  let at = 0;
  for (const c of t.chunks) {
    bytes.set(c, at);
    at += c.length;
  }
  return { name: t.name, bytes };
}

const NULL = (v: string | undefined) => (v === undefined || v === '' || v.toLowerCase() === 'null' ? undefined : v);
const AMOUNT = /^-?\d+(\.\d+)?$/;

/** The txt's lines as rows; a line that is no such row refuses the whole file (its number is named, never its content). */
export function parseResultText(text: string, columns: ResultColumns, maxRows: number): ResultRow[] {
  const rows: ResultRow[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/);
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    if (rows.length >= maxRows) throw new ResultFileError(`it has more than ${maxRows} lines`);
    const cols = line.split('\t');
    // a TAB after the last field (as the detail file may have) adds an empty column
    if (cols.length > 7 && cols[cols.length - 1] === '') cols.pop();
    if (cols.length < 6) throw new ResultFileError(`line ${i + 1} has ${cols.length} columns, at least 6 expected`);
    const c = cols.map((x) => NULL(x.trim()));
    const [stmt, flag] = columns === 'stmt_rslt_first' ? [c[4], c[5]] : [c[5], c[4]];
    if (!stmt || !/^[0-3]$/.test(stmt)) throw new ResultFileError(`line ${i + 1}: stmt_rslt is not 0-3`);
    if (flag !== undefined && !/^[01]$/.test(flag)) throw new ResultFileError(`line ${i + 1}: refd_setl_flag is not 0 or 1`);
    const amounts = [c[7], c[8], c[9]];
    if (amounts.some((a) => a !== undefined && !AMOUNT.test(a))) throw new ResultFileError(`line ${i + 1}: an amount is not a number`);
    const row: ResultRow = { stmt_rslt: stmt };
    const put = (k: keyof ResultRow, v: string | undefined) => {
      if (v !== undefined) (row as unknown as Record<string, string>)[k] = v;
    };
    put('psn_no', c[0]);
    put('mdtrt_id', c[1]);
    put('setl_id', c[2]);
    put('msgid', c[3]);
    put('refd_setl_flag', flag);
    put('memo', c[6]);
    put('medfee_sumamt', amounts[0]);
    put('fund_pay_sumamt', amounts[1]);
    put('acct_pay', amounts[2]);
    rows.push(row);
  });
  return rows;
}

/** The result file read: its txt's name and every row (对平 ones included; the classification picks). */
export function readResultFile(zip: Uint8Array, columns: ResultColumns, limits: ResultLimits): { entry: string; rows: ResultRow[] } {
  const { name, bytes } = unzipSingleText(zip, limits);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new ResultFileError(`${name} is not UTF-8 text`);
  }
  return { entry: name, rows: parseResultText(text, columns, limits.maxRows) };
}
