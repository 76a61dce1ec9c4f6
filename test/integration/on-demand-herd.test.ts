// One refresh for the whole fleet: 100 app instances (a TokenReader each) meet a 401 on the same token at once and
// call refreshNow; each invocation runs the REAL on-demand handler behind the Lambda Invoke stand-in, against DynamoDB
// Local and oidc-provider with rotation and reuse detection on, which counts the token requests. Exactly one reaches
// the provider (a second use of the refresh token would also have revoked the grant), and every caller holds the new
// token. Then 100 late callers still holding the old token get the new one with no request at all.
import { LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/dynamodb-local.js';
import { captureOutput } from '../../local/handler-output.js';
import type { LambdaInvokeStandIn } from '../../local/lambda-invoke-stand-in.js';
import { LOCAL_ON_DEMAND_FUNCTION, startOnDemandStandIn } from '../../local/on-demand-stand-in.js';
import { createTokenReader } from '../../reader/index.js';
import { createHarness, type Harness } from '../support/harness.js';

vi.hoisted(() => {
  process.env.TABLE_NAME ??= 'imported-for-create-on-demand-parts';
});

const CALLERS = 100;
let h: Harness;
let standIn: LambdaInvokeStandIn;
let lambda: LambdaClient;

beforeAll(async () => {
  h = await createHarness(inject('dynamoDbEndpoint'));
  standIn = await startOnDemandStandIn(h.env, { documentClient: h.doc, secretsClient: h.secretsClient });
  lambda = new LambdaClient({ endpoint: standIn.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
}, 60_000);
afterAll(async () => {
  lambda.destroy();
  await standIn.stop();
  await h.close();
});

/** One app instance: its own reader (its own cache), the shared SDK clients. */
const appInstance = () =>
  createTokenReader({
    tableName: h.table,
    client: h.ddb,
    onDemandFunctionName: LOCAL_ON_DEMAND_FUNCTION,
    lambdaClient: lambda,
  });

describe('Herd: refreshNow from many app instances at once', () => {
  it(`${CALLERS} callers rejecting the same token cause exactly 1 provider request, and all hold the new token`, async () => {
    // Prepare: an ACTIVE org with a token every instance holds
    await h.seedOrg('herd-1');
    expect((await h.runtime().run.refreshOrgs(['herd-1'], h.scope())).refreshed).toBe(1);
    const rejected = String((await h.getRecord('herd-1'))?.accessToken);
    const requestsBefore = h.oauth.stats.tokenRequests;
    const invocationsBefore = standIn.invocations.length;

    // Act: every instance meets the 401 at once
    const { result: tokens } = await captureOutput(() =>
      Promise.all(Array.from({ length: CALLERS }, () => appInstance().refreshNow('herd-1', { rejected }))),
    );

    // Assess
    const record = await h.getRecord('herd-1');
    expect(h.oauth.stats.tokenRequests - requestsBefore).toBe(1);
    expect(h.oauth.stats.invalidGrant).toBe(0);
    expect(standIn.invocations.length - invocationsBefore).toBe(CALLERS);
    expect(standIn.invocations.every((i) => i.outcome === 'ok')).toBe(true);
    expect(new Set(tokens)).toEqual(new Set([record?.accessToken]));
    expect(record?.accessToken).not.toBe(rejected);
    expect(await h.oauth.accessTokenValid(String(record?.accessToken))).toBe(true);
    expect(record).toMatchObject({ status: 'ACTIVE', version: 2 });

    // Act + Assess: late callers still holding the old token get the new one, and nothing is sent
    const { result: late } = await captureOutput(() =>
      Promise.all(Array.from({ length: CALLERS }, () => appInstance().refreshNow('herd-1', { rejected }))),
    );
    expect(new Set(late)).toEqual(new Set([record?.accessToken]));
    expect(h.oauth.stats.tokenRequests - requestsBefore).toBe(1);
  }, 120_000);
});
