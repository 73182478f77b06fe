/**
 * 人卡一致 refusals, kept for the insurance office (JS 24: "如发现冒名顶替等情况应暂停其就医行为，并
 * 及时报告当地医保部门"; JL 31, HN 27, LN 16: 身份识别): every refused identity check is recorded —
 * when, which counter (the API client, and the HIS's operator when it sends one), which channel,
 * what differed — with every name and number masked (the first and last character kept), so staff
 * list them (GET /v1/console/identity-refusals) and export the CSV the report to the local office
 * is made from. Stored as append-only audit entries of their own action (the Store port as it is);
 * never logged with a value.
 */
import type { Clock } from '../../adapters/platform/msgid.js';
import type { Logger } from '../logger.js';
import { maskValue } from '../privacy.js';
import type { AuditEntry, Store } from '../store/store.js';

export const IDENTITY_REFUSED = 'identity_refused';

export type IdentityChannel = 'person_query' | 'outpatient_registration' | 'inpatient_admission' | 'pharmacy_sale';

export const CHANNEL_TEXT: Record<IdentityChannel, string> = {
  person_query: '人员信息查询',
  outpatient_registration: '门诊挂号',
  inpatient_admission: '入院登记',
  pharmacy_sale: '药店购药',
};

export const FIELD_TEXT: Record<string, string> = { certno: '证件号码', psn_name: '姓名', psn_cert_type: '证件类型' };

/** The HIS's counter operator, when it sends one (schemas/api/common.json#/$defs/counter_operator). */
export interface CounterOperator {
  opter_no?: string;
  opter_name?: string;
}

/** What one refusal says, as it is stored (masked already) and listed. */
export interface IdentityRefusal {
  at: string;
  channel: IdentityChannel;
  channel_text: string;
  /** the API client that sent the request (the counter's system), and its role */
  client_id: string;
  client_role: string;
  operator?: { opter_no?: string; opter_name?: string };
  mismatched_fields: string[];
  mismatched_text: string;
  credential_type: string;
  /** the credential's owner as 1101 says (psn_no is the platform's pseudonymous key, kept for the search) */
  owner: { psn_no: string; psn_name: string; psn_cert_type: string; certno: string; insuplc_admdvs?: string };
  /** who stood at the counter, as the HIS read them */
  counter_person: { psn_name?: string; psn_cert_type?: string; certno?: string };
  ipt_otp_no?: string;
  /** the 1101 that found the owner (journal) */
  transaction_id: string;
  request_id?: string;
}

export interface RefusalFacts {
  channel: IdentityChannel;
  client_id?: string;
  client_role?: string;
  request_id?: string;
  operator?: CounterOperator;
  mismatched_fields: string[];
  credential_type: string;
  owner: { psn_no: string; psn_name: string; psn_cert_type: string; certno: string; insuplc_admdvs?: string };
  counter_person: { psn_name?: string; psn_cert_type?: string; certno?: string };
  ipt_otp_no?: string;
  transaction_id: string;
}

const mask = (v: string | undefined) => (v === undefined || v === '' ? v : maskValue(v));

/** Records, lists and exports the refusals; `onRecorded` counts them (metrics). */
export class IdentityRefusals {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly logger?: Logger,
    private readonly onRecorded?: (r: { channel: IdentityChannel; fields: string[] }) => void,
  ) {}

  /** Never throws: a refusal the store could not keep is counted and logged (without values), and the refusal still stands. */
  async record(f: RefusalFacts): Promise<void> {
    this.onRecorded?.({ channel: f.channel, fields: f.mismatched_fields });
    const r: Omit<IdentityRefusal, 'at' | 'client_id' | 'client_role' | 'request_id'> = {
      channel: f.channel,
      channel_text: CHANNEL_TEXT[f.channel],
      ...(f.operator ? { operator: { opter_no: f.operator.opter_no, opter_name: mask(f.operator.opter_name) } } : {}),
      mismatched_fields: f.mismatched_fields,
      mismatched_text: `人卡不一致：${f.mismatched_fields.map((x) => FIELD_TEXT[x] ?? x).join('、')}不符`,
      credential_type: f.credential_type,
      owner: {
        psn_no: f.owner.psn_no,
        psn_name: mask(f.owner.psn_name)!,
        psn_cert_type: f.owner.psn_cert_type,
        certno: mask(f.owner.certno)!,
        insuplc_admdvs: f.owner.insuplc_admdvs,
      },
      counter_person: {
        psn_name: mask(f.counter_person.psn_name),
        psn_cert_type: f.counter_person.psn_cert_type,
        certno: mask(f.counter_person.certno),
      },
      ipt_otp_no: f.ipt_otp_no,
      transaction_id: f.transaction_id,
    };
    try {
      await this.store.appendAudit({
        at: this.clock.now().toISOString(),
        actor: f.client_id ?? 'anonymous',
        role: f.client_role ?? 'none',
        action: IDENTITY_REFUSED,
        targets: [f.transaction_id],
        filter: r,
        reason: r.mismatched_text,
        request_id: f.request_id,
      });
    } catch (e) {
      this.logger?.error(
        { code: 'GW_SYS_STORE_UNAVAILABLE', channel: f.channel, transaction_id: f.transaction_id, err: { message: (e as Error).message } },
        'identity refusal not recorded',
      );
    }
  }

  /** Newest first. */
  async list(q: { from?: string; to?: string; limit?: number } = {}): Promise<IdentityRefusal[]> {
    const entries = await this.store.listAudit({ action: IDENTITY_REFUSED, from: q.from, to: q.to, limit: q.limit ?? 1000 });
    return entries.map(refusalOf);
  }
}

function refusalOf(e: AuditEntry): IdentityRefusal {
  const r = (e.filter ?? {}) as Omit<IdentityRefusal, 'at' | 'client_id' | 'client_role' | 'request_id'>;
  return { at: e.at, client_id: e.actor, client_role: e.role, ...r, request_id: e.request_id };
}

/** CSV columns (Chinese header, for the report to the local office) and how each is read. */
const COLUMNS: Array<[string, (r: IdentityRefusal) => string | undefined]> = [
  ['发现时间', (r) => r.at],
  ['业务环节', (r) => r.channel_text],
  ['柜台系统(接入方)', (r) => r.client_id],
  ['操作员编号', (r) => r.operator?.opter_no],
  ['操作员姓名(脱敏)', (r) => r.operator?.opter_name],
  ['不一致项目', (r) => r.mismatched_fields.map((x) => FIELD_TEXT[x] ?? x).join('、')],
  ['就诊凭证类型', (r) => r.credential_type],
  ['凭证所属人员编号', (r) => r.owner.psn_no],
  ['凭证所属人姓名(脱敏)', (r) => r.owner.psn_name],
  ['凭证所属人证件号码(脱敏)', (r) => r.owner.certno],
  ['参保地医保区划', (r) => r.owner.insuplc_admdvs],
  ['就诊人姓名(脱敏)', (r) => r.counter_person.psn_name],
  ['就诊人证件类型', (r) => r.counter_person.psn_cert_type],
  ['就诊人证件号码(脱敏)', (r) => r.counter_person.certno],
  ['门诊/住院号', (r) => r.ipt_otp_no],
  ['人员信息查询交易流水号(1101)', (r) => r.transaction_id],
  ['请求编号', (r) => r.request_id],
];

/** RFC 4180 with a BOM (so that a spreadsheet opens the Chinese header as UTF-8); a cell that could start a formula is quoted with a leading apostrophe. */
export function refusalsCsv(rows: IdentityRefusal[]): string {
  const cell = (v: string | undefined) => {
    let s = v ?? '';
    if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const lines = [COLUMNS.map(([h]) => cell(h)).join(','), ...rows.map((r) => COLUMNS.map(([, f]) => cell(f(r))).join(','))];
  return `\ufeff${lines.join('\r\n')}\r\n`;
}
