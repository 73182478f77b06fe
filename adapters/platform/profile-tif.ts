import { tifHeaders } from './signature.js';
import { plainDecode, type WireReply, type WireRequest } from './wire.js';

/**
 * Profile "tif" (Guangdong, Hebei style; transport-profiles.md A): POST {baseUrl}/{infno}, the JSON
 * envelope as it is, and the four x-tif-* headers (the body is not signed). Pure: the time and the
 * nonce come in.
 */
export interface TifProfileConfig {
  /** e.g. https://fsi.example.gov.cn/ebus/gdyb_inf/poc/hsa/hgs — the infno is appended as a path segment */
  baseUrl: string;
  paasid: string;
  secret: string;
}

export function encodeTif(cfg: TifProfileConfig, infno: string, envelope: object, now: Date, nonce?: string): WireRequest {
  return {
    url: `${cfg.baseUrl.replace(/\/+$/, '')}/${encodeURIComponent(infno)}`,
    headers: { 'content-type': 'application/json; charset=utf-8', ...tifHeaders(cfg.paasid, cfg.secret, now, nonce) },
    body: JSON.stringify(envelope),
  };
}

export const decodeTif = (reply: WireReply) => plainDecode(reply);
