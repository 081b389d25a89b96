import { defineConfig } from 'vitest/config';

/** The opt-in suite against a real OpenClaw gateway (`npm run test:openclaw`). */
export default defineConfig({
  test: {
    name: 'openclaw',
    include: ['test/openclaw/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
