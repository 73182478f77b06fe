/**
 * The national-format door's operations (docs/national-door.md): each passed infno of the routing
 * table (adapters/his/national/routing.json) runs the SAME engine call the REST API runs — the
 * canonical request comes from the pure translation (adapters/his/national/requests.ts), is checked
 * against the REST API's own schema, and goes to the same service with the same guards, journal,
 * breaker and reversal. What comes back is the journal's record of the platform call the engine
 * made: the door answers with the platform's own output for it.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as ip from '../../adapters/his/national/inpatient-requests.js';
import * as nat from '../../adapters/his/national/requests.js';
import { type JournaledReply, replyTime } from '../../adapters/his/national/replies.js';
import { reversalAnswer } from '../../adapters/his/national/reversal-answer.js';
import type { FeesUploadRequest } from '../generated/api/fees-upload.request.js';
import type { InpatientAdmissionRequest } from '../generated/api/inpatient-admission.request.js';
import type { InpatientDischargeRequest } from '../generated/api/inpatient-discharge.request.js';
import type { InpatientFeesRequest } from '../generated/api/inpatient-fees.request.js';
import type { InpatientSettlementRequest } from '../generated/api/inpatient-settlement.request.js';
import type { PersonQueryRequest } from '../generated/api/person-query.request.js';
import type { SettlementRequest } from '../generated/api/settlement.request.js';
import type { VisitCreateRequest } from '../generated/api/visit-create.request.js';
import type { VisitDiagnosesRequest } from '../generated/api/visit-diagnoses.request.js';
import type { RequestMeta } from '../engine/encounter-runner.js';
import { GatewayError } from '../errors/errors.js';
import { projectPath } from '../paths.js';
import type { AppDeps } from './deps.js';

/** The routing table, read and checked once at start-up: every passed infno names an operation this file has. */
export function loadRoutingTable(file = projectPath('adapters/his/national/routing.json')): nat.RoutingTable {
  const t = JSON.parse(readFileSync(file, 'utf8')) as nat.RoutingTable;
  for (const [infno, r] of Object.entries(t.passed)) {
    if (!Object.hasOwn(OPERATIONS, r.op)) throw new Error(`national routing table: ${infno} names no operation "${r.op}"`);
    if (Object.hasOwn(t.refused, infno)) throw new Error(`national routing table: ${infno} is both passed and refused`);
  }
  if (typeof t.error_infcodes.default !== 'number') throw new Error('national routing table: error_infcodes.default is missing');
  return t;
}

/** What an operation answers with: the platform reply journaled for `transaction_id`, or an output of the door's own. */
export type OpResult =
  | { transaction_id: string; from: 'journal' }
  | { transaction_id?: string; from: 'gateway'; output: Record<string, unknown> | null; warn_msg?: string; keep?: boolean };

export interface OpContext {
  d: AppDeps;
  input: unknown;
  route: nat.PassedRoute;
  meta: RequestMeta & { his_msgid: string };
  /** the client's own key for the 2601 look-up: `<client id>:` */
  clientScope: string;
}

type Operation = (c: OpContext) => Promise<OpResult>;

const journal = (transaction_id: string): OpResult => ({ transaction_id, from: 'journal' });

/** The canonical body checked against the REST API's schema: the same checks the REST door applies. */
const canonical = <T>(c: OpContext, schema: string, body: unknown) => c.d.schemas.checkApi<T>(schema, body);

/** The encounter the message acts on, by its mdtrt_id or setl_id (the engine's own indexes). */
async function encounterOf(c: OpContext): Promise<string> {
  const locate = c.route.locate;
  if (!locate) throw new Error(`route ${c.route.op} has no locate`);
  const key = nat.encounterKey(c.input, locate);
  const id = await c.d.store.findEncounterId(locate.index, key);
  if (!id) {
    throw new GatewayError(locate.index === 'setl_id' ? 'GW_BIZ_SETTLEMENT_NOT_FOUND' : 'GW_BIZ_VISIT_NOT_FOUND', {
      message: `No ${locate.index === 'setl_id' ? 'settlement' : 'visit'} of the gateway has ${locate.index} ${key}.`,
      message_zh: `网关没有${locate.index === 'setl_id' ? '结算ID' : '就诊ID'}（${locate.index}）为 ${key} 的${locate.index === 'setl_id' ? '结算' : '就诊'}：该就诊须经网关登记`,
      details: { [locate.index]: key },
    });
  }
  return id;
}

/**
 * The person the message names (data.psn_no) must be the encounter's: a message of one patient never
 * acts on another's visit or stay (the 人卡一致 the message allows: the credential was checked at
 * 2201 / 2401; later messages name the person by psn_no only).
 */
async function samePersonAs(c: OpContext, id: string, kind: 'outpatient' | 'inpatient') {
  const named = nat.namedPerson(c.input);
  if (!named) return;
  const e = kind === 'outpatient' ? await c.d.outpatient.get(id) : await c.d.inpatient.get(id);
  if (e.psn_no !== named) {
    throw new GatewayError('GW_ID_PERSON_CREDENTIAL_MISMATCH', {
      message: `The person the message names (psn_no) is not the person of the ${kind === 'outpatient' ? 'visit' : 'stay'}.`,
      message_zh: `报文的人员编号（psn_no）与该${kind === 'outpatient' ? '就诊' : '住院'}登记的人员不一致：请暂停办理并核实身份`,
      details: { mismatched_fields: ['psn_no'] },
    });
  }
}
const samePersonAsVisit = (c: OpContext, id: string) => samePersonAs(c, id, 'outpatient');
const samePersonAsStay = (c: OpContext, id: string) => samePersonAs(c, id, 'inpatient');

type Props = { properties: Record<string, unknown> };

/** The fields a canonical fee line takes: its schema's properties (data, not a second list). */
function lineFields(c: OpContext): string[] {
  const s = c.d.schemas.api.get('fees-upload.request') as { properties: { lines: { items: Props } } };
  return Object.keys(s.properties.lines.items.properties);
}

function inpatientLineFields(c: OpContext): string[] {
  const s = c.d.schemas.api.get('inpatient-common') as { $defs: { fee_line: Props } };
  return Object.keys(s.$defs.fee_line.properties);
}

const OPERATIONS: Record<string, Operation> = {
  async person_query(c) {
    const q = canonical<PersonQueryRequest>(c, 'person-query.request', nat.personQuery(c.input));
    const person = await c.d.persons.lookup(
      q,
      { request_id: c.meta.request_id, keys: { his_msgid: c.meta.his_msgid } },
      { ...c.meta, channel: 'person_query' },
    );
    return journal(person.transaction_id);
  },
  async outpatient_register(c) {
    const r = await c.d.outpatient.register(canonical<VisitCreateRequest>(c, 'visit-create.request', nat.visitCreate(c.input)), c.meta);
    return journal(r.transaction_id);
  },
  async outpatient_cancel_registration(c) {
    const id = await encounterOf(c);
    await samePersonAsVisit(c, id);
    return journal((await c.d.outpatient.cancelRegistration(id, c.meta)).transaction_id);
  },
  async outpatient_diagnose(c) {
    const id = await encounterOf(c);
    const req = canonical<VisitDiagnosesRequest>(c, 'visit-diagnoses.request', nat.visitDiagnoses(c.input));
    return journal((await c.d.outpatient.diagnose(id, req, c.meta)).transaction_id);
  },
  async outpatient_fees(c) {
    const id = await encounterOf(c);
    const req = canonical<FeesUploadRequest>(c, 'fees-upload.request', nat.feesUpload(c.input, lineFields(c)));
    return journal((await c.d.outpatient.uploadFees(id, req, c.meta)).transaction_id);
  },
  async outpatient_pre_settle(c) {
    const id = await encounterOf(c);
    await samePersonAsVisit(c, id);
    const req = canonical<SettlementRequest>(c, 'settlement.request', nat.settlement(c.input));
    return journal((await c.d.outpatient.preSettle(id, req, c.meta)).transaction_id);
  },
  async outpatient_settle(c) {
    const id = await encounterOf(c);
    await samePersonAsVisit(c, id);
    const req = canonical<SettlementRequest>(c, 'settlement.request', nat.settlement(c.input));
    return journal((await c.d.outpatient.settle(id, req, c.meta)).transaction_id);
  },
  async outpatient_cancel_settlement(c) {
    const key = nat.encounterKey(c.input, c.route.locate!);
    return journal((await c.d.outpatient.cancelSettlement(key, undefined, c.meta)).transaction_id);
  },
  async inpatient_admit(c) {
    const r = await c.d.inpatient.admit(
      canonical<InpatientAdmissionRequest>(c, 'inpatient-admission.request', ip.admission(c.input)),
      c.meta,
    );
    return journal(r.transaction_id);
  },
  async inpatient_fees(c) {
    const id = await encounterOf(c);
    const req = canonical<InpatientFeesRequest>(c, 'inpatient-fees.request', ip.inpatientFees(c.input, inpatientLineFields(c)));
    return journal((await c.d.inpatient.uploadFees(id, req, c.meta)).transaction_id);
  },
  async inpatient_discharge(c) {
    const id = await encounterOf(c);
    const req = canonical<InpatientDischargeRequest>(c, 'inpatient-discharge.request', ip.discharge(c.input));
    return journal((await c.d.inpatient.discharge(id, req, c.meta)).transaction_id);
  },
  async inpatient_pre_settle(c) {
    const id = await encounterOf(c);
    await samePersonAsStay(c, id);
    const req = canonical<InpatientSettlementRequest>(c, 'inpatient-settlement.request', ip.inpatientSettlement(c.input));
    return journal((await c.d.inpatient.preSettle(id, req, c.meta)).transaction_id);
  },
  async inpatient_settle(c) {
    const id = await encounterOf(c);
    await samePersonAsStay(c, id);
    const req = canonical<InpatientSettlementRequest>(c, 'inpatient-settlement.request', ip.inpatientSettlement(c.input));
    return journal((await c.d.inpatient.settle(id, req, c.meta)).transaction_id);
  },
  async inpatient_cancel_settlement(c) {
    const key = nat.encounterKey(c.input, c.route.locate!);
    return journal((await c.d.inpatient.cancelSettlement(key, undefined, c.meta)).transaction_id);
  },
  async reversal_from_journal(c) {
    const { omsgid, oinfno } = nat.reversalOf(c.input);
    const records = await c.d.store.listTransactions({ key: { name: 'his_msgid', value: `${c.clientScope}${omsgid}` }, limit: 50 });
    // newest first: a call repeated after a renewed sign-in is its child, and says what became of it
    const original = records.find((r) => r.infno === oinfno && !r.reverses);
    const answer = reversalAnswer(
      omsgid,
      oinfno,
      original && { transaction_id: original.id, outcome: original.outcome, resolution: original.resolution },
    );
    switch (answer.kind) {
      case 'nothing_stands':
        return { from: 'gateway', transaction_id: answer.transaction_id, output: {}, warn_msg: answer.warn_msg };
      case 'reversed': {
        const ids = original?.resolution?.reversal_ids ?? [];
        // the reversal that succeeded: its reply is the answer the HIS's 2601 would have had
        for (const rid of [...ids].reverse()) {
          const rev = await c.d.store.getTransaction(rid);
          if (rev?.outcome === 'succeeded') return journal(rev.id);
        }
        return { from: 'gateway', transaction_id: answer.transaction_id, output: {}, warn_msg: '网关已冲正原交易' };
      }
      case 'in_progress':
        throw new GatewayError('GW_BIZ_OUTCOME_UNKNOWN_PENDING', {
          message: 'The original transaction is still being resolved; ask again later.',
          message_zh: answer.message_zh,
          transaction_id: answer.transaction_id,
          details: { omsgid, oinfno },
        });
      case 'stands':
        throw new GatewayError('GW_BIZ_NATIONAL_REVERSAL_REFUSED', {
          message_zh: answer.message_zh,
          message: 'The original transaction stands at the platform; a 2601 is not the way to undo it.',
          transaction_id: answer.transaction_id,
          details: { omsgid, oinfno },
        });
    }
  },
  // 9001 / 9002: the gateway signs in to the platform with its own credentials; the HIS's sign-in is
  // answered here (its sign_no is never forwarded: the API key is what authenticates the HIS)
  async sign_in(c) {
    const now = c.d.clock.now();
    const sign_no = `GW${replyTime(now)}${randomUUID().replace(/-/g, '').slice(0, 11)}`;
    return { from: 'gateway', output: { signinoutb: { sign_time: signTime(now), sign_no } } };
  },
  async sign_out(c) {
    return { from: 'gateway', output: { signoutoutb: { sign_time: signTime(c.d.clock.now()) } } };
  },
};

/** yyyy-MM-dd HH:mm:ss in China time. */
function signTime(at: Date): string {
  const t = replyTime(at);
  return `${t.slice(0, 4)}-${t.slice(4, 6)}-${t.slice(6, 8)} ${t.slice(8, 10)}:${t.slice(10, 12)}:${t.slice(12, 14)}`;
}

export async function runOperation(c: OpContext): Promise<OpResult> {
  const op = OPERATIONS[c.route.op]!;
  try {
    return await op(c);
  } catch (e) {
    if (e instanceof nat.NationalMessageProblem) {
      throw new GatewayError('GW_VAL_NATIONAL_MESSAGE', {
        message: `The message cannot be mapped: ${e.field}.`,
        message_zh: `报文字段 ${e.field} 有误：${e.problem_zh}`,
        details: { field: e.field },
      });
    }
    throw e;
  }
}

/** The platform reply the journal kept for `transaction_id` (what the door passes on). */
export async function journaledReply(d: AppDeps, transaction_id: string): Promise<JournaledReply | undefined> {
  const rec = await d.store.getTransaction(transaction_id);
  return rec?.stages.reply as JournaledReply | undefined;
}
