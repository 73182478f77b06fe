import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'adapters/**/*.test.ts', 'gateway/**/*.test.ts', 'mocks/**/*.test.ts'],
    // Hang guards, not speed limits (issue 15: a loaded machine once timed out at 30 s): every wait
    // inside a test has its own ceiling, derived from what it waits for (a condition polled, a
    // configured platform timeout or shutdown grace, GATEWAY_START_CEILING_MS per spawned gateway).
    testTimeout: 300_000,
    hookTimeout: 300_000,
    // e2e suites start real servers on ephemeral ports; files run in parallel on 2 cores
    pool: 'forks',
  },
});
