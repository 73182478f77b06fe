/**
 * What happens to a signed, parsed request body: envelope and input validation, msgid / sign_no /
 * insured-area checks, then the transaction. Synchronous, so one call is atomic against the state.
 */
import { BusinessError, INFCODE_BUSINESS_ERROR, INFCODE_OK, psnNosIn, type RequestEnvelope, type TxOutput } from './envelope.js';
import { SIGN_IN_FREE, TRANSACTIONS } from './handlers/index.js';
import { checkInput, checkRequestEnvelope } from './schemas.js';
import type { MockState } from './state.js';

export interface CallOutcome {
  infcode: number;
  msgid: string | null;
  refmsgTime: string | null;
  errMsg: string | null;
  output: TxOutput | null;
}

function validationFailure(message: string): BusinessError {
  return new BusinessError(`报文校验失败: ${message}`);
}

function checkEnvelope(body: unknown): RequestEnvelope {
  const problem = checkRequestEnvelope(body);
  if (problem) throw validationFailure(problem);
  return body as RequestEnvelope;
}

function checkInfno(envelope: RequestEnvelope, urlInfno: string): void {
  if (envelope.infno !== urlInfno) throw new BusinessError(`交易编号与请求地址不符: ${envelope.infno} / ${urlInfno}`);
  if (!(envelope.infno in TRANSACTIONS)) throw new BusinessError(`不支持的交易编号: ${envelope.infno}`);
}

function refuseRepeatedMsgid(state: MockState, msgid: string): void {
  if (state.msgids.has(msgid)) throw new BusinessError('报文ID重复');
}

function checkInputSchema(envelope: RequestEnvelope): void {
  const problem = checkInput(envelope.infno, envelope.input);
  if (problem) throw validationFailure(problem);
}

function checkSignNo(state: MockState, envelope: RequestEnvelope): void {
  if (SIGN_IN_FREE.has(envelope.infno)) return;
  const signIn = envelope.sign_no ? state.signIns.get(envelope.sign_no) : undefined;
  if (!signIn?.valid) throw new BusinessError('签到信息无效，请重新签到');
}

/** insuplc_admdvs is required, and must be the person's insured area, when the input names a psn_no. */
function checkInsuredArea(state: MockState, envelope: RequestEnvelope): void {
  for (const psnNo of new Set(psnNosIn(envelope.input))) {
    if (!envelope.insuplc_admdvs) throw new BusinessError('参保地医保区划错误');
    const person = state.persons.get(psnNo);
    if (person && person.insuplc_admdvs !== envelope.insuplc_admdvs) throw new BusinessError('参保地医保区划错误');
  }
}

function stringField(body: unknown, key: string): string | null {
  if (body === null || typeof body !== 'object') return null;
  const value = (body as Record<string, unknown>)[key];
  return typeof value === 'string' ? value : null;
}

/** Runs one business call; a BusinessError becomes infcode -2, anything else propagates. */
export function processCall(state: MockState, body: unknown, urlInfno: string, now: Date): CallOutcome {
  const msgid = stringField(body, 'msgid');
  const refmsgTime = stringField(body, 'inf_time');
  try {
    const envelope = checkEnvelope(body);
    checkInfno(envelope, urlInfno);
    refuseRepeatedMsgid(state, envelope.msgid);
    checkInputSchema(envelope);
    checkSignNo(state, envelope);
    checkInsuredArea(state, envelope);
    // a msgid is used up once the call reaches its transaction (so a call refused for an expired
    // sign_no can be sent again, same msgid, after a new 9001)
    state.msgids.add(envelope.msgid);
    // an injected refusal in place of the transaction (faults.ts, phase in_transaction)
    const refusal = state.faults.refusalFor({ infno: envelope.infno, input: envelope.input });
    if (refusal !== null) throw new BusinessError(refusal);
    const output = TRANSACTIONS[envelope.infno]!({ state, envelope, now });
    return { infcode: INFCODE_OK, msgid, refmsgTime, errMsg: null, output };
  } catch (error) {
    if (!(error instanceof BusinessError)) throw error;
    return { infcode: INFCODE_BUSINESS_ERROR, msgid, refmsgTime, errMsg: error.message, output: null };
  }
}
