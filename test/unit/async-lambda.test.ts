// The Lambda stand-in behind the alarm simulation: what Lambda's metrics and the failure queue are derived from.
// An invocation fails as a whole when the handler throws, the init fails, the process crashes or the environment
// stalls (then it counts the full timeout); failed attempts are retried as configured, then handed to the on-failure
// destination in Lambda's record format; an event older than the maximum age is not run at all.
import { describe, expect, it } from 'vitest';
import { AsyncLambda, type AttemptRecord, executionEnvironment, type Handler } from '../../local/async-lambda.js';
import type { FailureRecord } from '../../local/failure-queue.js';

function harness(options: {
  retries?: number;
  maxAgeMs?: number;
  coldStart?: () => ReturnType<typeof executionEnvironment>;
}) {
  let now = 1_000_000;
  let reserved: number | undefined;
  const throttles: number[] = [];
  const attempts: AttemptRecord[] = [];
  const failures: FailureRecord[] = [];
  let coldStarts = 0;
  const handler: Handler = async () => ({ ok: true });
  const lambda = new AsyncLambda({
    functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:refresher',
    timeoutMs: 180_000,
    maximumRetryAttempts: options.retries ?? 0,
    maximumEventAgeMs: options.maxAgeMs ?? 60_000,
    coldStart: () => {
      coldStarts++;
      return options.coldStart ? options.coldStart() : executionEnvironment(handler);
    },
    onAttempt: (r) => attempts.push(r),
    onFailure: (r) => failures.push(r),
    now: () => now,
    reservedConcurrency: () => reserved,
    onThrottle: (at) => throttles.push(at),
  });
  return {
    lambda,
    attempts,
    failures,
    throttles,
    coldStarts: () => coldStarts,
    advance: (ms: number) => (now += ms),
    reserve: (n: number | undefined) => (reserved = n),
  };
}

describe('AsyncLambda', () => {
  it('runs an accepted event once, reusing a warm environment for the next', async () => {
    const h = harness({});
    h.lambda.invokeAsync({ n: 1 });
    await h.lambda.drain();
    h.lambda.invokeAsync({ n: 2 });
    await h.lambda.drain();
    expect(h.attempts.map((a) => [a.outcome, a.coldStart])).toEqual([
      ['ok', true],
      ['ok', false],
    ]);
    expect(h.coldStarts()).toBe(1);
    expect(h.failures).toEqual([]);
  });

  it('an init failure fails the invocation and is tried again on the next one', async () => {
    const h = harness({
      coldStart: () => {
        throw Object.assign(new Error('invalid refresher configuration: HTTP_TIMEOUT_MS'), { name: 'ConfigError' });
      },
    });
    h.lambda.invokeAsync({});
    await h.lambda.drain();
    h.lambda.invokeAsync({});
    await h.lambda.drain();
    expect(h.attempts.map((a) => [a.outcome, a.errorType])).toEqual([
      ['error', 'ConfigError'],
      ['error', 'ConfigError'],
    ]);
    expect(h.coldStarts()).toBe(2);
  });

  it('without retries a failed attempt goes to the on-failure destination in Lambda’s record format', async () => {
    const failing = executionEnvironment(async () => {
      throw new TypeError('boom');
    });
    const h = harness({ coldStart: () => failing });
    h.lambda.invokeAsync({ 'detail-type': 'Scheduled Event' });
    await h.lambda.drain();
    expect(h.failures).toHaveLength(1);
    expect(h.failures[0]).toMatchObject({
      requestContext: { condition: 'RetriesExhausted', approximateInvokeCount: 1 },
      requestPayload: { 'detail-type': 'Scheduled Event' },
      responsePayload: { errorType: 'TypeError', errorMessage: 'boom' },
    });
  });

  it('retries a failed attempt after a minute, as configured, before giving up', async () => {
    let calls = 0;
    const flaky = executionEnvironment(async () => {
      calls++;
      if (calls < 3) throw new Error('flaky');
      return 'ok';
    });
    const h = harness({ retries: 2, maxAgeMs: 3_600_000, coldStart: () => flaky });
    h.lambda.invokeAsync({});
    await h.lambda.drain();
    expect(calls).toBe(1);
    h.advance(60_000);
    await h.lambda.drain();
    h.advance(120_000);
    await h.lambda.drain();
    expect(h.attempts.map((a) => [a.attempt, a.outcome])).toEqual([
      [1, 'error'],
      [2, 'error'],
      [3, 'ok'],
    ]);
    expect(h.failures).toEqual([]);
  });

  it('drops an event older than the maximum event age to the destination without running it', async () => {
    const h = harness({ retries: 2, maxAgeMs: 60_000 });
    h.lambda.invokeAsync({});
    h.advance(61_000);
    await h.lambda.drain();
    expect(h.attempts).toEqual([]);
    expect(h.failures[0]?.requestContext.condition).toBe('EventAgeExceeded');
  });

  it('a crash ends the invocation at once; a stall counts the whole timeout; both discard the environment', async () => {
    let env: ReturnType<typeof executionEnvironment> | undefined;
    let killed = 0;
    const h = harness({
      coldStart: () => {
        env = executionEnvironment(
          () => new Promise(() => {}),
          () => {
            killed++;
          },
        );
        return env;
      },
    });
    h.lambda.invokeAsync({});
    const first = h.lambda.drain();
    await new Promise((r) => setImmediate(r));
    env?.doom({ kind: 'crash', reason: 'killed' });
    await first;
    h.lambda.invokeAsync({});
    const second = h.lambda.drain();
    await new Promise((r) => setImmediate(r));
    env?.doom({ kind: 'stall', reason: 'DynamoDB stopped answering' });
    await second;
    expect(h.attempts.map((a) => [a.errorType, a.durationMs])).toEqual([
      ['Runtime.ExitError', 0],
      ['Sandbox.Timedout', 180_000],
    ]);
    expect(killed).toBe(2);
    expect(h.coldStarts()).toBe(2);
  });

  // Reserved concurrency 0 is how an operator stops a function; its asynchronous events are accepted, throttled,
  // kept and tried again until too old, then sent to the on-failure destination. LambdaThrottles and
  // FailureQueueMessages read exactly this.
  it('reserved concurrency 0 throttles every attempt, keeps the event, and sends it on once older than the maximum age', async () => {
    const h = harness({ maxAgeMs: 60_000 });
    h.reserve(0);
    h.lambda.invokeAsync({ n: 1 });
    await h.lambda.drain();
    h.advance(30_000);
    await h.lambda.drain();
    expect(h.attempts).toEqual([]);
    expect(h.throttles).toHaveLength(2);
    expect(h.failures).toEqual([]);
    h.advance(31_000);
    await h.lambda.drain();
    expect(h.failures.map((f) => f.requestContext.condition)).toEqual(['EventAgeExceeded']);
    expect(h.throttles).toHaveLength(2);

    h.reserve(undefined);
    h.lambda.invokeAsync({ n: 2 });
    await h.lambda.drain();
    expect(h.attempts.map((a) => a.outcome)).toEqual(['ok']);
  });
});
