/** 1101 人员信息获取: identifies the person by credential; Liaoning files an un-filed cross-region patient. */
import { BusinessError } from '../envelope.js';
import { autoFilesCrossRegion } from '../policies.js';
import { autoFileTemporary, findByCredential, isCrossRegion, validFilingOn } from '../registry.js';
import type { MockState } from '../state.js';
import { formatDate } from '../time.js';
import type { PersonRecord } from '../types.js';
import { baseinfoView, fileinfoView, insuinfoView } from '../views.js';
import type { TxContext } from './context.js';

interface PersonInfoInput {
  data: {
    mdtrt_cert_type: string;
    mdtrt_cert_no: string;
    card_sn?: string;
    certno?: string;
    psn_name?: string;
  };
}

/** 人卡一致: an ID number or name sent along must be the credential holder's. */
function checkHolderMatches(person: PersonRecord, data: PersonInfoInput['data']): void {
  if (data.certno && data.certno !== person.certno) throw new BusinessError('证件号码与就诊凭证不符');
  if (data.psn_name && data.psn_name !== person.psn_name) throw new BusinessError('人员姓名与就诊凭证不符');
}

/** LN 20-22: an un-filed cross-region patient of an auto-filing province is filed as temporary on 1101. */
function autoFileOnIdentity(state: MockState, person: PersonRecord, today: string): void {
  const area = state.policies.hospital.mdtrtarea_admvs;
  if (!isCrossRegion(person, area) || !autoFilesCrossRegion(state.policies, person.insuplc_admdvs)) return;
  if (!validFilingOn(person, area, today)) autoFileTemporary(person, area, today);
}

export function personInfo(ctx: TxContext): Record<string, unknown> {
  const { data } = ctx.envelope.input as unknown as PersonInfoInput;
  const found = findByCredential(ctx.state.persons, data.mdtrt_cert_type, data.mdtrt_cert_no, data.card_sn, true);
  if ('error' in found) throw new BusinessError(found.error);
  const { person } = found;
  checkHolderMatches(person, data);
  autoFileOnIdentity(ctx.state, person, formatDate(ctx.now));
  return {
    baseinfo: baseinfoView(person, ctx.now),
    insuinfo: [insuinfoView(person)],
    idetinfo: [],
    fileinfo: fileinfoView(person),
  };
}
