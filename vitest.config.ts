import { defineConfig } from 'vitest/config';

// `npm test`: fast unit tests, integration tests on one DynamoDB Local JVM (started once by the global setup) and
// the CDK template tests. The reliability suite has its own config (npm run test:reliability).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
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
      {
        test: {
          name: 'cdk',
          include: ['test/cdk/**/*.test.ts'],
          testTimeout: 120_000,
          // One worker, one module graph: aws-cdk-lib is imported and warmed up once instead of once per file, so the
          // synth-heavy files cost a fraction of the CPU and do not starve the timing-sensitive integration suite.
          fileParallelism: false,
          isolate: false,
        },
      },
    ],
  },
});
