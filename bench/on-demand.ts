// Refresh on demand, measured (docs/performance.md "Refresh on demand"): a hosted app's reader (createTokenReader with
// the on-demand function) → the AWS SDK's InvokeCommand → the Lambda Invoke stand-in → the REAL on-demand handler →
// DynamoDB Local and a real OAuth server (oidc-provider, rotation and reuse detection on, counting token requests).
//
// - a plain read (getToken from an empty cache: one consistent GetItem) beside a warm refreshNow that refreshes;
// - the herd: `herdCallers` app instances (a reader each) refreshNow the same rejected token at once: how many token
//   requests reach the provider, and how many callers hold the new token;
// - the cost inputs of one on-demand refresh: Lambda requests and time, DynamoDB requests and units, log bytes.
//
// `tsx bench/on-demand.ts [--quick]` runs this part alone (its own DynamoDB Local); `npm run bench` runs it as one part.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { loadConfig } from '../lambdas/config.js';
import { newOrgRecord } from '../lambdas/core/new-org-record.js';
import { systemClock } from '../lambdas/core/ports.js';
import { createRuntime, scopeWithDeadline } from '../lambdas/refresher/runtime.js';
import {
  createTokenTable,
  deleteTokenTable,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  startDynamoDbLocal,
} from '../local/dynamodb-local.js';
import { captureOutput } from '../local/handler-output.js';
import { LocalOAuthServer } from '../local/oauth-server.js';
import { LOCAL_ON_DEMAND_FUNCTION, startOnDemandStandIn } from '../local/on-demand-stand-in.js';
import { localRefresherEnvironment } from '../local/refresher-environment.js';
import { SecretsStub } from '../local/secrets-stub.js';
import { createTokenReader } from '../reader/index.js';
import { loadPrices, type OnDemandCost, onDemandRefreshCost } from './cost-model.js';
import { benchDynamoDb, RequestCounter } from './dynamodb.js';
import { percentile, round } from './stats.js';

const CLIENT = {
  clientId: 'bench-on-demand-app',
  clientSecret: 'bench-on-demand-secret-0123456789',
  auth: 'basic',
} as const;
const SECRET_ID = 'tenant-tokens/bench-on-demand-app';
/** The provider latency the cost model assumes for a refresh in AWS (the sweep's figures use the same 250 ms). */
const ASSUMED_PROVIDER_LATENCY_MS = 250;
/** The function's memory (cdk/constructs/on-demand-refresh-function.ts, ON_DEMAND_MEMORY_MB). */
const MEMORY_MB = 512;
/** Lambda's START, END and REPORT lines per invocation (as bench/fleet-figures.ts). */
const PLATFORM_LOG_BYTES = 280;

/** What latest.json holds under `onDemand` (exactly these fields). */
export interface OnDemandFigures {
  refreshNowP50Ms: number;
  refreshNowP95Ms: number;
  readP50Ms: number;
  herd: { callers: number; providerRequests: number; callersWithNewToken: number };
}

/** One on-demand refresh's inputs to the cost model, and its price (latest.json `costModel.onDemandRefresh`). */
export interface OnDemandRefreshCost {
  samples: number;
  lambdaRequests: number;
  handlerMs: number;
  dynamoDbRequests: number;
  dynamoDbByCommand: Record<string, number>;
  readUnits: number;
  writeUnits: number;
  providerRequests: number;
  logBytes: number;
  /** Billed seconds the model assumes: handlerMs + ASSUMED_PROVIDER_LATENCY_MS. */
  lambdaSeconds: number;
  usd: OnDemandCost;
  /** A caller answered without a refresh (the herd's other callers): requests and units, means. */
  sharedCaller: { dynamoDbRequests: number; readUnits: number; writeUnits: number; handlerMs: number };
}

export interface OnDemandMeasurement {
  figures: OnDemandFigures;
  cost: OnDemandRefreshCost;
  failed: number;
}

export async function measureOnDemand(
  ddbEndpoint: string,
  options: { samples: number; herdCallers: number },
  progress: (line: string) => void,
): Promise<OnDemandMeasurement> {
  process.env.TABLE_NAME ??= 'bench-import';
  process.env.AWS_REGION ??= LOCAL_REGION;
  const table = `bench-on-demand-${Date.now()}`;
  const counter = new RequestCounter();
  const units = { read: 0, write: 0 };
  const onCapacity = (operation: string, capacity: { CapacityUnits?: number } | undefined) => {
    const u = capacity?.CapacityUnits ?? 0;
    if (/get|query|count|degraded/i.test(operation)) units.read += u;
    else units.write += u;
  };
  const { client, doc } = benchDynamoDb(ddbEndpoint, counter);
  await createTokenTable(client, table);
  const oauth = await LocalOAuthServer.start({ clients: [CLIENT] });
  const secrets = await SecretsStub.start({
    [SECRET_ID]: { clientId: CLIENT.clientId, clientSecret: CLIENT.clientSecret },
  });
  const secretsClient = new SecretsManagerClient({
    endpoint: secrets.endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
  const env = localRefresherEnvironment({ tableName: table, settings: { allowedTokenHosts: ['127.0.0.1'] } });
  const standIn = await startOnDemandStandIn(env, { documentClient: doc, secretsClient, onCapacity });
  // One client for every app instance: at most 50 invocations in flight (the SDK's sockets), as a reserved
  // concurrency caps them in AWS; the rest of the herd queues, then finds the new token.
  const lambda = new LambdaClient({ endpoint: standIn.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  const appInstance = () =>
    createTokenReader({
      tableName: table,
      client,
      onDemandFunctionName: LOCAL_ON_DEMAND_FUNCTION,
      lambdaClient: lambda,
    });
  const runtime = createRuntime(loadConfig(env), quietLog, { documentClient: doc, secretsClient });
  let failed = 0;
  try {
    // Orgs with a working grant and a fresh token, as an app's customers have.
    const warm = 3;
    const orgIds = Array.from({ length: warm + options.samples + 1 }, (_, i) => `od-${String(i).padStart(4, '0')}`);
    for (const orgId of orgIds) {
      const refreshToken = await oauth.mintRefreshToken(CLIENT.clientId, orgId);
      const settings = {
        orgId,
        provider: 'generic' as const,
        grantType: 'refresh_token' as const,
        tokenUrl: oauth.tokenUrl,
        clientAuth: 'basic' as const,
        clientSecretId: SECRET_ID,
      };
      const item = newOrgRecord(settings, { refreshToken }, { refreshAt: Date.now(), shardCount: 4 });
      await doc.send(new PutCommand({ TableName: table, Item: item }));
    }
    await captureOutput(() => runtime.run.refreshOrgs(orgIds, scopeWithDeadline(systemClock, 120_000)));
    const tokenOf = async (orgId: string) => (await appInstance().getToken(orgId)).accessToken;

    // Warm-up: JIT, connections, the secret cache, the reader's lazy Lambda client.
    for (const orgId of orgIds.slice(0, warm)) {
      await captureOutput(async () => appInstance().refreshNow(orgId, { rejected: await tokenOf(orgId) }));
    }

    progress(`  a plain read and a refreshNow × ${options.samples} (each refreshes one org)…`);
    const reads: number[] = [];
    const refreshes: number[] = [];
    const totals = { lambda: 0, ddb: 0, read: 0, write: 0, provider: 0, handlerMs: 0, logBytes: 0 };
    const byCommand: Record<string, number> = {};
    for (const orgId of orgIds.slice(warm, warm + options.samples)) {
      const readStarted = performance.now();
      const rejected = (await appInstance().getToken(orgId)).accessToken;
      reads.push(performance.now() - readStarted);
      counter.reset();
      units.read = 0;
      units.write = 0;
      const before = { lambda: standIn.invocations.length, provider: oauth.stats.tokenRequests };
      const started = performance.now();
      try {
        const { result, lines } = await captureOutput(() => appInstance().refreshNow(orgId, { rejected }));
        if (result === rejected) failed++;
        totals.logBytes += lines.reduce((a, l) => a + Buffer.byteLength(l) + 1, 0);
      } catch {
        failed++;
      }
      refreshes.push(performance.now() - started);
      const invocations = standIn.invocations.slice(before.lambda);
      totals.lambda += invocations.length;
      totals.handlerMs += invocations.reduce((a, i) => a + i.durationMs, 0);
      totals.provider += oauth.stats.tokenRequests - before.provider;
      totals.ddb += counter.total;
      totals.read += units.read;
      totals.write += units.write;
      for (const [name, n] of Object.entries(counter.byCommand)) byCommand[name] = (byCommand[name] ?? 0) + n;
    }

    progress(`  herd: ${options.herdCallers} app instances refreshNow the same rejected token at once…`);
    const herdOrg = orgIds.at(-1) as string;
    const rejected = await tokenOf(herdOrg);
    const herdBefore = { provider: oauth.stats.tokenRequests, lambda: standIn.invocations.length };
    counter.reset();
    units.read = 0;
    units.write = 0;
    const { result: herdTokens } = await captureOutput(() =>
      Promise.all(
        Array.from({ length: options.herdCallers }, () =>
          appInstance()
            .refreshNow(herdOrg, { rejected })
            .catch((err: unknown) => `error: ${(err as { code?: string })?.code ?? (err as Error)?.name}`),
        ),
      ),
    );
    const stored = await tokenOf(herdOrg);
    const herdInvocations = standIn.invocations.slice(herdBefore.lambda);
    const herdProviderRequests = oauth.stats.tokenRequests - herdBefore.provider;
    const n = options.samples;
    const per = (v: number, of = n) => round(v / of, 3);
    const lambdaSeconds = round((totals.handlerMs / n + ASSUMED_PROVIDER_LATENCY_MS) / 1000, 4);
    const logBytes = Math.round(totals.logBytes / n + PLATFORM_LOG_BYTES);
    const inputs = {
      lambdaRequests: per(totals.lambda),
      lambdaSeconds,
      memoryMb: MEMORY_MB,
      readUnits: per(totals.read),
      writeUnits: per(totals.write),
      logBytes,
    };
    // The herd's other callers: everything the herd cost, less one refresh, per caller.
    const others = options.herdCallers - 1;
    const sharedCaller = {
      dynamoDbRequests: per(Math.max(0, counter.total - totals.ddb / n), others),
      readUnits: per(Math.max(0, units.read - totals.read / n), others),
      writeUnits: per(Math.max(0, units.write - totals.write / n), others),
      handlerMs: round(
        (herdInvocations.reduce((a, i) => a + i.durationMs, 0) - totals.handlerMs / n) / Math.max(1, others),
        1,
      ),
    };
    return {
      figures: {
        refreshNowP50Ms: round(percentile(refreshes, 50), 1),
        refreshNowP95Ms: round(percentile(refreshes, 95), 1),
        readP50Ms: round(percentile(reads, 50), 1),
        herd: {
          callers: options.herdCallers,
          providerRequests: herdProviderRequests,
          callersWithNewToken: herdTokens.filter((t) => t === stored && t !== rejected).length,
        },
      },
      cost: {
        samples: n,
        lambdaRequests: inputs.lambdaRequests,
        handlerMs: round(totals.handlerMs / n, 1),
        dynamoDbRequests: per(totals.ddb),
        dynamoDbByCommand: Object.fromEntries(Object.entries(byCommand).map(([k, v]) => [k, per(v)])),
        readUnits: inputs.readUnits,
        writeUnits: inputs.writeUnits,
        providerRequests: per(totals.provider),
        logBytes,
        lambdaSeconds,
        usd: onDemandRefreshCost(inputs, loadPrices()),
        sharedCaller,
      },
      failed,
    };
  } finally {
    lambda.destroy();
    secretsClient.destroy();
    await standIn.stop();
    await secrets.stop();
    await oauth.stop();
    await deleteTokenTable(client, table);
    client.destroy();
  }
}

const quietLog = { debug() {}, info() {}, warn() {}, error() {} };

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const quick = process.argv.includes('--quick');
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const ddb = await startDynamoDbLocal({ progress: log });
  try {
    const m = await measureOnDemand(ddb.endpoint, { samples: quick ? 20 : 50, herdCallers: 500 }, log);
    process.stdout.write(`${JSON.stringify(m, null, 2)}\n`);
  } finally {
    await ddb.stop();
  }
}
