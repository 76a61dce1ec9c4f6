// Mutation testing (`npm run test:mutation`): every file of lambdas/core and lambdas/refresher, each mutant tried
// against `npm test`'s unit tests (vitest.mutation-unit.config.ts). About 40 minutes on 2 cores, so outside CI; the
// score and the survivors are in docs/reliability.md ("Mutation testing").
//
// The DynamoDB adapters' fences (the conditions of the claim and of every fenced write) are proven apart, by
// `npm run test:guards` (scripts/guard-removal.mjs): each condition made a tautology, `npm test`'s tests that use
// DynamoDB Local must fail. Stryker over those files with the integration tests ran at ~2 mutants a minute here.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation-unit.config.ts', related: false },
  coverageAnalysis: 'perTest',
  // Static mutants (module-level values: zod schemas, tables, constants) would need every test on a fresh module graph,
  // minutes each here. Stryker ignores those it sees only at module load; those a test also touches it reports, but
  // their results are not trustworthy (a schema regex mutant reported alive failed 5 unit tests when applied by hand),
  // so docs/reliability.md gives the score over non-static mutants and counts the static ones apart.
  ignoreStatic: true,
  mutate: ['lambdas/core/**/*.ts', 'lambdas/refresher/**/*.ts'],
  reporters: ['clear-text', 'progress', 'json', 'html'],
  jsonReporter: { fileName: 'reports/mutation/engine.json' },
  htmlReporter: { fileName: 'reports/mutation/engine.html' },
  concurrency: 2,
  timeoutMS: 15_000,
  // Later runs re-test only mutants whose code or covering tests changed.
  incremental: true,
  incrementalFile: 'reports/mutation/engine-incremental.json',
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
