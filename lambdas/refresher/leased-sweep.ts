// A sweep under sweep leases: take the leases of the shards it was given (all of them for a full sweep), walk only
// those, give them back. Two sweeps therefore never walk the same shard at once, whether they are one tick's parallel
// workers or an overlapping next tick; the org leases still make every refresh exclusive on their own (invariant 1),
// the sweep leases only spare the failed claims (docs/fleet.md#sweep-leases).
import type { FleetStore } from '../core/fleet-ports.js';
import type { Clock, Log } from '../core/ports.js';
import type { RunScope } from './refresh-deps.js';
import type { RefreshRun, RunSummary } from './run-refresh.js';

export interface LeasedSweepDeps {
  run: RefreshRun;
  fleet: FleetStore;
  clock: Clock;
  log: Log;
  shardCount: number;
  /** LEASE_SECONDS: a sweep lease lasts a third of an org lease and is renewed every third of that while it runs. */
  leaseMs: number;
  /**
   * SCHEDULE_PERIOD_SECONDS: once every due org has started, a tail of refreshes still in flight after this long (a
   * few orgs retrying a slow provider) no longer holds the shards from the next tick.
   */
  tailReleaseMs: number;
}

export interface LeasedSweepRequest {
  /** The shards a worker event names; undefined for a full sweep (every shard). */
  shards: readonly number[] | undefined;
  tick: string;
}

export async function leasedSweep(
  deps: LeasedSweepDeps,
  req: LeasedSweepRequest,
  scope: RunScope,
): Promise<RunSummary> {
  const { fleet, clock, log, shardCount } = deps;
  const worker = req.shards !== undefined;
  const wanted = req.shards ?? Array.from({ length: shardCount }, (_, shard) => shard);
  const now = clock.now();
  // A sweep lease lasts a third of an org lease (never past this invocation's deadline) and is renewed every third of
  // that while the sweep runs: a sweep that dies holds its shards for less time than it holds an org, so a crash does
  // not leave whole shards unswept for the rest of the Lambda timeout. A SHARD_COUNT below the highest this table was
  // swept with throws here (ShardCountShrunkError, CONFIG_INVALID).
  const sweepLeaseMs = Math.max(1_000, deps.leaseMs / 3);
  const leaseUntil = () => clock.now() + Math.max(0, Math.min(sweepLeaseMs, scope.remainingMs()));
  const grant = await fleet.claimShards({
    shards: wanted,
    owner: scope.owner,
    tick: req.tick,
    until: leaseUntil(),
    now,
    shardCount,
  });
  if (grant.busy.length > 0) log.info('shards already being swept', { tick: req.tick, shardsBusy: grant.busy });
  const renewal =
    grant.granted.length > 0
      ? setInterval(() => void fleet.renewShards(grant.granted, scope.owner, leaseUntil()), sweepLeaseMs / 3)
      : undefined;
  renewal?.unref();
  // The shards go back when the sweep ends, or earlier when every due org has been started and the last refreshes
  // are still in flight a schedule period later: they finish under their own org leases, and a sweep slowed by a few
  // retrying orgs does not hold its shards (and the orgs becoming due in them) from the next tick. A sweep that
  // walks a shard given back early may meet those few orgs still leased: a bounded, rare conflict.
  let released: Promise<void> | undefined;
  let tail: ReturnType<typeof setTimeout> | undefined;
  const release = () => {
    clearInterval(renewal);
    clearTimeout(tail);
    released ??= fleet.releaseShards(grant.granted, scope.owner);
    return released;
  };
  try {
    // A worker leaves the fleet gauges to the planner; a full sweep reads them as it always has.
    const summary = await deps.run.sweep(scope, {
      shards: grant.granted,
      gauges: !worker,
      onLastStarted: () => {
        tail = setTimeout(() => void release(), deps.tailReleaseMs);
        tail.unref();
      },
    });
    summary.fleet = { tick: req.tick, shards: grant.granted, shardsBusy: grant.busy, worker };
    return summary;
  } finally {
    await release();
  }
}
