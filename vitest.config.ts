import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'adapters/**/*.test.ts', 'gateway/**/*.test.ts', 'mocks/**/*.test.ts'],
    // Hang guards, not speed limits (issue 15: a loaded machine once timed out at 30 s): every wait
    // inside a test has its own ceiling, derived from what it waits for (a condition polled, a
    // configured platform timeout or shutdown grace, GATEWAY_START_CEILING_MS per spawned gateway).
    testTimeout: 300_000,
    hookTimeout: 300_000,
    // e2e suites start real servers on ephemeral ports, and most of their time is waiting (polls, a
    // platform timeout, a child's start-up): files run side by side. vitest's default is one worker
    // fewer than the cores — on these 2-core machines one, every file in turn (640 s of vitest in
    // `.ci/run`, 22 min in all on a slow VM); two workers: 385 s (three: 344 s, for more load).
    pool: 'forks',
    maxWorkers: Math.max(2, availableParallelism()),
  },
});
