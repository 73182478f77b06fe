/**
 * Which annex an outside-hospital test / purchase form follows: the treatment area's (JS 39 annex 8
 * 《住院期间外院检查治疗或双通道定点药店购药证明》; HN 57 annex 4 and LN 44 annex 17 《住院期间外院检查
 * 治疗或定点药店购药单》; elsewhere the hospital's configured default), as data
 * (outside-form-annexes.json): its title, the label of each field, their order on the page.
 */
import { readFileSync } from 'node:fs';
import { projectPath } from '../paths.js';

export type AnnexField =
  | 'psn_name'
  | 'gend'
  | 'age'
  | 'dept_name'
  | 'psn_cert_type'
  | 'certno'
  | 'diagnosis'
  | 'outside_institution'
  | 'items'
  | 'reason'
  | 'physician'
  | 'insurance_office_stamp'
  | 'form_date';

export interface OutsideFormAnnex {
  provinces: string[];
  title: string;
  source: string;
  configured?: string;
  form_type_labels: Record<string, string>;
  /** the page's rows: [field, label] in the annex's order */
  rows: Array<Array<[AnnexField, string]>>;
}

/** What a form keeps of the annex it was issued under. */
export interface OutsideFormAnnexRef {
  key: string;
  title: string;
  source: string;
}

const file = JSON.parse(readFileSync(projectPath('gateway/engine/outside-form-annexes.json'), 'utf8')) as {
  fields: Record<AnnexField, string>;
  annexes: Record<string, OutsideFormAnnex>;
};
if (!file.annexes.default) throw new Error('outside-form-annexes.json needs a default annex');
for (const [key, a] of Object.entries(file.annexes)) {
  for (const row of a.rows)
    for (const [f] of row) if (!(f in file.fields)) throw new Error(`outside-form-annexes.json ${key}: unknown field ${f}`);
}

/** The annex of the treatment area `mdtrtarea_admvs` (its province: the first two digits). */
export function annexFor(mdtrtarea_admvs: string): OutsideFormAnnexRef & OutsideFormAnnex {
  const province = mdtrtarea_admvs.slice(0, 2);
  const [key, a] = Object.entries(file.annexes).find(([, x]) => x.provinces.includes(province)) ?? ['default', file.annexes.default!];
  return { key, ...a };
}

/** The annex a form names (its key), else the treatment area's. */
export function annexOf(ref: OutsideFormAnnexRef | undefined, mdtrtarea_admvs: string): OutsideFormAnnexRef & OutsideFormAnnex {
  const a = ref ? file.annexes[ref.key] : undefined;
  return a ? { key: ref!.key, ...a } : annexFor(mdtrtarea_admvs);
}

export const annexRef = (a: OutsideFormAnnexRef): OutsideFormAnnexRef => ({ key: a.key, title: a.title, source: a.source });
