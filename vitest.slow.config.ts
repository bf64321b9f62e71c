import { defineConfig } from 'vitest/config';

// Slow suites (process crashes, long waits): `npm run test:slow`, also run by .ci/run.
export default defineConfig({
  test: {
    include: ['test/slow/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 120_000,
    maxWorkers: 1,
  },
});
