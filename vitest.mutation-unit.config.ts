import { defineConfig } from 'vitest/config';

// The engine-wide mutation run (`npm run test:mutation`): `npm test`'s unit project only, so that thousands of mutants
// run in minutes. A mutant it leaves alive may still be killed by the integration tests; the fence files are run
// again with those too (`npm run test:mutation:fences`, vitest.mutation.config.ts). The source-shape checks are left
// out: they read files Stryker has instrumented.
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
    ],
  },
});
