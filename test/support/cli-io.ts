// Runs the operator CLI in-process with captured output, a given stdin and environment.
import { readFile, stat } from 'node:fs/promises';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { runCli } from '../../cli/tenant-tokens.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  env?: Record<string, string | undefined>;
  /** Piped stdin; undefined behaves like a terminal (nothing piped). */
  stdin?: string;
  dynamoDb?: DynamoDBClient;
  secretsClient?: SecretsManagerClient;
  /** Reaches the deployment's refresher function (`tenants refresh`). */
  lambdaClient?: LambdaClient;
  /** This machine's clock (skewed in a test); the CLI's writes must not depend on it. */
  now?: () => number;
}

export async function cli(argv: string[], options: CliOptions = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(
    argv,
    {
      stdout: (t) => {
        stdout += t;
      },
      stderr: (t) => {
        stderr += t;
      },
      readStdin: async () => options.stdin,
      readFile: (p) => readFile(p, 'utf8'),
      fileMode: async (p) => (await stat(p)).mode & 0o777,
      env: options.env ?? {},
      ...(options.now ? { now: options.now } : {}),
    },
    {
      ...(options.dynamoDb ? { dynamoDb: options.dynamoDb } : {}),
      ...(options.secretsClient ? { secretsClient: options.secretsClient } : {}),
      ...(options.lambdaClient ? { lambdaClient: options.lambdaClient } : {}),
    },
  );
  return { code, stdout, stderr };
}
