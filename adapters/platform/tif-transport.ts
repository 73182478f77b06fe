import { createCodecTransport } from './http-transport.js';
import type { Clock } from './msgid.js';
import { decodeTif, encodeTif, type TifProfileConfig } from './profile-tif.js';
import type { PlatformTransport } from './transport.js';

export type { TifProfileConfig } from './profile-tif.js';

/**
 * Transport profile "tif": the encoder/decoder of profile-tif.ts over the shared HTTP mechanics
 * (http-transport.ts: connect tracking separates "never sent" from "sent, answer lost").
 */
export function createTifTransport(cfg: TifProfileConfig, clock: Clock): PlatformTransport {
  return createCodecTransport('tif', {
    encode: (infno, envelope) => encodeTif(cfg, infno, envelope, clock.now()),
    decode: decodeTif,
  });
}
