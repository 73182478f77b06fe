/** 9001 签到: issues a sign_no the other transactions must carry. */
import { ID_PREFIX, nextId } from '../state.js';
import { formatDateTime } from '../time.js';
import type { TxContext } from './context.js';

interface SignInInput {
  signIn: { opter_no: string; mac?: string; ip: string };
}

export function signIn(ctx: TxContext): Record<string, unknown> {
  const { signIn: data } = ctx.envelope.input as unknown as SignInInput;
  const signNo = nextId(ctx.state, ID_PREFIX.sign, ctx.now);
  const signTime = formatDateTime(ctx.now);
  ctx.state.signIns.set(signNo, { sign_no: signNo, sign_time: signTime, opter_no: data.opter_no, valid: true });
  return { signinoutb: { sign_time: signTime, sign_no: signNo } };
}
