// What every `tenant-tokens` command gets: its I/O (injected by tests, bound to the process by main.ts), the AWS
// clients to use, and the table admin built from --table / TABLE_NAME and SHARD_COUNT.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { TenantAdmin } from '../lambdas/adapters/dynamodb-tenant-admin.js';
import { createDocumentClient } from '../lambdas/adapters/dynamodb-token-store.js';
import { resolveTable, UsageError } from './args.js';

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
  now?: () => number;
}

/** Injected by tests; otherwise built from the standard AWS environment. */
export interface CliDeps {
  dynamoDb?: DynamoDBClient;
  secretsClient?: SecretsManagerClient;
}

export interface CommandContext {
  io: CliIo;
  deps: CliDeps;
  /** --table given before the command, if any. */
  table: string | undefined;
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

export function documentClient(ctx: CommandContext) {
  return createDocumentClient(ctx.deps.dynamoDb ?? new DynamoDBClient({}));
}

export function tenantAdmin(ctx: CommandContext, tableFlag: string | undefined, help: string): TenantAdmin {
  return new TenantAdmin({
    tableName: tableName(ctx, tableFlag, help),
    client: documentClient(ctx),
    shardCount: shardCount(ctx.io.env, help),
    now: ctx.now,
  });
}

function shardCount(env: Record<string, string | undefined>, help: string): number {
  const raw = env.SHARD_COUNT;
  if (raw === undefined || raw === '') return 1;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new UsageError('SHARD_COUNT must be a whole number 1-64', help);
  return n;
}
