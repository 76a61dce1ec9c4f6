// On a global table with multi-Region strong consistency (docs/regions.md), a write that meets another Region's write
// to the same item at the same instant is refused with ReplicatedWriteConflictException: nothing applied. For the
// refresher that is a lost race, never a failure that pages and never a second send: a claim that conflicts did not
// get the org (or tries once more if nobody did), a fenced write is tried again while its fence holds, a write whose
// earlier attempt had landed is recognised, and the sweep leases and host backoffs stay shared. DynamoDB Local has
// no global tables: the conflicts are injected on the client (test/support/replicated-conflicts.ts).
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { ConditionalWriter } from '../../lambdas/adapters/dynamodb-conditional-writer.js';
import { DynamoDbFleetStore } from '../../lambdas/adapters/dynamodb-fleet-store.js';
import { createDocumentClient } from '../../lambdas/adapters/dynamodb-token-store.js';
import { localDynamoDbClient } from '../../local/dynamodb-local.js';
import { createHarness, type Harness } from '../support/harness.js';
import { type ConflictPlan, injectReplicatedConflicts } from '../support/replicated-conflicts.js';

/** The DynamoDB client's attempts per request (its default, 4): a conflict on each reaches the store. */
const SDK_ATTEMPTS = 4;

describe('Class: DynamoDbTokenStore › replicated write conflicts (MRSC)', () => {
  let h: Harness;
  let client: DynamoDBClient;
  let plan: ConflictPlan;

  beforeAll(async () => {
    h = await createHarness(inject('dynamoDbEndpoint'), { oauth: { accessTokenTtlSeconds: 3600 } });
    client = localDynamoDbClient(inject('dynamoDbEndpoint'));
    plan = injectReplicatedConflicts(client);
  });
  afterAll(async () => {
    client.destroy();
    await h.close();
  });
  afterEach(() => {
    h.oauth.faultHook = undefined;
  });

  const runtime = () => h.runtime({ documentClient: createDocumentClient(client) });
  const conflict = (marker: string, conflicts: number, extra: Partial<ConflictPlan> = {}) => {
    Object.assign(plan, { marker, conflicts, answered: 0, competitor: undefined, applyFirst: false, ...extra });
  };
  const sendsOf = (refreshToken: unknown) => {
    const counter = { sent: 0 };
    h.oauth.faultHook = (info) => {
      if (info.params.get('refresh_token') === refreshToken) counter.sent++;
      return undefined;
    };
    return counter;
  };
  const eventsOf = (orgId: string) =>
    h.log.lines.filter((l) => l.message === 'org event' && l.fields?.orgId === orgId).map((l) => l.fields?.type);

  it('claim: another Region took the org at that instant: skipped as leased, nothing sent', async () => {
    const seeded = await h.seedOrg('rwc-claim-lost');
    const counter = sendsOf(seeded.refreshToken);
    conflict('SET #leaseOwner = :owner', SDK_ATTEMPTS, {
      // The other Region's claim lands first (its own lease, 60 s).
      competitor: async () => {
        await h.doc.send(
          new UpdateCommand({
            TableName: h.table,
            Key: { orgId: 'rwc-claim-lost' },
            UpdateExpression: 'SET leaseOwner = :o, leaseUntil = :u',
            ExpressionAttributeValues: { ':o': 'other-region-sweep', ':u': Date.now() + 60_000 },
          }),
        );
      },
    });

    const summary = await runtime().run.refreshOrgs(['rwc-claim-lost'], h.scope());

    expect(plan.answered).toBe(SDK_ATTEMPTS);
    expect(summary).toMatchObject({ refreshed: 0, failedTotal: 0, skipped: { LEASED: 1 } });
    expect(counter.sent).toBe(0);
    expect((await h.getRecord('rwc-claim-lost'))?.leaseOwner).toBe('other-region-sweep');
  });

  it('claim: the conflicting write took nothing of this org: claimed on the next try, sent once', async () => {
    const seeded = await h.seedOrg('rwc-claim-retried');
    const counter = sendsOf(seeded.refreshToken);
    conflict('SET #leaseOwner = :owner', SDK_ATTEMPTS);

    const summary = await runtime().run.refreshOrgs(['rwc-claim-retried'], h.scope());

    expect(plan.answered).toBe(SDK_ATTEMPTS);
    expect(summary).toMatchObject({ refreshed: 1, failedTotal: 0 });
    expect(counter.sent).toBe(1);
  });

  it('commit: refused by conflicts while the fence holds: tried again and stored, never TokenNotCommitted', async () => {
    const seeded = await h.seedOrg('rwc-commit');
    const counter = sendsOf(seeded.refreshToken);
    // More than the SDK's own retries: the store keeps trying while the lease and version are still its own.
    conflict('#accessToken = :accessToken', SDK_ATTEMPTS + 2);

    const summary = await runtime().run.refreshOrgs(['rwc-commit'], h.scope());

    expect(plan.answered).toBe(SDK_ATTEMPTS + 2);
    expect(summary).toMatchObject({ refreshed: 1, notCommitted: 0, rotationLost: 0, failedTotal: 0 });
    expect(counter.sent).toBe(1);
    const rec = await h.getRecord('rwc-commit');
    expect(rec?.leaseOwner).toBeUndefined();
    expect(await h.oauth.refreshTokenUsable(rec?.refreshToken as string)).toBe(true);
  });

  it('commit: its first attempt landed, the answer was lost, the retries conflicted: recognised as stored', async () => {
    await h.seedOrg('rwc-commit-landed');
    conflict('#accessToken = :accessToken', SDK_ATTEMPTS - 1, { applyFirst: true });

    const summary = await runtime().run.refreshOrgs(['rwc-commit-landed'], h.scope());

    expect(plan.answered).toBe(SDK_ATTEMPTS - 1);
    expect(summary).toMatchObject({ refreshed: 1, notCommitted: 0, rotationLost: 0 });
    expect(eventsOf('rwc-commit-landed')).toEqual([]);
  });

  it('release: tried again while the fence holds; the lease is handed back, not left to lapse', async () => {
    await h.seedOrg('rwc-release');
    h.oauth.faultHook = () => ({ kind: 'status', status: 503 });
    conflict('SET #refreshAt = :refreshAt', SDK_ATTEMPTS + 1);

    const summary = await runtime().run.refreshOrgs(['rwc-release'], h.scope());

    expect(plan.answered).toBe(SDK_ATTEMPTS + 1);
    expect(summary.failed).toEqual({ PROVIDER_UNAVAILABLE: 1 });
    expect(h.log.lines.filter((l) => l.message === 'could not release the lease')).toEqual([]);
    expect((await h.getRecord('rwc-release'))?.leaseOwner).toBeUndefined();
  });

  it('markReauth: tried again; the dead grant ends REAUTH_REQUIRED with its event, not STORE_UNAVAILABLE', async () => {
    const seeded = await h.seedOrg('rwc-reauth');
    await h.oauth.revokeGrant(seeded.refreshToken as string);
    conflict('#status = :reauth', SDK_ATTEMPTS + 1);

    const summary = await runtime().run.refreshOrgs(['rwc-reauth'], h.scope());

    expect(plan.answered).toBe(SDK_ATTEMPTS + 1);
    expect(summary.failed).toEqual({ INVALID_GRANT: 1 });
    expect(eventsOf('rwc-reauth')).toEqual(['ReauthRequired']);
    expect((await h.getRecord('rwc-reauth'))?.status).toBe('REAUTH_REQUIRED');
  });

  it('commit: the other Region really took the org over: fenced (LEASE_LOST), as after any lost condition', async () => {
    await h.seedOrg('rwc-commit-fenced');
    conflict('#accessToken = :accessToken', SDK_ATTEMPTS, {
      competitor: async () => {
        await h.doc.send(
          new UpdateCommand({
            TableName: h.table,
            Key: { orgId: 'rwc-commit-fenced' },
            UpdateExpression: 'SET leaseOwner = :o, leaseUntil = :u, version = version + :one',
            ExpressionAttributeValues: { ':o': 'other-region-sweep', ':u': Date.now() + 60_000, ':one': 1 },
          }),
        );
      },
    });

    const summary = await runtime().run.refreshOrgs(['rwc-commit-fenced'], h.scope());

    expect(summary).toMatchObject({ notCommitted: 1, failed: { LEASE_LOST: 1 } });
    expect((await h.getRecord('rwc-commit-fenced'))?.leaseOwner).toBe('other-region-sweep');
  });
});

describe('Class: ConditionalWriter › replicated write conflicts (MRSC) within a timeout', () => {
  let h: Harness;
  let client: DynamoDBClient;
  let plan: ConflictPlan;

  beforeAll(async () => {
    h = await createHarness(inject('dynamoDbEndpoint'));
    client = localDynamoDbClient(inject('dynamoDbEndpoint'));
    plan = injectReplicatedConflicts(client);
  });
  afterAll(async () => {
    client.destroy();
    await h.close();
  });

  it('a commit attempt’s timeout bounds its retries of conflicts too (the commit window counts on it)', async () => {
    await h.seedOrg('rwc-timeout');
    const writer = new ConditionalWriter(createDocumentClient(client), h.table, undefined);
    // Another Region keeps writing the item: every attempt conflicts, the fence stays this writer's.
    Object.assign(plan, { marker: 'SET #mark = :mark', conflicts: 1_000, answered: 0, competitor: undefined });
    const started = Date.now();

    const write = writer.update(
      'commit',
      'rwc-timeout',
      () => false,
      {
        UpdateExpression: 'SET #mark = :mark',
        ExpressionAttributeNames: { '#mark': 'mark' },
        ExpressionAttributeValues: { ':mark': 1 },
      },
      { timeoutMs: 200, stillMine: () => true },
    );

    await expect(write).rejects.toThrow();
    // One timeout for the whole call, not one per try (four tries of the SDK's four attempts each take seconds).
    expect(Date.now() - started).toBeLessThan(600);
    plan.marker = undefined;
  });
});

describe('Class: DynamoDbFleetStore › replicated write conflicts (MRSC)', () => {
  let h: Harness;
  let client: DynamoDBClient;
  let plan: ConflictPlan;

  beforeAll(async () => {
    h = await createHarness(inject('dynamoDbEndpoint'));
    client = localDynamoDbClient(inject('dynamoDbEndpoint'));
    plan = injectReplicatedConflicts(client);
  });
  afterAll(async () => {
    client.destroy();
    await h.close();
  });

  const fleetOf = (c: DynamoDBClient) =>
    new DynamoDbFleetStore({ tableName: h.table, client: createDocumentClient(c) });

  it('claimShards: another Region took a shard at that instant: this sweep gets the others, never that one', async () => {
    const now = Date.now();
    const other = fleetOf(h.ddb);
    Object.assign(plan, {
      marker: '#hi = :count',
      conflicts: SDK_ATTEMPTS,
      answered: 0,
      applyFirst: false,
      competitor: async () => {
        await other.claimShards({ shards: [1], owner: 'region-b', tick: 't', until: now + 20_000, now, shardCount: 4 });
      },
    });

    const grant = await fleetOf(client).claimShards({
      shards: [0, 1, 2],
      owner: 'region-a',
      tick: 't',
      until: now + 20_000,
      now,
      shardCount: 4,
    });

    expect(plan.answered).toBe(SDK_ATTEMPTS);
    expect(grant).toEqual({ granted: [0, 2], busy: [1] });
    const leases = (await other.sweepState()).leases;
    expect(leases.get(1)?.owner).toBe('region-b');
    expect(leases.get(0)?.owner).toBe('region-a');
  });

  it('markHostDegraded: another Region backed the host off at that instant: not announced twice', async () => {
    const now = Date.now();
    const other = fleetOf(h.ddb);
    const host = 'idp.example.com';
    Object.assign(plan, {
      marker: '#host = :host',
      conflicts: SDK_ATTEMPTS,
      answered: 0,
      applyFirst: false,
      competitor: async () => {
        await other.markHostDegraded({ host, until: now + 30_000, reason: 'RATE_LIMITED' }, now);
      },
    });

    const mine = await fleetOf(client).markHostDegraded({ host, until: now + 10_000, reason: 'RATE_LIMITED' }, now);

    expect(plan.answered).toBe(SDK_ATTEMPTS);
    expect(mine).toEqual({ announce: false, until: now + 30_000 });
  });

  it('clearHostDegradation: another Region wrote the host item at that instant: left for the next sweep, no error', async () => {
    const now = Date.now();
    const host = 'idp2.example.com';
    await fleetOf(h.ddb).markHostDegraded({ host, until: now - 1, reason: 'RATE_LIMITED' }, now - 10_000);
    Object.assign(plan, { marker: 'REMOVE #att', conflicts: SDK_ATTEMPTS, answered: 0, competitor: undefined });

    await expect(fleetOf(client).clearHostDegradation(host, now)).resolves.toBeUndefined();
    expect(plan.answered).toBe(SDK_ATTEMPTS);
  });
});
