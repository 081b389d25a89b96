import { defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config.ts';

/** The opt-in suite against a real OpenClaw gateway (`npm run test:openclaw`); module resolution as in `npm test`. */
export default mergeConfig(
  { resolve: base.resolve },
  defineConfig({
    test: {
      name: 'openclaw',
      include: ['test/openclaw/**/*.test.ts'],
      testTimeout: 120_000,
      hookTimeout: 120_000,
      fileParallelism: false,
    },
  }),
);
