#!/usr/bin/env node
/**
 * `npm run test:profiles [-- FILE...]`: runs e2e test files (default: the outpatient suite) once
 * under each transport profile — tif, fsi-paths, jilin-sm — with TEST_PLATFORM_PROFILE set, so the
 * harness (test/helpers/profiles.ts) starts the mock and the gateway speaking that profile. One
 * profile at a time; fails if any run fails. PROFILES=jilin-sm,fsi-paths narrows the list.
 */
import { spawnSync } from 'node:child_process';

const profiles = (process.env.PROFILES || 'tif,fsi-paths,jilin-sm').split(',').filter(Boolean);
const files = process.argv.slice(2);
const targets = files.length ? files : ['test/e2e/outpatient.e2e.test.ts'];
const failed = [];
for (const profile of profiles) {
  console.log(`\n[test:profiles] PLATFORM profile ${profile}: ${targets.join(' ')}`);
  const r = spawnSync('npx', ['vitest', 'run', ...targets], {
    stdio: 'inherit',
    env: { ...process.env, TEST_PLATFORM_PROFILE: profile },
  });
  if (r.status !== 0) failed.push(profile);
}
if (failed.length) {
  console.error(`\n[test:profiles] failed under: ${failed.join(', ')}`);
  process.exit(1);
}
console.log(`\n[test:profiles] passed under ${profiles.join(', ')}`);
