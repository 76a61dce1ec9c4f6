// A loopback stand-in for Lambda's Invoke API (REST: POST /2015-03-31/functions/{name}/invocations), so code that
// invokes a function through the real SDK (a planner starting sweep workers, a hosted app handing over a grant) runs
// against the REAL handler here. No local engine for Lambda exists; point AWS_ENDPOINT_URL_LAMBDA (or a client's
// `endpoint`) at this.
//
// What it models, because callers depend on it:
// - RequestResponse: 200 with the handler's result; a handler that throws answers 200 with X-Amz-Function-Error:
//   Unhandled and {errorType, errorMessage}, as Lambda does. A handler that outlives its timeout is an error too.
// - Event (asynchronous): 202 at once; the handler runs in the background. A failed attempt is retried
//   `asyncRetryAttempts` times (Lambda: 2, the default here) after `asyncRetryDelayMs`, then handed to
//   `onAsyncFailure` (the function's on-failure destination).
// - DryRun: 204. An unknown function: 404 ResourceNotFoundException. A payload that is not JSON: 400
//   InvalidRequestContentException.
// - Qualifiers (`name:alias` or `?Qualifier=`): the handler's context.invokedFunctionArn carries it, as Lambda's does
//   (a hosted app's identity is the alias it invoked); a qualifier the function does not have is a 404, two that
//   disagree a 400.
// - Reserved concurrency: past it a RequestResponse call is throttled (429 TooManyRequestsException, as Lambda
//   answers), an Event waits for a free instance. With `newInstance`, each concurrent execution environment is its
//   own handler instance (its own cold start and module state, as in Lambda), reused once free.
// Signatures are not checked (IAM is proved on the synthesized template, not here).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Context } from 'aws-lambda';
import { lambdaContext } from './lambda-context.js';

export type StandInHandler = (event: unknown, context: Context) => Promise<unknown>;

export interface StandInFunction {
  /** One handler shared by every invocation; or `newInstance`, one per execution environment. */
  handler?: StandInHandler;
  /** Builds one execution environment's handler (a cold start); reused by later invocations once it is free. */
  newInstance?: () => StandInHandler;
  /** The function's timeout: the context's remaining time starts here, and an invocation past it fails. */
  timeoutMs: number;
  /** Aliases the function has (besides `$LATEST`): invoking through another qualifier is a 404, as in Lambda. */
  aliases?: readonly string[];
  /** Most invocations at once; past it RequestResponse is throttled (429) and Event waits. Default: no limit. */
  reservedConcurrency?: number;
}

export interface InvocationRecord {
  functionName: string;
  type: 'RequestResponse' | 'Event';
  /** 1 for the first attempt, 2 and 3 for Lambda's retries of an asynchronous invocation. */
  attempt: number;
  startedAt: number;
  durationMs: number;
  /** `error` when the handler threw or timed out. */
  outcome: 'ok' | 'error';
  errorType: string | undefined;
}

export interface AsyncFailure {
  functionName: string;
  payload: unknown;
  errorType: string;
  errorMessage: string;
  attempts: number;
}

export interface LambdaStandInOptions {
  functions: Record<string, StandInFunction>;
  /** Retries after a failed asynchronous attempt (Lambda's default: 2). */
  asyncRetryAttempts?: number;
  /** Pause before each retry (Lambda waits about a minute, then two; scaled down here). */
  asyncRetryDelayMs?: number;
  /** The on-failure destination: an asynchronous invocation that failed every attempt. */
  onAsyncFailure?: (failure: AsyncFailure) => void;
}

const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;

/** `my-fn`, `arn:aws:lambda:r:a:function:my-fn`, `a:function:my-fn` and `my-fn:alias` all name `my-fn`. */
export function functionNameOf(raw: string): string {
  return functionTargetOf(raw).name;
}

/** The function a name, partial ARN or ARN names, and the qualifier (alias or version) it carries, if any. */
export function functionTargetOf(raw: string): { name: string; qualifier: string | undefined } {
  const text = decodeURIComponent(raw);
  const afterFunction = /(?:^|:)function:([^:]+)(?::([^:]+))?$/.exec(text);
  if (afterFunction) return { name: afterFunction[1] as string, qualifier: afterFunction[2] };
  const [name, qualifier] = text.split(':');
  return { name: name as string, qualifier };
}

class HandlerTimeout extends Error {
  override readonly name = 'Sandbox.Timedout';
}

export class LambdaInvokeStandIn {
  readonly invocations: InvocationRecord[] = [];
  /** RequestResponse invocations refused for the function's reserved concurrency. */
  readonly throttled: { functionName: string; at: number }[] = [];
  readonly #pending = new Set<Promise<void>>();
  /** Per function: invocations running now, idle execution environments, Event invocations waiting for one. */
  readonly #running = new Map<string, number>();
  readonly #idle = new Map<string, StandInHandler[]>();
  readonly #waiting = new Map<string, (() => void)[]>();
  /** Execution environments created per function (cold starts). */
  readonly instances = new Map<string, number>();

  private constructor(
    private readonly server: http.Server,
    readonly endpoint: string,
    private readonly options: LambdaStandInOptions,
  ) {}

  static async start(options: LambdaStandInOptions): Promise<LambdaInvokeStandIn> {
    const server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const standIn = new LambdaInvokeStandIn(
      server,
      `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      options,
    );
    server.on('request', (req, res) => {
      standIn.#handle(req, res).catch((err) => {
        res.writeHead(500, { 'x-amzn-errortype': 'ServiceException' });
        res.end(JSON.stringify({ Type: 'Service', Message: String((err as Error)?.message ?? err) }));
      });
    });
    return standIn;
  }

  /** Resolves when every asynchronous invocation accepted so far (and its retries) has finished. */
  async idle(): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
  }

  async stop(): Promise<void> {
    await this.idle();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  async #handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', this.endpoint);
    const match = req.method === 'POST' ? INVOKE_PATH.exec(url.pathname) : null;
    const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(body === undefined ? undefined : JSON.stringify(body));
    };
    const clientError = (status: number, type: string, message: string) =>
      reply(status, { Type: 'User', message }, { 'x-amzn-errortype': type });
    if (!match) {
      clientError(
        404,
        'UnknownOperationException',
        `this stand-in serves Invoke only, not ${req.method} ${url.pathname}`,
      );
      return;
    }
    const target = functionTargetOf(match[1] as string);
    const functionName = target.name;
    const fn = this.options.functions[functionName];
    if (!fn) {
      clientError(404, 'ResourceNotFoundException', `Function not found: ${functionName}`);
      return;
    }
    const queried = url.searchParams.get('Qualifier') ?? undefined;
    if (target.qualifier !== undefined && queried !== undefined && target.qualifier !== queried) {
      clientError(
        400,
        'InvalidParameterValueException',
        'The derived qualifier from the function name does not match the specified qualifier.',
      );
      return;
    }
    const qualifier = target.qualifier ?? queried;
    if (qualifier !== undefined && qualifier !== '$LATEST' && !(fn.aliases ?? []).includes(qualifier)) {
      clientError(404, 'ResourceNotFoundException', `Function not found: ${functionName}:${qualifier}`);
      return;
    }
    const raw = Buffer.concat(chunks).toString('utf8');
    let payload: unknown = {};
    if (raw.length > 0) {
      try {
        payload = JSON.parse(raw);
      } catch {
        clientError(400, 'InvalidRequestContentException', 'Could not parse request body into json');
        return;
      }
    }
    const type = String(req.headers['x-amz-invocation-type'] ?? 'RequestResponse');
    if (type === 'DryRun') {
      reply(204, undefined);
      return;
    }
    if (type === 'Event') {
      const run = this.#runAsync(functionName, fn, payload, qualifier).finally(() => this.#pending.delete(run));
      this.#pending.add(run);
      reply(202, undefined);
      return;
    }
    if (type !== 'RequestResponse') {
      clientError(400, 'InvalidParameterValueException', `unknown invocation type ${type}`);
      return;
    }
    if (!this.#tryAcquire(functionName, fn)) {
      this.throttled.push({ functionName, at: Date.now() });
      reply(
        429,
        {
          Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded',
          Type: 'User',
          message: 'Rate Exceeded.',
        },
        { 'x-amzn-errortype': 'TooManyRequestsException' },
      );
      return;
    }
    const result = await this.#runOnce(functionName, fn, payload, 'RequestResponse', 1, qualifier);
    if (result.ok) reply(200, result.value ?? null, { 'x-amz-executed-version': '$LATEST' });
    else {
      reply(
        200,
        { errorType: result.errorType, errorMessage: result.errorMessage, trace: [] },
        { 'x-amz-executed-version': '$LATEST', 'x-amz-function-error': 'Unhandled' },
      );
    }
  }

  /** Takes one of the function's concurrency slots, if one is free. */
  #tryAcquire(functionName: string, fn: StandInFunction): boolean {
    const running = this.#running.get(functionName) ?? 0;
    if (fn.reservedConcurrency !== undefined && running >= fn.reservedConcurrency) return false;
    this.#running.set(functionName, running + 1);
    return true;
  }

  /** Waits for a slot (asynchronous invocations queue in Lambda rather than fail). */
  async #acquire(functionName: string, fn: StandInFunction): Promise<void> {
    while (!this.#tryAcquire(functionName, fn)) {
      await new Promise<void>((resolve) => {
        const queue = this.#waiting.get(functionName) ?? [];
        queue.push(resolve);
        this.#waiting.set(functionName, queue);
      });
    }
  }

  #release(functionName: string): void {
    this.#running.set(functionName, (this.#running.get(functionName) ?? 1) - 1);
    this.#waiting.get(functionName)?.shift()?.();
  }

  /** A free execution environment's handler, or a new one (its cold start). */
  #instance(functionName: string, fn: StandInFunction): StandInHandler {
    const idle = this.#idle.get(functionName)?.pop();
    if (idle) return idle;
    this.instances.set(functionName, (this.instances.get(functionName) ?? 0) + 1);
    const handler = fn.newInstance?.() ?? fn.handler;
    if (!handler) throw new Error(`stand-in function ${functionName} has neither handler nor newInstance`);
    return handler;
  }

  async #runAsync(
    functionName: string,
    fn: StandInFunction,
    payload: unknown,
    qualifier: string | undefined,
  ): Promise<void> {
    const retries = this.options.asyncRetryAttempts ?? 2;
    let last: { errorType: string; errorMessage: string } | undefined;
    for (let attempt = 1; attempt <= retries + 1; attempt++) {
      if (attempt > 1) await new Promise((resolve) => setTimeout(resolve, this.options.asyncRetryDelayMs ?? 0));
      await this.#acquire(functionName, fn);
      const result = await this.#runOnce(functionName, fn, payload, 'Event', attempt, qualifier);
      if (result.ok) return;
      last = result;
    }
    this.options.onAsyncFailure?.({
      functionName,
      payload,
      errorType: last?.errorType ?? 'Error',
      errorMessage: last?.errorMessage ?? '',
      attempts: retries + 1,
    });
  }

  async #runOnce(
    functionName: string,
    fn: StandInFunction,
    payload: unknown,
    type: InvocationRecord['type'],
    attempt: number,
    qualifier: string | undefined,
  ): Promise<{ ok: true; value: unknown } | { ok: false; errorType: string; errorMessage: string }> {
    const startedAt = Date.now();
    // The caller holds a concurrency slot; this execution environment is busy until the invocation ends.
    let handler: StandInHandler | undefined;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new HandlerTimeout(`Task timed out after ${fn.timeoutMs} ms`)), fn.timeoutMs);
    });
    const record = (outcome: InvocationRecord['outcome'], errorType?: string) =>
      this.invocations.push({
        functionName,
        type,
        attempt,
        startedAt,
        durationMs: Date.now() - startedAt,
        outcome,
        errorType,
      });
    try {
      // A cold start that throws fails the invocation, as Lambda's Runtime.Init errors do.
      handler = this.#instance(functionName, fn);
      const context = lambdaContext(fn.timeoutMs, { functionName, qualifier });
      const value = await Promise.race([handler(payload, context), timeout]);
      record('ok');
      // Lambda serialises the result as JSON: what cannot be serialised does not reach the caller either.
      return { ok: true, value: value === undefined ? null : JSON.parse(JSON.stringify(value)) };
    } catch (err) {
      const errorType = (err as Error)?.name ?? 'Error';
      record('error', errorType);
      return { ok: false, errorType, errorMessage: String((err as Error)?.message ?? err) };
    } finally {
      clearTimeout(timer);
      if (handler) this.#idle.set(functionName, [...(this.#idle.get(functionName) ?? []), handler]);
      this.#release(functionName);
    }
  }
}
