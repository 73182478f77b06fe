import { createHash } from 'node:crypto';

/**
 * The wire form of one platform call, as a transport profile's pure encoder/decoder sees it: what
 * goes out (URL, headers, body bytes) and what came back. The profiles (profile-*.ts) translate
 * between the plaintext envelope the engine builds and this form; the HTTP mechanics that move it
 * live in http-transport.ts, shared by every profile.
 */
export interface WireRequest {
  url: string;
  headers: Record<string, string>;
  body: string | Buffer;
}

export interface WireReply {
  status: number;
  /** header names in lower case */
  headers: Record<string, string>;
  body: Buffer;
}

/** A downloaded file (9102): the reply body itself, not JSON. */
export interface WireFile {
  contentType: string;
  bytes: Buffer;
}

/**
 * What a profile's decoder makes of a reply: the plaintext reply text for reply.ts to judge (a body
 * that is no JSON at all passes through unchanged, so reply.ts says what is wrong with it), a file,
 * or a reason the reply cannot be trusted (does not decrypt or verify), which is an unknown outcome.
 */
export type Decoded = { ok: true; rawBody: string; file?: WireFile } | { ok: false; reason: string };

export const sha256Hex = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

const FILE_TYPES = /^(application\/(octet-stream|zip|x-zip-compressed)|binary\/)/i;
const ZIP_MAGIC = Buffer.from([0x50, 0x4b, 0x03, 0x04]);

/** A 9102 success is the file itself (application/octet-stream, a zip); its errors are JSON. */
export function fileOf(reply: WireReply): WireFile | undefined {
  const type = reply.headers['content-type'] ?? '';
  if (FILE_TYPES.test(type) || (reply.status < 300 && reply.body.subarray(0, 4).equals(ZIP_MAGIC))) {
    return { contentType: type || 'application/octet-stream', bytes: reply.body };
  }
  return undefined;
}

/** The decoder of a profile whose replies travel in plaintext (tif, fsi-paths). */
export function plainDecode(reply: WireReply): Decoded {
  const file = fileOf(reply);
  if (file) return { ok: true, rawBody: '', file };
  return { ok: true, rawBody: reply.body.toString('utf8') };
}
