/**
 * The transport profiles the mock speaks (MOCK_PROFILE), each the platform side of the gateway's
 * profile of the same name, written here on its own (mocks/ shares no code with the gateway):
 * - tif: POST {base}/{infno} with the x-tif-* headers (auth.ts);
 * - fsi-paths: the national front-end machine, a path per service under {base}/fsi/api/... or the one
 *   call-service endpoint, the infno in the body; no signature;
 * - jilin-sm: an OAuth2 password-grant token endpoint, then one business endpoint with a Bearer token,
 *   `input` SM4-encrypted with the client id, `cainfo` an SM3withSM2 signature checked with the
 *   hospital's public key (sm.ts), and the reply's `output` encrypted back when asked.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { DEFAULT_USER_ID, sign, sm4Decrypt, sm4Encrypt, verify } from './sm.js';

export const MOCK_PROFILES = ['tif', 'fsi-paths', 'jilin-sm'] as const;
export type MockProfileName = (typeof MOCK_PROFILES)[number];

export interface JilinMockOptions {
  /** 16 bytes: the OAuth2 client id and the SM4 key */
  clientId: string;
  clientSecret: string;
  username: string;
  password: string;
  scope: string;
  /** the hospital's SM2 public key (04‖x‖y hex) that `cainfo` is checked with */
  hospitalPublicKey: string;
  userId: string;
  /** encrypt the reply's `output` (the hospital's decryptFlag = "1") */
  encryptReplies: boolean;
  /** refuse an `input` that is not encrypted */
  requireEncryption: boolean;
  tokenTtlSeconds: number;
  tokenPath: string;
  servicePath: string;
  /** sign encrypted replies (cainfo over the plaintext output) with this SM2 private key (hex d); off by default */
  platformPrivateKey?: string;
}

/** The demo credentials (the gateway's demo defaults, gateway/config.ts, are the same values). */
export const DEMO_JILIN: JilinMockOptions = {
  clientId: 'yidi-demo-client',
  clientSecret: 'demo-client-secret-change-me',
  username: 'yidi-demo',
  password: 'demo-password-change-me',
  scope: 'server',
  hospitalPublicKey:
    '0401c8d4bdaafece085fb324a9ba123b22ca3b9d4403087854f551af6a2f962385d4cbcb01f05338cb5d0be86d3c3aadae030e6b28fd67d375a6f12a9beb6c0c4d',
  userId: DEFAULT_USER_ID,
  encryptReplies: true,
  requireEncryption: true,
  tokenTtlSeconds: 600,
  tokenPath: '/auth/oauth/token',
  servicePath: '/mbs/fmi/fsi/api/callFsiService/callService',
};

export const FSI_CALL_SERVICE = '/fsi/api/rsfComIfsService/callService';
export const FSI_UPLOAD = '/fsi/api/fileupload/upload';

/** The front-end machine's per-service paths (openhis GetPubWay); the mock's own copy. */
const FSI_PATH_INFNO: Record<string, string> = {
  '/fsi/api/signInSignOutService/signIn': '9001',
  '/fsi/api/fileupload/download': '9102',
  '/fsi/api/fsiPsnInfoService/queryPsnInfo': '1101',
  '/fsi/api/fsiPsnPriorityInfoService/queryPsnPriorityInfo': '2001',
  '/fsi/api/outpatientSettleService/saveSettletmentV2': '2207',
  '/fsi/api/hospSettService/settV2': '2304',
  '/fsi/api/reverseService/revsMethod': '2601',
  '/fsi/api/riskConService/beforeAnalyze': '3101',
  '/fsi/api/riskConService/courseAnalyze': '3102',
  '/fsi/api/ybSettlementStmtService/stmtTotal': '3201',
  '/fsi/api/ybSettlementStmtService/stmtDetail': '3202',
  '/fsi/api/medinfoupload/setllistinfoupld': '4101',
  '/fsi/api/medinfoupload/setllistinfoupldA': '4101A',
  '/fsi/api/fsiIntegratedQueryService/querySetlInfo': '5203',
  '/fsi/api/fsiIntegratedQueryService/queryFeeList': '5204',
  '/fsi/api/fsiIntegratedQueryService/queryPsnOpspReg': '5301',
};

/** The infno a front-end path stands for; null for the call-service and upload endpoints (the infno is in the body), undefined for no such path. */
export function fsiPathInfno(path: string): string | null | undefined {
  if (path === FSI_CALL_SERVICE || path === FSI_UPLOAD) return null;
  return FSI_PATH_INFNO[path];
}

/** Issued OAuth2 tokens (kept across /__mock/reset: a reset is of the business state, not of the sessions). */
export class TokenTable {
  private tokens = new Map<string, number>();
  /** the token endpoint refuses this many more requests (control API) */
  refuseNext = 0;
  issued = 0;

  issue(nowMs: number, ttlS: number): string {
    const token = randomBytes(24).toString('hex');
    this.tokens.set(token, nowMs + ttlS * 1000);
    this.issued += 1;
    return token;
  }

  valid(token: string, nowMs: number): boolean {
    const until = this.tokens.get(token);
    return until !== undefined && until > nowMs;
  }

  revokeAll(): number {
    const n = this.tokens.size;
    this.tokens.clear();
    return n;
  }

  /** How many tokens are still live. */
  active(nowMs: number): number {
    return [...this.tokens.values()].filter((t) => t > nowMs).length;
  }
}

const same = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

export type TokenAnswer = { status: number; body: Record<string, unknown> };

/** POST {tokenPath}: Basic client credentials + the password grant (form fields). */
export function answerTokenRequest(
  o: JilinMockOptions,
  tokens: TokenTable,
  headers: IncomingHttpHeaders,
  form: Record<string, unknown>,
  nowMs: number,
): TokenAnswer {
  if (tokens.refuseNext > 0) {
    tokens.refuseNext -= 1;
    return { status: 401, body: { error: 'invalid_client', error_description: '客户端认证失败(模拟)' } };
  }
  const basic = /^Basic\s+(.+)$/i.exec(String(headers.authorization ?? ''))?.[1];
  const creds = basic ? Buffer.from(basic, 'base64').toString('utf8') : '';
  if (!same(creds, `${o.clientId}:${o.clientSecret}`))
    return { status: 401, body: { error: 'invalid_client', error_description: '客户端认证失败' } };
  if (form.grant_type !== 'password') return { status: 400, body: { error: 'unsupported_grant_type' } };
  if (form.scope !== o.scope) return { status: 400, body: { error: 'invalid_scope' } };
  if (
    typeof form.username !== 'string' ||
    typeof form.password !== 'string' ||
    !same(form.username, o.username) ||
    !same(form.password, o.password)
  ) {
    return { status: 400, body: { error: 'invalid_grant', error_description: '用户名或密码错误' } };
  }
  const access_token = tokens.issue(nowMs, o.tokenTtlSeconds);
  return { status: 200, body: { access_token, token_type: 'bearer', expires_in: o.tokenTtlSeconds, scope: o.scope } };
}

/** Whether the business call carries a live Bearer token. */
export function bearerValid(tokens: TokenTable, headers: IncomingHttpHeaders, nowMs: number): boolean {
  const token = /^Bearer\s+(\S+)$/i.exec(String(headers.authorization ?? ''))?.[1];
  return token !== undefined && tokens.valid(token, nowMs);
}

const B64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * The business envelope as the platform reads it: enc_type SM4 required; an encrypted `input` is
 * decrypted (SM4/ECB, client id key) and its `cainfo` verified over the decrypted text before the
 * envelope goes on (with enc_type taken off, the rest as national). A refusal says why.
 */
export function openJilinEnvelope(o: JilinMockOptions, body: unknown): { ok: true; envelope: unknown } | { ok: false; errMsg: string } {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return { ok: true, envelope: body };
  const { enc_type, ...env } = body as Record<string, unknown>;
  if (enc_type !== 'SM4') return { ok: false, errMsg: '报文校验失败: enc_type 应为 SM4' };
  if (typeof env.input !== 'string') {
    if (o.requireEncryption) return { ok: false, errMsg: '报文校验失败: input 未加密' };
    return { ok: true, envelope: env };
  }
  if (env.signtype !== 'SM2') return { ok: false, errMsg: '报文校验失败: signtype 应为 SM2' };
  if (!B64.test(env.input)) return { ok: false, errMsg: '报文解密失败: input 不是Base64' };
  let plain: Buffer;
  try {
    plain = sm4Decrypt(Buffer.from(o.clientId, 'utf8'), Buffer.from(env.input, 'base64'));
  } catch {
    return { ok: false, errMsg: '报文解密失败' };
  }
  const sig = typeof env.cainfo === 'string' && B64.test(env.cainfo) ? Buffer.from(env.cainfo, 'base64') : Buffer.alloc(0);
  if (!verify(o.hospitalPublicKey, plain, sig, o.userId)) return { ok: false, errMsg: '签名验证失败' };
  try {
    return { ok: true, envelope: { ...env, input: JSON.parse(plain.toString('utf8')) as unknown } };
  } catch {
    return { ok: false, errMsg: '报文解密失败: input 解密后不是JSON' };
  }
}

/** The reply as it leaves: `output` encrypted (Base64 of SM4/ECB) when asked, and signed if a platform key is set. */
export function sealJilinReply(o: JilinMockOptions, reply: Record<string, unknown>): Record<string, unknown> {
  if (!o.encryptReplies || reply.output === null || reply.output === undefined) return reply;
  const plain = Buffer.from(JSON.stringify(reply.output), 'utf8');
  const sealed: Record<string, unknown> = { ...reply, output: sm4Encrypt(Buffer.from(o.clientId, 'utf8'), plain).toString('base64') };
  if (o.platformPrivateKey) sealed.cainfo = sign(o.platformPrivateKey, plain, o.userId).toString('base64');
  return sealed;
}
