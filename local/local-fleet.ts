// The fan-out off AWS: the real handler twice, as the stack deploys it — a sweep worker function served by the Lambda
// Invoke stand-in (local/lambda-invoke-stand-in.ts) and a planner that starts it through the SDK's InvokeCommand
// (InvocationType Event) against that stand-in. Tests, the bench and local mode run the planner's tick with this.
import { LambdaClient } from '@aws-sdk/client-lambda';
import type { Context } from 'aws-lambda';
import type { HandlerResult } from '../lambdas/refresher/handler.js';
import type { RuntimeOverrides } from '../lambdas/refresher/runtime.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from './dynamodb-local.js';
import { lambdaContext } from './lambda-context.js';
import { type AsyncFailure, type InvocationRecord, LambdaInvokeStandIn } from './lambda-invoke-stand-in.js';

export const LOCAL_WORKER_FUNCTION = 'tenant-token-refresher-worker';

export interface LocalFleetOptions {
  /** The refresher's environment (local/refresher-environment.ts); the planner gets WORKER_FUNCTION_NAME on top. */
  env: Record<string, string>;
  /** Injected into both functions' runtimes (clients, clock, endpoint, …). */
  overrides?: RuntimeOverrides;
  /** Worker-only overrides on top (e.g. a counting store). */
  workerOverrides?: RuntimeOverrides;
  /** The functions' timeout (default: LAMBDA_TIMEOUT_SECONDS of the environment). */
  timeoutMs?: number;
  /** Lambda's async retries of a failed worker (the stack configures 0: the next tick is the retry). */
  asyncRetryAttempts?: number;
}

type Handler = (event: unknown, context: Context) => Promise<HandlerResult>;

type HandlerModule = typeof import('../lambdas/refresher/handler.js');

/** handler.ts builds its default handler from process.env at import (as Lambda does): give it a valid one first. */
function loadHandlerModule(): Promise<HandlerModule> {
  process.env.TABLE_NAME ??= 'imported-for-build-handler-only';
  process.env.AWS_REGION ??= LOCAL_REGION;
  return import('../lambdas/refresher/handler.js');
}

export class LocalFleet {
  /**
   * Every worker invocation's result, in completion order (the stand-in keeps only their outcome). `worker` calls the
   * worker function directly (a full sweep by hand), in an idle execution environment like any invocation.
   */
  readonly workerResults: HandlerResult[] = [];
  readonly asyncFailures: AsyncFailure[] = [];

  private constructor(
    readonly planner: Handler,
    readonly worker: Handler,
    readonly standIn: LambdaInvokeStandIn,
    private readonly lambdaClient: LambdaClient,
    readonly timeoutMs: number,
  ) {}

  static async start(options: LocalFleetOptions): Promise<LocalFleet> {
    const timeoutMs = options.timeoutMs ?? Number(options.env.LAMBDA_TIMEOUT_SECONDS ?? 180) * 1000;
    const { buildHandler, createHandlerParts } = await loadHandlerModule();
    // Lambda runs concurrent invocations in separate execution environments, each with its own runtime (its own
    // CONCURRENCY slots, secret cache, clients), and reuses an idle one for the next: so does this pool. One shared
    // runtime would make four parallel sweeps share one sweep's slots.
    const newWorker = () =>
      buildHandler(
        createHandlerParts(options.env, { ...options.overrides, ...options.workerOverrides }),
      ) as unknown as Handler;
    const idle: Handler[] = [newWorker()];
    const worker: Handler = async (event, context) => {
      const environment = idle.pop() ?? newWorker();
      try {
        return await environment(event, context);
      } finally {
        idle.push(environment);
      }
    };
    let fleet: LocalFleet | undefined;
    const standIn = await LambdaInvokeStandIn.start({
      functions: {
        [LOCAL_WORKER_FUNCTION]: {
          timeoutMs,
          handler: async (event, context) => {
            const result = await worker(event, context);
            fleet?.workerResults.push(result);
            return result;
          },
        },
      },
      asyncRetryAttempts: options.asyncRetryAttempts ?? 0,
      onAsyncFailure: (failure) => fleet?.asyncFailures.push(failure),
    });
    const lambdaClient = new LambdaClient({
      endpoint: standIn.endpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
      maxAttempts: 2,
    });
    const planner = buildHandler(
      createHandlerParts(
        { ...options.env, WORKER_FUNCTION_NAME: LOCAL_WORKER_FUNCTION },
        { ...options.overrides, lambdaClient },
      ),
    ) as unknown as Handler;
    fleet = new LocalFleet(planner, worker, standIn, lambdaClient, timeoutMs);
    return fleet;
  }

  /** One planner tick (`{"plan": {}}`); resolves with its summary once the planner returns (workers still running). */
  plan(): Promise<HandlerResult> {
    return this.planner(
      { plan: {} },
      lambdaContext(this.timeoutMs, { functionName: 'tenant-token-refresher-planner' }),
    );
  }

  /** One planner tick and every worker it started, to the end. */
  async tick(): Promise<{ plan: HandlerResult; workers: HandlerResult[] }> {
    const before = this.workerResults.length;
    const plan = await this.plan();
    await this.standIn.idle();
    return { plan, workers: this.workerResults.slice(before) };
  }

  /** Waits for every worker started so far. */
  idle(): Promise<void> {
    return this.standIn.idle();
  }

  get invocations(): readonly InvocationRecord[] {
    return this.standIn.invocations;
  }

  async stop(): Promise<void> {
    await this.standIn.stop();
    this.lambdaClient.destroy();
  }
}
