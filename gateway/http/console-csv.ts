import { Decimal } from 'decimal.js';

/**
 * The console's list as CSV (issue 15: export of the current filter, for Excel): one row per work
 * item, a Chinese header, UTF-8 with a BOM (so a spreadsheet reads the header as UTF-8), RFC 4180
 * quoting, and a cell that could start a formula prefixed with an apostrophe. The rows are the
 * masked staff view: no name or ID number ever reaches a column.
 */
export interface CsvItem {
  type: string;
  id: string;
  status: string;
  created_at?: string;
  infno?: string;
  outcome?: string;
  keys?: Record<string, string | undefined>;
  encounter_id?: string;
  medfee_sumamt?: Decimal;
  reversal_attempts?: number;
  error?: { code?: string; platform_err_msg?: string };
  last_error?: { code?: string; platform_err_msg?: string };
  day?: string;
  kind?: string;
}

const COLUMNS: Array<[string, (x: CsvItem) => string | undefined]> = [
  ['类型 type', (x) => x.type],
  ['记录 id', (x) => x.id],
  ['时间 time', (x) => x.created_at],
  ['交易 infno', (x) => x.infno],
  ['结果 outcome', (x) => x.outcome],
  ['处理状态 status', (x) => x.status],
  ['冲正尝试 2601 attempts', (x) => (x.reversal_attempts === undefined ? undefined : String(x.reversal_attempts))],
  ['人员编号 psn_no', (x) => x.keys?.psn_no],
  ['门诊号/住院号 ipt_otp_no', (x) => x.keys?.ipt_otp_no],
  ['就诊ID mdtrt_id', (x) => x.keys?.mdtrt_id],
  ['结算ID setl_id', (x) => x.keys?.setl_id],
  ['发票号 invono', (x) => x.keys?.invono],
  ['网关就诊号 visit', (x) => x.encounter_id],
  ['医疗费总额 medfee_sumamt', (x) => (x.medfee_sumamt instanceof Decimal ? x.medfee_sumamt.toFixed(2) : undefined)],
  ['错误代码 error', (x) => (x.error ?? x.last_error)?.code],
  ['平台说明（已脱敏） platform message', (x) => (x.error ?? x.last_error)?.platform_err_msg],
  ['对账日 day', (x) => x.day],
  ['差异类型 difference', (x) => x.kind],
];

const cell = (v: string | undefined) => {
  let s = v ?? '';
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

export function workQueueCsv(items: CsvItem[]): string {
  const lines = [COLUMNS.map(([h]) => cell(h)).join(','), ...items.map((x) => COLUMNS.map(([, f]) => cell(f(x))).join(','))];
  return `\ufeff${lines.join('\r\n')}\r\n`;
}
