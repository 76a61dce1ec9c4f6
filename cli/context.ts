// What every `tenant-tokens` command gets: its I/O (injected by tests, bound to the process by main.ts), the AWS
// clients to use, and the table admin: for a command that writes, built for the deployment the table says it serves
// (cli/deployment.ts) and on AWS's clock (cli/aws-clock.ts), never on the laptop's settings or clock.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { TenantAdmin } from '../lambdas/adapters/dynamodb-tenant-admin.js';
import { createDocumentClient } from '../lambdas/adapters/dynamodb-token-store.js';
import type { DeploymentSettings } from '../lambdas/core/deployment-descriptor.js';
import { resolveTable, UsageError } from './args.js';
import { awsClockOf } from './aws-clock.js';
import { deploymentOf, operatorSettings } from './deployment.js';

export { ExitCode } from './exit-code.js';

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** All of stdin, or undefined when stdin is a terminal (nothing was piped). */
  readStdin(): Promise<string | undefined>;
  readFile(path: string): Promise<string>;
  /** The file's permission bits (`stat().mode & 0o777`); undefined where the platform has none to speak of. */
  fileMode(path: string): Promise<number | undefined>;
  env: Record<string, string | undefined>;
  /** This machine's clock: shown times only until AWS's is known; never a lease decision or a stamp. */
  now?: () => number;
}

/** Injected by tests; otherwise built from the standard AWS environment. */
export interface CliDeps {
  dynamoDb?: DynamoDBClient;
  secretsClient?: SecretsManagerClient;
  /** `tenants refresh` invokes the deployment's refresher function through this (AWS_ENDPOINT_URL_LAMBDA). */
  lambdaClient?: LambdaClient;
}

export interface CommandContext {
  io: CliIo;
  deps: CliDeps;
  /** --table given before the command, if any. */
  table: string | undefined;
  /** AWS's time once a DynamoDB answer said it, this machine's before: for what the CLI shows. */
  now: () => number;
}

export interface Command {
  help: string;
  run(args: string[], ctx: CommandContext): Promise<number>;
}

export const tableOption = { table: { type: 'string' } } as const;

/** The table this command works on: --table (before or after the command, not both differing) or TABLE_NAME. */
export function tableName(ctx: CommandContext, tableFlag: string | undefined, help: string): string {
  if (ctx.table && tableFlag && ctx.table !== tableFlag) throw new UsageError('--table was given twice', help);
  return resolveTable(tableFlag ?? ctx.table, ctx.io.env, help);
}

function dynamoDb(ctx: CommandContext): DynamoDBClient {
  ctx.deps.dynamoDb ??= new DynamoDBClient({});
  return ctx.deps.dynamoDb;
}

export function documentClient(ctx: CommandContext) {
  return createDocumentClient(dynamoDb(ctx));
}

/**
 * For commands that only read (list, show): no deployment needed. The operator's deployment variables are still
 * checked, so a malformed one is a usage error here too.
 */
export function tableReader(ctx: CommandContext, tableFlag: string | undefined, help: string): TenantAdmin {
  operatorSettings(ctx.io.env, help);
  const table = tableName(ctx, tableFlag, help);
  awsClockOf(dynamoDb(ctx));
  return new TenantAdmin({ tableName: table, client: documentClient(ctx), now: ctx.now });
}

export interface DeployedAdmin {
  admin: TenantAdmin;
  /** The deployment's settings, as it published them. */
  deployment: DeploymentSettings;
}

/**
 * For commands that write: the deployment's settings (refused when the operator's environment disagrees, or when the
 * table has no descriptor), and an admin that puts orgs in the deployment's shards and takes every time from AWS.
 */
export async function deployedAdmin(
  ctx: CommandContext,
  tableFlag: string | undefined,
  help: string,
): Promise<DeployedAdmin> {
  const operator = operatorSettings(ctx.io.env, help);
  const table = tableName(ctx, tableFlag, help);
  const client = documentClient(ctx);
  const clock = awsClockOf(dynamoDb(ctx));
  // The consistent read of the descriptor is also the first answer that tells the CLI AWS's time.
  const deployment = await deploymentOf(client, table, operator);
  const admin = new TenantAdmin({
    tableName: table,
    client,
    shardCount: deployment.shardCount,
    now: () => clock.now(),
  });
  return { admin, deployment };
}
