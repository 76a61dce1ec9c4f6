// The deployment the CLI acts for. Every command that writes first reads the descriptor the deployment published in
// its table (core/deployment-descriptor.ts) and takes the deployment's settings from it: the shard a new or
// re-authorised org goes to, the token hosts an org may name, the function `tenants refresh` invokes. An operator's
// environment that sets one of them differently is refused, naming both values; unset, the deployment's is used; no
// descriptor, nothing is written (docs/operations.md, "The CLI and the deployment").
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbDeployment } from '../lambdas/adapters/dynamodb-deployment.js';
import { configSchema } from '../lambdas/config.js';
import type { DeploymentSettings } from '../lambdas/core/deployment-descriptor.js';
import { describeIssues } from '../lambdas/core/record.js';
import { agreeWithDeployment, type OperatorSettings } from '../lambdas/core/settings-agreement.js';
import { PLAIN } from '../lambdas/core/validation-messages.js';
import { UsageError } from './usage-error.js';

export type DeploymentErrorCode = 'DEPLOYMENT_UNKNOWN' | 'SETTINGS_DISAGREE' | 'REFRESHER_INVOKE_FAILED';

/** The CLI will not act for this deployment as things stand; the message says why and what to do. */
export class DeploymentError extends Error {
  override readonly name = 'DeploymentError';
  constructor(
    readonly code: DeploymentErrorCode,
    message: string,
    /** 2 when the operator's own environment is what is wrong, 1 otherwise. */
    readonly exitCode: 1 | 2 = 1,
  ) {
    super(`${message} [${code}]`);
  }
}

const { SHARD_COUNT, ALLOWED_TOKEN_HOSTS, ALLOW_LOOPBACK_HTTP } = configSchema.shape;

/** The deployment settings the operator's environment sets, parsed; a malformed one is a usage error (exit 2). */
export function operatorSettings(env: Record<string, string | undefined>, help: string): OperatorSettings {
  const set = (name: string) => env[name] !== undefined && env[name] !== '';
  const parse = <T>(name: string, schema: { safeParse: (v: unknown, o: typeof PLAIN) => ParseResult<T> }) => {
    if (!set(name)) return undefined;
    const parsed = schema.safeParse(env[name], PLAIN);
    if (!parsed.success) throw new UsageError(`${name} ${describeIssues(parsed.error).replace(/^record /, '')}`, help);
    return parsed.data;
  };
  if (set('SHARD_COUNT') && !/^\d{1,2}$/.test(env.SHARD_COUNT as string)) {
    throw new UsageError('SHARD_COUNT must be a whole number 1-64', help);
  }
  return {
    shardCount: parse<number>('SHARD_COUNT', SHARD_COUNT),
    allowedTokenHosts: parse<string[]>('ALLOWED_TOKEN_HOSTS', ALLOWED_TOKEN_HOSTS),
    allowLoopbackHttp: parse<boolean>('ALLOW_LOOPBACK_HTTP', ALLOW_LOOPBACK_HTTP),
    eventBusName: set('EVENT_BUS_NAME') ? env.EVENT_BUS_NAME : undefined,
  };
}

type ParseResult<T> =
  | { success: true; data: T }
  | { success: false; error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] } };

/** Reads the descriptor (a consistent read) and checks the operator's environment against it. */
export async function deploymentOf(
  client: DynamoDBDocumentClient,
  table: string,
  operator: OperatorSettings,
): Promise<DeploymentSettings> {
  const read = await new DynamoDbDeployment({ tableName: table, client }).read({ consistent: true });
  if (read.state === 'missing') {
    throw new DeploymentError(
      'DEPLOYMENT_UNKNOWN',
      `table ${table} has no deployment descriptor yet, so this CLI does not know the deployment's settings and ` +
        "wrote nothing. The deployment's planner publishes it at its first tick, within a schedule period of a " +
        'deploy: wait a minute and run this again. If the stack is older than that, check that --table is its ' +
        'TableName output, that it runs this version (an earlier one publishes none: deploy it) and that the ' +
        'planner runs (alarms Heartbeat and LambdaErrors, its log group)',
    );
  }
  if (read.state === 'invalid') {
    throw new DeploymentError(
      'DEPLOYMENT_UNKNOWN',
      `the deployment descriptor in table ${table} cannot be used: ${read.message}. Nothing was written; use the ` +
        'tenant-tokens of the deployed version',
    );
  }
  const verdict = agreeWithDeployment(read.descriptor, operator);
  if (verdict.decision === 'refuse') {
    const what = verdict.conflicts.map(
      (c) => `${c.variable} is ${c.operator} here but ${c.deployment} in the deployment`,
    );
    throw new DeploymentError(
      'SETTINGS_DISAGREE',
      `your environment disagrees with the deployment of table ${table}: ${what.join('; ')}. Nothing was written. ` +
        "Unset the variable (the CLI then uses the deployment's value), or point --table at the deployment you meant",
      2,
    );
  }
  return verdict.settings;
}

/**
 * The environment the onboarding checks see before the deployment is known (usage errors come before any AWS call):
 * the operator's allow-list if set (it must equal the deployment's anyway), otherwise the host is left to the second
 * check; loopback http allowed unless set otherwise (the deployment's rule decides in the second check).
 */
export function provisionalOnboardingEnv(env: Record<string, string | undefined>): Record<string, string | undefined> {
  return {
    ALLOWED_TOKEN_HOSTS: env.ALLOWED_TOKEN_HOSTS || undefined,
    ALLOW_LOOPBACK_HTTP: env.ALLOW_LOOPBACK_HTTP || 'true',
  };
}

/** The environment the onboarding checks see once the deployment is known: its allow-list and loopback rule. */
export function deploymentOnboardingEnv(settings: DeploymentSettings): Record<string, string> {
  return {
    ALLOWED_TOKEN_HOSTS: settings.allowedTokenHosts.join(','),
    ALLOW_LOOPBACK_HTTP: String(settings.allowLoopbackHttp),
  };
}
