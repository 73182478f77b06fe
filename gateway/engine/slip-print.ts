/**
 * A printed slip as sheets (one sheet = one paper document): the journaled slip and the facts of its
 * encounter, laid out by the province's layout (slip-layouts.json). Pure: every amount is the slip's
 * own, printed with two decimals; the only sums are those of the printed arithmetic (shown only where
 * it holds on the slip) and of the fee summary sheet (LN 19 annex 6).
 */
import type { SlipAmount } from '../../adapters/platform/slip.js';
import type { CodeTable } from '../validation.js';
import { Decimal, sumOf } from './money.js';
import type { DocKind, HeaderField, SlipLayout } from './slip-layouts.js';
import type { StoredFeeLine, StoredSlip } from './visit.js';

export interface Cell {
  label: string;
  value: string;
}

export interface Sheet {
  title: string;
  unit: string;
  source: string;
  /** a mark above the header: 已撤销 …, 退费 … */
  marks: string[];
  header: Cell[][];
  amounts: Array<Array<Cell & { key: SlipAmount }>>;
  funds?: { label: string; rows: Array<{ code: string; name: string; amount: string }> };
  equations: string[];
  summary?: { columns: string[]; keys: string[]; rows: Array<{ label: string; values: string[] }>; total: string[] };
  /** lines under everything else (the net refund of a refund: key names its net_refund field) */
  footer: Array<Cell & { key?: string }>;
}

export type Facts = Partial<Record<HeaderField, string>>;
type Codes = (table: string) => CodeTable | undefined;

const two = (v: string | undefined) => new Decimal(v ?? 0).toFixed(2);

/** The settlement (or cancellation) slip as a sheet. */
export function slipSheet(
  layout: SlipLayout,
  kind: DocKind,
  slip: StoredSlip,
  facts: Facts,
  codes: Codes,
  marks: string[] = [],
  title = layout.titles[kind],
): Sheet {
  const header = layout.header[kind]
    .map((row) => row.filter(([f]) => facts[f] !== undefined && facts[f] !== '').map(([f, label]) => ({ label, value: facts[f]! })))
    .filter((row) => row.length > 0);
  const amounts = layout.amounts.map((row) => row.map(([key, label]) => ({ key, label, value: two(slip.amounts[key]) })));
  const labels = new Map<string, string>(layout.amounts.flat().map(([k, l]) => [k, l]));
  const fundName = (code: string, name: string | undefined) => name || codes('fund_pay_type')?.values[code] || code;
  const funds = {
    label: layout.funds.label,
    rows: slip.setldetail.map((d) => ({
      code: String(d.fund_pay_type ?? ''),
      name: fundName(String(d.fund_pay_type ?? ''), d.fund_pay_type_name),
      amount: two(d.fund_payamt),
    })),
  };
  return {
    title,
    unit: layout.unit,
    source: layout.source,
    marks,
    header,
    amounts,
    funds,
    equations: equationsOf(layout, slip, labels),
    footer: [],
  };
}

/** The layout's arithmetic, with the slip's amounts, each line only where it holds on the slip. */
function equationsOf(layout: SlipLayout, slip: StoredSlip, labels: Map<string, string>): string[] {
  const v = (k: SlipAmount) => new Decimal(slip.amounts[k] ?? 0);
  const name = (k: SlipAmount) => `${labels.get(k) ?? k} ${v(k).toFixed(2)}`;
  return layout.equations.flatMap((e) => {
    const terms = e.right.filter((t) => !(e.omit_zero?.includes(t) && v(t).isZero()));
    if (!sumOf(e.right.map(v)).eq(v(e.left))) return [];
    return [`${e.note}：${name(e.left)} = ${terms.map(name).join(' + ')}`];
  });
}

/**
 * LN 19 annex 6 《医疗费用汇总单》: the settlement's fee lines by 医疗收费项目类别 (the platform's own
 * classification of each line), each column summed; the total row must be the slip's total, else the
 * sheet says the two differ (it never hides it).
 */
export function summarySheet(layout: SlipLayout, slip: StoredSlip, lines: StoredFeeLine[], facts: Facts, codes: Codes): Sheet | undefined {
  const s = layout.summary;
  if (!s || !layout.titles.summary) return undefined;
  const types = codes('med_chrgitm_type')?.values ?? {};
  const groups = new Map<string, StoredFeeLine[]>();
  for (const l of lines) {
    const key = l.med_chrgitm_type ?? '';
    groups.set(key, [...(groups.get(key) ?? []), l]);
  }
  const col = (ls: StoredFeeLine[], c: string) => sumOf(ls.map((l) => String((l as unknown as Record<string, string>)[c] ?? '0')));
  const rows = [...groups.entries()]
    .sort(([a], [b]) => (a === '' ? 1 : b === '' ? -1 : a.localeCompare(b)))
    .map(([type, ls]) => ({
      label: type === '' ? '未分类' : `${types[type] ?? type}`,
      values: s.columns.map(([c]) => col(ls, c).toFixed(2)),
    }));
  const total = s.columns.map(([c]) => col(lines, c).toFixed(2));
  const marks = col(lines, 'det_item_fee_sumamt').eq(new Decimal(slip.amounts.medfee_sumamt ?? 0))
    ? []
    : [`明细合计 ${total[0]} 与结算单总费用 ${two(slip.amounts.medfee_sumamt)} 不一致，请与医保办核对`];
  const header = [
    [
      { label: '姓名', value: facts.psn_name ?? '' },
      { label: facts.endtime ? '住院号' : '门诊号', value: facts.ipt_no ?? '' },
    ],
    [
      { label: '结算ID', value: facts.setl_id ?? '' },
      { label: '结算时间', value: facts.setl_time ?? '' },
    ],
    [{ label: '定点医疗机构', value: facts.fixmedins ?? '' }],
  ].map((r) => r.filter((c) => c.value !== ''));
  return {
    title: layout.titles.summary,
    unit: layout.unit,
    source: s.source,
    marks,
    header,
    amounts: [],
    equations: [],
    summary: { columns: ['项目类别', ...s.columns.map(([, l]) => l)], keys: s.columns.map(([c]) => c), rows, total },
    footer: [],
  };
}
