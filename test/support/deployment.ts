// A deployment for the operator CLI's tests: the real planner and sweep worker (local/local-fleet.ts) on a harness's
// table, the worker served by the Lambda Invoke stand-in the CLI reaches through its Lambda client, and one planner
// tick so the deployment has published its descriptor. Its settings may differ from the operator's shell, as a real
// deployment's do.
import { LambdaClient } from '@aws-sdk/client-lambda';
import { DynamoDbDeployment } from '../../lambdas/adapters/dynamodb-deployment.js';
import type { RefresherConfig } from '../../lambdas/config.js';
import { DeploymentPublisher, deploymentSettingsOf } from '../../lambdas/refresher/deployment-publisher.js';
import type { RuntimeOverrides } from '../../lambdas/refresher/runtime.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/dynamodb-local.js';
import { LOCAL_WORKER_FUNCTION, LocalFleet } from '../../local/local-fleet.js';
import { CapturedLog, type Harness } from './harness.js';

export interface TestDeployment {
  fleet: LocalFleet;
  /** The operator's Lambda client: its calls reach the deployment's functions. */
  lambdaClient: LambdaClient;
  env: Record<string, string>;
  stop(): Promise<void>;
}

export async function startDeployment(
  h: Harness,
  options: { env?: Record<string, string>; overrides?: RuntimeOverrides; publish?: boolean } = {},
): Promise<TestDeployment> {
  const env = { ...h.env, ...options.env };
  const fleet = await LocalFleet.start({
    env,
    overrides: { documentClient: h.doc, secretsClient: h.secretsClient, ...options.overrides },
  });
  // The planner's first tick publishes the descriptor (the table is empty or not due: it starts no worker).
  if (options.publish !== false) await fleet.tick();
  const lambdaClient = new LambdaClient({
    endpoint: fleet.standIn.endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: 1,
  });
  return {
    fleet,
    lambdaClient,
    env,
    async stop() {
      lambdaClient.destroy();
      await fleet.stop();
    },
  };
}

/**
 * The descriptor a deployment on this harness's configuration publishes, written as its planner writes it, for
 * tests that need no refresher function (the CLI's writes but `refresh`).
 */
export async function publishDeployment(h: Harness, config: Partial<RefresherConfig> = {}): Promise<void> {
  const outcome = await new DeploymentPublisher({
    registry: new DynamoDbDeployment({ tableName: h.table, client: h.doc }),
    settings: deploymentSettingsOf(
      { ...h.config, ...config },
      { refresherFunctionName: LOCAL_WORKER_FUNCTION, serviceName: 'tenant-token-refresher' },
    ),
    clock: { now: Date.now, sleep: async () => {} },
    log: new CapturedLog(),
  }).ensurePublished();
  if (outcome === 'failed') throw new Error('could not publish the test deployment descriptor');
}
