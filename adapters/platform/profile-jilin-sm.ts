import { SM2_DEFAULT_USER_ID, type Sm2PrivateKey, sm2Sign, sm2Verify, sm4EcbDecrypt, sm4EcbEncrypt } from './sm.js';
import { fileOf, type Decoded, type WireReply, type WireRequest } from './wire.js';

/**
 * Profile "jilin-sm" (transport-profiles.md C; one public source, openhis-itaii's openhis-ybapp):
 * an OAuth2 password-grant token, then every infno to one business endpoint with
 * `Authorization: Bearer`, the envelope's `input` = Base64(SM4/ECB/PKCS7, key = the 16-byte client
 * id, of J), `cainfo` = Base64(r‖s) of SM3withSM2 over J, J = the JSON text of the plaintext input.
 * Pure: the token comes in; the token cache and the 401 renewal are jilin-transport.ts.
 */
export interface JilinSettings {
  /** the platform's address, e.g. http://10.1.2.3:8080 — the token and business paths are appended */
  baseUrl: string;
  /** 16 bytes of UTF-8: the OAuth2 client id is also the SM4 key */
  clientId: string;
  clientSecret: string;
  username: string;
  password: string;
  scope: string;
  grantType: string;
  tokenPath: string;
  servicePath: string;
  /** how long a token is used when the token reply says nothing shorter (the source caches it 600 s) */
  tokenTtlSeconds: number;
  /** isEncrypt: SM4-encrypt `input` and sign it (production: true); off, input travels in plaintext and unsigned */
  encrypt: boolean;
  /**
   * The reply's `output`: `auto` decrypts it when it is a string (an encrypted output is Base64 text,
   * a plaintext one an object), `always` requires it encrypted, `never` leaves it (decryptFlag ≠ "1").
   */
  decryptReply: 'auto' | 'always' | 'never';
  sm2: Sm2PrivateKey;
  /** the SM2 user ID of the signature (default 1234567812345678, what the source really uses) */
  userId: string;
  /**
   * UNVERIFIED, off by default (the source checks no reply signature): when set, an encrypted reply
   * must carry `cainfo` = Base64(r‖s) of SM3withSM2 over the decrypted output text, by this key (04‖x‖y hex).
   */
  platformPublicKey?: string;
}

export const JILIN_DEFAULTS = {
  scope: 'server',
  grantType: 'password',
  tokenPath: '/auth/oauth/token',
  servicePath: '/mbs/fmi/fsi/api/callFsiService/callService',
  tokenTtlSeconds: 600,
  userId: SM2_DEFAULT_USER_ID,
} as const;

const join = (base: string, path: string) => `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;

export const sm4Key = (s: Pick<JilinSettings, 'clientId'>) => {
  const key = Buffer.from(s.clientId, 'utf8');
  if (key.length !== 16) throw new Error(`the client id is ${key.length} bytes of UTF-8; as the SM4 key it must be exactly 16`);
  return key;
};

/** POST {baseUrl}{tokenPath}: form username, password, scope, grant_type; Basic base64(clientId:clientSecret). */
export function tokenRequest(s: JilinSettings): WireRequest {
  const form = new URLSearchParams({ username: s.username, password: s.password, scope: s.scope, grant_type: s.grantType });
  return {
    url: join(s.baseUrl, s.tokenPath),
    headers: {
      authorization: `Basic ${Buffer.from(`${s.clientId}:${s.clientSecret}`, 'utf8').toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: form.toString(),
  };
}

export type TokenReply = { ok: true; accessToken: string; expiresInS?: number } | { ok: false; reason: string };

/** The token endpoint's answer: `access_token` (and `expires_in` if given) — never quoted in a reason. */
export function readTokenReply(reply: WireReply): TokenReply {
  let body: unknown;
  try {
    body = JSON.parse(reply.body.toString('utf8'));
  } catch {
    body = undefined;
  }
  const obj = body && typeof body === 'object' ? (body as Record<string, unknown>) : {};
  if (reply.status !== 200 || typeof obj.access_token !== 'string' || obj.access_token === '') {
    const err = typeof obj.error === 'string' && /^[\w.-]{1,64}$/.test(obj.error) ? ` (${obj.error})` : '';
    return { ok: false, reason: `token endpoint refused: HTTP ${reply.status}${err}${reply.status === 200 ? ', no access_token' : ''}` };
  }
  const exp = Number(obj.expires_in);
  return { ok: true, accessToken: obj.access_token, ...(Number.isFinite(exp) && exp > 0 ? { expiresInS: exp } : {}) };
}

/** The business call: the envelope with `enc_type`, its `input` encrypted and signed when `encrypt`. */
export function encodeJilin(s: JilinSettings, _infno: string, envelope: object, accessToken: string): WireRequest {
  const env = envelope as Record<string, unknown>;
  let wire: Record<string, unknown>;
  if (s.encrypt) {
    const j = Buffer.from(JSON.stringify(env.input ?? {}), 'utf8');
    wire = {
      ...env,
      cainfo: sm2Sign(s.sm2, j, s.userId).toString('base64'),
      signtype: 'SM2',
      input: sm4EcbEncrypt(sm4Key(s), j).toString('base64'),
      enc_type: 'SM4',
    };
  } else {
    wire = { ...env, cainfo: '', signtype: '', enc_type: 'SM4' };
  }
  return {
    url: join(s.baseUrl, s.servicePath),
    headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(wire),
  };
}

const STRICT_B64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const PLACEHOLDER = '\u0000jilin-output\u0000';

/**
 * The reply: a file (9102) as it came; a JSON reply with its `output` decrypted (Base64 → SM4/ECB/PKCS7
 * → UTF-8 JSON) and, if a platform key is set, its signature checked. A reply whose output does not
 * decrypt or verify is no trustworthy answer: { ok: false } with a readable reason (an unknown outcome).
 * A body that is no JSON object passes through, for reply.ts to say what is wrong with it.
 */
export function decodeJilin(s: JilinSettings, reply: WireReply): Decoded {
  const file = fileOf(reply);
  if (file) return { ok: true, rawBody: '', file };
  const text = reply.body.toString('utf8');
  let obj: Record<string, unknown>;
  try {
    const parsed = JSON.parse(text) as unknown;
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return { ok: true, rawBody: text };
    obj = parsed as Record<string, unknown>;
  } catch {
    return { ok: true, rawBody: text };
  }
  const output = obj.output;
  if (s.decryptReply === 'never' || output === null || output === undefined) return { ok: true, rawBody: text };
  if (typeof output !== 'string') {
    return s.decryptReply === 'always'
      ? { ok: false, reason: 'malformed reply: the output is not encrypted (a string of Base64 was expected)' }
      : { ok: true, rawBody: text };
  }
  if (output === '') return { ok: true, rawBody: text };
  const bad = (why: string): Decoded => ({
    ok: false,
    reason: `malformed reply: the output does not decrypt (SM4, client id key): ${why}`,
  });
  if (!STRICT_B64.test(output)) return bad('it is not Base64');
  const data = Buffer.from(output, 'base64');
  if (data.length === 0 || data.length % 16 !== 0) return bad(`${data.length} bytes is not a whole number of 16-byte blocks`);
  let plain: Buffer;
  try {
    plain = sm4EcbDecrypt(sm4Key(s), data);
  } catch {
    return bad('wrong padding after decryption (another key?)');
  }
  const plainText = plain.toString('utf8');
  try {
    JSON.parse(plainText);
  } catch {
    return bad('the decrypted text is not JSON');
  }
  if (s.platformPublicKey) {
    const sig = typeof obj.cainfo === 'string' && STRICT_B64.test(obj.cainfo) ? Buffer.from(obj.cainfo, 'base64') : undefined;
    if (!sig) return { ok: false, reason: 'malformed reply: the reply carries no SM2 signature (cainfo) though one is required' };
    if (!sm2Verify(s.platformPublicKey, plain, sig, s.userId))
      return { ok: false, reason: "malformed reply: the reply's SM2 signature (cainfo) does not verify with the platform key" };
  }
  // the decrypted text goes in as it came (amounts keep their digits)
  const shell = JSON.stringify({ ...obj, output: PLACEHOLDER });
  return { ok: true, rawBody: shell.replace(JSON.stringify(PLACEHOLDER), () => plainText) };
}
