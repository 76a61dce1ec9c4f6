// DynamoDB faults injected inside the SDK: a middleware below the retry strategy and below the deserializer answers
// some attempts with a raw DynamoDB error response, so the SDK's own deserializer builds the real exception and its
// own retry strategy decides what to retry. Three kinds: throttling and a 500 before the request reaches DynamoDB,
// and a 500 after DynamoDB applied a write (the response is lost, the SDK retries a write that already happened).
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

export type DbFaultKind = 'throttle' | 'server-error' | 'server-error-after-write';

const WRITES = new Set(['UpdateItemCommand', 'PutItemCommand', 'DeleteItemCommand']);

function errorResponse(status: number, type: string) {
  return {
    response: {
      statusCode: status,
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-errortype': type },
      body: new TextEncoder().encode(
        JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${type}`, message: `injected ${type}` }),
      ),
    },
    output: undefined,
  };
}

export class DynamoDbFaults {
  /** Probability that one attempt is faulted; 0 switches injection off. */
  rate = 0;
  kinds: DbFaultKind[] = ['throttle', 'server-error', 'server-error-after-write'];
  /** Only these commands are faulted (e.g. UpdateItemCommand: a brownout of the writes); all when undefined. */
  commands: ReadonlySet<string> | undefined;
  readonly injected: Record<DbFaultKind, number> = { throttle: 0, 'server-error': 0, 'server-error-after-write': 0 };
  /** Attempts the SDK made for one command, at most (retries included). */
  maxAttemptsPerCall = 0;
  readonly #attempts = new WeakMap<object, number>();

  install(client: DynamoDBClient): void {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const attempt = (this.#attempts.get(context) ?? 0) + 1;
        this.#attempts.set(context, attempt);
        this.maxAttemptsPerCall = Math.max(this.maxAttemptsPerCall, attempt);
        const command = (context as { commandName?: string }).commandName ?? '';
        if (this.commands !== undefined && !this.commands.has(command)) return next(args);
        if (this.rate === 0 || Math.random() >= this.rate) return next(args);
        const kinds = this.kinds.filter((k) => k !== 'server-error-after-write' || WRITES.has(command));
        const kind = kinds[Math.floor(Math.random() * kinds.length)] as DbFaultKind;
        this.injected[kind]++;
        if (kind === 'throttle') return errorResponse(400, 'ProvisionedThroughputExceededException') as never;
        if (kind === 'server-error') return errorResponse(500, 'InternalServerError') as never;
        await next(args);
        return errorResponse(500, 'InternalServerError') as never;
      },
      { step: 'deserialize', priority: 'low', name: 'reliabilityFaultInjection' },
    );
  }

  get total(): number {
    return Object.values(this.injected).reduce((a, b) => a + b, 0);
  }
}
