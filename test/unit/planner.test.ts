// The planner's tick on in-memory stores: due counts per shard, the fan-out it starts, the gauges and backlog it
// reports, and the shard-count guard.
import { beforeEach, describe, expect, it } from 'vitest';
import { RegionCutOffError, ShardCountShrunkError, type SweepWorkerEvent } from '../../lambdas/core/fleet-ports.js';
import { dueShardFor } from '../../lambdas/core/shard.js';
import { DeploymentPublisher, deploymentSettingsOf } from '../../lambdas/refresher/deployment-publisher.js';
import { SweepPlanner } from '../../lambdas/refresher/planner.js';
import { CapturedLog } from '../support/harness.js';
import { MemoryFleetCensus, MemoryFleetStore } from '../support/memory-fleet-store.js';
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

describe('Class: SweepPlanner › the freshness objective’s denominator (ActiveOrgs)', () => {
  let census: MemoryFleetCensus;
  let log: CapturedLog;
  const withCensus = () =>
    new SweepPlanner({ fleet, census, store: tokens, invoker, clock, log, settings: { ...settings } });
  beforeEach(() => {
    census = new MemoryFleetCensus();
    log = new CapturedLog();
  });

  it('is DynamoDB’s item count of the due index (no read units), when it is the larger', async () => {
    seedDue(5);
    census.active = 1200;
    expect((await withCensus().plan(scope)).activeOrgs).toBe(1200);
  });

  // DynamoDB refreshes the item count about every six hours: right after an import it lags, and a ratio over it
  // could exceed 1. Every org counted due or expired this tick is ACTIVE.
  it('never falls below what the tick counted itself (due, expired)', async () => {
    seedDue(40, (i) => ({ expiresAt: i < 30 ? T0 - 1 : T0 + 300_000 }));
    census.active = 7;
    expect((await withCensus().plan(scope)).activeOrgs).toBe(40);
  });

  it('stands in with the tick’s own counts when DescribeTable fails, and says so', async () => {
    seedDue(3);
    census.active = new Error('AccessDeniedException');
    expect((await withCensus().plan(scope)).activeOrgs).toBe(3);
    expect(log.lines.map((l) => l.message)).toContain('could not read the ACTIVE org count');
  });
});

describe('Class: SweepPlanner › Regions sharing one global table (docs/regions.md)', () => {
  const REGIONS = ['us-east-1', 'us-east-2', 'us-west-2'];
  let census: MemoryFleetCensus;
  let log: CapturedLog;
  const inRegion = (region: string) =>
    new SweepPlanner({
      fleet,
      census,
      store: tokens,
      invoker,
      clock,
      log,
      settings: { ...settings, regions: REGIONS, region },
    });
  beforeEach(() => {
    census = new MemoryFleetCensus();
    log = new CapturedLog();
  });

  it('writes its Region’s heartbeat every tick and names the peers that stopped writing theirs', async () => {
    census.beats['us-east-2'] = T0 - 30_000;
    census.beats['us-west-2'] = T0 - 10 * 60_000;
    const plan = await inRegion('us-east-1').plan(scope);
    expect(census.beats['us-east-1']).toBe(T0);
    expect(plan.peerRegionsSilent).toEqual(['us-west-2']);
    expect(log.lines.find((l) => l.message.startsWith('peer region silent'))?.fields).toMatchObject({
      silentRegions: ['us-west-2'],
    });
  });

  it('plans nothing when it cannot write its heartbeat (cut off from the quorum), and fails loudly', async () => {
    seedDue(40);
    census.cutOff.add('us-west-2');
    await expect(inRegion('us-west-2').plan(scope)).rejects.toBeInstanceOf(RegionCutOffError);
    expect(invoker.events).toEqual([]);
    expect(log.lines.find((l) => l.message === 'region cut off from the table')?.fields).toMatchObject({
      code: 'STORE_UNAVAILABLE',
      region: 'us-west-2',
    });
  });

  it('splits each host budget across every Region’s sweeps, and shares the sweep leases with them', async () => {
    seedDue(40);
    // Another Region's sweep walks shards 0 and 1 already.
    await fleet.claimShards({
      shards: [0, 1],
      owner: 'us-east-2:sweep',
      tick: 't',
      until: T0 + 20_000,
      now: T0,
      shardCount: 4,
    });
    const plan = await inRegion('us-east-1').plan(scope);
    expect(invoker.events.flatMap((e) => e.sweep.shards).sort()).toEqual([2, 3]);
    // 4 shards: at most 4 sweeps hold one at once, whatever the Regions.
    expect(plan.hostShare).toBe(4);
    const wide = new SweepPlanner({
      fleet: new MemoryFleetStore(tokens),
      census,
      store: tokens,
      invoker,
      clock,
      log,
      settings: { ...settings, shardCount: 16, regions: REGIONS, region: 'us-east-1' },
    });
    expect((await wide.plan(scope)).hostShare).toBe(12);
  });

  it('in one Region (no REGIONS) writes no heartbeat and reports no peers', async () => {
    const plan = await new SweepPlanner({
      fleet,
      census,
      store: tokens,
      invoker,
      clock,
      log,
      settings: { ...settings, region: 'us-east-1' },
    }).plan(scope);
    expect(census.beats).toEqual({});
    expect(plan.peerRegionsSilent).toBeUndefined();
  });
});

// Mutants of planner.ts survived without these.
describe('Class: SweepPlanner › edges', () => {
  function withLog(over: Partial<typeof settings> = {}) {
    const log = new CapturedLog();
    const p = new SweepPlanner({ fleet, store: tokens, invoker, clock, log, settings: { ...settings, ...over } });
    return { p, log };
  }

  it('names the tick by its start and the owner, cut to 36 characters of a safe alphabet', async () => {
    const { p } = withLog();
    const plan = await p.plan({ owner: `req 1/${'x'.repeat(60)}`, remainingMs: () => 60_000 });
    expect(plan.tick).toBe(`${new Date(T0).toISOString()}/req-1-${'x'.repeat(30)}`);
  });

  it('a sweep lease ending exactly at the tick’s start is over: its shard is planned again', async () => {
    seedDue(40);
    await fleet.claimShards({ shards: [2], owner: 'older', tick: 't0', until: T0, now: T0 - 60_000, shardCount: 4 });
    await fleet.claimShards({
      shards: [3, 1],
      owner: 'other',
      tick: 't0',
      until: T0 + 1,
      now: T0 - 60_000,
      shardCount: 4,
    });
    const plan = await withLog().p.plan(scope);
    expect(plan.shardsBusy).toEqual([1, 3]);
  });

  it('logs each worker Lambda would not start, by error name', async () => {
    seedDue(40);
    invoker.failNext = 2;
    const { p, log } = withLog();
    await p.plan(scope);
    const lines = log.lines.filter((l) => l.message === 'could not start a sweep worker');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ level: 'error', fields: { error: 'Error' } });
  });

  it('gauges that cannot be read are left out of the plan (not 0), and the failure is logged by name', async () => {
    seedDue(4);
    tokens.beforeOp = (op) => {
      if (op === 'attentionCounts') throw Object.assign(new Error('x'), { name: 'ThrottlingException' });
    };
    const { p, log } = withLog();
    const plan = await p.plan(scope);
    expect(plan).toMatchObject({ orgsNeedingReauth: undefined, orgsMisconfigured: undefined });
    expect(plan.expired).toBe(0);
    expect(log.lines.find((l) => l.message === 'could not read attention gauges')).toMatchObject({
      level: 'warn',
      fields: { error: 'ThrottlingException' },
    });
  });
});
