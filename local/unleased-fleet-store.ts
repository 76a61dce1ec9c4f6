// The sweep as it was before sweep leases: every shard is granted to every sweep, so overlapping sweeps walk the same
// orgs and only the org leases keep them apart. For measurements and tests only, never deployed: the bench's
// "today" figure (wasted claims of overlapping full sweeps) and the race test, which must still race org leases.
import type { FleetStore, SweepLeaseGrant, SweepLeaseRequest } from '../lambdas/core/fleet-ports.js';

export function unleasedFleetStore(inner: FleetStore): FleetStore {
  return {
    claimShards: async (req: SweepLeaseRequest): Promise<SweepLeaseGrant> => ({ granted: [...req.shards], busy: [] }),
    releaseShards: async () => {},
    renewShards: async () => {},
    sweepState: () => inner.sweepState(),
    countDue: (shard, now, cutoff) => inner.countDue(shard, now, cutoff),
    degradedHosts: () => inner.degradedHosts(),
    markHostDegraded: (d, now) => inner.markHostDegraded(d, now),
    clearHostDegradation: (host, now) => inner.clearHostDegradation(host, now),
  };
}
