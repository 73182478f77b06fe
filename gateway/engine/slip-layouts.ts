/**
 * How a printed settlement slip (结算单) is laid out, per province, as data (slip-layouts.json): JS 40
 * annex 9 《异地就医住院结算单》, LN 19 annex 5 《辽宁省异地就医结算单》 with annex 6 《…医疗费用汇总单》,
 * else a default with the same national fields. Checked once at start-up: every field, amount and
 * term a layout names must exist.
 */
import { readFileSync } from 'node:fs';
import { SLIP_AMOUNTS, type SlipAmount } from '../../adapters/platform/slip.js';
import { projectPath } from '../paths.js';

export type HeaderField =
  | 'psn_name'
  | 'gend'
  | 'age'
  | 'psn_no'
  | 'certno'
  | 'card_sn'
  | 'insuplc'
  | 'insutype'
  | 'mdtrtarea'
  | 'fixmedins'
  | 'hosp_lv'
  | 'med_type'
  | 'adm_way'
  | 'ipt_no'
  | 'dept'
  | 'main_diag'
  | 'other_diag'
  | 'begntime'
  | 'endtime'
  | 'days'
  | 'setl_id'
  | 'mdtrt_id'
  | 'setl_time'
  | 'invono'
  | 'sale_no'
  | 'orig_setl_id'
  | 'reason'
  | 'cancelled_at';

/** What is printed: a settlement of each flow, or the cancellation (撤销 / 退费) of one. */
export type DocKind = 'inpatient' | 'outpatient' | 'pharmacy' | 'cancellation';
export const DOC_KINDS: readonly DocKind[] = ['inpatient', 'outpatient', 'pharmacy', 'cancellation'];

/** A line of the printed arithmetic: left = the sum of right; the terms in omit_zero are left out when zero. */
export interface Equation {
  note: string;
  left: SlipAmount;
  right: SlipAmount[];
  omit_zero?: SlipAmount[];
}

/** A fee line amount the summary sheet adds up (the platform's classification, 2204 / 2301). */
export type LineAmount = 'det_item_fee_sumamt' | 'inscp_scp_amt' | 'preselfpay_amt' | 'overlmt_amt' | 'fulamt_ownpay_amt';
const LINE_AMOUNTS: readonly string[] = ['det_item_fee_sumamt', 'inscp_scp_amt', 'preselfpay_amt', 'overlmt_amt', 'fulamt_ownpay_amt'];

export interface SlipLayout {
  key: string;
  provinces: string[];
  source: string;
  unit: string;
  titles: Record<DocKind | 'refund', string> & { summary?: string };
  header: Record<DocKind, Array<Array<[HeaderField, string]>>>;
  amounts: Array<Array<[SlipAmount, string]>>;
  funds: { label: string; from: 'setldetail' };
  equations: Equation[];
  /** LN 19 annex 6: the settled fee lines by 医疗收费项目类别, for these kinds */
  summary?: { kinds: DocKind[]; source: string; columns: Array<[LineAmount, string]> };
}

const file = JSON.parse(readFileSync(projectPath('gateway/engine/slip-layouts.json'), 'utf8')) as {
  header_fields: Record<HeaderField, string>;
  provinces: Record<string, string>;
  layouts: Record<string, Omit<SlipLayout, 'key'>>;
};

function check(key: string, l: Omit<SlipLayout, 'key'>) {
  const wrong = (what: string) => new Error(`slip-layouts.json ${key}: ${what}`);
  const amount = (a: string) => {
    if (!(SLIP_AMOUNTS as readonly string[]).includes(a)) throw wrong(`unknown amount ${a}`);
  };
  for (const kind of DOC_KINDS) {
    if (!l.titles[kind] || !l.header[kind]) throw wrong(`no title or header for ${kind}`);
    for (const row of l.header[kind]) for (const [f] of row) if (!(f in file.header_fields)) throw wrong(`unknown field ${f}`);
  }
  if (!l.titles.refund) throw wrong('no refund title');
  for (const row of l.amounts) for (const [a] of row) amount(a);
  // every amount of the slip is printed (the patient's copy hides nothing the HIS was answered)
  const printed = new Set(l.amounts.flat().map(([a]) => a));
  const missing = SLIP_AMOUNTS.filter((a) => !printed.has(a));
  if (missing.length) throw wrong(`amounts not printed: ${missing.join(', ')}`);
  for (const e of l.equations) [e.left, ...e.right, ...(e.omit_zero ?? [])].forEach(amount);
  if (l.summary) {
    if (!l.titles.summary) throw wrong('a summary sheet needs titles.summary');
    for (const [c] of l.summary.columns) if (!LINE_AMOUNTS.includes(c)) throw wrong(`unknown line amount ${c}`);
  }
}
if (!file.layouts.default) throw new Error('slip-layouts.json needs a default layout');
for (const [key, l] of Object.entries(file.layouts)) check(key, l);

/**
 * The layout of a slip whose patient is insured in `insuplc_admdvs`, printed by a hospital in
 * `mdtrtarea_admvs`: the insured province's (the brief of issue 14: LN 19 where the insured area is
 * Liaoning, JS annex 9 for Jiangsu), else the treatment province's (a Liaoning hospital gives every
 * patient LN 19's slips), else the default.
 */
export function layoutFor(insuplc_admdvs: string, mdtrtarea_admvs: string): SlipLayout {
  const of = (admdvs: string) => Object.entries(file.layouts).find(([, l]) => l.provinces.includes(admdvs.slice(0, 2)));
  const [key, l] = of(insuplc_admdvs) ?? of(mdtrtarea_admvs) ?? ['default', file.layouts.default!];
  return { key, ...l };
}

/** 医保区划 with its province's name, e.g. "210100（辽宁）". */
export function areaText(admdvs: string): string {
  const name = file.provinces[admdvs.slice(0, 2)];
  return name ? `${admdvs}（${name}）` : admdvs;
}
