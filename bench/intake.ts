// What a grant intake round trip costs (docs/hosted-apps.md "What a round trip costs"): a hosted app's client
// (reader createGrantIntake, the AWS SDK's InvokeCommand) → the Lambda Invoke stand-in → the REAL intake handler →
// DynamoDB Local and a real OAuth server (oidc-provider, rotation on). Per round trip: Lambda requests, DynamoDB
// requests by command and capacity units (ReturnConsumedCapacity), token requests to the provider, Secrets Manager
// reads, and the time the app waits, for a new org (submitGrant) and a new grant on an existing one (reauthorise).
import type { ConsumedCapacity } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createTokenTable, deleteTokenTable, LOCAL_CREDENTIALS, LOCAL_REGION } from '../local/dynamodb-local.js';
import { captureOutput } from '../local/handler-output.js';
import { LOCAL_INTAKE_FUNCTION, startIntakeStandIn } from '../local/intake-stand-in.js';
import { LocalOAuthServer } from '../local/oauth-server.js';
import { localRefresherEnvironment } from '../local/refresher-environment.js';
import { SecretsStub } from '../local/secrets-stub.js';
import { createGrantIntake, type GrantResult } from '../reader/index.js';
import { benchDynamoDb, RequestCounter } from './dynamodb.js';
import { percentile, round } from './stats.js';

const CLIENT = { clientId: 'bench-intake-app', clientSecret: 'bench-intake-secret-0123456789', auth: 'basic' } as const;
const SECRET_ID = 'tenant-tokens/bench-intake-app';

export interface IntakeRoundTrips {
  roundTrips: number;
  /** Per round trip (the same for every one on the happy path; means over all). */
  lambdaRequests: number;
  dynamoDbRequests: number;
  dynamoDbByCommand: Record<string, number>;
  readUnits: number;
  writeUnits: number;
  providerRequests: number;
  secretsRequests: number;
  /** What the app waits for, measured around the client call. */
  p50Ms: number;
  p95Ms: number;
  meanMs: number;
  failed: number;
}

export interface IntakeCost {
  submitGrant: IntakeRoundTrips;
  reauthorise: IntakeRoundTrips;
}

export async function measureIntake(
  ddbEndpoint: string,
  options: { roundTrips: number },
  progress: (line: string) => void,
): Promise<IntakeCost> {
  process.env.TABLE_NAME ??= 'bench-import';
  process.env.AWS_REGION ??= LOCAL_REGION;
  const table = `bench-intake-${Date.now()}`;
  const counter = new RequestCounter();
  const units = { read: 0, write: 0 };
  const onCapacity = (operation: string, capacity: ConsumedCapacity | undefined) => {
    const u = capacity?.CapacityUnits ?? 0;
    if (/get|query|count/i.test(operation)) units.read += u;
    else units.write += u;
  };
  const { client, doc } = benchDynamoDb(ddbEndpoint, counter);
  await createTokenTable(client, table);
  const oauth = await LocalOAuthServer.start({ clients: [CLIENT] });
  const secrets = await SecretsStub.start({
    [SECRET_ID]: { clientId: CLIENT.clientId, clientSecret: CLIENT.clientSecret },
  });
  let secretReads = 0;
  const secretsClient = new SecretsManagerClient({
    endpoint: secrets.endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
  secretsClient.middlewareStack.add(
    (next) => async (args) => {
      secretReads++;
      return next(args);
    },
    { step: 'initialize', name: 'benchSecretsCounter' },
  );
  const env = localRefresherEnvironment({ tableName: table, settings: { allowedTokenHosts: ['127.0.0.1'] } });
  const standIn = await startIntakeStandIn(env, { documentClient: doc, secretsClient, onCapacity });
  const lambda = new LambdaClient({ endpoint: standIn.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  const intake = createGrantIntake({ functionName: LOCAL_INTAKE_FUNCTION, client: lambda });
  const org = (orgId: string) => ({
    orgId,
    provider: 'generic' as const,
    grantType: 'refresh_token' as const,
    tokenUrl: oauth.tokenUrl,
    clientAuth: 'basic' as const,
    clientSecretId: SECRET_ID,
  });
  const measure = async (call: (i: number) => Promise<GrantResult>): Promise<IntakeRoundTrips> => {
    const times: number[] = [];
    const totals = { lambda: 0, ddb: 0, read: 0, write: 0, provider: 0, secrets: 0 };
    const byCommand: Record<string, number> = {};
    let failed = 0;
    for (let i = 0; i < options.roundTrips; i++) {
      counter.reset();
      units.read = 0;
      units.write = 0;
      const before = { lambda: standIn.invocations.length, provider: oauth.stats.tokenRequests, secrets: secretReads };
      const started = performance.now();
      try {
        // The handler's log and EMF lines go where CloudWatch would take them, not onto the bench's screen.
        await captureOutput(() => call(i));
      } catch {
        failed++;
      }
      times.push(performance.now() - started);
      totals.lambda += standIn.invocations.length - before.lambda;
      totals.provider += oauth.stats.tokenRequests - before.provider;
      totals.secrets += secretReads - before.secrets;
      totals.ddb += counter.total;
      totals.read += units.read;
      totals.write += units.write;
      for (const [name, n] of Object.entries(counter.byCommand)) byCommand[name] = (byCommand[name] ?? 0) + n;
    }
    const per = (v: number) => round(v / options.roundTrips, 3);
    return {
      roundTrips: options.roundTrips,
      lambdaRequests: per(totals.lambda),
      dynamoDbRequests: per(totals.ddb),
      dynamoDbByCommand: Object.fromEntries(Object.entries(byCommand).map(([k, v]) => [k, per(v)])),
      readUnits: per(totals.read),
      writeUnits: per(totals.write),
      providerRequests: per(totals.provider),
      secretsRequests: per(totals.secrets),
      p50Ms: round(percentile(times, 50), 1),
      p95Ms: round(percentile(times, 95), 1),
      meanMs: round(times.reduce((a, b) => a + b, 0) / times.length, 1),
      failed,
    };
  };
  try {
    // Warm-up (JIT, connections, the secret cache): a deployed intake serves most hand-overs warm too.
    for (let i = 0; i < 3; i++) {
      await intake.submitGrant(org(`warm-${i}`), {
        refreshToken: await oauth.mintRefreshToken(CLIENT.clientId, `warm-${i}`),
        issuedAt: Date.now(),
      });
    }
    const tokens = async (prefix: string) =>
      Promise.all(
        Array.from({ length: options.roundTrips }, (_, i) => oauth.mintRefreshToken(CLIENT.clientId, `${prefix}-${i}`)),
      );
    // Each grant's issue time is when the app received it (here: minted); the second grants are newer.
    const first = await tokens('org');
    const firstAt = Date.now();
    progress(`  submitGrant × ${options.roundTrips}…`);
    const submitGrant = await measure((i) =>
      intake.submitGrant(org(`org-${i}`), { refreshToken: first[i] as string, issuedAt: firstAt }),
    );
    const second = await tokens('org');
    const secondAt = Date.now();
    progress(`  reauthorise × ${options.roundTrips}…`);
    const reauthorise = await measure((i) =>
      intake.reauthorise(`org-${i}`, { refreshToken: second[i] as string, issuedAt: secondAt }),
    );
    return { submitGrant, reauthorise };
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
