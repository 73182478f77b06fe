import type { EnvelopeRequest } from '../../gateway/generated/platform/envelope.request.js';
import { interfaceDateTime } from './msgid.js';

/** Institution-level envelope settings (config), the same for every message. */
export interface EnvelopeSettings {
  mdtrtarea_admvs: string;
  fixmedins_code: string;
  fixmedins_name: string;
  recer_sys_code: string;
  infver: string;
  opter_type: '1' | '2' | '3';
  opter: string;
  opter_name: string;
  dev_no?: string;
  signtype?: string;
  timeZoneOffsetMinutes: number;
}

/** The request envelope: its type comes from schemas/platform/envelope.request.json. */
export type Envelope = EnvelopeRequest;

export interface EnvelopeParts {
  infno: string;
  msgid: string;
  input: Record<string, unknown>;
  /** 参保地医保区划, from 1101; required when the input names a person */
  insuplc_admdvs?: string;
  sign_no?: string;
  now: Date;
}

export function buildEnvelope(s: EnvelopeSettings, p: EnvelopeParts): Envelope {
  return {
    infno: p.infno,
    msgid: p.msgid,
    mdtrtarea_admvs: s.mdtrtarea_admvs,
    insuplc_admdvs: p.insuplc_admdvs ?? '',
    recer_sys_code: s.recer_sys_code,
    dev_no: s.dev_no ?? '',
    dev_safe_info: '',
    cainfo: '',
    signtype: s.signtype ?? '',
    infver: s.infver,
    opter_type: s.opter_type,
    opter: s.opter,
    opter_name: s.opter_name,
    inf_time: interfaceDateTime(p.now, s.timeZoneOffsetMinutes),
    fixmedins_code: s.fixmedins_code,
    fixmedins_name: s.fixmedins_name,
    sign_no: p.sign_no ?? '',
    input: p.input,
  };
}
