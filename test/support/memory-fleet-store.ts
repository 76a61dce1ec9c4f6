// An in-memory FleetStore with the DynamoDB one's rules (leases lapse, the highest shard count only grows, a host
// backoff is only ever extended and announced once per episode), for fast unit tests of the planner, the host gate
// and leased sweeps. test/integration/dynamodb-fleet-store.test.ts proves the DynamoDB one against DynamoDB Local.
import {
  type DueCount,
  type FleetCensus,
  type FleetStore,
  type HostDegradation,
  ShardCountShrunkError,
  type SweepLease,
  type SweepLeaseGrant,
  type SweepLeaseRequest,
  type SweepState,
} from '../../lambdas/core/fleet-ports.js';
import type { MemoryTokenStore } from './memory-store.js';

export class MemoryFleetStore implements FleetStore {
  readonly leases = new Map<number, SweepLease>();
  highestShardCount: number | undefined;
  readonly hosts = new Map<string, HostDegradation & { listed: boolean }>();
  readonly calls: string[] = [];

  /** `tokens`: where countDue looks (the due entries of a MemoryTokenStore). */
  constructor(private readonly tokens?: MemoryTokenStore) {}

  async claimShards(req: SweepLeaseRequest): Promise<SweepLeaseGrant> {
    this.calls.push(`claimShards:${req.shards.join(',')}`);
    if (this.highestShardCount !== undefined && this.highestShardCount > req.shardCount) {
      throw new ShardCountShrunkError(req.shardCount, this.highestShardCount);
    }
    this.highestShardCount = req.shardCount;
    const granted: number[] = [];
    const busy: number[] = [];
    for (const shard of [...new Set(req.shards)].sort((a, b) => a - b)) {
      const lease = this.leases.get(shard);
      if (lease && lease.until >= req.now && lease.owner !== req.owner) busy.push(shard);
      else {
        this.leases.set(shard, { owner: req.owner, tick: req.tick, until: req.until });
        granted.push(shard);
      }
    }
    return { granted, busy };
  }

  async releaseShards(shards: readonly number[], owner: string): Promise<void> {
    this.calls.push(`releaseShards:${shards.join(',')}`);
    for (const shard of shards) if (this.leases.get(shard)?.owner === owner) this.leases.delete(shard);
  }

  async renewShards(shards: readonly number[], owner: string, until: number): Promise<void> {
    this.calls.push(`renewShards:${shards.join(',')}`);
    for (const shard of shards) {
      const lease = this.leases.get(shard);
      if (lease?.owner === owner) lease.until = until;
    }
  }

  async sweepState(): Promise<SweepState> {
    return { leases: new Map(this.leases), highestShardCount: this.highestShardCount };
  }

  async countDue(shard: number, now: number, cutoff: number): Promise<DueCount> {
    const items = [...(this.tokens?.items.values() ?? [])].filter(
      (i) => i.dueShard === shard && typeof i.refreshAt === 'number' && i.refreshAt <= now,
    );
    return {
      due: items.length,
      expired: items.filter((i) => (typeof i.expiresAt !== 'number' || i.expiresAt <= now) && i.attention !== 'EXPIRED')
        .length,
      backlog: items.filter((i) => (i.refreshAt as number) <= cutoff).length,
    };
  }

  async degradedHosts(): Promise<HostDegradation[]> {
    this.calls.push('degradedHosts');
    return [...this.hosts.values()].filter((h) => h.listed).map(({ host, until, reason }) => ({ host, until, reason }));
  }

  async markHostDegraded(d: HostDegradation, now: number): Promise<{ announce: boolean; until: number }> {
    const current = this.hosts.get(d.host);
    if (current && current.until >= d.until) return { announce: false, until: current.until };
    this.hosts.set(d.host, { ...d, listed: true });
    return { announce: current === undefined || current.until <= now, until: d.until };
  }

  async clearHostDegradation(host: string, now: number): Promise<void> {
    const current = this.hosts.get(host);
    if (current && current.until <= now) current.listed = false;
  }
}

/** An in-memory FleetCensus: a settable ACTIVE count, and the Regions' heartbeats (a cut-off Region cannot write). */
export class MemoryFleetCensus implements FleetCensus {
  active: number | undefined | Error = undefined;
  readonly beats: Record<string, number> = {};
  /** Regions that cannot write to the table (cut off from its quorum). */
  readonly cutOff = new Set<string>();

  async activeOrgs(): Promise<number | undefined> {
    if (this.active instanceof Error) throw this.active;
    return this.active;
  }

  async regionBeat(self: string, at: number, regions: readonly string[]): Promise<Record<string, number>> {
    if (this.cutOff.has(self)) throw Object.assign(new Error('no quorum'), { name: 'InternalServerError' });
    this.beats[self] = at;
    return Object.fromEntries(regions.flatMap((r) => (this.beats[r] === undefined ? [] : [[r, this.beats[r]]])));
  }
}
