// Mutation testing (`npm run test:mutation`): Stryker mutates the refresh engine's decisions and its orchestration
// (lambdas/core, lambdas/refresher) and runs, for each mutant, the unit and integration tests that cover it. The
// score and the surviving mutants are in docs/reliability.md. Too slow for CI on 2 cores, so run by hand.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts', related: false },
  coverageAnalysis: 'perTest',
  mutate: ['lambdas/core/**/*.ts', 'lambdas/refresher/**/*.ts'],
  reporters: ['clear-text', 'progress', 'json', 'html'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  concurrency: 2,
  timeoutMS: 15_000,
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
