// Mutation testing, in two runs (docs/reliability.md, "Mutation testing", has the scores and the survivors):
//
// - `npm run test:mutation` (MUTATION_SCOPE=engine): every file of lambdas/core and lambdas/refresher, each mutant
//   tried against `npm test`'s unit tests. Minutes on 2 cores; its score is the figure we hold at >= 85 %.
// - `npm run test:mutation:fences` (MUTATION_SCOPE=fences): the fences only (claim, lease and commit window, version
//   fence, commit condition, the token store's and the writers' conditional expressions), each mutant tried against
//   the unit and the integration tests (DynamoDB Local), i.e. everything `npm test` runs on the engine. The goal:
//   no fence mutant survives.
//
// Neither is in CI (2 cores; the fences run alone takes longer than the rest of CI).
const scope = process.env.MUTATION_SCOPE ?? 'engine';

const scopes = {
  engine: {
    mutate: ['lambdas/core/**/*.ts', 'lambdas/refresher/**/*.ts'],
    configFile: 'vitest.mutation-unit.config.ts',
  },
  fences: {
    mutate: [
      'lambdas/refresher/claim.ts',
      'lambdas/refresher/commit.ts',
      'lambdas/core/claim-conflict.ts',
      'lambdas/core/commit-window.ts',
      'lambdas/core/commit-verdict.ts',
      'lambdas/adapters/dynamodb-token-store.ts',
      'lambdas/adapters/dynamodb-conditional-writer.ts',
      'lambdas/adapters/dynamodb-conditional-put.ts',
    ],
    configFile: 'vitest.mutation.config.ts',
  },
};
const chosen = scopes[scope];
if (!chosen) throw new Error(`MUTATION_SCOPE must be one of ${Object.keys(scopes).join(', ')}; got '${scope}'`);

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: chosen.configFile, related: false },
  coverageAnalysis: 'perTest',
  // Static mutants (module-level values: zod schemas, tables, constants) run every test on a fresh module graph,
  // minutes each here; they are left out of the score (reported as ignored) and covered by the schema tests.
  ignoreStatic: true,
  mutate: chosen.mutate,
  reporters: ['clear-text', 'progress', 'json', 'html'],
  jsonReporter: { fileName: `reports/mutation/${scope}.json` },
  htmlReporter: { fileName: `reports/mutation/${scope}.html` },
  concurrency: 2,
  timeoutMS: 15_000,
  // Later runs re-test only mutants whose code or covering tests changed.
  incremental: true,
  incrementalFile: `reports/mutation/${scope}-incremental.json`,
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
