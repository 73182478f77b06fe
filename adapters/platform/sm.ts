import { createCipheriv, createDecipheriv, createECDH, createHash } from 'node:crypto';
import { sm2 } from 'sm-crypto';

/**
 * The Chinese commercial ciphers of the jilin-sm profile (transport-profiles.md C).
 * - SM4/ECB/PKCS7 and SM3: Node's OpenSSL (`sm4-ecb`; OpenSSL's PKCS padding is PKCS7 for a 16-byte block).
 * - SM2 signing (SM3withSM2, GB/T 32918.2, r‖s): on Node's crypto, with care. OpenSSL has the SM2
 *   curve, but Node cannot ask it for SM2 signing: an EC key on that curve signs as plain ECDSA (no
 *   Z, another equation) and Node has no way to set the signer's ID. So the steps are done here:
 *   Z = SM3(ENTL‖ID‖a‖b‖xG‖yG‖xA‖yA) with BouncyCastle's default ID 1234567812345678, e = SM3(Z‖M),
 *   the nonce k and x1 of k·G from OpenSSL (an ECDH key pair on the SM2 curve: k uniform in
 *   [1, n−1], the scalar multiplication OpenSSL's), then r = (e + x1) mod n and
 *   s = (1 + d)⁻¹·(k − r·d) mod n in BigInt (not constant-time, like any JS bignum). The public key
 *   of a private key is OpenSSL's too. About 1 ms a signature, where the sm-crypto library takes ~55 ms
 *   of the event loop.
 * - SM2 verification (only the optional reply signature needs it): the `sm-crypto` library, a second,
 *   independent implementation. The tests check signatures across this module, sm-crypto, the mock
 *   platform's own SM2 (mocks/platform/sm.ts, BigInt point arithmetic) and the OpenSSL command line.
 */

/** GB/T 32918 / BouncyCastle default user ID (the Jilin code passes the client id but never applies it). */
export const SM2_DEFAULT_USER_ID = '1234567812345678';
const N = 0xfffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123n;
const P = 0xfffffffeffffffffffffffffffffffffffffffff00000000ffffffffffffffffn;
const A = P - 3n;
const B = 0x28e9fa9e9d9f5e344d5a9e4bcf6509a7f39789f515ab8f92ddbcbd414d940e93n;

const onCurve = (x: bigint, y: bigint) => x < P && y < P && (y * y - (x * x * x + A * x + B)) % P === 0n;

export function sm4EcbEncrypt(key: Buffer, plain: Buffer): Buffer {
  const c = createCipheriv('sm4-ecb', key, null);
  return Buffer.concat([c.update(plain), c.final()]);
}

/** Throws when the data is not a whole number of blocks or the padding is wrong (a wrong key, most likely). */
export function sm4EcbDecrypt(key: Buffer, data: Buffer): Buffer {
  const d = createDecipheriv('sm4-ecb', key, null);
  return Buffer.concat([d.update(data), d.final()]);
}

export interface Sm2PrivateKey {
  /** the scalar d, 64 hex digits */
  d: string;
  /** the public key 04‖x‖y, 130 hex digits */
  publicKey: string;
}

export class Sm2KeyError extends Error {}

/** 04‖x‖y of d·G, by OpenSSL (Node's ECDH on the SM2 curve). */
export function sm2PublicKeyOf(dHex: string): string {
  const ecdh = createECDH('SM2');
  ecdh.setPrivateKey(Buffer.from(dHex, 'hex'));
  return ecdh.getPublicKey('hex', 'uncompressed');
}

const B64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** The SM2 curve's OID 1.2.156.10197.1.301, as DER (OpenSSL writes it as the curve or as the algorithm). */
const SM2_OID = Buffer.from('06082a811ccf5501822d', 'hex');

/** The DER inside a PEM block; the key must name the SM2 curve. (Node's KeyObject does not read SM2-typed keys.) */
function pemDer(text: string): Buffer {
  const m = text.match(/-----BEGIN ([A-Z0-9 ]+)-----([\s\S]+?)-----END \1-----/);
  if (!m) throw new Sm2KeyError('the PEM block is broken');
  if (/ENCRYPTED/.test(m[1]!)) throw new Sm2KeyError('the PEM key is encrypted; give it unencrypted, in a file only the gateway can read');
  const der = Buffer.from(m[2]!.replace(/\s+/g, ''), 'base64');
  if (der.indexOf(SM2_OID) < 0) throw new Sm2KeyError('the PEM key is not on the SM2 curve');
  return der;
}

/**
 * An SM2 private key: Base64 of the raw 32-byte scalar d (the Jilin `cliPrvKey`), 64 hex digits, or a
 * PEM (PKCS#8 / SEC1) key on the SM2 curve. Throws Sm2KeyError saying what is wrong; never quotes the key.
 */
export function parseSm2PrivateKey(text: string): Sm2PrivateKey {
  const t = text.trim();
  let d: Buffer;
  if (t.startsWith('-----BEGIN')) {
    // PKCS#8 or SEC1: the ECPrivateKey inside starts 02 01 01 04 20 <d>
    const der = pemDer(t);
    const at = der.indexOf(Buffer.from([0x02, 0x01, 0x01, 0x04, 0x20]));
    if (at < 0) throw new Sm2KeyError('the PEM key holds no 32-byte SM2 scalar');
    d = der.subarray(at + 5, at + 37);
  } else if (/^[0-9a-fA-F]{64}$/.test(t)) d = Buffer.from(t, 'hex');
  else if (B64.test(t)) d = Buffer.from(t, 'base64');
  else throw new Sm2KeyError('it is neither Base64 nor 64 hex digits nor a PEM key');
  if (d.length !== 32) throw new Sm2KeyError(`it decodes to ${d.length} bytes; an SM2 private key is the 32-byte scalar d`);
  const v = BigInt(`0x${d.toString('hex')}`);
  if (v < 1n || v > N - 2n) throw new Sm2KeyError('the scalar is outside 1 … n−2 of the SM2 curve');
  const dHex = d.toString('hex');
  return { d: dHex, publicKey: sm2PublicKeyOf(dHex) };
}

/** An SM2 public key: 04‖x‖y or x‖y (Base64 or hex), or a PEM SPKI key; returns 04‖x‖y hex. */
export function parseSm2PublicKey(text: string): string {
  const t = text.trim();
  let raw: Buffer;
  if (t.startsWith('-----BEGIN')) {
    const der = pemDer(t);
    raw = der.subarray(der.length - 65);
  } else if (/^[0-9a-fA-F]+$/.test(t) && (t.length === 128 || t.length === 130)) raw = Buffer.from(t, 'hex');
  else if (B64.test(t)) raw = Buffer.from(t, 'base64');
  else throw new Sm2KeyError('it is neither Base64 nor hex nor a PEM key');
  if (raw.length === 64) raw = Buffer.concat([Buffer.from([4]), raw]);
  if (raw.length !== 65 || raw[0] !== 4) throw new Sm2KeyError('an SM2 public key is 04‖x‖y (65 bytes) or x‖y (64 bytes)');
  const hex = raw.toString('hex');
  if (!onCurve(BigInt(`0x${hex.slice(2, 66)}`), BigInt(`0x${hex.slice(66)}`))) throw new Sm2KeyError('the point is not on the SM2 curve');
  return hex;
}

const be32 = (v: bigint) => Buffer.from(v.toString(16).padStart(64, '0'), 'hex');
const big = (b: Buffer) => BigInt(`0x${b.toString('hex')}`);
const mod = (a: bigint, m: bigint) => ((a % m) + m) % m;

function modInverse(a: bigint, m: bigint): bigint {
  let [r0, r1, s0, s1] = [mod(a, m), m, 1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1, s0, s1] = [r1, r0 - q * r1, s1, s0 - q * s1];
  }
  if (r0 !== 1n) throw new Sm2KeyError('1 + d has no inverse mod n');
  return mod(s0, m);
}

const CURVE_BYTES = Buffer.concat(
  [
    A,
    B,
    0x32c4ae2c1f1981195f9904466a39c9948fe30bbff2660be1715a4589334c74c7n,
    0xbc3736a2f4f6779c59bdcee36b692153d0a9877cc62a474002df32e52139f0a0n,
  ].map(be32),
);

/** Z = SM3(ENTL ‖ ID ‖ a ‖ b ‖ xG ‖ yG ‖ xA ‖ yA); ENTL = the ID's length in bits, 2 bytes big-endian. */
export function sm2Z(publicKey: string, userId = SM2_DEFAULT_USER_ID): Buffer {
  const id = Buffer.from(userId, 'utf8');
  const entl = Buffer.from([(id.length * 8) >> 8, (id.length * 8) & 0xff]);
  return createHash('sm3')
    .update(entl)
    .update(id)
    .update(CURVE_BYTES)
    .update(Buffer.from(publicKey.slice(2), 'hex'))
    .digest();
}

/** SM3withSM2 of `message` (its bytes as given): r‖s, 64 bytes (GB/T 32918.2 §6.1). */
export function sm2Sign(key: Sm2PrivateKey, message: Buffer, userId = SM2_DEFAULT_USER_ID): Buffer {
  const e = big(createHash('sm3').update(sm2Z(key.publicKey, userId)).update(message).digest());
  const d = BigInt(`0x${key.d}`);
  const inv = modInverse(1n + d, N);
  for (;;) {
    const nonce = createECDH('SM2');
    const kG = nonce.generateKeys(); // 04 ‖ x1 ‖ y1 of k·G
    const k = big(nonce.getPrivateKey());
    const r = mod(e + big(kG.subarray(1, 33)), N);
    if (r === 0n || r + k === N) continue;
    const s = mod(inv * (k - r * d), N);
    if (s === 0n) continue;
    return Buffer.concat([be32(r), be32(s)]);
  }
}

/** Verification by the sm-crypto library (an implementation independent of sm2Sign). */
export function sm2Verify(publicKey: string, message: Buffer, signature: Buffer, userId = SM2_DEFAULT_USER_ID): boolean {
  if (signature.length !== 64) return false;
  return sm2.doVerifySignature(Array.from(message), signature.toString('hex'), publicKey, { hash: true, der: false, userId });
}
