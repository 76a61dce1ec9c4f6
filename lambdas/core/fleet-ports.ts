// The fleet's ports: what parallel sweeps coordinate through (sweep leases on shards, the highest shard count, host
// backoff), what the planner reads (due counts) and how it starts sweep workers. Adapters: the DynamoDB fleet store
// (lambdas/adapters/dynamodb-fleet-store.ts) and the Lambda invoker; tests implement them in memory. Like ports.ts,
// nothing here imports from outside core/.

/** One shard's sweep lease: which sweep walks it, for which tick, until when. */
export interface SweepLease {
  owner: string;
  tick: string;
  until: number;
}

export interface SweepLeaseRequest {
  shards: readonly number[];
  /** The sweep's owner string (unique per invocation, like an org lease's owner). */
  owner: string;
  tick: string;
  /** A third of an org lease from now (or the sweep's deadline, if sooner), renewed while the sweep runs. */
  until: number;
  now: number;
  /** SHARD_COUNT of this deployment: recorded as the highest ever swept, and refused if below it. */
  shardCount: number;
}

export interface SweepLeaseGrant {
  /** Shards this sweep may walk now. */
  granted: number[];
  /** Shards another sweep is walking: skipped. */
  busy: number[];
}

export interface SweepState {
  leases: Map<number, SweepLease>;
  /** The highest SHARD_COUNT any sweep has run with on this table; undefined before the first. */
  highestShardCount: number | undefined;
}

/** COUNT queries on one shard of the due index. */
export interface DueCount {
  /** Entries with refreshAt ≤ now. */
  due: number;
  /** Of those, ACTIVE orgs whose access token has expired (or that have none), not already listed as EXPIRED. */
  expired: number;
  /** Entries with refreshAt ≤ the backlog cutoff (core/fan-out.ts, backlogCutoff). */
  backlog: number;
}

export type HostDegradationReason = 'RATE_LIMITED' | 'PROVIDER_UNAVAILABLE';

export interface HostDegradation {
  host: string;
  until: number;
  reason: HostDegradationReason;
}

export interface FleetStore {
  /**
   * Takes the sweep leases of the free shards among `shards` (a lease is free when absent or lapsed). Throws
   * ShardCountShrunkError when a sweep has run with more shards than `shardCount`.
   */
  claimShards(req: SweepLeaseRequest): Promise<SweepLeaseGrant>;
  /** Gives the leases back (only those this owner still holds). Never throws: a lease also lapses by itself. */
  releaseShards(shards: readonly number[], owner: string): Promise<void>;
  /** Extends the leases this owner still holds to `until`. Never throws: a lease not renewed lapses. */
  renewShards(shards: readonly number[], owner: string, until: number): Promise<void>;
  sweepState(): Promise<SweepState>;
  countDue(shard: number, now: number, backlogCutoff: number): Promise<DueCount>;
  /** Hosts listed as degraded (their backoff may have ended already: the caller compares `until` with now). */
  degradedHosts(): Promise<HostDegradation[]>;
  /**
   * Backs a host off until `until` for every sweep (a later `until` already stored wins). `announce` is true for
   * exactly one caller per episode: the one whose write found the host healthy.
   */
  markHostDegraded(d: HostDegradation, now: number): Promise<{ announce: boolean; until: number }>;
  /** Unlists a host whose backoff has ended (conditional: a fresh degradation stays). */
  clearHostDegradation(host: string, now: number): Promise<void>;
}

/**
 * What the planner alone reads or writes beyond the sweep leases: the fleet's size for the freshness objective, and,
 * in a multi-Region deployment, the Regions' planner heartbeats (docs/regions.md).
 */
export interface FleetCensus {
  /**
   * ACTIVE orgs: the due index's item count as DynamoDB reports it (DescribeTable, no item read; DynamoDB refreshes
   * it about every six hours). Undefined when it cannot be read.
   */
  activeOrgs(): Promise<number | undefined>;
  /**
   * Records this Region's planner heartbeat at `at` and answers the last heartbeat of each of `regions` (epoch ms by
   * Region; a Region that never wrote one is absent). Throws when the heartbeat cannot be written.
   */
  regionBeat(self: string, at: number, regions: readonly string[]): Promise<Record<string, number>>;
}

/** Starts one sweep worker (Lambda Invoke, InvocationType Event). Throws when the invoke was not accepted. */
export interface SweepInvoker {
  startSweep(event: SweepWorkerEvent): Promise<void>;
}

/** The event a planner sends a sweep worker (validated by lambdas/refresher/event.ts). */
export interface SweepWorkerEvent {
  sweep: { shards: number[]; tick: string; hostShare: number };
}

/** Org-independent events about a token host (EventBridge detail type in lambdas/events.ts). */
export interface HostNotifier {
  hostDegraded(detail: HostDegradation & { at: number }): Promise<void>;
}

/** A sweep ran with fewer shards than the table has been swept with: orgs in the upper shards would be stranded. */
export class ShardCountShrunkError extends Error {
  override readonly name = 'ShardCountShrunkError';
  readonly code = 'CONFIG_INVALID';
  constructor(
    readonly shardCount: number,
    readonly highestShardCount: number,
  ) {
    super(
      `SHARD_COUNT (${shardCount}) is below the ${highestShardCount} shards this table has been swept with: orgs in ` +
        `shards ${shardCount}-${highestShardCount - 1} would never be refreshed again. SHARD_COUNT may grow but never ` +
        `shrink; set it back to ${highestShardCount} (docs/fleet.md#growing-shard_count)`,
    );
  }
}

/**
 * The planner could not write its Region's heartbeat: this Region cannot write to the table (a Region cut off from
 * a global table's quorum answers every write and strongly consistent read with an error, docs/regions.md), so it
 * plans nothing: no sweep could claim an org anyway, and the Regions that can write take its share.
 */
export class RegionCutOffError extends Error {
  override readonly name = 'RegionCutOffError';
  readonly code = 'STORE_UNAVAILABLE';
  constructor(
    readonly region: string,
    cause: unknown,
  ) {
    super(
      `Region ${region} cannot write to the token table (cut off from the global table's quorum, or DynamoDB is ` +
        `down here): planning nothing this tick; the other Regions refresh every org (docs/runbook.md#peerregionsilent)`,
      { cause },
    );
  }
}
