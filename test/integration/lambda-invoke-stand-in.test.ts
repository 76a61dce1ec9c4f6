// The Lambda Invoke stand-in behaves as Lambda does for the SDK's InvokeCommand: the code that invokes functions
// (planner → workers, hosted app → grant intake) is tested against it, so its answers must be Lambda's.
import { InvokeCommand, LambdaClient, ResourceNotFoundException } from '@aws-sdk/client-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/dynamodb-local.js';
import {
  type AsyncFailure,
  functionNameOf,
  LambdaInvokeStandIn,
  type LambdaStandInOptions,
} from '../../local/lambda-invoke-stand-in.js';

let standIn: LambdaInvokeStandIn | undefined;
afterEach(async () => {
  await standIn?.stop();
  standIn = undefined;
});

async function start(options: LambdaStandInOptions) {
  standIn = await LambdaInvokeStandIn.start(options);
  const client = new LambdaClient({
    endpoint: standIn.endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: 1,
  });
  return { standIn, client };
}

const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
const parse = (bytes: Uint8Array | undefined) => JSON.parse(new TextDecoder().decode(bytes));

describe('Class: LambdaInvokeStandIn', () => {
  it('RequestResponse returns the handler result, with the context Lambda would give', async () => {
    const { client } = await start({
      functions: {
        echo: { timeoutMs: 5000, handler: async (event, context) => ({ event, fn: context.functionName }) },
      },
    });
    const out = await client.send(
      new InvokeCommand({
        FunctionName: 'arn:aws:lambda:us-east-1:000000000000:function:echo',
        Payload: json({ a: 1 }),
      }),
    );
    expect(out.StatusCode).toBe(200);
    expect(out.FunctionError).toBeUndefined();
    expect(parse(out.Payload)).toEqual({ event: { a: 1 }, fn: 'echo' });
  });

  it('a handler that throws answers 200 with FunctionError Unhandled and the error type, as Lambda does', async () => {
    const { client } = await start({
      functions: {
        boom: {
          timeoutMs: 5000,
          handler: async () => {
            throw new TypeError('bad config');
          },
        },
      },
    });
    const out = await client.send(new InvokeCommand({ FunctionName: 'boom', Payload: json({}) }));
    expect(out.FunctionError).toBe('Unhandled');
    expect(parse(out.Payload)).toMatchObject({ errorType: 'TypeError', errorMessage: 'bad config' });
  });

  it('a handler that outlives its timeout fails with Sandbox.Timedout', async () => {
    const { client } = await start({
      functions: { slow: { timeoutMs: 50, handler: () => new Promise((r) => setTimeout(r, 2000)) } },
    });
    const out = await client.send(new InvokeCommand({ FunctionName: 'slow', Payload: json({}) }));
    expect(parse(out.Payload)).toMatchObject({ errorType: 'Sandbox.Timedout' });
  });

  it('an unknown function is ResourceNotFoundException', async () => {
    const { client } = await start({ functions: {} });
    await expect(client.send(new InvokeCommand({ FunctionName: 'nope', Payload: json({}) }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
  });

  it('Event answers 202 at once, runs in the background, retries a failure twice, then calls the on-failure hook', async () => {
    const failures: AsyncFailure[] = [];
    let calls = 0;
    const { client, standIn: s } = await start({
      functions: {
        flaky: {
          timeoutMs: 5000,
          handler: async () => {
            calls++;
            throw new Error('still broken');
          },
        },
      },
      asyncRetryDelayMs: 1,
      onAsyncFailure: (f) => failures.push(f),
    });
    const out = await client.send(
      new InvokeCommand({ FunctionName: 'flaky', InvocationType: 'Event', Payload: json({ n: 1 }) }),
    );
    expect(out.StatusCode).toBe(202);
    await s.idle();
    expect(calls).toBe(3);
    expect(failures).toEqual([
      { functionName: 'flaky', payload: { n: 1 }, errorType: 'Error', errorMessage: 'still broken', attempts: 3 },
    ]);
    expect(s.invocations.map((i) => [i.type, i.attempt, i.outcome])).toEqual([
      ['Event', 1, 'error'],
      ['Event', 2, 'error'],
      ['Event', 3, 'error'],
    ]);
  });

  it('an asynchronous invocation that succeeds on a retry never reaches the on-failure hook', async () => {
    const failures: AsyncFailure[] = [];
    let calls = 0;
    const { client, standIn: s } = await start({
      functions: {
        once: {
          timeoutMs: 5000,
          handler: async () => {
            if (++calls === 1) throw new Error('first attempt fails');
            return 'ok';
          },
        },
      },
      asyncRetryDelayMs: 1,
      onAsyncFailure: (f) => failures.push(f),
    });
    await client.send(new InvokeCommand({ FunctionName: 'once', InvocationType: 'Event', Payload: json({}) }));
    await s.idle();
    expect(calls).toBe(2);
    expect(failures).toEqual([]);
  });
});

describe('Class: LambdaInvokeStandIn — aliases and reserved concurrency', () => {
  it('passes the qualifier the caller invoked into context.invokedFunctionArn, by name or Qualifier', async () => {
    const { client } = await start({
      functions: {
        intake: { timeoutMs: 5000, aliases: ['app-a'], handler: async (_e, context) => context.invokedFunctionArn },
      },
    });
    const arnOf = async (input: { FunctionName: string; Qualifier?: string }) =>
      parse((await client.send(new InvokeCommand({ ...input, Payload: json({}) }))).Payload);
    expect(await arnOf({ FunctionName: 'intake:app-a' })).toBe(
      'arn:aws:lambda:us-east-1:000000000000:function:intake:app-a',
    );
    expect(await arnOf({ FunctionName: 'intake', Qualifier: 'app-a' })).toMatch(/:function:intake:app-a$/);
    expect(await arnOf({ FunctionName: 'intake' })).toMatch(/:function:intake$/);
    await expect(client.send(new InvokeCommand({ FunctionName: 'intake:app-b', Payload: json({}) }))).rejects.toThrow(
      ResourceNotFoundException,
    );
    await expect(
      client.send(new InvokeCommand({ FunctionName: 'intake:app-a', Qualifier: '$LATEST', Payload: json({}) })),
    ).rejects.toMatchObject({ name: 'InvalidParameterValueException' });
  });

  it('throttles RequestResponse past the reserved concurrency (429), and gives each environment its own instance', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let built = 0;
    const { client, standIn: s } = await start({
      functions: {
        slow: {
          timeoutMs: 5000,
          reservedConcurrency: 2,
          newInstance: () => {
            const id = ++built;
            return async () => {
              await gate;
              return id;
            };
          },
        },
      },
    });
    const call = () => client.send(new InvokeCommand({ FunctionName: 'slow', Payload: json({}) }));
    const first = [call(), call()];
    await new Promise((resolve) => setTimeout(resolve, 100));
    await expect(call()).rejects.toMatchObject({ name: 'TooManyRequestsException' });
    release();
    const ids = (await Promise.all(first)).map((out) => parse(out.Payload));
    expect(ids.sort()).toEqual([1, 2]);
    // A free environment is reused: no third cold start.
    expect(parse((await call()).Payload)).toBeLessThanOrEqual(2);
    expect(s.instances.get('slow')).toBe(2);
    expect(s.throttled).toHaveLength(1);
  });
});

describe('Function: functionNameOf', () => {
  it.each([
    ['worker', 'worker'],
    ['worker:live', 'worker'],
    ['arn:aws:lambda:eu-west-1:123456789012:function:worker', 'worker'],
    ['arn:aws:lambda:eu-west-1:123456789012:function:worker:live', 'worker'],
    ['123456789012:function:worker', 'worker'],
  ])('%s names %s', (raw, name) => {
    expect(functionNameOf(raw)).toBe(name);
  });
});
