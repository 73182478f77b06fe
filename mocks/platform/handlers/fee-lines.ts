/** Uploaded fee lines (2204 门诊, 2301 住院, 2102 药店): checked and classified the same way. */
import { type Catalogue, findCatalogueEntry } from '../catalogue.js';
import { BusinessError } from '../envelope.js';
import { dec } from '../money.js';
import { classifyFeeLine, expectedLineTotal } from '../policy-engine.js';
import { hisFields } from '../his-fields.js';
import type { FeeLine } from '../types.js';

/** The fields of an uploaded line the platform computes with. */
export interface UploadedLine {
  feedetl_sn: string;
  fee_ocur_time: string;
  med_list_codg: string;
  det_item_fee_sumamt: number;
  cnt: number;
  pric: number;
}

export function duplicateSn(sn: string): BusinessError {
  return new BusinessError(`费用明细流水号重复: ${sn}`);
}

/** Checks det_item_fee_sumamt = cnt × pric and classifies the line under the treatment area's catalogue. */
export function classifyUpload(catalogue: Catalogue, d: UploadedLine, chrgBchno: string): FeeLine {
  const cnt = dec(d.cnt);
  const pric = dec(d.pric);
  const det = dec(d.det_item_fee_sumamt);
  if (!det.equals(expectedLineTotal(cnt, pric))) throw new BusinessError(`明细项目费用总额与数量×单价不符: ${d.feedetl_sn}`);
  return {
    feedetl_sn: d.feedetl_sn,
    chrg_bchno: chrgBchno,
    med_list_codg: d.med_list_codg,
    fee_ocur_time: d.fee_ocur_time,
    classification: classifyFeeLine({ cnt, pric, det_item_fee_sumamt: det }, findCatalogueEntry(catalogue, d.med_list_codg)),
    setl_id: null,
    his_fields: hisFields('feedetail', d),
  };
}
