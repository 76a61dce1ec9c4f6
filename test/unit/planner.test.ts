// The planner's tick on in-memory stores: due counts per shard, the fan-out it starts, the gauges and backlog it
// reports, and the shard-count guard.
import { beforeEach, describe, expect, it } from 'vitest';
import { ShardCountShrunkError, type SweepWorkerEvent } from '../../lambdas/core/fleet-ports.js';
import { dueShardFor } from '../../lambdas/core/shard.js';
import { DeploymentPublisher, deploymentSettingsOf } from '../../lambdas/refresher/deployment-publisher.js';
import { SweepPlanner } from '../../lambdas/refresher/planner.js';
import { CapturedLog } from '../support/harness.js';
import { MemoryFleetStore } from '../support/memory-fleet-store.js';
import { MemoryTokenStore } from '../support/memory-store.js';
import { FakeClock, T0 } from '../support/refresher-world.js';

class FakeInvoker {
  readonly events: SweepWorkerEvent[] = [];
  failNext = 0;
  async startSweep(event: SweepWorkerEvent) {
    if (this.failNext-- > 0) throw new Error('TooManyRequestsException');
    this.events.push(event);
  }
}

const settings = { shardCount: 4, maxSweeps: 4, orgsPerSweep: 10, schedulePeriodMs: 60_000, leaseMs: 60_000 };
let clock: FakeClock;
let tokens: MemoryTokenStore;
let fleet: MemoryFleetStore;
let invoker: FakeInvoker;
const scope = { owner: 'req-1:abcd', remainingMs: () => 60_000 };

function seedDue(n: number, extra: (i: number) => Record<string, unknown> = () => ({})) {
  for (let i = 0; i < n; i++) {
    const orgId = `org-${i}`;
    tokens.put({
      orgId,
      status: 'ACTIVE',
      version: 1,
      dueShard: dueShardFor(orgId, 4),
      refreshAt: T0 - 1000,
      expiresAt: T0 + 300_000,
      ...extra(i),
    });
  }
}

function planner(over: Partial<typeof settings> = {}) {
  return new SweepPlanner({
    fleet,
    store: tokens,
    invoker,
    clock,
    log: new CapturedLog(),
    settings: { ...settings, ...over },
  });
}

beforeEach(() => {
  clock = new FakeClock();
  tokens = new MemoryTokenStore();
  fleet = new MemoryFleetStore(tokens);
  invoker = new FakeInvoker();
});

describe('Class: SweepPlanner', () => {
  it('starts as many workers as the backlog needs, shards split between them, each told its host share', async () => {
    seedDue(40);
    const plan = await planner().plan(scope);
    expect(plan.sweeps).toHaveLength(4);
    expect(invoker.events).toHaveLength(4);
    const shards = invoker.events.flatMap((e) => e.sweep.shards).sort();
    expect(shards).toEqual([0, 1, 2, 3]);
    for (const e of invoker.events) expect(e.sweep).toMatchObject({ tick: plan.tick, hostShare: 4 });
    expect(plan).toMatchObject({ due: 40, expired: 0, backlog: 0, invokeFailures: 0 });
  });

  it('starts one worker for a small backlog, and none when nothing is due', async () => {
    seedDue(5);
    expect((await planner().plan(scope)).sweeps).toHaveLength(1);
    tokens.items.clear();
    invoker.events.length = 0;
    expect((await planner().plan(scope)).sweeps).toHaveLength(0);
    expect(invoker.events).toEqual([]);
  });

  it('leaves shards another sweep still walks to it, and counts that sweep against MAX_SWEEPS', async () => {
    seedDue(40);
    await fleet.claimShards({ shards: [0, 1], owner: 'older', tick: 't0', until: T0 + 60_000, now: T0, shardCount: 4 });
    const plan = await planner({ maxSweeps: 2 }).plan(scope);
    expect(plan).toMatchObject({ shardsBusy: [0, 1], runningSweeps: 1 });
    expect(invoker.events.flatMap((e) => e.sweep.shards).sort()).toEqual([2, 3]);
    expect(invoker.events).toHaveLength(1);
  });

  it('reports the fleet gauges: expired tokens (due or backing off), attention counts, and the backlog', async () => {
    seedDue(6, (i) => ({
      expiresAt: i < 2 ? T0 - 1 : T0 + 300_000,
      // three were due before the previous tick started and longer than a lease hold (125 s) ago
      refreshAt: i < 3 ? T0 - 126_000 : i < 4 ? T0 - 124_000 : T0 - 1000,
    }));
    tokens.put({ orgId: 'backing-off', status: 'ACTIVE', version: 1, attention: 'EXPIRED', refreshAt: T0 + 600_000 });
    tokens.put({ orgId: 'dead', status: 'REAUTH_REQUIRED', version: 1, attention: 'REAUTH_REQUIRED' });
    tokens.put({ orgId: 'ending', status: 'ACTIVE', version: 1, attention: 'REFRESH_TOKEN_EXPIRING' });
    const plan = await planner().plan(scope);
    expect(plan).toMatchObject({
      due: 6,
      expired: 3,
      backlog: 3,
      orgsNeedingReauth: 1,
      orgsMisconfigured: 0,
      orgsRefreshTokenExpiring: 1,
    });
  });

  it('refuses to plan with fewer shards than the table has been swept with (SHARD_COUNT never shrinks)', async () => {
    fleet.highestShardCount = 8;
    await expect(planner().plan(scope)).rejects.toBeInstanceOf(ShardCountShrunkError);
    await expect(planner().plan(scope)).rejects.toThrow(/SHARD_COUNT \(4\) is below the 8 shards/);
    expect(invoker.events).toEqual([]);
  });

  it('publishes the deployment descriptor each tick (cached when warm), never for a shrunk SHARD_COUNT', async () => {
    const published: unknown[] = [];
    const registry = {
      read: async () => ({ state: 'missing' as const }),
      publish: async (d: unknown) => {
        published.push(d);
        return 'written' as const;
      },
    };
    const settingsOf = deploymentSettingsOf(
      { shardCount: 4, allowedTokenHosts: [], allowLoopbackHttp: false, eventBusName: undefined },
      { refresherFunctionName: 'worker', serviceName: 'svc' },
    );
    const deployment = new DeploymentPublisher({ registry, settings: settingsOf, clock, log: new CapturedLog() });
    const withDescriptor = () =>
      new SweepPlanner({ fleet, store: tokens, invoker, clock, log: new CapturedLog(), settings, deployment });

    fleet.highestShardCount = 8;
    await expect(withDescriptor().plan(scope)).rejects.toBeInstanceOf(ShardCountShrunkError);
    const afterShrink = published.length;
    fleet.highestShardCount = 4;
    const first = await withDescriptor().plan(scope);
    const second = await withDescriptor().plan(scope);

    expect(afterShrink).toBe(0);
    expect([first.deployment, second.deployment]).toEqual(['written', 'cached']);
    expect(published).toEqual([expect.objectContaining({ shardCount: 4, refresherFunctionName: 'worker' })]);
  });

  it('counts workers Lambda would not start (their shards wait for the next tick)', async () => {
    seedDue(40);
    invoker.failNext = 1;
    const plan = await planner().plan(scope);
    expect(plan.invokeFailures).toBe(1);
    expect(invoker.events).toHaveLength(3);
  });
});
