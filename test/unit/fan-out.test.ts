// The planner's decision: how many sweeps, which shards each walks, each sweep's share of a host's budget, and the
// backlog's cutoff. Every rule a row.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backlogCutoff, type FanOutInput, planFanOut, runningSweeps } from '../../lambdas/core/fan-out.js';
import { fleetHostShare } from '../../lambdas/core/host-limits.js';

const input = (over: Partial<FanOutInput>): FanOutInput => ({
  dueByShard: [0, 0, 0, 0],
  busyShards: new Set(),
  runningSweeps: 0,
  maxSweeps: 4,
  orgsPerSweep: 1000,
  ...over,
});
const shardsOf = (plan: ReturnType<typeof planFanOut>) => plan.sweeps.map((s) => s.shards);

describe('Function: planFanOut', () => {
  it.each([
    ['nothing due: no sweep at all', input({}), []],
    [
      'a small backlog: one sweep takes every shard with something due',
      input({ dueByShard: [5, 0, 7, 1] }),
      [[0, 2, 3]],
    ],
    [
      'sweeps follow the backlog: ceil(due / ORGS_PER_SWEEP)',
      input({ dueByShard: [500, 500, 500, 500] }),
      [
        [0, 2],
        [1, 3],
      ],
    ],
    ['never more than MAX_SWEEPS', input({ dueByShard: [9000, 9000, 9000, 9000], maxSweeps: 3 }), [[0, 3], [1], [2]]],
    ['never more than the shards with something due', input({ dueByShard: [0, 50_000, 0, 0], maxSweeps: 4 }), [[1]]],
    [
      'sweeps still running count against MAX_SWEEPS, and their shards are left to them',
      input({ dueByShard: [5000, 5000, 5000, 5000], busyShards: new Set([0, 1]), runningSweeps: 2 }),
      [[2], [3]],
    ],
    [
      'no room at all while MAX_SWEEPS sweeps still run',
      input({ dueByShard: [5000, 5000, 5000, 5000], busyShards: new Set([0]), runningSweeps: 4 }),
      [],
    ],
  ])('%s', (_name, given, expected) => {
    expect(shardsOf(planFanOut(given))).toEqual(expected);
  });

  it('balances the due orgs: the largest shards first, each to the least loaded sweep', () => {
    const plan = planFanOut(input({ dueByShard: [100, 900, 300, 700, 500, 100, 0, 400], orgsPerSweep: 1000 }));
    expect(plan.sweeps.map((s) => s.due)).toEqual([1000, 1000, 1000]);
    expect(plan.due).toBe(3000);
    expect(plan.assignable).toBe(3000);
  });

  it('counts every due org in `due`, busy shards included, but only free ones in `assignable`', () => {
    const plan = planFanOut(input({ dueByShard: [10, 20, 30, 40], busyShards: new Set([3]), runningSweeps: 1 }));
    expect(plan).toMatchObject({ due: 100, assignable: 60 });
  });

  it('gives every sweep 1/MAX_SWEEPS of each host budget, however many start this tick', () => {
    expect(planFanOut(input({ dueByShard: [1, 0, 0, 0] })).hostShare).toBe(4);
    expect(planFanOut(input({ dueByShard: [9000, 9000, 9000, 9000] })).hostShare).toBe(4);
  });

  it('counts the grant intake’s and the on-demand refresh’s instances as shares of every host budget (fleetHostShare)', () => {
    expect(planFanOut(input({ dueByShard: [1, 0, 0, 0], otherShares: 3 })).hostShare).toBe(7);
    expect(fleetHostShare({ maxSweeps: 4, shardCount: 2, intakeConcurrency: 3, onDemandConcurrency: 2 })).toBe(7);
  });

  it('property: every free shard with something due goes to exactly one sweep when there is room', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 20_000 }), { minLength: 1, maxLength: 64 }),
        fc.integer({ min: 1, max: 16 }),
        fc.integer({ min: 1, max: 5000 }),
        (due, maxSweeps, orgsPerSweep) => {
          const plan = planFanOut({
            dueByShard: due,
            busyShards: new Set(),
            runningSweeps: 0,
            maxSweeps,
            orgsPerSweep,
          });
          const assigned = plan.sweeps.flatMap((s) => s.shards);
          expect(new Set(assigned).size).toBe(assigned.length);
          expect(plan.sweeps.length).toBeLessThanOrEqual(maxSweeps);
          if (plan.sweeps.length > 0) {
            expect(assigned.sort((a, b) => a - b)).toEqual(due.flatMap((d, shard) => (d > 0 ? [shard] : [])));
          } else {
            expect(due.every((d) => d === 0)).toBe(true);
          }
          for (const s of plan.sweeps) expect(s.shards.length).toBeGreaterThan(0);
        },
      ),
    );
  });
});

describe('Function: backlogCutoff', () => {
  it('is the start of the previous tick: due before it and still due now means that tick did not clear it', () => {
    expect(backlogCutoff(1_000_000, 60_000, 50_000)).toBe(940_000);
  });

  it('…or a lease hold ago when that is longer: an org a crashed claim holds is not backlog until the hold ends', () => {
    expect(backlogCutoff(1_000_000, 60_000, 125_000)).toBe(875_000);
  });
});

describe('Function: runningSweeps', () => {
  it('counts distinct owners of live leases only', () => {
    const now = 1000;
    expect(
      runningSweeps(
        [
          { owner: 'a', until: 2000 },
          { owner: 'a', until: 2000 },
          { owner: 'b', until: 1500 },
          { owner: 'c', until: 999 },
        ],
        now,
      ),
    ).toBe(2);
  });
});
