/**
 * The transport profile the e2e suites run under: TEST_PLATFORM_PROFILE (tif | fsi-paths | jilin-sm,
 * default tif). startMock starts the mock speaking it and startGateway / spawnGateway configure the
 * gateway for it, so the whole e2e suite runs under any profile (`npm run test:profiles` runs the
 * outpatient suite under each). The jilin-sm credentials and keys are the demo ones, the same on both sides.
 */
import type { MockOptionsInput } from '../../mocks/platform/server.js';

export const PROFILE_NAMES = ['tif', 'fsi-paths', 'jilin-sm'] as const;
export type TestProfile = (typeof PROFILE_NAMES)[number];

export const TEST_PROFILE: TestProfile = (() => {
  const v = process.env.TEST_PLATFORM_PROFILE || 'tif';
  if (!(PROFILE_NAMES as readonly string[]).includes(v))
    throw new Error(`TEST_PLATFORM_PROFILE must be one of ${PROFILE_NAMES.join(', ')}: ${v}`);
  return v as TestProfile;
})();

export function profileMockOptions(profile: TestProfile = TEST_PROFILE): MockOptionsInput {
  return { profile };
}

/** The gateway's settings for `profile` (fsi-paths: per-service paths, so that both kinds of endpoint are used). */
export function profileGatewayEnv(profile: TestProfile = TEST_PROFILE): Record<string, string> {
  if (profile === 'fsi-paths') return { PLATFORM_PROFILE: 'fsi-paths', PLATFORM_FSI_ROUTING: 'service-paths' };
  if (profile === 'jilin-sm') return { PLATFORM_PROFILE: 'jilin-sm' };
  return {};
}
