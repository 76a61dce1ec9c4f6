// The DynamoDB clients the Lambdas build: every call bounded in time, items marshalled without undefined values.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * Every DynamoDB call the Lambdas make is bounded: a connection within 1 s, each attempt within 3 s (DynamoDB answers
 * in milliseconds; a call that takes seconds is a stalled store), so the SDK's retries end too. Without these the SDK
 * waits forever, and a stalled store could hold a commit past the lease that makes it exclusive (issue 16). Commits
 * bound their whole call tighter still (core/commit-window.ts).
 */
export const DYNAMODB_TIMEOUTS = { connectionTimeout: 1_000, requestTimeout: 3_000, throwOnRequestTimeout: true };

/** The DynamoDB client a Lambda builds, with DYNAMODB_TIMEOUTS; `config` adds to it (tests: an endpoint, attempts). */
export function createDynamoDbClient(config: ConstructorParameters<typeof DynamoDBClient>[0] = {}): DynamoDBClient {
  return new DynamoDBClient({ requestHandler: DYNAMODB_TIMEOUTS, ...config });
}

export function createDocumentClient(client?: DynamoDBClient): DynamoDBDocumentClient {
  // AWS_ENDPOINT_URL_DYNAMODB is honoured by the SDK itself, so local mode needs no code path of its own.
  return DynamoDBDocumentClient.from(client ?? createDynamoDbClient(), {
    marshallOptions: { removeUndefinedValues: true },
  });
}
