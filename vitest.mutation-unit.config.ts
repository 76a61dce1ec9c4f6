import { defineConfig } from 'vitest/config';

// What Stryker runs per mutant (`npm run test:mutation`): `npm test`'s unit project only, so that four thousand
// mutants run in well under an hour. A mutant it leaves alive may still be killed by the integration tests; the
// DynamoDB fences those tests prove are checked by `npm run test:guards`. The source-shape checks are left out: they
// read files Stryker has instrumented.
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
