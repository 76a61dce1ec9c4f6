// An in-process stand-in for Lambda running a function asynchronously (EventBridge's scheduled invocations), for the
// alarm simulation, which drives the real handler on a simulated clock. What it models, because the alarms watch it:
// - execution environments: one is created on demand (cold start: the caller builds the handler, and a throw is an
//   init failure that fails that invocation), reused while warm, discarded after a crash or a timeout and on deploy;
// - an invocation fails as a whole when the handler throws, its process crashes, or it outlives the function's
//   timeout (a stalled environment is timed out at once: nothing in it can make progress, so the clock need not
//   wait; the invocation still counts the full timeout as its Duration);
// - failed attempts are retried `maximumRetryAttempts` times (after 1 and 2 minutes, as Lambda does) unless the
//   event is older than `maximumEventAgeSeconds`; then the on-failure destination gets Lambda's failure record;
// - each attempt is reported with what Lambda's own metrics derive from it (Invocations, Errors, Duration,
//   AsyncEventAge);
// - throttling, only as reserved concurrency 0 (`put-function-concurrency`, the documented way to stop a function):
//   every attempt is throttled (reported to `onThrottle`, Lambda's Throttles metric), and Lambda keeps the event and
//   tries again until it is older than the maximum event age, then hands it to the on-failure destination. Any other
//   limit is never reached: attempts run one at a time.
import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import type { FailureRecord } from './failure-queue.js';
import { lambdaContext } from './lambda-context.js';

export type Handler = (event: unknown, context: Context) => Promise<unknown>;

/** Why an environment stopped making progress. */
export type Doom = { kind: 'crash'; reason: string } | { kind: 'stall'; reason: string };

export interface ExecutionEnvironment {
  handler: Handler;
  /** Settles when the environment crashes or stalls (fault injection calls `doom`). */
  readonly doomed: Promise<Doom>;
  doom(d: Doom): void;
  /** Called once the environment is discarded: it must never touch anything again. */
  kill(): void;
}

export function executionEnvironment(handler: Handler, kill: () => void = () => {}): ExecutionEnvironment {
  let settle: (d: Doom) => void = () => {};
  const doomed = new Promise<Doom>((resolve) => {
    settle = resolve;
  });
  return { handler, doomed, doom: (d) => settle(d), kill };
}

export interface AttemptRecord {
  requestId: string;
  startedAt: number;
  durationMs: number;
  /** 1 for the first attempt, then Lambda's retries. */
  attempt: number;
  eventAgeMs: number;
  coldStart: boolean;
  outcome: 'ok' | 'error';
  errorType: string | undefined;
  errorMessage: string | undefined;
  result: unknown;
}

export interface AsyncLambdaOptions {
  functionArn: string;
  timeoutMs: number;
  maximumRetryAttempts: number;
  maximumEventAgeMs: number;
  coldStart: () => Promise<ExecutionEnvironment> | ExecutionEnvironment;
  onAttempt: (record: AttemptRecord) => void;
  onFailure: (record: FailureRecord, at: number) => void;
  now: () => number;
  /** The function's reserved concurrency as currently set (undefined: none); 0 throttles every attempt. */
  reservedConcurrency?: () => number | undefined;
  /** A throttled attempt (Lambda's Throttles metric). */
  onThrottle?: (at: number) => void;
  /** Brackets each attempt (the caller captures the handler's output meanwhile). */
  around?: <T>(fn: () => Promise<T>) => Promise<T>;
}

interface Pending {
  event: unknown;
  requestId: string;
  receivedAt: number;
  attempts: number;
  dueAt: number;
}

/** Lambda's documented pauses before the second and third attempt of an asynchronous invocation. */
const RETRY_DELAYS_MS = [60_000, 120_000];

/**
 * How soon a throttled event is tried again. Lambda backs off from a second up to five minutes; the stand-in runs
 * attempts only when its owner drains it (each simulated tick), so any pause under a tick means "the next tick".
 */
const THROTTLE_RETRY_MS = 1_000;

export class AsyncLambda {
  #warm: ExecutionEnvironment | undefined;
  readonly #queue: Pending[] = [];

  constructor(private readonly options: AsyncLambdaOptions) {}

  /** An asynchronous invocation was accepted (202); it runs on the next `drain`. */
  invokeAsync(event: unknown): void {
    const now = this.options.now();
    this.#queue.push({ event, requestId: randomUUID(), receivedAt: now, attempts: 0, dueAt: now });
  }

  /** Events accepted but not run yet are dropped (a Region lost with everything Lambda held in it). */
  discardPending(): void {
    this.#queue.length = 0;
  }

  /** New code or configuration: warm environments are discarded, the next invocation cold-starts. */
  deploy(): void {
    this.#warm?.kill();
    this.#warm = undefined;
  }

  /** Runs every attempt due by now, one at a time. */
  async drain(): Promise<void> {
    for (;;) {
      const now = this.options.now();
      const index = this.#queue.findIndex((p) => p.dueAt <= now);
      if (index < 0) return;
      const pending = this.#queue.splice(index, 1)[0] as Pending;
      if (now - pending.receivedAt > this.options.maximumEventAgeMs) {
        this.#fail(pending, 'EventAgeExceeded', undefined);
        continue;
      }
      if (this.options.reservedConcurrency?.() === 0) {
        this.options.onThrottle?.(now);
        this.#queue.push({ ...pending, dueAt: now + THROTTLE_RETRY_MS });
        continue;
      }
      pending.attempts++;
      const record = await this.#attempt(pending);
      if (record.outcome === 'ok') continue;
      const delay = RETRY_DELAYS_MS[pending.attempts - 1] ?? 120_000;
      if (pending.attempts <= this.options.maximumRetryAttempts) {
        this.#queue.push({ ...pending, dueAt: this.options.now() + delay });
      } else this.#fail(pending, 'RetriesExhausted', record);
    }
  }

  #fail(pending: Pending, condition: FailureRecord['requestContext']['condition'], last: AttemptRecord | undefined) {
    const at = this.options.now();
    this.options.onFailure(
      {
        version: '1.0',
        timestamp: new Date(at).toISOString(),
        requestContext: {
          requestId: pending.requestId,
          functionArn: `${this.options.functionArn}:$LATEST`,
          condition,
          approximateInvokeCount: pending.attempts,
        },
        requestPayload: pending.event,
        ...(last
          ? {
              responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
              responsePayload: { errorType: last.errorType ?? 'Error', errorMessage: last.errorMessage ?? '' },
            }
          : {}),
      },
      at,
    );
  }

  async #attempt(pending: Pending): Promise<AttemptRecord> {
    const { options } = this;
    const around = options.around ?? ((fn) => fn());
    const startedAt = options.now();
    const base = { requestId: pending.requestId, startedAt, attempt: pending.attempts };
    const eventAgeMs = startedAt - pending.receivedAt;
    let coldStart = false;
    const finish = (r: Omit<AttemptRecord, keyof typeof base | 'eventAgeMs' | 'coldStart'>): AttemptRecord => {
      const record = { ...base, eventAgeMs, coldStart, ...r };
      options.onAttempt(record);
      return record;
    };
    return around(async () => {
      let env = this.#warm;
      if (!env) {
        coldStart = true;
        try {
          env = await options.coldStart();
        } catch (err) {
          // An init failure fails the invocation; Lambda tries the init again on the next one.
          return finish({
            durationMs: options.now() - startedAt,
            outcome: 'error',
            errorType: (err as Error)?.name ?? 'Error',
            errorMessage: String((err as Error)?.message ?? err),
            result: undefined,
          });
        }
        this.#warm = env;
      }
      const context = lambdaContext(options.timeoutMs, { functionName: options.functionArn.split(':').pop() ?? 'fn' });
      (context as { awsRequestId: string }).awsRequestId = pending.requestId;
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<Doom>((resolve) => {
        timer = setTimeout(() => resolve({ kind: 'stall', reason: 'outlived its timeout' }), options.timeoutMs);
      });
      try {
        const outcome = await Promise.race([
          env.handler(pending.event, context).then(
            (value) => ({ kind: 'done' as const, value }),
            (err: unknown) => ({ kind: 'threw' as const, err }),
          ),
          env.doomed,
          timedOut,
        ]);
        if (outcome.kind === 'done') {
          return finish({
            durationMs: options.now() - startedAt,
            outcome: 'ok',
            errorType: undefined,
            errorMessage: undefined,
            result: outcome.value,
          });
        }
        if (outcome.kind === 'threw') {
          const err = outcome.err as Error;
          return finish({
            durationMs: options.now() - startedAt,
            outcome: 'error',
            errorType: err?.name ?? 'Error',
            errorMessage: String(err?.message ?? err),
            result: undefined,
          });
        }
        // The environment is gone: a crash ends the invocation now, a stall at the timeout.
        this.#warm = undefined;
        env.kill();
        return finish({
          durationMs: outcome.kind === 'crash' ? options.now() - startedAt : options.timeoutMs,
          outcome: 'error',
          errorType: outcome.kind === 'crash' ? 'Runtime.ExitError' : 'Sandbox.Timedout',
          errorMessage:
            outcome.kind === 'crash'
              ? `RequestId: ${pending.requestId} Error: Runtime exited (${outcome.reason})`
              : `Task timed out after ${(options.timeoutMs / 1000).toFixed(2)} seconds`,
          result: undefined,
        });
      } finally {
        clearTimeout(timer);
      }
    });
  }
}
