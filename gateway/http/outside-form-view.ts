import type { Admission, InpatientFeeLine, OutsideForm } from '../engine/admission.js';
import type { CodeTable } from '../validation.js';

/** Every value that reaches the page goes through here: the form's text comes from the HIS. */
export const escapeHtml = (v: unknown) =>
  String(v ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/**
 * 《住院期间外院检查治疗或定点药店购药单》 as a printable page, laid out like the annex (JS annex 8,
 * HN annex 4, LN annex 17): patient, diagnosis, outside institution, tests or drugs, reason,
 * physician's signature, insurance office stamp, date.
 */
export function outsideFormHtml(
  a: Admission,
  f: OutsideForm,
  lines: InpatientFeeLine[],
  codes: (table: string) => CodeTable | undefined,
  hospitalName: string,
): string {
  const e = escapeHtml;
  const label = (table: string, v: string) => `${e(codes(table)?.values[v] ?? v)}`;
  const x = f.form;
  const rows = lines
    .map(
      (l) =>
        `<tr><td>${e(l.feedetl_sn)}</td><td>${e(l.med_list_codg)}</td><td>${e(l.medins_list_codg)}</td><td>${e(l.fee_ocur_time)}</td><td class="n">${e(l.cnt)}</td><td class="n">${e(l.pric)}</td><td class="n">${e(l.det_item_fee_sumamt)}</td></tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>住院期间外院检查治疗或定点药店购药单 ${e(f.form_id)}</title>
<style>body{font-family:serif;max-width:48em;margin:2em auto}table{border-collapse:collapse;width:100%}td,th{border:1px solid #000;padding:.3em}.n{text-align:right}.void{color:#b00;font-weight:bold}</style></head>
<body>
<h1>住院期间外院检查治疗或定点药店购药单</h1>
${f.status === 'void' ? `<p class="void">已作废 ${e(f.voided_at)} ${e(f.void_reason)}</p>` : ''}
<p>${e(hospitalName)} · 单号 ${e(f.form_id)} · 住院号 ${e(a.facts.ipt_no)} · 类别 ${label('outside_form_type', x.form_type)}</p>
<p>姓名 ${e(x.psn_name)} 性别 ${label('gend', x.gend)} 年龄 ${e(x.age)} 科别 ${e(x.dept_name)}</p>
<p>证件类型 ${label('psn_cert_type', x.psn_cert_type)} 证件号码 ${e(x.certno)}</p>
<p>诊断 ${e(x.diagnosis.diag_code)} ${e(x.diagnosis.diag_name)}</p>
<p>外检定点医院或外购定点药店名称：${e(x.outside_institution.name)}（${e(x.outside_institution.code)}）</p>
<p>外检项目或外购药品：</p>
<table><tr><th>流水号</th><th>医疗目录编码</th><th>机构目录编码</th><th>发生时间</th><th>数量</th><th>单价</th><th>金额</th></tr>
${rows}
</table>
<p>外检或外购药原因：${e(x.reason)}</p>
<p>医师签字：${e(x.physician.name)}（${e(x.physician.code)}）</p>
<p>定点医疗机构医疗保险办公室盖章：${e(x.insurance_office_stamp.stamped_by)} ${e(x.insurance_office_stamp.stamped_at)}</p>
<p>日期：${e(x.form_date)}</p>
</body></html>
`;
}
