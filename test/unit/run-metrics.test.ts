import { describe, expect, it } from 'vitest';
import { MetricName } from '../../lambdas/metrics.js';
import type { PlanSummary } from '../../lambdas/refresher/planner.js';
import { emitPlanMetrics, emitRunMetrics } from '../../lambdas/refresher/run-metrics.js';
import type { RunSummary } from '../../lambdas/refresher/run-refresh.js';

const summary = (over: Partial<RunSummary> = {}): RunSummary => ({
  mode: 'sweep',
  owner: 'o',
  due: 10,
  expired: 2,
  refreshed: 6,
  skipped: { LEASED: 1, NOT_DUE: 1, OUT_OF_TIME: 1 },
  failed: { INVALID_GRANT: 1, PROVIDER_UNAVAILABLE: 1 },
  failedByClass: { grant_dead: 1, transient: 1, client_misconfigured: 0 },
  failedTotal: 2,
  notCommitted: 0,
  raceInvalidGrant: 0,
  rotationLost: 0,
  reauthRequired: 1,
  ambiguous: 0,
  warnings: { SHORT_LIFETIME: 2 },
  orgsNeedingReauth: 4,
  orgsMisconfigured: 1,
  orgsRefreshTokenExpiring: 3,
  stoppedEarly: true,
  durationMs: 1234,
  ...over,
});

function collect(s: RunSummary) {
  const out: Record<string, number> = {};
  emitRunMetrics(s, { addMetric: (name, _unit, value) => (out[name] = value) });
  return out;
}

describe('Function: emitRunMetrics', () => {
  it('turns a sweep summary into the alarmed metrics, including gauges and the heartbeat', () => {
    expect(collect(summary())).toMatchObject({
      [MetricName.RefreshSucceeded]: 6,
      [MetricName.RefreshFailed]: 2,
      [MetricName.ReauthRequired]: 1,
      [MetricName.TransientFailures]: 1,
      [MetricName.RateLimited]: 0,
      [MetricName.ClaimConflicts]: 2,
      [MetricName.ShortLifetimeOrgs]: 2,
      [MetricName.DueOrgs]: 10,
      [MetricName.ExpiredAccessTokens]: 2,
      [MetricName.OrgsNeedingReauth]: 4,
      [MetricName.OrgsMisconfigured]: 1,
      [MetricName.OrgsRefreshTokenExpiring]: 3,
      [MetricName.RunCompleted]: 1,
      [MetricName.RunDurationMs]: 1234,
    });
  });

  // RefreshFailed subtracts RateLimited (ProviderDegraded pages for a throttled host): a miscounted 429 would page
  // twice for one cause, or hide a 5xx outage.
  it('counts 429s apart (RateLimited) among the transient failures', () => {
    const out = collect(
      summary({
        failed: { RATE_LIMITED: 2, PROVIDER_UNAVAILABLE: 1 },
        failedByClass: { transient: 3 },
        failedTotal: 3,
      }),
    );
    expect(out).toMatchObject({
      [MetricName.RefreshFailed]: 3,
      [MetricName.TransientFailures]: 3,
      [MetricName.RateLimited]: 2,
    });
  });

  it('a direct invocation emits no fleet gauges and no heartbeat (it saw only the orgs it was given)', () => {
    const out = collect(summary({ mode: 'direct' }));
    for (const name of [
      MetricName.DueOrgs,
      MetricName.ExpiredAccessTokens,
      MetricName.OrgsNeedingReauth,
      MetricName.OrgsRefreshTokenExpiring,
      MetricName.RunCompleted,
    ]) {
      expect(out[name]).toBeUndefined();
    }
    expect(out[MetricName.RefreshSucceeded]).toBe(6);
  });

  it('omits a gauge that could not be read rather than reporting 0', () => {
    const out = collect(summary({ orgsNeedingReauth: undefined, orgsRefreshTokenExpiring: undefined }));
    expect(out[MetricName.OrgsNeedingReauth]).toBeUndefined();
    expect(out[MetricName.OrgsRefreshTokenExpiring]).toBeUndefined();
  });

  it('a sweep worker emits its counters but leaves the fleet gauges and the heartbeat to its planner', () => {
    const out = collect(
      summary({
        fleet: { tick: 't', shards: [1, 2], shardsBusy: [3], worker: true },
        backlog: 7,
        hostsDegraded: ['h'],
      }),
    );
    for (const name of [MetricName.DueOrgs, MetricName.RefreshBacklog, MetricName.RunCompleted]) {
      expect(out[name]).toBeUndefined();
    }
    expect(out).toMatchObject({
      [MetricName.RefreshSucceeded]: 6,
      [MetricName.ShardsBusy]: 1,
      [MetricName.ProviderDegraded]: 1,
    });
  });

  it('a full sweep emits the backlog with its gauges, and orgs deferred for a backed-off host apart from conflicts', () => {
    const out = collect(
      summary({
        backlog: 7,
        skipped: { LEASED: 1, HOST_DEGRADED: 5 },
        fleet: { tick: 't', shards: [0], shardsBusy: [], worker: false },
      }),
    );
    expect(out).toMatchObject({
      [MetricName.RefreshBacklog]: 7,
      [MetricName.HostDeferred]: 5,
      [MetricName.ClaimConflicts]: 1,
      [MetricName.ProviderDegraded]: 0,
      [MetricName.RunCompleted]: 1,
    });
  });
});

describe('Function: emitPlanMetrics', () => {
  const plan = (over: Partial<PlanSummary> = {}): PlanSummary => ({
    mode: 'plan',
    tick: 't',
    due: 900,
    expired: 3,
    backlog: 40,
    orgsNeedingReauth: 2,
    orgsMisconfigured: 0,
    orgsRefreshTokenExpiring: 1,
    shardsBusy: [],
    runningSweeps: 0,
    sweeps: [
      { shards: [0, 1], due: 450 },
      { shards: [2, 3], due: 450 },
    ],
    hostShare: 4,
    invokeFailures: 0,
    activeOrgs: undefined,
    peerRegionsSilent: undefined,
    durationMs: 80,
    ...over,
  });
  const collectPlan = (p: PlanSummary) => {
    const out: Record<string, number> = {};
    emitPlanMetrics(p, { addMetric: (name, _unit, value) => (out[name] = value) });
    return out;
  };

  it('emits the fleet gauges, the backlog, the sweeps started and the heartbeat', () => {
    expect(collectPlan(plan())).toEqual({
      [MetricName.DueOrgs]: 900,
      [MetricName.ExpiredAccessTokens]: 3,
      [MetricName.RefreshBacklog]: 40,
      [MetricName.SweepsStarted]: 2,
      [MetricName.OrgsNeedingReauth]: 2,
      [MetricName.OrgsMisconfigured]: 0,
      [MetricName.OrgsRefreshTokenExpiring]: 1,
      [MetricName.RunCompleted]: 1,
      [MetricName.RunDurationMs]: 80,
    });
  });

  it('emits ActiveOrgs (the freshness objective’s denominator) and, in several Regions, PeerRegionsSilent', () => {
    const out = collectPlan(plan({ activeOrgs: 1200, peerRegionsSilent: ['us-west-2'] }));
    expect(out).toMatchObject({ [MetricName.ActiveOrgs]: 1200, [MetricName.PeerRegionsSilent]: 1 });
    expect(collectPlan(plan({ peerRegionsSilent: [] }))[MetricName.PeerRegionsSilent]).toBe(0);
  });

  // With the fan-out a worker publishes no fleet gauge and the planner publishes them all: a gauge the planner forgot
  // leaves its alarm without data once the stack has a planner (the alarm simulation found OrgsRefreshTokenExpiring
  // missing this way).
  it('publishes every fleet gauge a full sweep publishes, so each gauge alarm keeps its data under the fan-out', () => {
    const full = collect(summary({ fleet: { tick: 't', shards: [0], shardsBusy: [], worker: false }, backlog: 1 }));
    const worker = collect(summary({ fleet: { tick: 't', shards: [0], shardsBusy: [], worker: true }, backlog: 1 }));
    const gauges = Object.keys(full).filter((name) => !(name in worker));
    expect(gauges).toContain(MetricName.OrgsRefreshTokenExpiring);
    expect(Object.keys(collectPlan(plan()))).toEqual(expect.arrayContaining(gauges));
  });

  it('a tick whose workers Lambda refused is no heartbeat', () => {
    const out = collectPlan(plan({ invokeFailures: 1 }));
    expect(out[MetricName.RunCompleted]).toBeUndefined();
    expect(out[MetricName.SweepsStarted]).toBe(1);
  });
});
