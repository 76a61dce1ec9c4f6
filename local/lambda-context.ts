// A Lambda context for running the real handler outside Lambda (local mode, the bench, the tests): the fields
// Powertools reads, and a deadline behind getRemainingTimeInMillis, which the sweep uses to stop claiming in time.
import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';

export function lambdaContext(
  budgetMs: number,
  options: { functionName?: string; logStreamName?: string; memoryMb?: number; qualifier?: string | undefined } = {},
): Context {
  const functionName = options.functionName ?? 'tenant-token-refresher';
  const deadline = Date.now() + budgetMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    // Lambda puts the qualifier the caller invoked (an alias, a version) in the invoked ARN, none when unqualified.
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}${options.qualifier ? `:${options.qualifier}` : ''}`,
    memoryLimitInMB: String(options.memoryMb ?? 1024),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: options.logStreamName ?? 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}
