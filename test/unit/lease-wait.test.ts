// The wait of the writers that must never write under a live lease (grant intake, removal): re-read with a growing
// pause until no refresher holds the org, never past the lease's end plus a margin, and never into the time the caller
// keeps for its own write. Over a fake clock, so every pause is exact.
import { describe, expect, it } from 'vitest';
import {
  FIRST_PAUSE_MS,
  LEASE_MARGIN_MS,
  MAX_PAUSE_MS,
  untilLeaseReleased,
} from '../../lambdas/refresher/lease-wait.js';
import { FakeClock, T0 } from '../support/refresher-world.js';

/** A record whose lease is released after `releasedAfter` reads (or never), with every pause recorded. */
function world(leaseUntil: number, releasedAfter = Number.POSITIVE_INFINITY) {
  const clock = new FakeClock();
  const pauses: number[] = [];
  const sleep = clock.sleep;
  clock.sleep = async (ms) => {
    pauses.push(ms);
    await sleep(ms);
  };
  let reads = 0;
  const deps = {
    clock,
    read: async (_orgId: string) => {
      reads++;
      return reads >= releasedAfter ? { orgId: 'o' } : { orgId: 'o', leaseUntil };
    },
  };
  return { clock, deps, pauses, reads: () => reads };
}

describe('Function: untilLeaseReleased', () => {
  it('returns at once, without reading, when the lease has already ended', async () => {
    const w = world(T0 - 1);
    expect(await untilLeaseReleased(w.deps, 'o', T0 - 1, () => 60_000, 5_000)).toBe(true);
    expect(w.reads()).toBe(0);
  });

  it('a lease ending this very millisecond is still waited for', async () => {
    const w = world(T0, 1);
    expect(await untilLeaseReleased(w.deps, 'o', T0, () => 60_000, 5_000)).toBe(true);
    expect(w.pauses).toEqual([FIRST_PAUSE_MS]);
  });

  it('re-reads with a pause doubling from 50 ms to at most 1 s until the holder lets go', async () => {
    const w = world(T0 + 60_000, 8);
    expect(await untilLeaseReleased(w.deps, 'o', T0 + 60_000, () => 120_000, 5_000)).toBe(true);
    expect(w.pauses).toEqual([50, 100, 200, 400, 800, MAX_PAUSE_MS, MAX_PAUSE_MS, MAX_PAUSE_MS]);
    expect(w.reads()).toBe(8);
  });

  it('never sleeps past the lease’s end plus the margin (the holder’s release lands first)', async () => {
    // 50 ms, then 100 ms; the third pause would be 200 ms but the lease ends 50 ms later, and the margin is 100 ms.
    const w = world(T0 + 200, 3);
    await untilLeaseReleased(w.deps, 'o', T0 + 200, () => 60_000, 5_000);
    expect(w.pauses).toEqual([FIRST_PAUSE_MS, 2 * FIRST_PAUSE_MS, 50 + LEASE_MARGIN_MS]);
  });

  it('a lease that stays past the caller’s time: false, before eating into the time it keeps', async () => {
    const w = world(T0 + 600_000);
    const left = 10_000;
    const remaining = () => left - (w.clock.now() - T0);
    expect(await untilLeaseReleased(w.deps, 'o', T0 + 600_000, remaining, 5_000)).toBe(false);
    // Every pause left at least the 5 s kept: the last one ended with more than 5 s to go.
    expect(remaining()).toBeGreaterThanOrEqual(5_000);
    expect(w.pauses.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(5_000);
  });

  it('exactly the time it keeps left after a pause is still enough to take it', async () => {
    const w = world(T0 + 60_000, 1);
    expect(await untilLeaseReleased(w.deps, 'o', T0 + 60_000, () => 5_000 + FIRST_PAUSE_MS, 5_000)).toBe(true);
    expect(w.pauses).toEqual([FIRST_PAUSE_MS]);
  });

  it('an org gone meanwhile (no record) is released', async () => {
    const clock = new FakeClock();
    const deps = { clock, read: async () => undefined };
    expect(await untilLeaseReleased(deps, 'o', T0 + 60_000, () => 60_000, 5_000)).toBe(true);
  });

  it('a renewed lease (a new holder) is waited for too, until it ends', async () => {
    const clock = new FakeClock();
    let reads = 0;
    const deps = {
      clock,
      read: async () => (++reads < 3 ? { leaseUntil: clock.now() + 10_000 } : {}),
    };
    expect(await untilLeaseReleased(deps, 'o', T0 + 1_000, () => 60_000, 5_000)).toBe(true);
    expect(reads).toBe(3);
  });
});
