// The writes the grant intake, offboarding, the deployment descriptor, the operator CLI and the on-demand refresh
// make, on a global table with multi-Region strong consistency (docs/regions.md#the-engine-on-mrsc): a write that meets
// another Region's write to the same item at the same instant is refused with ReplicatedWriteConflictException,
// nothing applied. Each treats it as the refresher's writes do (store-replicated-conflicts.test.ts): a lost race,
// answered by the item as it is now — tried again while its own condition still holds, decided again when the other
// Region's write changed the item — never a failure, never a second send of a refresh token. DynamoDB Local has no
// global tables: the conflicts are injected on the client (test/support/replicated-conflicts.ts).
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { DynamoDbDeployment } from '../../lambdas/adapters/dynamodb-deployment.js';
import { createDocumentClient } from '../../lambdas/adapters/dynamodb-token-store.js';
import { putNewOrg, replaceRemovedOrg } from '../../lambdas/adapters/tenant-onboarding.js';
import { contentHash, DEPLOYMENT_DESCRIPTOR_VERSION } from '../../lambdas/core/deployment-descriptor.js';
import { fingerprint } from '../../lambdas/core/redact.js';
import type { GrantIntake } from '../../lambdas/intake/grant-intake.js';
import { createIntakeParts } from '../../lambdas/intake/handler.js';
import type { OnDemandAnswer } from '../../lambdas/on-demand/on-demand-answer.js';
import { COORDINATION } from '../../lambdas/table-schema.js';
import { localDynamoDbClient } from '../../local/dynamodb-local.js';
import { lambdaContext } from '../../local/lambda-context.js';
import { CLIENTS, createHarness, type Harness, secretIdFor } from '../support/harness.js';
import { type ConflictPlan, injectReplicatedConflicts } from '../support/replicated-conflicts.js';

vi.hoisted(() => {
  process.env.TABLE_NAME ??= 'imported-for-create-intake-parts';
});
const { buildOnDemandHandler, createOnDemandParts } = await import('../../lambdas/on-demand/handler.js');

/** The DynamoDB client's attempts per request (its default, 4): a conflict on each reaches the adapter. */
const SDK_ATTEMPTS = 4;

let h: Harness;
let client: DynamoDBClient;
let plan: ConflictPlan;
const clients: DynamoDBClient[] = [];
/**
 * A client of its own per group of tests: the SDK's retry quota (per client) shrinks with every retried conflict, and
 * a drained quota would stop the SDK's own retries before the injected conflicts do.
 */
const freshClient = () => {
  client = localDynamoDbClient(inject('dynamoDbEndpoint'));
  clients.push(client);
  plan = injectReplicatedConflicts(client);
};
/** This Region's intake: its client meets the injected conflicts. */
let intake: GrantIntake;
/** Another Region's intake on the same table: its writes are the ones that win. */
let other: GrantIntake;

beforeAll(async () => {
  h = await createHarness(inject('dynamoDbEndpoint'));
  freshClient();
  const parts = (doc: typeof h.doc) =>
    createIntakeParts(h.env, { documentClient: doc, secretsClient: h.secretsClient });
  intake = parts(createDocumentClient(client)).intake;
  other = parts(h.doc).intake;
});
afterAll(async () => {
  for (const c of clients) c.destroy();
  await h.close();
});
afterEach(() => {
  h.oauth.faultHook = undefined;
});

const conflict = (marker: string, conflicts: number, competitor?: () => Promise<unknown>) => {
  Object.assign(plan, { marker, conflicts, answered: 0, competitor, applyFirst: false });
};
/** Counts the token requests that send one refresh token. */
const sendsOf = (refreshToken: string) => {
  const counter = { sent: 0 };
  h.oauth.faultHook = (info) => {
    if (info.params.get('refresh_token') === refreshToken) counter.sent++;
    return undefined;
  };
  return counter;
};
const org = (orgId: string) => ({
  orgId,
  provider: 'generic',
  grantType: 'refresh_token',
  tokenUrl: h.oauth.tokenUrl,
  revocationUrl: h.oauth.revocationUrl,
  clientAuth: 'basic',
  clientSecretId: secretIdFor(CLIENTS.basic.clientId),
});
const mint = (orgId: string) => h.oauth.mintRefreshToken(CLIENTS.basic.clientId, orgId);
const submitEvent = (orgId: string, refreshToken: string, issuedAt: number) => ({
  action: 'submitGrant',
  org: org(orgId),
  grant: { refreshToken, issuedAt },
});
const handle = async (via: GrantIntake, payload: unknown) => (await via.handle(payload, h.scope())).answer;

describe('Grant intake › replicated write conflicts (MRSC)', () => {
  it('submitGrant: the new org’s Put met a write that took nothing: put again, stored and refreshed once', async () => {
    const token = await mint('wrc-new');
    const counter = sendsOf(token);
    conflict('attribute_not_exists(#orgId)', SDK_ATTEMPTS);

    const answer = await handle(intake, submitEvent('wrc-new', token, Date.now() - 1000));

    expect(plan.answered).toBe(SDK_ATTEMPTS);
    expect(answer).toMatchObject({ ok: true, orgId: 'wrc-new', status: 'ACTIVE' });
    expect(counter.sent).toBe(1);
  });

  it('submitGrant: another Region stored this very grant at that instant: a repeat, its token sent once', async () => {
    const token = await mint('wrc-race');
    const counter = sendsOf(token);
    const event = submitEvent('wrc-race', token, Date.now() - 1000);
    conflict('attribute_not_exists(#orgId)', SDK_ATTEMPTS, () => handle(other, event));

    const answer = await handle(intake, event);

    expect(plan.answered).toBe(SDK_ATTEMPTS);
    expect(answer).toMatchObject({ ok: true, orgId: 'wrc-race', status: 'ACTIVE' });
    // Sent by the Region whose Put won; this one saw its own grant stored and sent nothing (a second send is reuse).
    expect(counter.sent).toBe(1);
    expect(await h.oauth.refreshTokenUsable(String((await h.getRecord('wrc-race'))?.refreshToken))).toBe(true);
  });

  it('reauthorise: the grant’s Update met a conflict: decided again on the item, stored, sent once', async () => {
    await handle(other, submitEvent('wrc-reauth', await mint('wrc-reauth'), Date.now() - 60_000));
    const token = await mint('wrc-reauth');
    const counter = sendsOf(token);
    conflict('#grantIssuedAt = :grantIssuedAt', SDK_ATTEMPTS);

    const answer = await handle(intake, {
      action: 'reauthorise',
      orgId: 'wrc-reauth',
      grant: { refreshToken: token, issuedAt: Date.now() - 1000 },
    });

    expect(plan.answered).toBe(SDK_ATTEMPTS);
    expect(answer).toMatchObject({ ok: true, orgId: 'wrc-reauth', status: 'ACTIVE' });
    expect(counter.sent).toBe(1);
    expect((await h.getRecord('wrc-reauth'))?.grantFingerprint).toBe(await fingerprint(token));
  });

  it('removeOrg: the tombstone met another Region’s refresh: decided again, removed, its new tokens revoked', async () => {
    await handle(other, submitEvent('wrc-remove', await mint('wrc-remove'), Date.now() - 60_000));
    const before = await h.getRecord('wrc-remove');
    // Another Region refreshes the org (the version moves) as this removal's tombstone is written.
    conflict('#removedAt = :removedAt', SDK_ATTEMPTS, async () => {
      expect((await h.runtime().run.refreshOrgs(['wrc-remove'], h.scope())).refreshed).toBe(1);
    });

    const answer = await handle(intake, { action: 'removeOrg', orgId: 'wrc-remove' });

    expect(plan.answered).toBe(SDK_ATTEMPTS);
    expect(answer).toMatchObject({ ok: true, status: 'REMOVED', revocation: { refreshToken: 'REVOKED' } });
    const after = await h.getRecord('wrc-remove');
    expect(after?.status).toBe('REMOVED');
    expect(after?.version).toBe(Number(before?.version) + 2);
  });

  it('submitGrant over a tombstone: the Put met a conflict while the tombstone stayed: put again, sent once', async () => {
    await handle(other, submitEvent('wrc-again', await mint('wrc-again'), Date.now() - 60_000));
    await handle(other, { action: 'removeOrg', orgId: 'wrc-again' });
    const token = await mint('wrc-again');
    const counter = sendsOf(token);
    conflict('#status = :removed', SDK_ATTEMPTS);

    const answer = await handle(intake, submitEvent('wrc-again', token, Date.now()));

    expect(plan.answered).toBe(SDK_ATTEMPTS);
    expect(answer).toMatchObject({ ok: true, orgId: 'wrc-again', status: 'ACTIVE' });
    expect(counter.sent).toBe(1);
  });
});

describe('Operator CLI’s onboarding Puts › replicated write conflicts (MRSC)', () => {
  beforeAll(freshClient);
  const item = (orgId: string, extra: Record<string, unknown> = {}) => ({
    orgId,
    status: 'ACTIVE',
    version: 1,
    grantIssuedAt: 1_000,
    ...extra,
  });

  it('tenants add: no item after the conflict: put again (added); another Region’s org there: unchanged', async () => {
    const doc = createDocumentClient(client);
    conflict('attribute_not_exists(#orgId)', SDK_ATTEMPTS);
    expect(await putNewOrg(doc, h.table, item('wrc-cli-add'))).toBe(true);
    expect(plan.answered).toBe(SDK_ATTEMPTS);

    conflict('attribute_not_exists(#orgId)', SDK_ATTEMPTS, () =>
      h.doc.send(new PutCommand({ TableName: h.table, Item: item('wrc-cli-taken', { provider: 'theirs' }) })),
    );
    expect(await putNewOrg(doc, h.table, item('wrc-cli-taken'))).toBe(false);
    expect((await h.getRecord('wrc-cli-taken'))?.provider).toBe('theirs');
  });

  it('tenants add over a tombstone: put again while it stays; refused once another write replaced it', async () => {
    const doc = createDocumentClient(client);
    const tombstone = { orgId: 'wrc-cli-re', status: 'REMOVED', version: 4, grantIssuedAt: 500 };
    await h.doc.send(new PutCommand({ TableName: h.table, Item: tombstone }));
    conflict('#status = :removed', SDK_ATTEMPTS);
    expect(await replaceRemovedOrg(doc, h.table, item('wrc-cli-re'), { version: 4 })).toBe(true);
    expect(await h.getRecord('wrc-cli-re')).toMatchObject({ status: 'ACTIVE', version: 5 });

    await h.doc.send(new PutCommand({ TableName: h.table, Item: { ...tombstone, orgId: 'wrc-cli-lost' } }));
    conflict('#status = :removed', SDK_ATTEMPTS, () =>
      h.doc.send(
        new PutCommand({
          TableName: h.table,
          Item: item('wrc-cli-lost', { version: 5, grantIssuedAt: 2_000, provider: 'another Region' }),
        }),
      ),
    );
    expect(await replaceRemovedOrg(doc, h.table, item('wrc-cli-lost'), { version: 4 })).toBe(false);
    expect((await h.getRecord('wrc-cli-lost'))?.provider).toBe('another Region');
  });
});

describe('Deployment descriptor › replicated write conflicts (MRSC)', () => {
  beforeAll(freshClient);
  const descriptor = async (shardCount: number, publishedAt: number) => {
    const settings = {
      schemaVersion: DEPLOYMENT_DESCRIPTOR_VERSION as typeof DEPLOYMENT_DESCRIPTOR_VERSION,
      shardCount,
      allowedTokenHosts: ['idp.example.com'] as string[],
      allowLoopbackHttp: false,
      eventBusName: null,
      refresherFunctionName: 'arn:aws:lambda:us-east-1:123456789012:function:refresher',
      metricNamespace: 'TenantTokenRefresher',
      serviceName: 'tenant-token-refresher',
    };
    return { ...settings, contentHash: await contentHash(settings), publishedAt };
  };
  const stored = async () =>
    (await h.doc.send(new GetCommand({ TableName: h.table, Key: { orgId: COORDINATION.deploymentKey } }))).Item;

  it('the same content written meanwhile: unchanged; other content: published over it; none: published', async () => {
    const mine = new DynamoDbDeployment({ tableName: h.table, client: createDocumentClient(client) });
    const theirs = new DynamoDbDeployment({ tableName: h.table, client: h.doc });
    const condition = 'attribute_not_exists(#key) OR #hash <> :hash';

    conflict(condition, SDK_ATTEMPTS);
    expect(await mine.publish(await descriptor(4, 1))).toBe('written');
    expect(plan.answered).toBe(SDK_ATTEMPTS);

    const same = await descriptor(8, 2);
    conflict(condition, SDK_ATTEMPTS, async () => theirs.publish({ ...same, publishedAt: 3 }));
    expect(await mine.publish(same)).toBe('unchanged');
    expect(await stored()).toMatchObject({ shardCount: 8, publishedAt: 3 });

    conflict(condition, SDK_ATTEMPTS, async () => theirs.publish(await descriptor(16, 4)));
    expect(await mine.publish(await descriptor(32, 5))).toBe('written');
    expect(await stored()).toMatchObject({ shardCount: 32, publishedAt: 5 });
  });
});

describe('On-demand refresh › replicated write conflicts (MRSC)', () => {
  const context = (): Context => lambdaContext(h.config.lambdaTimeoutMs, { functionName: 'on-demand' });
  let handler: (event: unknown, context: Context) => Promise<OnDemandAnswer>;

  beforeAll(() => {
    freshClient();
    handler = buildOnDemandHandler(
      createOnDemandParts(h.env, { documentClient: createDocumentClient(client), secretsClient: h.secretsClient }),
    ) as typeof handler;
  });

  const activeOrg = async (orgId: string) => {
    await h.seedOrg(orgId);
    expect((await h.runtime().run.refreshOrgs([orgId], h.scope())).refreshed).toBe(1);
    return (await h.getRecord(orgId)) as Record<string, unknown>;
  };

  it('refreshNow: the forced claim met a write that took nothing: claimed again, refreshed with one request', async () => {
    const record = await activeOrg('wrc-od');
    const counter = sendsOf(String(record.refreshToken));
    conflict('#forcedRefreshAt = :now', SDK_ATTEMPTS);

    const answer = await handler(
      { action: 'refreshNow', orgId: 'wrc-od', rejected: await fingerprint(String(record.accessToken)) },
      context(),
    );

    expect(plan.answered).toBe(SDK_ATTEMPTS);
    expect(answer).toMatchObject({ ok: true, orgId: 'wrc-od', source: 'refreshed' });
    expect(counter.sent).toBe(1);
  });

  it('refreshNow: another Region refreshed the org at that instant: its new token answered, nothing sent', async () => {
    const record = await activeOrg('wrc-od-race');
    const counter = sendsOf(String(record.refreshToken));
    conflict('#forcedRefreshAt = :now', SDK_ATTEMPTS, async () => {
      expect((await h.runtime().run.refreshOrgs(['wrc-od-race'], h.scope())).refreshed).toBe(1);
    });

    const answer = await handler(
      { action: 'refreshNow', orgId: 'wrc-od-race', rejected: await fingerprint(String(record.accessToken)) },
      context(),
    );

    expect(plan.answered).toBe(SDK_ATTEMPTS);
    const now = await h.getRecord('wrc-od-race');
    expect(answer).toMatchObject({ ok: true, orgId: 'wrc-od-race', accessToken: now?.accessToken });
    expect((answer as { source?: string }).source).not.toBe('refreshed');
    // The other Region's refresh sent it; this call sent nothing.
    expect(counter.sent).toBe(1);
  });
});
