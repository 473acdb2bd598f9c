import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    // Temporal's native bridge crashes under worker threads.
    pool: 'forks',
    // Two test files at a time (the machine has 2 cores; vitest's default of cores - 1 runs them one by one): most
    // files wait on processes, servers and simulated time, so the suite takes about two thirds of the time.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
