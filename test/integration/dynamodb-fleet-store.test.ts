// The DynamoDB fleet store on DynamoDB Local: sweep leases are exclusive and lapse, the highest shard count only
// grows, due counts follow the due index, and a host backoff is shared, only extended, announced once per episode and
// listed in the attention index while it lasts.
import { GetCommand, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DynamoDbFleetStore } from '../../lambdas/adapters/dynamodb-fleet-store.js';
import { DynamoDbTokenStore } from '../../lambdas/adapters/dynamodb-token-store.js';
import { ShardCountShrunkError } from '../../lambdas/core/fleet-ports.js';
import { COORDINATION } from '../../lambdas/table-schema.js';
import { createHarness, type Harness } from '../support/harness.js';

let h: Harness;
let fleet: DynamoDbFleetStore;
const NOW = Date.now();

beforeAll(async () => {
  h = await createHarness(inject('dynamoDbEndpoint'));
  fleet = new DynamoDbFleetStore({ tableName: h.table, client: h.doc });
});
afterAll(async () => {
  await h.close();
});

const lease = (owner: string, shards: number[], over: { until?: number; now?: number; shardCount?: number } = {}) =>
  fleet.claimShards({
    shards,
    owner,
    tick: `tick-${owner}`,
    until: over.until ?? NOW + 60_000,
    now: over.now ?? NOW,
    shardCount: over.shardCount ?? 8,
  });

describe('Class: DynamoDbFleetStore — sweep leases', () => {
  it('grants free shards, and only those: a second sweep gets the rest and is told which are busy', async () => {
    expect(await lease('a', [0, 1, 2])).toEqual({ granted: [0, 1, 2], busy: [] });
    expect(await lease('b', [1, 2, 3, 4])).toEqual({ granted: [3, 4], busy: [1, 2] });
    expect(await lease('c', [0, 1])).toEqual({ granted: [], busy: [0, 1] });
    const state = await fleet.sweepState();
    expect(state.leases.get(0)).toEqual({ owner: 'a', tick: 'tick-a', until: NOW + 60_000 });
    expect(state.leases.get(4)?.owner).toBe('b');
    expect(state.highestShardCount).toBe(8);
  });

  it('a released lease is free again; a lease held by someone else is not released', async () => {
    await fleet.releaseShards([0, 1, 3], 'a'); // 3 is b's: stays
    const state = await fleet.sweepState();
    expect([...state.leases.keys()].sort()).toEqual([2, 3, 4]);
    expect(await lease('d', [0, 1])).toEqual({ granted: [0, 1], busy: [] });
    await fleet.releaseShards([0, 1], 'd');
    await fleet.releaseShards([2], 'a');
    await fleet.releaseShards([3, 4], 'b');
    expect((await fleet.sweepState()).leases.size).toBe(0);
  });

  it('renews only the leases its owner still holds', async () => {
    await lease('renew-a', [6], { until: NOW + 1000 });
    await lease('renew-b', [7], { until: NOW + 1000 });
    await fleet.renewShards([6, 7], 'renew-a', NOW + 9000); // 7 is b's: a's own is renewed, b's is not
    const state = await fleet.sweepState();
    expect(state.leases.get(6)?.until).toBe(NOW + 9000);
    expect(state.leases.get(7)?.until).toBe(NOW + 1000);
    await fleet.releaseShards([6], 'renew-a');
    await fleet.releaseShards([7], 'renew-b');
  });

  it('a lapsed lease (its sweep died) is taken over', async () => {
    await lease('dead', [5], { until: NOW + 1000 });
    expect(await lease('next', [5], { now: NOW + 2000 })).toEqual({ granted: [5], busy: [] });
    await fleet.releaseShards([5], 'next');
  });

  it('the highest shard count only grows; a sweep with fewer shards is refused, naming SHARD_COUNT', async () => {
    expect((await lease('grow', [9], { shardCount: 16 })).granted).toEqual([9]);
    await fleet.releaseShards([9], 'grow');
    const shrunk = lease('shrink', [0], { shardCount: 8 });
    await expect(shrunk).rejects.toBeInstanceOf(ShardCountShrunkError);
    await expect(lease('shrink', [0], { shardCount: 8 })).rejects.toThrow(/SHARD_COUNT \(8\) is below the 16 shards/);
    expect((await fleet.sweepState()).highestShardCount).toBe(16);
  });
});

describe('Class: DynamoDbFleetStore — due counts', () => {
  it('counts due, expired (not already listed as EXPIRED) and backlog entries of one shard', async () => {
    const put = (orgId: string, item: Record<string, unknown>) =>
      h.doc.send(
        new PutCommand({ TableName: h.table, Item: { orgId, status: 'ACTIVE', version: 1, dueShard: 30, ...item } }),
      );
    await put('due-fresh', { refreshAt: NOW - 1000, expiresAt: NOW + 60_000 });
    await put('due-expired', { refreshAt: NOW - 1000, expiresAt: NOW - 1 });
    await put('due-no-token', { refreshAt: NOW - 1000 });
    await put('due-listed', { refreshAt: NOW - 1000, expiresAt: NOW - 1, attention: 'EXPIRED' });
    await put('backlog', { refreshAt: NOW - 120_000, expiresAt: NOW + 60_000 });
    await put('later', { refreshAt: NOW + 60_000, expiresAt: NOW + 600_000 });
    expect(await fleet.countDue(30, NOW, NOW - 60_000)).toEqual({ due: 5, expired: 2, backlog: 1 });
    expect(await fleet.countDue(31, NOW, NOW - 60_000)).toEqual({ due: 0, expired: 0, backlog: 0 });
  });
});

describe('Class: DynamoDbFleetStore — host backoff', () => {
  it('the first sweep to back a host off announces it; others extend or keep it quietly', async () => {
    const host = 'login.mypurecloud.de';
    expect(await fleet.markHostDegraded({ host, until: NOW + 30_000, reason: 'RATE_LIMITED' }, NOW)).toEqual({
      announce: true,
      until: NOW + 30_000,
    });
    // Another sweep, same episode: a shorter backoff keeps the longer one.
    expect(await fleet.markHostDegraded({ host, until: NOW + 10_000, reason: 'RATE_LIMITED' }, NOW + 1)).toEqual({
      announce: false,
      until: NOW + 30_000,
    });
    // A longer one extends it, still without a second announcement.
    expect(await fleet.markHostDegraded({ host, until: NOW + 90_000, reason: 'RATE_LIMITED' }, NOW + 2)).toEqual({
      announce: false,
      until: NOW + 90_000,
    });
    expect(await fleet.degradedHosts()).toEqual([{ host, until: NOW + 90_000, reason: 'RATE_LIMITED' }]);
  });

  it('is unlisted once its backoff has ended (not before), and a new episode is announced again', async () => {
    const host = 'acme.zendesk.com';
    await fleet.markHostDegraded({ host, until: NOW + 5_000, reason: 'PROVIDER_UNAVAILABLE' }, NOW);
    await fleet.clearHostDegradation(host, NOW + 1_000);
    expect((await fleet.degradedHosts()).map((d) => d.host)).toContain(host);
    await fleet.clearHostDegradation(host, NOW + 5_000);
    expect((await fleet.degradedHosts()).map((d) => d.host)).not.toContain(host);
    expect(
      (await fleet.markHostDegraded({ host, until: NOW + 20_000, reason: 'RATE_LIMITED' }, NOW + 10_000)).announce,
    ).toBe(true);
  });

  it('coordination items carry no token, are never in the due index, and use keys no org can have', async () => {
    const items = (await h.doc.send(new ScanCommand({ TableName: h.table }))).Items ?? [];
    const coordination = items.filter((i) => String(i.orgId).startsWith(COORDINATION.prefix));
    expect(coordination.map((i) => i.orgId).sort()).toEqual(
      ['#host:acme.zendesk.com', '#host:login.mypurecloud.de', '#sweep'].sort(),
    );
    for (const item of coordination) {
      expect(item.dueShard).toBeUndefined();
      expect(Object.keys(item).filter((k) => /token|secret/i.test(k))).toEqual([]);
    }
    const sweep = await h.doc.send(new GetCommand({ TableName: h.table, Key: { orgId: '#sweep' } }));
    expect(sweep.Item?.attention).toBeUndefined();
  });

  // The gauges read the attention index in one Scan, where backed-off hosts are listed too: a host is not an org.
  it('a backed-off host in the attention index is no org needing attention for the gauges', async () => {
    const store = new DynamoDbTokenStore({ tableName: h.table, client: h.doc });
    await fleet.markHostDegraded({ host: 'gauge.example.com', until: NOW + 60_000, reason: 'RATE_LIMITED' }, NOW);
    for (const [orgId, attention] of [
      ['gauge-dead', 'REAUTH_REQUIRED'],
      ['gauge-broken', 'MISCONFIGURED'],
      ['gauge-ending', 'REFRESH_TOKEN_EXPIRING'],
      ['gauge-ending-2', 'REFRESH_TOKEN_EXPIRING'],
    ]) {
      await h.doc.send(
        new PutCommand({ TableName: h.table, Item: { orgId, status: 'ACTIVE', version: 1, attention } }),
      );
    }
    const counts = await store.attentionCounts();
    expect(counts).toMatchObject({ REAUTH_REQUIRED: 1, MISCONFIGURED: 1, REFRESH_TOKEN_EXPIRING: 2 });
    expect(counts).not.toHaveProperty(COORDINATION.hostDegradedAttention);
  });
});
