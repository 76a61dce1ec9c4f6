// One refreshing invocation, by its event: a direct invocation, a sweep worker's shards, or a full sweep. Every run
// sends through a token-host gate; sweeps run under sweep leases (leased-sweep.ts). The planner's tick is planner.ts.
import { fleetHostShare } from '../core/host-limits.js';
import type { RefresherEvent } from './event.js';
import { leasedSweep } from './leased-sweep.js';
import type { RunScope } from './refresh-deps.js';
import type { RunSummary } from './run-refresh.js';
import type { RefresherRuntime } from './runtime.js';

export async function runRefreshEvent(
  runtime: RefresherRuntime,
  event: Exclude<RefresherEvent, { kind: 'plan' } | { kind: 'remove' }>,
  scope: RunScope,
): Promise<RunSummary> {
  const { config } = runtime;
  // A worker takes the share of each host's budget its planner gave it; any other run one share of the fleet's (the
  // most sweeps that can run at once, plus the grant intake's and the on-demand function's instances).
  const share = event.kind === 'shards' ? event.hostShare : fleetHostShare(config);
  const gate = runtime.hostGate(share);
  const gated: RunScope = { ...scope, hostGate: gate };
  const deps = {
    run: runtime.run,
    fleet: runtime.fleet,
    clock: runtime.clock,
    log: runtime.log,
    shardCount: config.shardCount,
    leaseMs: config.leaseMs,
    tailReleaseMs: config.schedulePeriodMs,
  };
  const summary =
    event.kind === 'direct'
      ? await runtime.run.refreshOrgs(event.orgIds, gated)
      : event.kind === 'shards'
        ? await leasedSweep(deps, { shards: event.shards, tick: event.tick }, gated)
        : await leasedSweep(deps, { shards: undefined, tick: `full/${scope.owner}` }, gated);
  if (gate.announced.length > 0) summary.hostsDegraded = gate.announced.map((d) => d.host);
  return summary;
}
