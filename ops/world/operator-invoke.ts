// The operator CLI in the simulated world reaches the deployment as on-call's does in AWS: it reads the descriptor the
// planner published and `tenants refresh` invokes the deployed refresher function (RequestResponse) through the SDK.
// Here that function is the REAL handler behind the loopback Lambda Invoke stand-in (a fresh execution environment
// per invocation, built by the world with its faults); and AWS's clock, which the CLI reads from DynamoDB's Date
// header, is the simulated one, as every other party's is.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/dynamodb-local.js';
import { LambdaInvokeStandIn, type StandInHandler } from '../../local/lambda-invoke-stand-in.js';
import { simNow } from '../virtual-time.js';

export interface OperatorLambda {
  client: LambdaClient;
  stop(): Promise<void>;
}

export async function startOperatorLambda(
  functionName: string,
  timeoutMs: number,
  handler: StandInHandler,
): Promise<OperatorLambda> {
  const standIn = await LambdaInvokeStandIn.start({ functions: { [functionName]: { handler, timeoutMs } } });
  const client = new LambdaClient({
    endpoint: standIn.endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: 1,
  });
  return {
    client,
    async stop() {
      client.destroy();
      await standIn.stop();
    },
  };
}

/** DynamoDB Local's Date header is the machine's time; in the simulation, AWS's time is the simulated time. */
export function simulatedDateHeader(client: DynamoDBClient): void {
  client.middlewareStack.add(
    (next) => async (args) => {
      const out = await next(args);
      const headers = (out.response as { headers?: Record<string, string> } | undefined)?.headers;
      if (headers) headers.date = new Date(simNow()).toUTCString();
      return out;
    },
    // Innermost: the raw answer, before anything reads it.
    { step: 'deserialize', priority: 'low', name: 'simulatedDateHeader' },
  );
}
