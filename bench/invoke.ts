// Runs the refresher's real Lambda handler (middy + Powertools + the real runtime) in this process against DynamoDB
// Local, the bench token endpoint and the Secrets Manager stand-in, and measures one invocation: wall time, this
// process's CPU, DynamoDB requests and capacity, and how long each kind of DynamoDB request took.
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { HttpTokenEndpoint } from '../lambdas/adapters/http-token-endpoint.js';
import type { HttpOutcome, TokenEndpoint, TokenRequest } from '../lambdas/core/ports.js';
import type { RunSummary } from '../lambdas/refresher/run-refresh.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../local/dynamodb-local.js';
import { lambdaContext } from '../local/lambda-context.js';
import { localRefresherEnvironment } from '../local/refresher-environment.js';
import { SecretsStub } from '../local/secrets-stub.js';
import { benchDynamoDb, RequestCounter } from './dynamodb.js';
import { BENCH_CLIENT } from './token-endpoint.js';

export const BENCH_SECRET_ID = 'tenant-tokens/bench-client';

/** The environment the stack gives the function, with loopback HTTP allowed for the local token endpoint. */
export function benchEnv(table: string, concurrency: number): Record<string, string> {
  return localRefresherEnvironment({
    tableName: table,
    settings: {
      concurrency,
      shardCount: 4,
      allowedTokenHosts: ['127.0.0.1'],
      serviceName: 'tenant-token-refresher-bench',
    },
  });
}

type HandlerModule = typeof import('../lambdas/refresher/handler.js');
let handlerModule: Promise<HandlerModule> | undefined;

/** handler.ts builds its default handler from process.env at import (as Lambda does): give it a valid one first. */
function loadHandlerModule(): Promise<HandlerModule> {
  if (!handlerModule) {
    process.env.TABLE_NAME ??= 'bench-import';
    process.env.AWS_REGION ??= LOCAL_REGION;
    handlerModule = import('../lambdas/refresher/handler.js');
  }
  return handlerModule;
}

/** The refresher's own HTTP endpoint, recording when each token request started and ended (performance.now()). */
class TimelineEndpoint implements TokenEndpoint {
  readonly inner = new HttpTokenEndpoint();
  readonly sends: { start: number; end: number }[] = [];
  async send(request: TokenRequest, timeoutMs: number): Promise<HttpOutcome> {
    const start = performance.now();
    try {
      return await this.inner.send(request, timeoutMs);
    } finally {
      this.sends.push({ start, end: performance.now() });
    }
  }
}

/**
 * Where an invocation's time went, seen from the token endpoint's side: before the first request (due query, first
 * claims), after the last one (last commits), and how busy the slots were in between.
 */
export interface ExchangeTimeline {
  startupMs: number;
  tailMs: number;
  /** Sum of request durations over concurrency × (last end − first start): 1 = no slot ever idle. */
  slotBusyShare: number;
  meanRequestMs: number;
}

function timeline(sends: { start: number; end: number }[], started: number, ended: number, concurrency: number) {
  if (sends.length === 0) return { startupMs: 0, tailMs: 0, slotBusyShare: 0, meanRequestMs: 0 };
  const first = Math.min(...sends.map((s) => s.start));
  const last = Math.max(...sends.map((s) => s.end));
  const busy = sends.reduce((a, s) => a + (s.end - s.start), 0);
  return {
    startupMs: first - started,
    tailMs: ended - last,
    slotBusyShare: busy / (concurrency * (last - first)),
    meanRequestMs: busy / sends.length,
  };
}

export interface InvocationResult {
  summary: Omit<RunSummary, 'owner'>;
  wallMs: number;
  cpuMs: number;
  ddbRequests: number;
  ddbByCommand: Record<string, number>;
  readUnits: number;
  writeUnits: number;
  capacityByOperation: RequestCounter['capacityByOperation'];
  /** Mean wall time of one SDK call per command (serialise, sign, HTTP, parse). */
  ddbMeanMs: Record<string, number>;
  /** When the first claim was sent, from the start of the invocation: the time the sweep spent reading first. */
  firstClaimMs: number | undefined;
  /** Lines Powertools wrote (log + EMF), swallowed so the terminal shows the bench's table only. */
  outputLines: number;
  timeline: ExchangeTimeline;
}

export class HandlerRig {
  readonly counter = new RequestCounter();
  private constructor(
    private readonly stub: SecretsStub,
    private readonly secretsClient: SecretsManagerClient,
    private readonly ddbEndpoint: string,
  ) {}

  static async start(ddbEndpoint: string): Promise<HandlerRig> {
    const stub = await SecretsStub.start({ [BENCH_SECRET_ID]: BENCH_CLIENT });
    const secretsClient = new SecretsManagerClient({
      endpoint: stub.endpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
    });
    return new HandlerRig(stub, secretsClient, ddbEndpoint);
  }

  /** One scheduled invocation (`{"sweep": true}`) of a freshly built handler with `concurrency` and `table`. */
  async sweep(table: string, concurrency: number, budgetMs = 180_000): Promise<InvocationResult> {
    const { buildHandler, createHandlerParts } = await loadHandlerModule();
    const counter = this.counter;
    const { client, doc } = benchDynamoDb(this.ddbEndpoint, counter);
    const timings: Record<string, { n: number; ms: number }> = {};
    let firstClaimAt: number | undefined;
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const name = String(context.commandName ?? 'unknown');
        const started = performance.now();
        if (firstClaimAt === undefined && name === 'UpdateItemCommand') firstClaimAt = started;
        try {
          return await next(args);
        } finally {
          const entry = timings[name] ?? { n: 0, ms: 0 };
          timings[name] = entry;
          entry.n++;
          entry.ms += performance.now() - started;
        }
      },
      { step: 'initialize', name: 'benchTimer' },
    );
    const endpoint = new TimelineEndpoint();
    const parts = createHandlerParts(benchEnv(table, concurrency), {
      documentClient: doc,
      secretsClient: this.secretsClient,
      onCapacity: counter.onCapacity,
      endpoint,
    });
    const handler = buildHandler(parts);
    counter.reset();
    const started = performance.now();
    const context = lambdaContext(budgetMs, { logStreamName: 'bench' });

    // Powertools writes logs and EMF to stdout and errors to stderr; keep both off the terminal, but count them.
    let outputLines = 0;
    const streams = [process.stdout, process.stderr] as const;
    const writes = streams.map((s) => s.write);
    for (const stream of streams) {
      stream.write = ((chunk: string | Uint8Array) => {
        outputLines += String(chunk).split('\n').filter(Boolean).length;
        return true;
      }) as typeof stream.write;
    }
    const cpu = process.cpuUsage();
    let result: Awaited<ReturnType<typeof handler>>;
    try {
      result = await handler({ sweep: true }, context);
    } finally {
      streams.forEach((stream, i) => {
        stream.write = writes[i] as typeof stream.write;
      });
    }
    const cpuUsed = process.cpuUsage(cpu);
    const ended = performance.now();
    const wallMs = ended - started;
    client.destroy();
    if ('error' in result) throw new Error(`handler rejected the invocation: ${result.error.message}`);
    if (result.mode !== 'sweep') throw new Error(`a sweep event was answered with a ${result.mode}`);
    return {
      summary: result,
      wallMs,
      cpuMs: (cpuUsed.user + cpuUsed.system) / 1000,
      ddbRequests: counter.total,
      ddbByCommand: { ...counter.byCommand },
      readUnits: counter.readUnits,
      writeUnits: counter.writeUnits,
      capacityByOperation: structuredClone(counter.capacityByOperation),
      ddbMeanMs: Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, v.ms / v.n])),
      firstClaimMs: firstClaimAt === undefined ? undefined : firstClaimAt - started,
      outputLines,
      timeline: timeline(endpoint.sends, started, ended, concurrency),
    };
  }

  async stop(): Promise<void> {
    this.secretsClient.destroy();
    await this.stub.stop();
  }
}
