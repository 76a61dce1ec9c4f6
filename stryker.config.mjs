// Mutation testing (`npm run test:mutation`): Stryker mutates the refresh engine's decisions and its orchestration
// (lambdas/core, lambdas/refresher) and the fences' own conditions (the token store's conditional writes), and runs,
// for each mutant, the unit and integration tests of `npm test` that cover it. The score and the surviving mutants are
// in docs/reliability.md. Too slow for CI on 2 cores (hours), so run by hand.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts', related: false },
  coverageAnalysis: 'perTest',
  // Static mutants (module-level values: zod schemas, tables, constants) run every test on a fresh module graph,
  // minutes each here; they are left out of the score (reported as ignored) and covered by the schema tests.
  ignoreStatic: true,
  mutate: [
    'lambdas/core/**/*.ts',
    'lambdas/refresher/**/*.ts',
    'lambdas/adapters/dynamodb-token-store.ts',
    'lambdas/adapters/dynamodb-conditional-writer.ts',
  ],
  reporters: ['clear-text', 'progress', 'json', 'html'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  concurrency: 2,
  timeoutMS: 15_000,
  // Later runs re-test only mutants whose code or covering tests changed (reports/mutation/incremental.json).
  incremental: true,
  incrementalFile: 'reports/mutation/incremental.json',
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
