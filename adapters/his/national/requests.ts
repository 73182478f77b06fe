/**
 * The national-format door's inbound half (docs/national-door.md): a message an HIS sends the
 * platform (envelope with `infno`, `msgid`, `input`) -> the route its infno takes (the routing table,
 * adapters/his/national/routing.json, is data) and the canonical request the gateway's engine takes
 * (the REST API's own bodies, schemas/api/*.request.json). Pure: no I/O, no engine.
 *
 * The national interface sends an absent value as "" or null: both are dropped here, so that what
 * reaches the canonical schema is what the HIS actually said.
 */
import type { FeesUploadRequest } from '../../../gateway/generated/api/fees-upload.request.js';
import type { PersonQueryRequest } from '../../../gateway/generated/api/person-query.request.js';
import type { SettlementRequest } from '../../../gateway/generated/api/settlement.request.js';
import type { VisitCreateRequest } from '../../../gateway/generated/api/visit-create.request.js';
import type { VisitDiagnosesRequest } from '../../../gateway/generated/api/visit-diagnoses.request.js';

/** Where the key of the encounter a message acts on is (a dotted path into `input`), and which index finds it. */
export interface Locate {
  index: 'mdtrt_id' | 'setl_id';
  at: string;
}

export interface PassedRoute {
  name: string;
  op: string;
  locate?: Locate;
  answer: 'journal' | 'gateway';
}

export interface RoutingTable {
  passed: Record<string, PassedRoute>;
  refused: Record<string, string>;
  error_infcodes: Record<string, number>;
  next_steps: Record<string, string>;
}

export type Route =
  | { kind: 'passed'; infno: string; route: PassedRoute }
  | { kind: 'refused'; infno: string; reason: string }
  | { kind: 'unknown'; infno: string };

/** What the door does with `infno`: pass it, refuse it with the table's reason, or refuse it as unknown. */
export function routeOf(table: RoutingTable, infno: string): Route {
  const route = Object.hasOwn(table.passed, infno) ? table.passed[infno] : undefined;
  if (route) return { kind: 'passed', infno, route };
  const reason = Object.hasOwn(table.refused, infno) ? table.refused[infno] : undefined;
  if (reason) return { kind: 'refused', infno, reason };
  return { kind: 'unknown', infno };
}

/** A problem with a message the door cannot map: the field (dotted path) and what is wrong, in Chinese. */
export class NationalMessageProblem extends Error {
  constructor(
    readonly field: string,
    readonly problem_zh: string,
  ) {
    super(`${field}: ${problem_zh}`);
    this.name = 'NationalMessageProblem';
  }
}

export type Obj = Record<string, unknown>;
export const isObj = (v: unknown): v is Obj => !!v && typeof v === 'object' && !Array.isArray(v);

/** A deep copy without "" and null members (the interface's two spellings of "absent"). */
export function present<T>(v: T): T {
  if (Array.isArray(v)) return v.filter((x) => x !== null && x !== '').map(present) as T;
  if (isObj(v)) {
    const out: Obj = {};
    for (const [k, x] of Object.entries(v)) if (x !== null && x !== '' && x !== undefined) out[k] = present(x);
    return out as T;
  }
  return v;
}

/** The value at a dotted path (`feedetail.0.mdtrt_id`), if it is a non-empty string. */
export function valueAt(input: unknown, at: string): string | undefined {
  let cur: unknown = input;
  for (const part of at.split('.')) {
    if (Array.isArray(cur)) cur = cur[Number(part)];
    else if (isObj(cur)) cur = cur[part];
    else return undefined;
  }
  return typeof cur === 'string' && cur !== '' ? cur : undefined;
}

/** The key of the encounter the message acts on (its mdtrt_id or setl_id), or the problem naming the missing field. */
export function encounterKey(input: unknown, locate: Locate): string {
  const v = valueAt(input, locate.at);
  if (!v)
    throw new NationalMessageProblem(`input.${locate.at}`, `缺少${locate.index === 'setl_id' ? '结算ID' : '就诊ID'}（${locate.index}）`);
  return v;
}

/** The object `input.<name>` without its absent members, or the problem naming it. */
export function section(input: unknown, name: string): Obj {
  const s = isObj(input) ? input[name] : undefined;
  if (!isObj(s)) throw new NationalMessageProblem(`input.${name}`, '缺少该节点或不是对象');
  return present(s);
}

export const pick = (o: Obj, keys: readonly string[]) => Object.fromEntries(keys.filter((k) => o[k] !== undefined).map((k) => [k, o[k]]));

/** exp_content: 扩展内容, a JSON string (openhis models it so; spec-fields.json 2204) or an object. */
export function expContent(v: unknown): Obj {
  if (isObj(v)) return v;
  if (typeof v !== 'string' || v.trim() === '') return {};
  try {
    const parsed = JSON.parse(v) as unknown;
    return isObj(parsed) ? parsed : {};
  } catch {
    return {};
  }
}

/**
 * 1101 -> POST /v1/persons/query. The person at the counter (人卡一致) is what the HIS put into
 * psn_cert_type / certno / psn_name (the 1101 input's own fields, e.g. from an ID card reader): the
 * gateway checks them against the credential's owner; none sent, nothing to check.
 */
export function personQuery(input: unknown): PersonQueryRequest {
  const d = section(input, 'data');
  const counter = pick(d, ['psn_cert_type', 'certno', 'psn_name']);
  return {
    ...(pick(d, ['mdtrt_cert_type', 'mdtrt_cert_no', 'card_sn']) as Pick<PersonQueryRequest, 'mdtrt_cert_type' | 'mdtrt_cert_no'>),
    ...(counter.certno || counter.psn_name ? { counter_person: counter } : {}),
  };
}

/**
 * 2201 -> POST /v1/outpatient/visits. The 门诊急诊标志 travels as `er_flag` on the visit
 * (outpatient-messages.ts ErFlagPlacement); the emergency criterion the REST API requires with it
 * (LN 22) has no field in the national 2201: an emergency registration is refused by the engine,
 * saying what is missing, and is made through the REST API instead (docs/national-door.md). An
 * `exp_content` (where a schema admits one) may carry `er_flag` and `emergency_criterion`.
 */
export function visitCreate(input: unknown): VisitCreateRequest {
  const d = section(input, 'data');
  const exp = expContent(d.exp_content);
  const emergency = d.er_flag === '1' || exp.er_flag === '1';
  return {
    ...(pick(d, [
      'mdtrt_cert_type',
      'mdtrt_cert_no',
      'card_sn',
      'psn_no',
      'insutype',
      'ipt_otp_no',
      'begntime',
      'atddr_no',
      'dr_name',
      'dept_code',
      'dept_name',
      'caty',
    ]) as Omit<VisitCreateRequest, 'emergency'>),
    emergency,
    ...(isObj(exp.emergency_criterion)
      ? { emergency_criterion: exp.emergency_criterion as VisitCreateRequest['emergency_criterion'] }
      : {}),
  };
}

const DIAGNOSIS_FIELDS = [
  'diag_type',
  'diag_srt_no',
  'diag_code',
  'diag_name',
  'diag_dept',
  'dise_dor_no',
  'dise_dor_name',
  'diag_time',
  'vali_flag',
];

/** 2203 (mdtrtinfo + diseinfo) -> POST /v1/outpatient/visits/{id}/diagnoses. */
export function visitDiagnoses(input: unknown): VisitDiagnosesRequest {
  const m = section(input, 'mdtrtinfo');
  const dise = isObj(input) && Array.isArray(input.diseinfo) ? (present(input.diseinfo) as Obj[]) : [];
  return {
    ...(pick(m, [
      'med_type',
      'begntime',
      'main_cond_dscr',
      'dise_codg',
      'dise_name',
      'birctrl_type',
      'birctrl_matn_date',
      'matn_type',
      'geso_val',
    ]) as Omit<VisitDiagnosesRequest, 'diagnoses'>),
    diagnoses: dise.map((x) => pick(x, DIAGNOSIS_FIELDS)) as VisitDiagnosesRequest['diagnoses'],
  };
}

/**
 * 2204 (feedetail[]) -> POST /v1/outpatient/visits/{id}/fees. The canonical upload is one charge
 * batch (收费批次) of one visit: lines of several visits or batches in one message are refused,
 * naming the first line that differs. `lineFields`: the fields a canonical line takes (its schema's
 * properties); the line's own mdtrt_id, psn_no, chrg_bchno, med_type travel on the visit instead.
 */
export function feesUpload(input: unknown, lineFields: readonly string[]): FeesUploadRequest {
  const lines = isObj(input) && Array.isArray(input.feedetail) ? (present(input.feedetail) as Obj[]) : [];
  if (!lines.length) throw new NationalMessageProblem('input.feedetail', '费用明细为空');
  const first = lines[0]!;
  lines.forEach((l, i) => {
    for (const k of ['mdtrt_id', 'chrg_bchno'] as const) {
      if (l[k] !== first[k])
        throw new NationalMessageProblem(
          `input.feedetail.${i}.${k}`,
          `同一报文的费用明细须属于同一就诊、同一收费批次（与第1条的 ${k} 不同）`,
        );
    }
  });
  if (typeof first.chrg_bchno !== 'string') throw new NationalMessageProblem('input.feedetail.0.chrg_bchno', '缺少收费批次号');
  return { chrg_bchno: first.chrg_bchno, lines: lines.map((l) => pick(l, lineFields)) as FeesUploadRequest['lines'] };
}

/** The fee lines of a 2204 / 2301, each agreeing with the first on `same` (one visit, one batch). */
export function feeDetail(input: unknown, same: readonly string[]): Obj[] {
  const lines = isObj(input) && Array.isArray(input.feedetail) ? (present(input.feedetail) as Obj[]) : [];
  if (!lines.length) throw new NationalMessageProblem('input.feedetail', '费用明细为空');
  const first = lines[0]!;
  lines.forEach((l, i) => {
    for (const k of same) {
      if (l[k] !== first[k])
        throw new NationalMessageProblem(
          `input.feedetail.${i}.${k}`,
          `同一报文的费用明细须属于同一就诊${same.includes('chrg_bchno') ? '、同一收费批次' : ''}（与第1条的 ${k} 不同）`,
        );
    }
  });
  return lines;
}

/** 2206 / 2207 -> POST /v1/outpatient/visits/{id}/pre-settlement | settlement. */
export function settlement(input: unknown): SettlementRequest {
  const d = section(input, 'data');
  return pick(d, ['medfee_sumamt', 'acct_used_flag', 'psn_setlway', 'chrg_bchno', 'invono']) as unknown as SettlementRequest;
}

/** The person a message names (data.psn_no), where it names one: it must be the visit's (人卡一致 at settlement). */
export function namedPerson(input: unknown): string | undefined {
  return valueAt(input, 'data.psn_no');
}

/** 2601: the HIS's own earlier message it wants reversed. */
export function reversalOf(input: unknown): { omsgid: string; oinfno: string; psn_no?: string } {
  const d = section(input, 'data');
  if (typeof d.omsgid !== 'string') throw new NationalMessageProblem('input.data.omsgid', '缺少原发送方报文ID');
  if (typeof d.oinfno !== 'string') throw new NationalMessageProblem('input.data.oinfno', '缺少原交易编号');
  return { omsgid: d.omsgid, oinfno: d.oinfno, ...(typeof d.psn_no === 'string' ? { psn_no: d.psn_no } : {}) };
}
