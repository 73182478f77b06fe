import type { Admission, InpatientFeeLine, OutsideForm } from '../engine/admission.js';
import { criterionText } from '../engine/emergency-criteria.js';
import { type AnnexField, annexOf } from '../engine/outside-form-annexes.js';
import { formPatient } from '../engine/outside-forms.js';
import type { CodeTable } from '../validation.js';

/** Every value that reaches the page goes through here: the form's text comes from the HIS. */
export const escapeHtml = (v: unknown) =>
  String(v ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/**
 * The outside-hospital test / purchase form as a printable page, laid out as the treatment area's
 * annex lays it out (outside-form-annexes.json: JS annex 8 《住院期间外院检查治疗或双通道定点药店购药
 * 证明》, HN annex 4 / LN annex 17 《住院期间外院检查治疗或定点药店购药单》, else the hospital's
 * default): its title, then its rows — patient, diagnosis, outside institution, tests or drugs,
 * reason, physician's signature, insurance office stamp, date. The patient's 姓名, 性别, 年龄 and 证件
 * are the 1101 person of the stay (Admission.person), the age on the form's date. The line above
 * the annex's rows (the gateway's, not the annex's) names the hospital, the form, the stay and, for an
 * emergency stay, the criterion the hospital applied (LN 22).
 */
export function outsideFormHtml(
  a: Admission,
  f: OutsideForm,
  lines: InpatientFeeLine[],
  codes: (table: string) => CodeTable | undefined,
  hospitalName: string,
  mdtrtarea_admvs: string,
): string {
  const e = escapeHtml;
  const label = (table: string, v: string | undefined) => `${e(v === undefined ? '' : (codes(table)?.values[v] ?? v))}`;
  const annex = annexOf(f.annex, mdtrtarea_admvs);
  const x = f.form;
  const p = formPatient(a.person, x.form_date);
  const rows = lines
    .map(
      (l) =>
        `<tr><td>${e(l.feedetl_sn)}</td><td>${e(l.med_list_codg)}</td><td>${e(l.medins_list_codg)}</td><td>${e(l.fee_ocur_time)}</td><td class="n">${e(l.cnt)}</td><td class="n">${e(l.pric)}</td><td class="n">${e(l.det_item_fee_sumamt)}</td></tr>`,
    )
    .join('\n');
  const items = `<table><tr><th>流水号</th><th>医疗目录编码</th><th>机构目录编码</th><th>发生时间</th><th>数量</th><th>单价</th><th>金额</th></tr>
${rows}
</table>`;
  const value: Record<AnnexField, string> = {
    psn_name: e(p.psn_name),
    gend: label('gend', p.gend),
    age: e(p.age),
    dept_name: e(x.dept_name),
    psn_cert_type: label('psn_cert_type', p.psn_cert_type),
    certno: e(p.certno),
    diagnosis: `${e(x.diagnosis.diag_code)} ${e(x.diagnosis.diag_name)}`,
    outside_institution: `${e(x.outside_institution.name)}（${e(x.outside_institution.code)}）`,
    items,
    reason: e(x.reason),
    physician: `${e(x.physician.name)}（${e(x.physician.code)}）`,
    insurance_office_stamp: `${e(x.insurance_office_stamp.stamped_by)} ${e(x.insurance_office_stamp.stamped_at)}`,
    form_date: e(x.form_date),
  };
  const body = annex.rows
    .map((row) => {
      if (row.length === 1) {
        const [field, text] = row[0]!;
        return field === 'items' ? `<p>${e(text)}：</p>\n${value.items}` : `<p>${e(text)}：${value[field]}</p>`;
      }
      return `<p>${row.map(([field, text]) => `${e(text)} ${value[field]}`).join(' ')}</p>`;
    })
    .join('\n');
  const kind = annex.form_type_labels[x.form_type] ?? label('outside_form_type', x.form_type);
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>${e(annex.title)} ${e(f.form_id)}</title>
<style>body{font-family:serif;max-width:48em;margin:2em auto}table{border-collapse:collapse;width:100%}td,th{border:1px solid #000;padding:.3em}.n{text-align:right}.void{color:#b00;font-weight:bold}.src{font-size:.8em;color:#555}</style></head>
<body>
<h1>${e(annex.title)}</h1>
${f.status === 'void' ? `<p class="void">已作废 ${e(f.voided_at)} ${e(f.void_reason)}</p>` : ''}
<p>${e(hospitalName)} · 单号 ${e(f.form_id)} · 住院号 ${e(a.facts.ipt_no)} · 类别 ${e(kind)}${a.facts.emergency ? ` · 住院类型 急诊（认定依据：${e(criterionText(a.emergency_criterion) || '未记录')}）` : ''}</p>
${body}
<p class="src">${e(annex.source)}</p>
</body></html>
`;
}
