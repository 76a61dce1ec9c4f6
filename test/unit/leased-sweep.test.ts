// A sweep under sweep leases: it walks only the shards it could lease, gives them back, and never runs with fewer
// shards than the table has been swept with.
import { beforeEach, describe, expect, it } from 'vitest';
import { ShardCountShrunkError } from '../../lambdas/core/fleet-ports.js';
import { dueShardFor } from '../../lambdas/core/shard.js';
import { leasedSweep } from '../../lambdas/refresher/leased-sweep.js';
import { RefreshRun } from '../../lambdas/refresher/run-refresh.js';
import type { CapturedLog } from '../support/harness.js';
import { MemoryFleetStore } from '../support/memory-fleet-store.js';
import type { MemoryTokenStore } from '../support/memory-store.js';
import { type FakeClock, ok, type RefresherWorld, refresherWorld, scope, T0 } from '../support/refresher-world.js';

let world: RefresherWorld;
let store: MemoryTokenStore;
let clock: FakeClock;
let log: CapturedLog;
let fleet: MemoryFleetStore;
let run: RefreshRun;

beforeEach(() => {
  world = refresherWorld();
  ({ store, clock, log } = world);
  fleet = new MemoryFleetStore(store);
  run = new RefreshRun(world.refresher, { store, clock, log }, { concurrency: 4, shardCount: 4, leaseMs: 60_000 });
  for (let i = 0; i < 16; i++) world.seed(`org-${i}`);
});
const deps = () => ({ run, fleet, clock, log, shardCount: 4, leaseMs: 60_000, tailReleaseMs: 60_000 });
const inShard = (shard: number) => [...store.items.values()].filter((i) => dueShardFor(String(i.orgId), 4) === shard);

describe('Function: leasedSweep', () => {
  it('a full sweep leases every shard, refreshes everything due, and gives the leases back', async () => {
    const summary = await leasedSweep(deps(), { shards: undefined, tick: 'full/x' }, scope);
    expect(summary).toMatchObject({ refreshed: 16, fleet: { shards: [0, 1, 2, 3], shardsBusy: [], worker: false } });
    expect(summary.orgsNeedingReauth).toBe(0); // a full sweep still reads the gauges
    expect(fleet.leases.size).toBe(0);
    expect(fleet.highestShardCount).toBe(4);
  });

  it('skips a shard another sweep holds: its orgs are left to that sweep', async () => {
    await fleet.claimShards({ shards: [2], owner: 'other', tick: 't', until: T0 + 60_000, now: T0, shardCount: 4 });
    const summary = await leasedSweep(deps(), { shards: undefined, tick: 'full/x' }, scope);
    expect(summary.fleet).toMatchObject({ shards: [0, 1, 3], shardsBusy: [2] });
    for (const item of inShard(2)) expect(item.version).toBe(7);
    expect(summary.refreshed).toBe(16 - inShard(2).length);
    expect(fleet.leases.get(2)?.owner).toBe('other');
  });

  it('a worker walks only its shards and reads no fleet gauge', async () => {
    const summary = await leasedSweep(deps(), { shards: [1, 3], tick: 't-1' }, scope);
    expect(summary.refreshed).toBe(inShard(1).length + inShard(3).length);
    expect(summary.orgsNeedingReauth).toBeUndefined();
    expect(summary.fleet).toMatchObject({ tick: 't-1', shards: [1, 3], worker: true });
    for (const item of [...inShard(0), ...inShard(2)]) expect(item.version).toBe(7);
  });

  it('refuses to run below the highest shard count, before touching any org', async () => {
    fleet.highestShardCount = 6;
    await expect(leasedSweep(deps(), { shards: undefined, tick: 'full/x' }, scope)).rejects.toBeInstanceOf(
      ShardCountShrunkError,
    );
    expect(store.ops).toEqual([]);
  });

  it('gives the leases back even when the sweep throws', async () => {
    store.beforeOp = (op) => {
      if (op === 'queryDue') throw new Error('dynamodb down');
    };
    await expect(leasedSweep(deps(), { shards: [0, 1], tick: 't' }, scope)).rejects.toThrow('dynamodb down');
    expect(fleet.leases.size).toBe(0);
  });

  it('takes a third of an org lease as its sweep lease and renews it while it runs (a dead sweep frees its shards)', async () => {
    const slow = {
      sweep: async () => {
        await new Promise((r) => setTimeout(r, 800));
        return run.sweep(scope, { shards: [0], gauges: false });
      },
    } as unknown as RefreshRun;
    const sweep = leasedSweep({ ...deps(), run: slow, leaseMs: 3_000 }, { shards: [0], tick: 't' }, scope);
    await new Promise((r) => setTimeout(r, 5));
    expect(fleet.leases.get(0)?.until).toBe(clock.now() + 1_000);
    await sweep;
    expect(fleet.calls.filter((c) => c.startsWith('renewShards:0')).length).toBeGreaterThanOrEqual(2);
    expect(fleet.leases.size).toBe(0);
  });

  it('gives its shards back when every due org has started and the last are still in flight a period later', async () => {
    let answer!: () => void;
    const held = new Promise<void>((r) => {
      answer = r;
    });
    world.endpoint.script = [
      async () => {
        await held;
        return ok();
      },
    ];
    // Room for all 16 orgs at once (8 slots × 2 in progress each).
    const roomy = new RefreshRun(
      world.refresher,
      { store, clock, log },
      { concurrency: 8, shardCount: 4, leaseMs: 60_000 },
    );
    const sweep = leasedSweep({ ...deps(), run: roomy, tailReleaseMs: 30 }, { shards: undefined, tick: 't' }, scope);
    while (world.endpoint.requests.length < 16) await new Promise((r) => setTimeout(r, 1));
    // Every org has started; the shards stay until the tail has outlasted a period…
    expect(fleet.leases.size).toBe(4);
    await new Promise((r) => setTimeout(r, 60));
    // …then go back, while the refreshes are still in flight.
    expect(fleet.leases.size).toBe(0);
    answer();
    expect((await sweep).refreshed).toBe(16);
  });
});
