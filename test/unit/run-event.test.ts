// Which run an event gets: a full sweep (every shard, under sweep leases), a worker's shards with its planner's host
// share, or a direct invocation; every one through a token-host gate whose backoffs end up in the summary.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../lambdas/config.js';
import { dueShardFor } from '../../lambdas/core/shard.js';
import { runRefreshEvent } from '../../lambdas/refresher/run-event.js';
import { createRuntime } from '../../lambdas/refresher/runtime.js';
import { CapturedLog } from '../support/harness.js';
import { MemoryFleetStore } from '../support/memory-fleet-store.js';
import { MemoryTokenStore } from '../support/memory-store.js';
import { FakeClock, FakeCredentials, ok, ScriptedEndpoint, status, T0 } from '../support/refresher-world.js';

function world(endpoint = new ScriptedEndpoint([() => ok()])) {
  const store = new MemoryTokenStore();
  const fleet = new MemoryFleetStore(store);
  const clock = new FakeClock();
  const config = loadConfig({ TABLE_NAME: 'tokens', ALLOWED_TOKEN_HOSTS: 'idp.example.com', SHARD_COUNT: '8' });
  const runtime = createRuntime(config, new CapturedLog(), {
    store,
    fleet,
    clock,
    credentials: new FakeCredentials(),
    endpoint,
    notifier: { orgEvent: async () => {} },
    random: () => 0.5,
  });
  for (let i = 0; i < 12; i++) {
    const orgId = `org-${i}`;
    store.put({
      orgId,
      provider: 'generic',
      grantType: 'refresh_token',
      tokenUrl: 'https://idp.example.com/token',
      clientSecretId: 's',
      refreshToken: 'rt',
      accessToken: 'at',
      expiresAt: T0 + 3_000_000,
      refreshAt: T0 - 1,
      dueShard: dueShardFor(orgId, 8),
      status: 'ACTIVE',
      version: 1,
      lastRefreshedAt: T0 - 3_000_000,
    });
  }
  return { store, fleet, runtime, endpoint };
}
const scope = { owner: 'req:1', remainingMs: () => 180_000 };

describe('Function: runRefreshEvent', () => {
  it('a full sweep walks every shard under sweep leases and reads the fleet gauges', async () => {
    const { runtime, fleet } = world();
    const summary = await runRefreshEvent(runtime, { kind: 'sweep' }, scope);
    expect(summary).toMatchObject({ refreshed: 12, orgsNeedingReauth: 0 });
    expect(summary.fleet).toMatchObject({ shards: [0, 1, 2, 3, 4, 5, 6, 7], worker: false });
    expect(fleet.highestShardCount).toBe(8);
  });

  it('a worker walks its shards only', async () => {
    const { runtime } = world();
    const summary = await runRefreshEvent(runtime, { kind: 'shards', shards: [2, 5], tick: 't', hostShare: 4 }, scope);
    expect(summary.fleet).toMatchObject({ shards: [2, 5], worker: true });
    expect(summary.orgsNeedingReauth).toBeUndefined();
  });

  it('reports the hosts this run backed off, once each', async () => {
    const { runtime } = world(new ScriptedEndpoint([() => status(429, { error: 'slow_down' }, '30')]));
    const summary = await runRefreshEvent(runtime, { kind: 'direct', orgIds: ['org-0', 'org-1', 'org-2'] }, scope);
    expect(summary.hostsDegraded).toEqual(['idp.example.com']);
    expect(summary.failed.RATE_LIMITED).toBeGreaterThanOrEqual(1);
    expect((summary.failed.RATE_LIMITED ?? 0) + (summary.skipped.HOST_DEGRADED ?? 0)).toBe(3);
  });
});
