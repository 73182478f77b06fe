/**
 * The mock platform's own SM2/SM3/SM4, written from GB/T 32918 (SM2), GB/T 32905 (SM3) and
 * GB/T 32907 (SM4) on Node's crypto: SM3 and SM4/ECB are OpenSSL's, the SM2 point arithmetic is
 * BigInt (Jacobian coordinates) here. Deliberately not the gateway's implementation (which signs
 * with OpenSSL's ECDH for k·G and verifies with the sm-crypto library): the mock verifying what the
 * gateway signed is a cross-check of two independent implementations. Not constant-time — a test platform's code, never a hospital's.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

const P = 0xfffffffeffffffffffffffffffffffffffffffff00000000ffffffffffffffffn;
const A = 0xfffffffeffffffffffffffffffffffffffffffff00000000fffffffffffffffcn;
const B = 0x28e9fa9e9d9f5e344d5a9e4bcf6509a7f39789f515ab8f92ddbcbd414d940e93n;
const N = 0xfffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123n;
const GX = 0x32c4ae2c1f1981195f9904466a39c9948fe30bbff2660be1715a4589334c74c7n;
const GY = 0xbc3736a2f4f6779c59bdcee36b692153d0a9877cc62a474002df32e52139f0a0n;

export const DEFAULT_USER_ID = '1234567812345678';

const mod = (a: bigint, m: bigint) => ((a % m) + m) % m;

function inv(a: bigint, m: bigint): bigint {
  let [r0, r1] = [mod(a, m), m];
  let [s0, s1] = [1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  if (r0 !== 1n) throw new Error('not invertible');
  return mod(s0, m);
}

/** A point in Jacobian coordinates (X/Z², Y/Z³); Z = 0 is the point at infinity. */
type Jac = [bigint, bigint, bigint];
const INF: Jac = [1n, 1n, 0n];

function dbl([x, y, z]: Jac): Jac {
  if (z === 0n || y === 0n) return INF;
  const yy = mod(y * y, P);
  const s = mod(4n * x * yy, P);
  const zz = mod(z * z, P);
  const m = mod(3n * x * x + A * zz * zz, P);
  const x3 = mod(m * m - 2n * s, P);
  const y3 = mod(m * (s - x3) - 8n * yy * yy, P);
  return [x3, y3, mod(2n * y * z, P)];
}

function add(p: Jac, q: Jac): Jac {
  if (p[2] === 0n) return q;
  if (q[2] === 0n) return p;
  const [x1, y1, z1] = p;
  const [x2, y2, z2] = q;
  const z1z1 = mod(z1 * z1, P);
  const z2z2 = mod(z2 * z2, P);
  const u1 = mod(x1 * z2z2, P);
  const u2 = mod(x2 * z1z1, P);
  const s1 = mod(y1 * z2 * z2z2, P);
  const s2 = mod(y2 * z1 * z1z1, P);
  if (u1 === u2) return s1 === s2 ? dbl(p) : INF;
  const h = mod(u2 - u1, P);
  const r = mod(s2 - s1, P);
  const hh = mod(h * h, P);
  const hhh = mod(h * hh, P);
  const x3 = mod(r * r - hhh - 2n * u1 * hh, P);
  const y3 = mod(r * (u1 * hh - x3) - s1 * hhh, P);
  return [x3, y3, mod(z1 * z2 * h, P)];
}

function mul(k: bigint, p: Jac): Jac {
  let acc = INF;
  for (let i = BigInt(k.toString(2).length - 1); i >= 0n; i--) {
    acc = dbl(acc);
    if ((k >> i) & 1n) acc = add(acc, p);
  }
  return acc;
}

function affine([x, y, z]: Jac): [bigint, bigint] {
  const zi = inv(z, P);
  const zi2 = mod(zi * zi, P);
  return [mod(x * zi2, P), mod(y * zi2 * zi, P)];
}

const G: Jac = [GX, GY, 1n];
const hex32 = (v: bigint) => v.toString(16).padStart(64, '0');
const big = (b: Buffer) => BigInt(`0x${b.toString('hex') || '0'}`);
const sm3 = (...parts: Buffer[]) => createHash('sm3').update(Buffer.concat(parts)).digest();

/** A public key 04‖x‖y (hex) as a point on the curve, or undefined. */
function point(publicKeyHex: string): [bigint, bigint] | undefined {
  if (!/^04[0-9a-fA-F]{128}$/.test(publicKeyHex)) return undefined;
  const x = BigInt(`0x${publicKeyHex.slice(2, 66)}`);
  const y = BigInt(`0x${publicKeyHex.slice(66)}`);
  if (x >= P || y >= P || mod(y * y - (x * x * x + A * x + B), P) !== 0n) return undefined;
  return [x, y];
}

/** Z = SM3(ENTL ‖ ID ‖ a ‖ b ‖ xG ‖ yG ‖ xA ‖ yA), ENTL = the ID's length in bits, 2 bytes big-endian. */
export function zValue(userId: string, [x, y]: [bigint, bigint]): Buffer {
  const id = Buffer.from(userId, 'utf8');
  const entl = Buffer.from([(id.length * 8) >> 8, (id.length * 8) & 0xff]);
  return sm3(entl, id, ...[A, B, GX, GY, x, y].map((v) => Buffer.from(hex32(v), 'hex')));
}

export function publicKeyOf(dHex: string): string {
  const [x, y] = affine(mul(BigInt(`0x${dHex}`), G));
  return `04${hex32(x)}${hex32(y)}`;
}

/** SM3withSM2 verification of r‖s (64 bytes) over `message` by `publicKeyHex` (04‖x‖y). */
export function verify(publicKeyHex: string, message: Buffer, signature: Buffer, userId = DEFAULT_USER_ID): boolean {
  const pa = point(publicKeyHex);
  if (!pa || signature.length !== 64) return false;
  const r = big(signature.subarray(0, 32));
  const s = big(signature.subarray(32));
  if (r < 1n || r >= N || s < 1n || s >= N) return false;
  const e = big(sm3(zValue(userId, pa), message));
  const t = mod(r + s, N);
  if (t === 0n) return false;
  const sum = add(mul(s, G), mul(t, [pa[0], pa[1], 1n]));
  if (sum[2] === 0n) return false;
  return mod(e + affine(sum)[0], N) === r;
}

/** SM3withSM2 signature r‖s (64 bytes) of `message` with the private scalar d (hex). */
export function sign(dHex: string, message: Buffer, userId = DEFAULT_USER_ID): Buffer {
  const d = BigInt(`0x${dHex}`);
  const pa = point(publicKeyOf(dHex))!;
  const e = big(sm3(zValue(userId, pa), message));
  for (;;) {
    const k = mod(big(randomBytes(40)), N - 1n) + 1n;
    const r = mod(e + affine(mul(k, G))[0], N);
    if (r === 0n || r + k === N) continue;
    const s = mod(inv(1n + d, N) * (k - r * d), N);
    if (s === 0n) continue;
    return Buffer.from(hex32(r) + hex32(s), 'hex');
  }
}

export function sm4Encrypt(key: Buffer, plain: Buffer): Buffer {
  const c = createCipheriv('sm4-ecb', key, null);
  return Buffer.concat([c.update(plain), c.final()]);
}

export function sm4Decrypt(key: Buffer, data: Buffer): Buffer {
  const d = createDecipheriv('sm4-ecb', key, null);
  return Buffer.concat([d.update(data), d.final()]);
}
