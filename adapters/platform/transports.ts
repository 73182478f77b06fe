import type { Clock } from './msgid.js';
import { createTifTransport, type TifProfileConfig } from './tif-transport.js';
import type { PlatformTransport } from './transport.js';

export interface TransportConfig extends TifProfileConfig {
  profile: string;
}

/**
 * Transport profiles, chosen by configuration (PLATFORM_PROFILE): the province decides how bytes
 * travel, not the code. "tif" today; a per-path profile and the OAuth2 + SM2/SM4 profile (Jilin) slot in here.
 */
const profiles: Record<string, (cfg: TransportConfig, clock: Clock) => PlatformTransport> = {
  tif: createTifTransport,
};

export function createTransport(cfg: TransportConfig, clock: Clock): PlatformTransport {
  const make = profiles[cfg.profile];
  if (!make) throw new Error(`transport profile "${cfg.profile}" is not supported; supported: ${Object.keys(profiles).join(', ')}`);
  return make(cfg, clock);
}
