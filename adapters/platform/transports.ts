import { createCodecTransport } from './http-transport.js';
import { createJilinTransport } from './jilin-transport.js';
import type { Clock } from './msgid.js';
import { decodeFsi, encodeFsi, type FsiSettings } from './profile-fsi-paths.js';
import type { JilinSettings } from './profile-jilin-sm.js';
import { createTifTransport, type TifProfileConfig } from './tif-transport.js';
import type { PlatformTransport } from './transport.js';

export const PROFILES = ['tif', 'fsi-paths', 'jilin-sm'] as const;
export type ProfileName = (typeof PROFILES)[number];

/** The settings of the profile in force (gateway/config.ts validates them at start-up). */
export interface TransportConfig extends TifProfileConfig {
  profile: string;
  fsi?: FsiSettings;
  jilin?: JilinSettings;
}

/**
 * Transport profiles, chosen by configuration (PLATFORM_PROFILE): the province decides how bytes
 * travel, not the code. Each is a pure encoder/decoder (profile-*.ts) over the one HTTP mechanics
 * (http-transport.ts); the engine hands every profile the same plaintext envelope and gets the
 * plaintext reply text back.
 */
export function createTransport(cfg: TransportConfig, clock: Clock): PlatformTransport {
  switch (cfg.profile) {
    case 'tif':
      return createTifTransport(cfg, clock);
    case 'fsi-paths': {
      const fsi = need(cfg.fsi, cfg.profile);
      return createCodecTransport('fsi-paths', { encode: (infno, envelope) => encodeFsi(fsi, infno, envelope), decode: decodeFsi });
    }
    case 'jilin-sm':
      return createJilinTransport(need(cfg.jilin, cfg.profile), clock);
    default:
      throw new Error(`transport profile "${cfg.profile}" is not supported; supported: ${PROFILES.join(', ')}`);
  }
}

function need<T>(settings: T | undefined, profile: string): T {
  if (!settings) throw new Error(`transport profile "${profile}" has no settings`);
  return settings;
}
