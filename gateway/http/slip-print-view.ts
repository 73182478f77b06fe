import escapeHtml from 'escape-html';
import type { PrintDoc } from '../engine/print-sources.js';
import type { Sheet } from '../engine/slip-print.js';

/**
 * A printable document (print-sources.ts) as a self-contained HTML page: Chinese, inline CSS only (no
 * fetch of any kind: the page's CSP is default-src 'none'), CJK from the system fonts, and an `@page`
 * per paper — A4 (the annexes' sheet, one sheet per page) or an 80 mm receipt roll.
 *
 * Every text is escaped by the `html` tag below (escape-html, the escaper express itself uses): the
 * names, diagnoses and reasons come from the platform and the HIS and are not trusted. Only a value
 * that is itself the result of `html` is inserted as markup.
 */
class Markup {
  constructor(readonly text: string) {}
  toString() {
    return this.text;
  }
}

type Part = Markup | string | number | undefined | null | ReadonlyArray<Markup>;

function html(strings: TemplateStringsArray, ...values: Part[]): Markup {
  let out = strings[0]!;
  values.forEach((v, i) => {
    if (v instanceof Markup) out += v.text;
    else if (Array.isArray(v)) out += v.map((m: Markup) => m.text).join('');
    else out += escapeHtml(v === undefined || v === null ? '' : String(v));
    out += strings[i + 1]!;
  });
  return new Markup(out);
}

export type Paper = 'a4' | 'receipt';
export const PAPERS: readonly Paper[] = ['a4', 'receipt'];

const FONTS = '"WenQuanYi Zen Hei","Noto Sans CJK SC","Source Han Sans SC","Microsoft YaHei","PingFang SC",SimSun,sans-serif';

const CSS: Record<Paper, string> = {
  a4: `@page{size:A4;margin:12mm}
html,body{margin:0;padding:0}
body{font-family:${FONTS};font-size:9.5pt;color:#000}
.sheet{width:186mm;margin:0 auto}
.sheet+.sheet{break-before:page}
h1{font-size:16pt;text-align:center;margin:0 0 2mm}
.unit{text-align:right;font-size:9pt;margin:0 0 1mm}
table{border-collapse:collapse;width:100%;table-layout:fixed;margin-bottom:2mm}
td,th{border:1px solid #000;padding:1mm;vertical-align:top;overflow-wrap:anywhere}
th{font-weight:normal;background:#f2f2f2;text-align:left}
.n{text-align:right;font-variant-numeric:tabular-nums}
.mark{font-weight:bold;color:#a00;margin:0 0 1mm}
.notes{font-size:9pt;margin:1mm 0}
.notes p{margin:.5mm 0}
.src{font-size:7.5pt;color:#555;margin-top:2mm}`,
  receipt: `@page{size:80mm 297mm;margin:0}
html,body{margin:0;padding:0}
body{font-family:${FONTS};font-size:9pt;color:#000;width:80mm}
.sheet{box-sizing:border-box;width:80mm;padding:2mm 3mm}
.sheet+.sheet{border-top:1px dashed #000}
h1{font-size:11pt;text-align:center;margin:0 0 1mm}
.unit{text-align:center;font-size:8pt;margin:0 0 1mm}
table{border-collapse:collapse;width:100%;table-layout:fixed}
td,th{padding:.3mm 0;vertical-align:top;word-break:break-all;font-weight:normal;text-align:left}
th{width:45%}
.n{text-align:right;font-variant-numeric:tabular-nums}
tr.sep td,tr.sep th{border-top:1px dashed #000}
.mark{font-weight:bold;margin:0 0 1mm}
.sum{margin-top:1mm;font-size:7pt}
.sum th,.sum td{padding:.3mm .5mm;width:auto}
.sum td.n,.sum th.n{white-space:nowrap}
.notes{font-size:7.5pt;margin:1mm 0}
.notes p{margin:.3mm 0}
.src{display:none}`,
};

/** A4: the annex's grid, label and value cells side by side, as many per row as the annex has. */
function a4Sheet(s: Sheet): Markup {
  const width = Math.max(1, ...s.header.map((r) => r.length), ...s.amounts.map((r) => r.length));
  const grid = (rows: Array<Array<{ label: string; value: string; key?: string }>>) =>
    rows.map((row) => {
      const span = (i: number) => (i === row.length - 1 ? 2 * (width - row.length) + 1 : 1);
      return html`<tr>${row.map((c, i) => html`<th>${c.label}</th><td colspan="${span(i)}"${amountAttrs(c.key)}>${c.value}</td>`)}</tr>`;
    });
  // label and value columns in turn, the labels narrower: as many pairs as the widest row
  const cols = html`<colgroup>${Array.from({ length: width }, () => html`<col style="width:${(45 / width).toFixed(2)}%"><col style="width:${(55 / width).toFixed(2)}%">`)}</colgroup>`;
  const header = s.header.length ? html`<table class="hd">${cols}${grid(s.header)}</table>` : '';
  const amounts = s.amounts.length ? html`<table class="amt">${cols}${grid(s.amounts)}</table>` : '';
  const funds = s.funds?.rows.length
    ? html`<table class="funds"><tr><th colspan="2">${s.funds.label}</th><th class="n">金额</th></tr>${s.funds.rows.map(
        (f) => html`<tr><td>${f.name}</td><td>${f.code}</td><td class="n" data-fund="${f.code}">${f.amount}</td></tr>`,
      )}</table>`
    : '';
  return html`<section class="sheet">${title(s)}${header}${amounts}${funds}${summary(s)}${footer(s)}${notes(s)}<p class="src">${s.source}</p></section>`;
}

/** Receipt: one label and value a line, amounts right-aligned, for an 80 mm roll. */
function receiptSheet(s: Sheet): Markup {
  const rows = (cells: Array<{ label: string; value: string; key?: string; fund?: string }>, cls = '') =>
    cells.map(
      (c, i) =>
        html`<tr${i === 0 && cls ? html` class="${cls}"` : ''}><th>${c.label}</th><td${c.fund ? html` class="n" data-fund="${c.fund}"` : amountAttrs(c.key)}>${c.value}</td></tr>`,
    );
  const funds = s.funds?.rows.length
    ? html`<tr class="sep"><th colspan="2">${s.funds.label}</th></tr>${rows(s.funds.rows.map((f) => ({ label: f.name, value: f.amount, fund: f.code })))}`
    : '';
  return html`<section class="sheet">${title(s)}<table>${rows(s.header.flat())}${rows(s.amounts.flat(), 'sep')}${funds}</table>${summary(s)}${footer(s)}${notes(s)}</section>`;
}

/** An amount cell: right-aligned, and named (data-amount) so a test or a script can read the slip back. */
const amountAttrs = (key: string | undefined) => (key ? html` class="n" data-amount="${key}"` : '');

const title = (s: Sheet) => html`<h1>${s.title}</h1><p class="unit">${s.unit}</p>${s.marks.map((m) => html`<p class="mark">${m}</p>`)}`;

const notes = (s: Sheet) =>
  s.equations.length ? html`<div class="notes"><p>注：</p>${s.equations.map((e, i) => html`<p>${i + 1}. ${e}</p>`)}</div>` : '';

const footer = (s: Sheet) =>
  s.footer.length
    ? html`<table class="foot">${s.footer.map((c) => html`<tr><th>${c.label}</th><td class="n"${c.key ? html` data-net="${c.key}"` : ''}>${c.value}</td></tr>`)}</table>`
    : '';

function summary(s: Sheet): Markup | '' {
  const t = s.summary;
  if (!t) return '';
  return html`<table class="sum"><tr>${t.columns.map((c) => html`<th>${c}</th>`)}</tr>${t.rows.map(
    (r) => html`<tr><td>${r.label}</td>${r.values.map((v) => html`<td class="n">${v}</td>`)}</tr>`,
  )}<tr><th>合计</th>${t.total.map((v, i) => html`<th class="n" data-total="${t.keys[i]}">${v}</th>`)}</tr></table>`;
}

/** The page. */
export function printHtml(doc: PrintDoc, paper: Paper): string {
  const sheets = doc.sheets.map(paper === 'a4' ? a4Sheet : receiptSheet);
  return html`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${doc.title}</title>
<style>${new Markup(CSS[paper])}</style></head>
<body class="${paper}">
${sheets}
</body></html>
`.text;
}
