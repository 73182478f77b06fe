/**
 * Issue 18: the transport profiles (adapters/platform/profile-*.ts over http-transport.ts), their
 * crypto (adapters/platform/sm.ts) and their start-up settings (gateway/config.ts). The vectors are
 * those of shared/spec/transport-profiles.md; SM2 signatures are randomised, so they are checked
 * across independent implementations: the gateway's signer (Node's SM3 and ECDH, BigInt for r and s),
 * the sm-crypto library (the gateway's verifier), the mock platform's own (mocks/platform/sm.ts:
 * BigInt point arithmetic) and the OpenSSL command line.
 */
import { execFileSync } from 'node:child_process';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import nock from 'nock';
import { sm2 } from 'sm-crypto';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { newMasterKey } from '../gateway/store/crypto.js';
import { createJilinTransport } from '../adapters/platform/jilin-transport.js';
import { decodeFsi, encodeFsi, type FsiSettings, multipart } from '../adapters/platform/profile-fsi-paths.js';
import { decodeJilin, encodeJilin, type JilinSettings, readTokenReply, tokenRequest } from '../adapters/platform/profile-jilin-sm.js';
import { encodeTif } from '../adapters/platform/profile-tif.js';
import { tifSignature } from '../adapters/platform/signature.js';
import { parseSm2PrivateKey, parseSm2PublicKey, sm2Sign, sm2Verify, sm2Z, sm4EcbDecrypt, sm4EcbEncrypt } from '../adapters/platform/sm.js';
import { createTransport } from '../adapters/platform/transports.js';
import type { WireReply } from '../adapters/platform/wire.js';
import { ConfigError, loadConfig } from '../gateway/config.js';
import { publicKeyOf as mockPublicKeyOf, sign as mockSign, verify as mockVerify, zValue as mockZ } from '../mocks/platform/sm.js';

const hex = (s: string) => Buffer.from(s, 'hex');
const reply = (
  status: number,
  body: string | Buffer,
  headers: Record<string, string> = { 'content-type': 'application/json' },
): WireReply => ({
  status,
  headers,
  body: Buffer.isBuffer(body) ? body : Buffer.from(body),
});

// the demo hospital key of gateway/config.ts (its public key is the mock's DEMO_JILIN.hospitalPublicKey)
const HOSPITAL_KEY = parseSm2PrivateKey('IiGHNvu05mI4MBhvsdtW/4w/4jODliw8Q24amzFB4Po=');
const PLATFORM_KEY = parseSm2PrivateKey('xnlsxCFTsZScxxx21vybZUW5c6fENDAj/QhzJSAWDsA=');

describe('vectors of transport-profiles.md', () => {
  it('A: x-tif-signature = sha256(ts + secret + nonce + ts), lower-case hex', () => {
    expect(tifSignature('1700000000', 'TEST_SECRET_0123456789abcdef', 'abc123')).toBe(
      '5ce657ba229db6f893937803f186af88f4ed622266fed9b10e20e2bec6e02f7d',
    );
    const req = encodeTif(
      { baseUrl: 'http://p.test/ebus/gdyb_inf/poc/hsa/hgs/', paasid: 'x', secret: 'TEST_SECRET_0123456789abcdef' },
      '1101',
      {},
      new Date(1_700_000_000_500),
      'abc123',
    );
    expect(req.url).toBe('http://p.test/ebus/gdyb_inf/poc/hsa/hgs/1101');
    expect(req.headers).toMatchObject({
      'x-tif-timestamp': '1700000000',
      'x-tif-nonce': 'abc123',
      'x-tif-signature': '5ce657ba229db6f893937803f186af88f4ed622266fed9b10e20e2bec6e02f7d',
    });
  });

  it('SM4 against the GB/T 32907 vector (key = plain = 0123456789abcdeffedcba9876543210)', () => {
    const k = hex('0123456789abcdeffedcba9876543210');
    const c = sm4EcbEncrypt(k, k);
    expect(c.subarray(0, 16).toString('hex')).toBe('681edf34d206965e86b3e94f536e4246');
    expect(c).toHaveLength(32); // PKCS7: a whole block of padding follows a full block
    expect(sm4EcbDecrypt(k, c).toString('hex')).toBe('0123456789abcdeffedcba9876543210');
  });

  it('C: input = Base64(SM4/ECB/PKCS7(key = client id ABCDEFGHIJKLMNOP, {"data":{"psn_no":"X"}}))', () => {
    const req = encodeJilin(jilin({ clientId: 'ABCDEFGHIJKLMNOP' }), '1101', { infno: '1101', input: { data: { psn_no: 'X' } } }, 'tok');
    const wire = JSON.parse(String(req.body));
    expect(wire.input).toBe('QGskVuZBOa07atqThaCjjonm6uU8rLwSRbMkmKMor/k=');
  });

  it('D (SM4 steps only; not a profile here): t, k and encData', () => {
    const appId = '0123456789ABCDEF0123456789ABCDEF';
    const t = sm4EcbEncrypt(Buffer.from(appId.slice(0, 16)), Buffer.from('abcdefghijklmnopqrstuvwxyz012345'))
      .toString('hex')
      .toUpperCase();
    expect(t).toBe('84288D0D5E6DF728E1614C481932BFED469847CB6D9AE007C54D01797BB2C09288BF2F98567F469C1C9B3FFF04AD23C2');
    const k = t.slice(0, 16);
    expect(k).toBe('84288D0D5E6DF728');
    expect(sm4EcbEncrypt(Buffer.from(k), Buffer.from('{"a":"1"}')).toString('hex').toUpperCase()).toBe('210B8EAACACEF10DA344C4C7954C545E');
  });
});

describe('SM2 (SM3withSM2, user id 1234567812345678, r‖s) across independent implementations', () => {
  const msg = Buffer.from('{"data":{"psn_no":"X","psn_name":"张三"}}', 'utf8');

  it('the public key of a private key is the same by OpenSSL (gateway) and by BigInt arithmetic (mock)', () => {
    expect(mockPublicKeyOf(HOSPITAL_KEY.d)).toBe(HOSPITAL_KEY.publicKey);
    expect(HOSPITAL_KEY.publicKey).toBe(
      '0401c8d4bdaafece085fb324a9ba123b22ca3b9d4403087854f551af6a2f962385d4cbcb01f05338cb5d0be86d3c3aadae030e6b28fd67d375a6f12a9beb6c0c4d',
    );
  });

  it('Z: the gateway (Node SM3) and the mock compute the same; signed by the gateway, verified by sm-crypto and by the mock', () => {
    const pa = [BigInt(`0x${HOSPITAL_KEY.publicKey.slice(2, 66)}`), BigInt(`0x${HOSPITAL_KEY.publicKey.slice(66)}`)] as [bigint, bigint];
    expect(sm2Z(HOSPITAL_KEY.publicKey).equals(mockZ('1234567812345678', pa))).toBe(true);
    for (let i = 0; i < 5; i++) {
      const sig = sm2Sign(HOSPITAL_KEY, msg);
      expect(sig).toHaveLength(64);
      expect(sm2.doVerifySignature(Array.from(msg), sig.toString('hex'), HOSPITAL_KEY.publicKey, { hash: true })).toBe(true);
      expect(mockVerify(HOSPITAL_KEY.publicKey, msg, sig)).toBe(true);
    }
  });

  it('signed by the mock, and by sm-crypto, verified by the gateway (sm-crypto) and by the mock', () => {
    for (let i = 0; i < 3; i++) {
      expect(sm2Verify(HOSPITAL_KEY.publicKey, msg, mockSign(HOSPITAL_KEY.d, msg))).toBe(true);
      const lib = Buffer.from(sm2.doSignature(Array.from(msg), HOSPITAL_KEY.d, { hash: true, publicKey: HOSPITAL_KEY.publicKey }), 'hex');
      expect(mockVerify(HOSPITAL_KEY.publicKey, msg, lib)).toBe(true);
    }
  });

  it('refuses another message, another user id, another key, a flipped bit', () => {
    const sig = sm2Sign(HOSPITAL_KEY, msg);
    expect(mockVerify(HOSPITAL_KEY.publicKey, Buffer.concat([msg, Buffer.from(' ')]), sig)).toBe(false);
    expect(mockVerify(HOSPITAL_KEY.publicKey, msg, sig, 'ABCDEFGHIJKLMNOP')).toBe(false);
    expect(mockVerify(PLATFORM_KEY.publicKey, msg, sig)).toBe(false);
    const flipped = Buffer.from(sig);
    flipped[40]! ^= 1;
    expect(mockVerify(HOSPITAL_KEY.publicKey, msg, flipped)).toBe(false);
    expect(sm2Verify(HOSPITAL_KEY.publicKey, msg, flipped)).toBe(false);
    // a signature with the client id as user id is another signature: the default id is what the source really uses
    const withId = sm2Sign(HOSPITAL_KEY, msg, 'ABCDEFGHIJKLMNOP');
    expect(mockVerify(HOSPITAL_KEY.publicKey, msg, withId, 'ABCDEFGHIJKLMNOP')).toBe(true);
    expect(mockVerify(HOSPITAL_KEY.publicKey, msg, withId)).toBe(false);
  });

  // OpenSSL 3's command line signs SM2 with a distinguishing ID (Debian's openssl, on every machine of this project)
  it('agrees with the OpenSSL command line (a third implementation), both ways', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'yidi-sm2-'));
    try {
      const keyFile = path.join(dir, 'k.pem');
      writeFileSync(keyFile, execFileSync('openssl', ['genpkey', '-algorithm', 'SM2']));
      const key = parseSm2PrivateKey(readFileSync(keyFile, 'utf8'));
      const msgFile = path.join(dir, 'm');
      writeFileSync(msgFile, msg);
      const opts = ['-rawin', '-digest', 'sm3', '-pkeyopt', 'distid:1234567812345678'];
      const der = execFileSync('openssl', ['pkeyutl', '-sign', '-in', msgFile, '-inkey', keyFile, ...opts]);
      const rs = derToRs(der);
      expect(sm2Verify(key.publicKey, msg, rs)).toBe(true);
      expect(mockVerify(key.publicKey, msg, rs)).toBe(true);
      const sigFile = path.join(dir, 's');
      writeFileSync(sigFile, rsToDer(sm2Sign(key, msg)));
      const out = execFileSync('openssl', ['pkeyutl', '-verify', '-in', msgFile, '-inkey', keyFile, ...opts, '-sigfile', sigFile]);
      expect(out.toString()).toMatch(/Signature Verified Successfully/);
      const pub = execFileSync('openssl', ['pkey', '-in', keyFile, '-pubout']).toString();
      expect(parseSm2PublicKey(pub)).toBe(key.publicKey);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads a private key as Base64 of d, as hex, or as PEM, and says what is wrong with a bad one', () => {
    expect(parseSm2PrivateKey(HOSPITAL_KEY.d).publicKey).toBe(HOSPITAL_KEY.publicKey);
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'SM2' });
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    expect(parseSm2PrivateKey(pem).d).toMatch(/^[0-9a-f]{64}$/);
    expect(() => parseSm2PrivateKey(Buffer.alloc(31, 1).toString('base64'))).toThrow(/31 bytes/);
    expect(() => parseSm2PrivateKey('00'.repeat(32))).toThrow(/outside/);
    expect(() => parseSm2PrivateKey('f'.repeat(64))).toThrow(/outside/);
    expect(() => parseSm2PrivateKey('not a key!')).toThrow(/neither/);
    const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    expect(() => parseSm2PrivateKey(p256)).toThrow(/not on the SM2 curve/);
    expect(() => parseSm2PublicKey(`04${'11'.repeat(64)}`)).toThrow(/not on the SM2 curve/);
  });
});

function derToRs(der: Buffer): Buffer {
  const rl = der[3]!;
  const r = der.subarray(4, 4 + rl);
  const s = der.subarray(6 + rl, 6 + rl + der[5 + rl]!);
  const pad = (b: Buffer) => Buffer.concat([Buffer.alloc(32), b]).subarray(-32);
  return Buffer.concat([pad(r), pad(s)]);
}

function rsToDer(rs: Buffer): Buffer {
  const int = (b: Buffer) => {
    let x = b;
    while (x.length > 1 && x[0] === 0 && !(x[1]! & 0x80)) x = x.subarray(1);
    if (x[0]! & 0x80) x = Buffer.concat([Buffer.from([0]), x]);
    return Buffer.concat([Buffer.from([2, x.length]), x]);
  };
  const body = Buffer.concat([int(rs.subarray(0, 32)), int(rs.subarray(32))]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}

function jilin(over: Partial<JilinSettings> = {}): JilinSettings {
  return {
    baseUrl: 'http://jl.test',
    clientId: 'yidi-demo-client',
    clientSecret: 'client-secret-x',
    username: 'hosp-user',
    password: 'hosp-pass',
    scope: 'server',
    grantType: 'password',
    tokenPath: '/auth/oauth/token',
    servicePath: '/mbs/fmi/fsi/api/callFsiService/callService',
    tokenTtlSeconds: 600,
    encrypt: true,
    decryptReply: 'auto',
    sm2: HOSPITAL_KEY,
    userId: '1234567812345678',
    ...over,
  };
}

const ENVELOPE = {
  infno: '1101',
  msgid: 'H44030500001202611020800000001',
  signtype: '',
  cainfo: '',
  input: { data: { psn_no: 'X', psn_name: '张三' } },
};

describe('jilin-sm encoder/decoder', () => {
  const s = jilin();

  it('token request: POST /auth/oauth/token, Basic base64(clientId:clientSecret), the password grant as a form', () => {
    const req = tokenRequest(s);
    expect(req.url).toBe('http://jl.test/auth/oauth/token');
    expect(req.headers.authorization).toBe(`Basic ${Buffer.from('yidi-demo-client:client-secret-x').toString('base64')}`);
    expect(req.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(String(req.body)))).toEqual({
      username: 'hosp-user',
      password: 'hosp-pass',
      scope: 'server',
      grant_type: 'password',
    });
    expect(readTokenReply(reply(200, '{"access_token":"abc","expires_in":300}'))).toEqual({
      ok: true,
      accessToken: 'abc',
      expiresInS: 300,
    });
    expect(readTokenReply(reply(401, '{"error":"invalid_client"}'))).toEqual({
      ok: false,
      reason: 'token endpoint refused: HTTP 401 (invalid_client)',
    });
    expect(readTokenReply(reply(200, '{}'))).toMatchObject({ ok: false, reason: expect.stringMatching(/no access_token/) });
  });

  it('business call: one endpoint, Bearer token, input encrypted, cainfo over the plaintext J, signtype SM2, enc_type SM4', () => {
    const req = encodeJilin(s, '1101', ENVELOPE, 'tok-1');
    expect(req.url).toBe('http://jl.test/mbs/fmi/fsi/api/callFsiService/callService');
    expect(req.headers).toEqual({ authorization: 'Bearer tok-1', 'content-type': 'application/json' });
    const wire = JSON.parse(String(req.body));
    expect(wire).toMatchObject({ infno: '1101', msgid: ENVELOPE.msgid, signtype: 'SM2', enc_type: 'SM4' });
    const j = sm4EcbDecrypt(Buffer.from('yidi-demo-client'), Buffer.from(wire.input, 'base64'));
    expect(j.toString('utf8')).toBe(JSON.stringify(ENVELOPE.input));
    expect(mockVerify(HOSPITAL_KEY.publicKey, j, Buffer.from(wire.cainfo, 'base64'))).toBe(true);
    // the envelope the engine built is not touched
    expect(ENVELOPE.cainfo).toBe('');
  });

  it('with encryption off: input in plaintext, cainfo and signtype empty, enc_type still SM4', () => {
    const wire = JSON.parse(String(encodeJilin(jilin({ encrypt: false }), '1101', ENVELOPE, 't').body));
    expect(wire).toMatchObject({ input: ENVELOPE.input, cainfo: '', signtype: '', enc_type: 'SM4' });
  });

  const key = Buffer.from('yidi-demo-client');
  const enc = (o: unknown, k = key) => sm4EcbEncrypt(k, Buffer.from(JSON.stringify(o))).toString('base64');
  const output = { baseinfo: { psn_no: 'X', balc: 157.76 } };

  it('decrypts an encrypted output, keeping the decrypted text as it came', () => {
    const text = '{"baseinfo":{"psn_no":"X","balc":157.70}}';
    const body = JSON.stringify({ infcode: 0, err_msg: null, output: sm4EcbEncrypt(key, Buffer.from(text)).toString('base64') });
    const d = decodeJilin(s, reply(200, body));
    expect(d).toEqual({ ok: true, rawBody: `{"infcode":0,"err_msg":null,"output":${text}}` });
  });

  it('auto: a plaintext output passes as it is; always: it is refused; never: an encrypted one is left alone', () => {
    const plain = JSON.stringify({ infcode: 0, output });
    expect(decodeJilin(s, reply(200, plain))).toEqual({ ok: true, rawBody: plain });
    expect(decodeJilin(jilin({ decryptReply: 'always' }), reply(200, plain))).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/not encrypted/),
    });
    const sealed = JSON.stringify({ infcode: 0, output: enc(output) });
    expect(decodeJilin(jilin({ decryptReply: 'never' }), reply(200, sealed))).toEqual({ ok: true, rawBody: sealed });
    // an error reply has no output to decrypt
    const err = JSON.stringify({ infcode: -2, err_msg: '签到信息无效', output: null });
    expect(decodeJilin(s, reply(200, err))).toEqual({ ok: true, rawBody: err });
  });

  it('an output that does not decrypt is no trustworthy reply: a readable reason (an unknown outcome)', () => {
    const bad = (out: string) => decodeJilin(s, reply(200, JSON.stringify({ infcode: 0, output: out })));
    expect(bad('not base64 at all!')).toEqual({
      ok: false,
      reason: 'malformed reply: the output does not decrypt (SM4, client id key): it is not Base64',
    });
    expect(bad(Buffer.alloc(7).toString('base64'))).toMatchObject({
      reason: expect.stringMatching(/7 bytes is not a whole number of 16-byte blocks/),
    });
    expect(bad(enc(output, Buffer.from('ABCDEFGHIJKLMNOP')))).toMatchObject({
      reason: expect.stringMatching(/wrong padding after decryption/),
    });
    expect(bad(sm4EcbEncrypt(key, Buffer.from('{cut')).toString('base64'))).toMatchObject({ reason: expect.stringMatching(/not JSON/) });
    // a body that is no JSON passes through for reply.ts to judge
    expect(decodeJilin(s, reply(502, '<html>bad gateway</html>', { 'content-type': 'text/html' }))).toEqual({
      ok: true,
      rawBody: '<html>bad gateway</html>',
    });
  });

  it('with a platform key set (UNVERIFIED option): the reply signature over the decrypted output must verify', () => {
    const strict = jilin({ platformPublicKey: PLATFORM_KEY.publicKey });
    const text = Buffer.from(JSON.stringify(output));
    const sealed = sm4EcbEncrypt(key, text).toString('base64');
    const good = JSON.stringify({ infcode: 0, output: sealed, cainfo: mockSign(PLATFORM_KEY.d, text).toString('base64') });
    expect(decodeJilin(strict, reply(200, good))).toMatchObject({ ok: true });
    const forged = JSON.stringify({ infcode: 0, output: sealed, cainfo: mockSign(HOSPITAL_KEY.d, text).toString('base64') });
    expect(decodeJilin(strict, reply(200, forged))).toEqual({
      ok: false,
      reason: "malformed reply: the reply's SM2 signature (cainfo) does not verify with the platform key",
    });
    expect(decodeJilin(strict, reply(200, JSON.stringify({ infcode: 0, output: sealed })))).toMatchObject({
      reason: expect.stringMatching(/no SM2 signature/),
    });
  });
});

describe('fsi-paths encoder', () => {
  const base: FsiSettings = {
    baseUrl: 'http://fsi.test:8097/',
    routing: 'call-service',
    callServicePath: '/fsi/api/rsfComIfsService/callService',
    uploadPath: '/fsi/api/rsfComIfsService/callService',
    upload: 'multipart',
  };
  const paths: FsiSettings = { ...base, routing: 'service-paths', uploadPath: '/fsi/api/fileupload/upload' };

  it('call-service: every infno to the one endpoint, the envelope as it is, no signature headers', () => {
    const req = encodeFsi(base, '2207', { infno: '2207', input: {} });
    expect(req.url).toBe('http://fsi.test:8097/fsi/api/rsfComIfsService/callService');
    expect(req.headers).toEqual({ 'content-type': 'application/json; charset=utf-8' });
    expect(String(req.body)).toBe('{"infno":"2207","input":{}}');
  });

  it('service-paths: a path per service; what the map does not name (or names by copy error) goes to call-service', () => {
    const url = (infno: string) => encodeFsi(paths, infno, { infno }).url.replace('http://fsi.test:8097', '');
    expect(url('9001')).toBe('/fsi/api/signInSignOutService/signIn');
    expect(url('1101')).toBe('/fsi/api/fsiPsnInfoService/queryPsnInfo');
    expect(url('2207')).toBe('/fsi/api/outpatientSettleService/saveSettletmentV2');
    expect(url('2304')).toBe('/fsi/api/hospSettService/settV2');
    expect(url('2601')).toBe('/fsi/api/reverseService/revsMethod');
    expect(url('9102')).toBe('/fsi/api/fileupload/download');
    expect(url('2201')).toBe('/fsi/api/rsfComIfsService/callService');
    expect(url('3302')).toBe('/fsi/api/rsfComIfsService/callService');
    expect(encodeFsi({ ...paths, apikey: 'k-1' }, '1101', {}).headers.apikey).toBe('k-1');
  });

  it('9101 as the multipart form: jsonStr {"filename","fixmedins_code"} and the file bytes as part `in`', () => {
    const zip = Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 1, 2, 255]);
    const env = {
      infno: '9101',
      fixmedins_code: 'H44030500001',
      input: { fsUploadIn: { in: zip.toString('base64'), filename: 'a.zip', fixmedins_code: 'H44030500001' } },
    };
    const req = encodeFsi(paths, '9101', env, 'BOUNDARY');
    expect(req.url).toBe('http://fsi.test:8097/fsi/api/fileupload/upload');
    expect(req.headers['content-type']).toBe('multipart/form-data; boundary=BOUNDARY');
    const expected = Buffer.concat([
      Buffer.from(
        '--BOUNDARY\r\nContent-Disposition: form-data; name="jsonStr"\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n{"filename":"a.zip","fixmedins_code":"H44030500001"}\r\n' +
          '--BOUNDARY\r\nContent-Disposition: form-data; name="in"; filename="a.zip"\r\nContent-Type: application/octet-stream\r\n\r\n',
      ),
      zip,
      Buffer.from('\r\n--BOUNDARY--\r\n'),
    ]);
    expect(req.body).toEqual(expected);
    expect(encodeFsi(base, '9101', env, 'B').url).toBe('http://fsi.test:8097/fsi/api/rsfComIfsService/callService');
    // as JSON when so configured
    expect(JSON.parse(String(encodeFsi({ ...paths, upload: 'json' }, '9101', env).body))).toEqual(env);
    expect(multipart([], 'X').toString()).toBe('--X--\r\n');
    expect(decodeFsi(reply(200, '{"infcode":0}'))).toEqual({ ok: true, rawBody: '{"infcode":0}' });
  });
});

describe('the transports over HTTP (nock)', () => {
  afterEach(() => nock.cleanAll());
  const clockAt = (ms: number) => ({
    t: ms,
    now() {
      return new Date(this.t);
    },
  });
  const opts = { timeoutMs: 2000 };
  const sha = (b: string | Buffer) => createHash('sha256').update(b).digest('hex');

  const zip = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.from('fake zip of 9102, bytes \u00ff\u0000 kept')]);
  const download = { infno: '9102', input: { fsDownloadIn: { file_qury_no: 'F1', filename: 'x.zip', fixmedins_code: 'H44030500001' } } };

  it('tif: a 9102 file reply is the zip itself, byte for byte; the request only as its digest', async () => {
    let sent = '';
    nock('http://tif.test')
      .post('/api/9102', (b) => {
        sent = JSON.stringify(b);
        return true;
      })
      .reply(200, zip, { 'content-type': 'application/octet-stream' });
    const t = createTransport({ profile: 'tif', baseUrl: 'http://tif.test/api', paasid: 'p', secret: 's' }, clockAt(1_700_000_000_000));
    const r = await t.send('9102', download, opts);
    t.close();
    expect(r).toMatchObject({ kind: 'reply', status: 200, rawBody: '' });
    expect(r.kind === 'reply' && r.file?.bytes.equals(zip)).toBe(true);
    expect(r.wire_digest).toBe(sha(sent));
  });

  it('fsi-paths: a 9102 file reply and a 9102 JSON error reply', async () => {
    nock('http://fsi.test').post('/fsi/api/fileupload/download').reply(200, zip, { 'content-type': 'application/octet-stream' });
    nock('http://fsi.test')
      .post('/fsi/api/fileupload/download')
      .reply(200, '{"infcode":-1,"err_msg":"文件不存在"}', { 'content-type': 'application/json' });
    const fsi: FsiSettings = {
      baseUrl: 'http://fsi.test',
      routing: 'service-paths',
      callServicePath: '/fsi/api/rsfComIfsService/callService',
      uploadPath: '/fsi/api/fileupload/upload',
      upload: 'multipart',
    };
    const t = createTransport({ profile: 'fsi-paths', baseUrl: fsi.baseUrl, paasid: '', secret: '', fsi }, clockAt(0));
    const file = await t.send('9102', download, opts);
    const err = await t.send('9102', download, opts);
    t.close();
    expect(file.kind === 'reply' && file.file?.bytes.equals(zip)).toBe(true);
    expect(err).toMatchObject({ kind: 'reply', rawBody: '{"infcode":-1,"err_msg":"文件不存在"}' });
    expect(err).not.toHaveProperty('file');
  });

  it('jilin-sm: one token for many calls, renewed when it expires; the reply decrypted; a 9102 file passes as it came', async () => {
    const s = jilin();
    const clock = clockAt(1_700_000_000_000);
    const tokens: string[] = [];
    nock('http://jl.test')
      .post('/auth/oauth/token')
      .times(2)
      .reply(function () {
        const t = `tok-${tokens.length + 1}`;
        tokens.push(String(this.req.headers.authorization));
        return [200, { access_token: t, expires_in: 120 }];
      });
    const seen: string[] = [];
    let lastBody = '';
    nock('http://jl.test')
      .post('/mbs/fmi/fsi/api/callFsiService/callService', (b) => {
        lastBody = JSON.stringify(b);
        return true;
      })
      .times(3)
      .reply(function () {
        seen.push(String(this.req.headers.authorization));
        return [200, { infcode: 0, output: sm4EcbEncrypt(Buffer.from(s.clientId), Buffer.from('{"ok":1}')).toString('base64') }];
      });
    nock('http://jl.test')
      .post('/mbs/fmi/fsi/api/callFsiService/callService')
      .reply(200, zip, { 'content-type': 'application/octet-stream' });
    const t = createJilinTransport(s, clock);
    const a = await t.send('1101', ENVELOPE, opts);
    const b = await t.send('1101', ENVELOPE, opts);
    clock.t += 121_000; // past expires_in
    const c = await t.send('1101', ENVELOPE, opts);
    const f = await t.send('9102', download, opts);
    t.close();
    expect(tokens).toHaveLength(2);
    expect(seen).toEqual(['Bearer tok-1', 'Bearer tok-1', 'Bearer tok-2']);
    for (const r of [a, b, c]) expect(r).toMatchObject({ kind: 'reply', status: 200, rawBody: '{"infcode":0,"output":{"ok":1}}' });
    expect(c.wire_digest).toBe(sha(lastBody));
    expect(c.reply_wire_digest).toMatch(/^[0-9a-f]{64}$/);
    expect(f.kind === 'reply' && f.file?.bytes.equals(zip)).toBe(true);
  });

  it('jilin-sm: a 401 (revoked token) renews once and sends again', async () => {
    let n = 0;
    nock('http://jl.test')
      .post('/auth/oauth/token')
      .times(2)
      .reply(() => [200, { access_token: `tok-${++n}` }]);
    const auth: string[] = [];
    nock('http://jl.test')
      .post('/mbs/fmi/fsi/api/callFsiService/callService')
      .times(2)
      .reply(function () {
        auth.push(String(this.req.headers.authorization));
        return auth.length === 1 ? [401, { error: 'invalid_token' }] : [200, { infcode: 0, output: null }];
      });
    const t = createJilinTransport(jilin(), clockAt(0));
    const r = await t.send('1101', ENVELOPE, opts);
    t.close();
    expect(auth).toEqual(['Bearer tok-1', 'Bearer tok-2']);
    expect(r).toMatchObject({ kind: 'reply', status: 200 });
  });

  it('jilin-sm: a 401 whose renewal the token endpoint refuses is not sent, with the reason and no secret', async () => {
    nock('http://jl.test').post('/auth/oauth/token').reply(200, { access_token: 'tok-1' });
    nock('http://jl.test').post('/auth/oauth/token').reply(401, { error: 'invalid_client' });
    nock('http://jl.test').post('/mbs/fmi/fsi/api/callFsiService/callService').reply(401, { error: 'invalid_token' });
    const t = createJilinTransport(jilin(), clockAt(0));
    const r = await t.send('2207', ENVELOPE, opts);
    t.close();
    expect(r).toMatchObject({
      kind: 'not_sent',
      reason: 'the platform refused the token (HTTP 401) and renewing it failed: token endpoint refused: HTTP 401 (invalid_client)',
    });
    expect(JSON.stringify(r)).not.toMatch(/client-secret-x|hosp-pass|tok-1/);
    expect(nock.isDone()).toBe(true);
  });

  it('jilin-sm: a 401 again with the renewed token is the platform refusing the call (HTTP 401), not a third try', async () => {
    nock('http://jl.test').post('/auth/oauth/token').times(2).reply(200, { access_token: 't' });
    nock('http://jl.test').post('/mbs/fmi/fsi/api/callFsiService/callService').times(2).reply(401, '{"error":"invalid_token"}');
    const t = createJilinTransport(jilin(), clockAt(0));
    const r = await t.send('1101', ENVELOPE, opts);
    t.close();
    expect(r).toMatchObject({ kind: 'reply', status: 401 });
    expect(nock.isDone()).toBe(true);
  });

  it('jilin-sm: the token endpoint down, or refusing, means the business request never left: not sent', async () => {
    const closed = net.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as net.AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const down = createJilinTransport(jilin({ baseUrl: `http://127.0.0.1:${port}` }), clockAt(0));
    expect(await down.send('2207', ENVELOPE, opts)).toMatchObject({ kind: 'not_sent', reason: 'token endpoint: ECONNREFUSED' });
    down.close();
    nock('http://jl.test').post('/auth/oauth/token').reply(400, { error: 'invalid_grant' });
    const t = createJilinTransport(jilin(), clockAt(0));
    expect(await t.send('2207', ENVELOPE, opts)).toMatchObject({
      kind: 'not_sent',
      reason: 'token endpoint refused: HTTP 400 (invalid_grant)',
    });
    t.close();
  });

  it('jilin-sm: an undecryptable reply is unknown, with the reason', async () => {
    nock('http://jl.test').post('/auth/oauth/token').reply(200, { access_token: 't' });
    nock('http://jl.test')
      .post('/mbs/fmi/fsi/api/callFsiService/callService')
      .reply(200, { infcode: 0, output: Buffer.alloc(32, 7).toString('base64') });
    const t = createJilinTransport(jilin(), clockAt(0));
    const r = await t.send('2207', ENVELOPE, opts);
    t.close();
    expect(r).toMatchObject({ kind: 'unknown', reason: expect.stringMatching(/^malformed reply: the output does not decrypt/) });
    expect(r.wire_digest).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('start-up settings of the profiles (gateway/config.ts)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'yidi-secrets-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const prod = {
    NODE_ENV: 'production',
    PLATFORM_BASE_URL: 'https://jl.example.gov.cn',
    FIXMEDINS_CODE: 'H22010500001',
    FIXMEDINS_NAME: '某医院',
    MDTRTAREA_ADMVS: '220100',
    PLATFORM_PROFILE: 'jilin-sm',
    // issue 20: a production start needs a store key
    STORE_KEYS: newMasterKey('k1'),
  };
  const creds = {
    PLATFORM_CLIENT_ID: 'ABCDEFGHIJKLMNOP',
    PLATFORM_CLIENT_SECRET: 'real-secret-1',
    PLATFORM_USERNAME: 'u',
    PLATFORM_PASSWORD: 'real-pass-1',
    PLATFORM_SM2_PRIVATE_KEY: PLATFORM_KEY.d,
  };
  const secretFile = (name: string, content: string, mode: number) => {
    const f = path.join(dir, name);
    writeFileSync(f, `${content}\n`);
    chmodSync(f, mode);
    return f;
  };

  it('PLATFORM_PROFILE is one of the three', () => {
    expect(() => loadConfig({ PLATFORM_PROFILE: 'sm4-oauth' })).toThrow(
      /PLATFORM_PROFILE must be one of tif, fsi-paths, jilin-sm, got "sm4-oauth"/,
    );
    expect(loadConfig({}).platform.profile).toBe('tif');
    expect(loadConfig({ PLATFORM_PROFILE: 'fsi-paths' }).platform.fsi).toMatchObject({ routing: 'call-service', upload: 'multipart' });
  });

  it('production lists what the profile needs and is missing', () => {
    expect(() => loadConfig(prod)).toThrow(
      'production start refused: 1 setting is missing or wrong:\n  - PLATFORM_CLIENT_ID, PLATFORM_CLIENT_SECRET (or PLATFORM_CLIENT_SECRET_FILE), PLATFORM_USERNAME, PLATFORM_PASSWORD (or PLATFORM_PASSWORD_FILE), PLATFORM_SM2_PRIVATE_KEY (or PLATFORM_SM2_PRIVATE_KEY_FILE) not set (PLATFORM_PROFILE=jilin-sm).',
    );
    const c = loadConfig({ ...prod, ...creds });
    expect(c.platform.jilin).toMatchObject({
      clientId: 'ABCDEFGHIJKLMNOP',
      encrypt: true,
      decryptReply: 'auto',
      userId: '1234567812345678',
      tokenTtlSeconds: 600,
    });
    expect(() => loadConfig({ ...prod, ...creds, PLATFORM_CLIENT_ID: 'yidi-demo-client' })).toThrow(/PLATFORM_CLIENT_ID is the demo value/);
  });

  it('a wrong SM2 key, a key that is not the registered one, a client id that is no SM4 key: start-up fails, saying which', () => {
    expect(() => loadConfig({ ...prod, ...creds, PLATFORM_SM2_PRIVATE_KEY: 'AAAA' })).toThrow(
      'PLATFORM_SM2_PRIVATE_KEY is not an SM2 private key: it decodes to 3 bytes; an SM2 private key is the 32-byte scalar d',
    );
    expect(() => loadConfig({ ...prod, ...creds, PLATFORM_SM2_PUBLIC_KEY: HOSPITAL_KEY.publicKey })).toThrow(
      /does not belong to PLATFORM_SM2_PUBLIC_KEY/,
    );
    expect(loadConfig({ ...prod, ...creds, PLATFORM_SM2_PUBLIC_KEY: PLATFORM_KEY.publicKey }).platform.jilin?.sm2.publicKey).toBe(
      PLATFORM_KEY.publicKey,
    );
    expect(() => loadConfig({ ...prod, ...creds, PLATFORM_CLIENT_ID: '吉林医院客户端' })).toThrow(/exactly 16 bytes of UTF-8.*got 21/);
    expect(() => loadConfig({ ...prod, ...creds, PLATFORM_DECRYPT_REPLY: 'maybe' })).toThrow(/auto, always, never/);
  });

  it('secrets from files: a group- or world-readable file is refused; 0600 is read; no message quotes a secret', () => {
    const { PLATFORM_CLIENT_SECRET: _s, PLATFORM_SM2_PRIVATE_KEY: _k, ...rest } = creds;
    const open = secretFile('key-open', PLATFORM_KEY.d, 0o644);
    const env = { ...prod, ...rest, PLATFORM_CLIENT_SECRET_FILE: secretFile('cs', 'file-secret', 0o600) };
    let err: unknown;
    try {
      loadConfig({ ...env, PLATFORM_SM2_PRIVATE_KEY_FILE: open });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toBe(
      `production start refused: 1 setting is missing or wrong:\n  - PLATFORM_SM2_PRIVATE_KEY_FILE ${open} is readable by group or others (mode 0644): a secret file must be 0600 or 0400 (chmod 600 ${open})`,
    );
    const c = loadConfig({ ...env, PLATFORM_SM2_PRIVATE_KEY_FILE: secretFile('key', PLATFORM_KEY.d, 0o400) });
    expect(c.platform.jilin).toMatchObject({ clientSecret: 'file-secret', sm2: { d: PLATFORM_KEY.d } });
    const wrong = secretFile('key-wrong', 'not-a-key-but-secret-text', 0o600);
    let refused = '';
    try {
      loadConfig({ ...env, PLATFORM_SM2_PRIVATE_KEY_FILE: wrong });
    } catch (e) {
      refused = (e as Error).message;
    }
    expect(refused).toMatch(/\n {2}- PLATFORM_SM2_PRIVATE_KEY is not an SM2 private key/);
    expect(refused).not.toContain('not-a-key-but-secret-text');
    expect(() => loadConfig({ ...env, PLATFORM_SM2_PRIVATE_KEY_FILE: path.join(dir, 'absent') })).toThrow(/cannot be read: ENOENT/);
    expect(() => loadConfig({ ...env, PLATFORM_SM2_PRIVATE_KEY: PLATFORM_KEY.d, PLATFORM_SM2_PRIVATE_KEY_FILE: wrong })).toThrow(
      /both set/,
    );
  });
});
