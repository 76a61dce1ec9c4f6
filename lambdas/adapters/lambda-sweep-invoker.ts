// Starts a sweep worker the way AWS runs it: Lambda Invoke with InvocationType Event. Lambda queues the event and
// answers 202; its own async machinery (retries as configured, the on-failure destination, reserved concurrency as
// the hard cap) takes it from there, so there is no queue or scheduler of ours. Off AWS, AWS_ENDPOINT_URL_LAMBDA
// (or an injected client) points at local/lambda-invoke-stand-in.ts.
import type { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type { SweepInvoker, SweepWorkerEvent } from '../core/fleet-ports.js';

type LambdaSdk = { client: LambdaClient; InvokeCommand: typeof InvokeCommand };

export class LambdaSweepInvoker implements SweepInvoker {
  #sdk: Promise<LambdaSdk> | undefined;

  constructor(private readonly options: { functionName: string; client?: LambdaClient }) {}

  /** Loaded on the planner's first invoke, not at cold start: a worker never needs it. */
  #load(): Promise<LambdaSdk> {
    this.#sdk ??= import('@aws-sdk/client-lambda').then((sdk) => ({
      client: this.options.client ?? new sdk.LambdaClient({}),
      InvokeCommand: sdk.InvokeCommand,
    }));
    return this.#sdk;
  }

  async startSweep(event: SweepWorkerEvent): Promise<void> {
    const { client, InvokeCommand } = await this.#load();
    const out = await client.send(
      new InvokeCommand({
        FunctionName: this.options.functionName,
        InvocationType: 'Event',
        Payload: new TextEncoder().encode(JSON.stringify(event)),
      }),
    );
    if (out.StatusCode !== 202) throw new Error(`worker invoke answered ${out.StatusCode}, expected 202`);
  }
}
