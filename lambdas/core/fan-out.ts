// How a tick's work is split between parallel sweeps: how many sweep workers the planner starts, which shards each
// walks, and what share of every token host's budget each gets. Pure, so every rule is a row in a table test
// (test/unit/fan-out.test.ts). The sizing rule is documented in docs/fleet.md#sizing.

export interface FanOutInput {
  /** Orgs due now in each shard (index = shard), from COUNT queries on the due index. */
  dueByShard: readonly number[];
  /** Shards another sweep holds a live sweep lease on: it is walking them now, so they are not handed out. */
  busyShards: ReadonlySet<number>;
  /** Sweeps still running from earlier ticks (distinct owners of live sweep leases). */
  runningSweeps: number;
  /** MAX_SWEEPS: the most sweeps that may run at once, the running ones included. */
  maxSweeps: number;
  /** ORGS_PER_SWEEP: the due orgs one sweep is expected to refresh within one schedule period. */
  orgsPerSweep: number;
  /** Shares of every host's budget taken by others than sweeps: the grant intake's instances (INTAKE_CONCURRENCY). */
  otherShares?: number;
}

export interface SweepAssignment {
  shards: number[];
  /** Orgs due in those shards when the plan was made. */
  due: number;
}

export interface FanOutPlan {
  sweeps: SweepAssignment[];
  /** Every org due now, busy shards included (the DueOrgs gauge). */
  due: number;
  /** Due in shards no sweep is walking: the work this tick hands out. */
  assignable: number;
  /**
   * How many shares each token host's budget is split into (HOST_MAX_IN_FLIGHT / hostShare per sweep). Always
   * MAX_SWEEPS plus the others' shares (the intake's and on-demand instances, core/host-limits.ts fleetHostShare): a sweep
   * started now may still run when the next tick starts others, so a share that counted only today's sweeps could be
   * overspent later. At most MAX_SWEEPS sweeps run at once, so the shares never add up to more than the budget.
   */
  hostShare: number;
}

/**
 * The planner's decision. N = min(MAX_SWEEPS − running, ceil(assignable / ORGS_PER_SWEEP), free shards with due
 * orgs); shards with nothing due are left alone (an org becoming due meanwhile waits at most one tick, which the
 * refresh window allows for). Shards go to sweeps largest first, each to the least loaded sweep (longest processing
 * time first), so sweeps finish together.
 */
export function planFanOut(input: FanOutInput): FanOutPlan {
  const maxSweeps = Math.max(1, Math.floor(input.maxSweeps));
  const orgsPerSweep = Math.max(1, input.orgsPerSweep);
  const due = input.dueByShard.reduce((a, b) => a + b, 0);
  const open = input.dueByShard
    .map((count, shard) => ({ shard, count }))
    .filter(({ shard, count }) => count > 0 && !input.busyShards.has(shard));
  const assignable = open.reduce((a, s) => a + s.count, 0);
  const room = Math.max(0, maxSweeps - input.runningSweeps);
  const n = Math.min(room, Math.ceil(assignable / orgsPerSweep), open.length);
  const sweeps: SweepAssignment[] = Array.from({ length: n }, () => ({ shards: [], due: 0 }));
  open.sort((a, b) => b.count - a.count || a.shard - b.shard);
  for (const { shard, count } of open) {
    if (n === 0) break;
    let target = sweeps[0] as SweepAssignment;
    for (const s of sweeps) if (s.due < target.due) target = s;
    target.shards.push(shard);
    target.due += count;
  }
  for (const s of sweeps) s.shards.sort((a, b) => a - b);
  return { sweeps, due, assignable, hostShare: maxSweeps + Math.max(0, Math.floor(input.otherShares ?? 0)) };
}

/**
 * RefreshBacklog, as the planner and a full sweep measure it at the start of a tick: orgs whose refreshAt is at or
 * before the start of the previous tick, and longer ago than a claim holds an org (a lease hold,
 * core/commit-window.ts), that are still in the due index. They were due when the previous tick began and no sweep
 * claimed and finished them by its end (a claimed org leaves the due set when its refresh is committed or released
 * with a backoff). A claim whose holder crashed keeps its org out of reach for a whole hold, which can span three
 * ticks: counting it before the hold ends would page "the sweeps cannot keep up" for one crash.
 */
export function backlogCutoff(tickStart: number, schedulePeriodMs: number, leaseHoldMs: number): number {
  return tickStart - Math.max(schedulePeriodMs, leaseHoldMs);
}

/** Distinct owners among live sweep leases: the sweeps still running. */
export function runningSweeps(leases: Iterable<{ owner: string; until: number }>, now: number): number {
  const owners = new Set<string>();
  for (const lease of leases) if (lease.until > now) owners.add(lease.owner);
  return owners.size;
}
