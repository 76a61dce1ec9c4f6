// Replicated write conflicts, as a global table with multi-Region strong consistency answers them
// (docs/regions.md): DynamoDB Local has no global tables, so a middleware on the client answers chosen writes with
// DynamoDB's `ReplicatedWriteConflictException` (HTTP 400, nothing applied). The SDK retries it (the error is
// modelled retryable), so a conflict that should reach the store is injected on every attempt the SDK makes.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

export function replicatedWriteConflictResponse() {
  const type = 'ReplicatedWriteConflictException';
  const body = JSON.stringify({
    __type: `com.amazonaws.dynamodb.v20120810#${type}`,
    message: 'One or more items in this request are being modified by a request in another Region.',
  });
  return {
    response: {
      statusCode: 400,
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-errortype': type },
      body: new TextEncoder().encode(body),
    },
  } as never;
}

export interface ConflictPlan {
  /**
   * Which write: UpdateItems whose update expression contains it (PutItems: whose condition does), until `conflicts`
   * attempts were answered.
   */
  marker: string | undefined;
  /** Attempts answered with the conflict (the DynamoDB client makes four of each write by default). */
  conflicts: number;
  /** Before the first conflict: another Region's write that did land (the race this write lost), if any. */
  competitor?: (() => Promise<void>) | undefined;
  /** The first attempt reaches DynamoDB and its answer is lost (a 500) before the conflicts begin. */
  applyFirst?: boolean;
  /** Conflicts answered so far. */
  answered: number;
}

/** Answers the planned write's attempts with replicated write conflicts; every other request goes through. */
export function injectReplicatedConflicts(client: DynamoDBClient): ConflictPlan {
  const plan: ConflictPlan = { marker: undefined, conflicts: 0, answered: 0 };
  let started = false;
  client.middlewareStack.add(
    (next) => async (args) => {
      const input = args.input as { UpdateExpression?: string; ConditionExpression?: string };
      const expression = String(input.UpdateExpression ?? input.ConditionExpression ?? '');
      if (plan.marker === undefined || !expression.includes(plan.marker)) return next(args);
      if (!started) {
        started = true;
        await plan.competitor?.();
        if (plan.applyFirst) {
          await next(args);
          const body = JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError' });
          return {
            response: {
              statusCode: 500,
              headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-errortype': 'InternalServerError' },
              body: new TextEncoder().encode(body),
            },
          } as never;
        }
      }
      plan.answered++;
      if (plan.answered >= plan.conflicts) {
        plan.marker = undefined;
        started = false;
      }
      return replicatedWriteConflictResponse();
    },
    { step: 'deserialize', priority: 'low', name: 'replicatedWriteConflicts' },
  );
  return plan;
}
