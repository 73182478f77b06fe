import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'adapters/**/*.test.ts', 'gateway/**/*.test.ts', 'mocks/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // e2e suites start real servers on ephemeral ports; files run in parallel on 2 cores
    pool: 'forks',
  },
});
