import { defineConfig } from 'vitest/config';

// `npm run test:reliability`: races, crashes, provider/database/secrets faults, bad input, leak scans, notifications
// and token availability, on one DynamoDB Local JVM, a real oidc-provider and real OS refresher processes. The
// integration scenarios run here too, under the same leak scan. Files run one at a time: several of them load the
// machine on purpose (8 refresher processes, 500-org availability runs) and must not distort each other.
export default defineConfig({
  test: {
    include: ['test/reliability/**/*.test.ts', 'test/integration/**/*.test.ts'],
    globalSetup: [
      'test/support/dynamodb-global-setup.ts',
      'test/reliability/support/worker-bundle-global-setup.ts',
      'test/reliability/support/summary-global-setup.ts',
    ],
    setupFiles: ['test/reliability/support/leak-setup.ts'],
    // lambdas/refresher/handler.ts builds its Lambda handler from process.env when imported (cold-start validation);
    // tests import it for buildHandler/createHandlerParts and pass their own environment to those.
    env: { TABLE_NAME: 'imported-for-build-handler-only' },
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 120_000,
  },
});
