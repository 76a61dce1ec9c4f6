import { defineConfig } from 'vitest/config';

// What Stryker runs per mutant: `npm test`'s unit and integration projects (the CDK template tests cover no engine
// code). Same settings as vitest.config.ts, so a mutant is killed here exactly when `npm test` would kill it. The
// source-shape checks are left out: they read files Stryker has instrumented (longer, with its own imports).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          exclude: ['test/unit/architecture.test.ts', 'test/unit/docs.test.ts'],
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/support/dynamodb-global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
