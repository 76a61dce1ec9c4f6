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

// Every metric with a value of its own, and its unit: a metric an alarm watches that went missing or summed the wrong
// classes would leave that alarm silent. Mutants of run-metrics.ts survived the examples above.
describe('Functions: emitRunMetrics, emitPlanMetrics — every metric, its value and unit', () => {
  const withUnits = (emit: (sink: { addMetric: (n: string, u: string, v: number) => void }) => void) => {
    const out: Record<string, [string, number]> = {};
    emit({ addMetric: (name, unit, value) => (out[name] = [unit, value]) });
    return out;
  };

  it('a full sweep: each counter from its own field, transient failures from three classes', () => {
    const s = summary({
      refreshed: 11,
      failedTotal: 29,
      failed: { RATE_LIMITED: 3 },
      failedByClass: { transient: 1, ambiguous: 2, store: 4, client_misconfigured: 5, bad_data: 6 },
      reauthRequired: 7,
      rotationLost: 8,
      notCommitted: 9,
      ambiguous: 10,
      skipped: { LEASED: 12, NOT_DUE: 13, HOST_DEGRADED: 14 },
      warnings: { SCOPE_MISSING_OFFLINE_ACCESS: 15, SHORT_LIFETIME: 16 },
      hostsDegraded: ['a', 'b'],
      due: 17,
      expired: 18,
      orgsNeedingReauth: 19,
      orgsMisconfigured: 20,
      orgsRefreshTokenExpiring: 21,
      backlog: 22,
      durationMs: 23,
    });
    expect(withUnits((sink) => emitRunMetrics(s, sink as never))).toEqual({
      [MetricName.RefreshSucceeded]: ['Count', 11],
      [MetricName.RefreshFailed]: ['Count', 29],
      [MetricName.TransientFailures]: ['Count', 7],
      [MetricName.RateLimited]: ['Count', 3],
      [MetricName.ReauthRequired]: ['Count', 7],
      [MetricName.RotationLost]: ['Count', 8],
      [MetricName.ClientMisconfigured]: ['Count', 5],
      [MetricName.BadData]: ['Count', 6],
      [MetricName.TokenNotCommitted]: ['Count', 9],
      [MetricName.AmbiguousOutcomes]: ['Count', 10],
      [MetricName.ClaimConflicts]: ['Count', 25],
      [MetricName.ScopeMissingOfflineAccess]: ['Count', 15],
      [MetricName.ShortLifetimeOrgs]: ['Count', 16],
      [MetricName.HostDeferred]: ['Count', 14],
      [MetricName.ProviderDegraded]: ['Count', 2],
      [MetricName.DueOrgs]: ['Count', 17],
      [MetricName.ExpiredAccessTokens]: ['Count', 18],
      [MetricName.OrgsNeedingReauth]: ['Count', 19],
      [MetricName.OrgsMisconfigured]: ['Count', 20],
      [MetricName.OrgsRefreshTokenExpiring]: ['Count', 21],
      [MetricName.RefreshBacklog]: ['Count', 22],
      [MetricName.RunCompleted]: ['Count', 1],
      [MetricName.RunDurationMs]: ['Milliseconds', 23],
    });
  });

  it('a full sweep whose gauges could not be read emits none of them, nor a backlog it did not count', () => {
    const s = summary({
      orgsNeedingReauth: undefined,
      orgsMisconfigured: undefined,
      orgsRefreshTokenExpiring: undefined,
      backlog: undefined,
      warnings: {},
    });
    const out = withUnits((sink) => emitRunMetrics(s, sink as never));
    for (const name of [
      MetricName.OrgsNeedingReauth,
      MetricName.OrgsMisconfigured,
      MetricName.OrgsRefreshTokenExpiring,
      MetricName.RefreshBacklog,
    ]) {
      expect(out).not.toHaveProperty(name);
    }
    expect(out[MetricName.ScopeMissingOfflineAccess]).toEqual(['Count', 0]);
  });

  it('a plan: gauges only when read, ActiveOrgs only when counted, the duration in milliseconds', () => {
    const base = {
      mode: 'plan',
      tick: 't',
      due: 1,
      expired: 2,
      backlog: 3,
      orgsNeedingReauth: undefined,
      orgsMisconfigured: undefined,
      orgsRefreshTokenExpiring: undefined,
      shardsBusy: [],
      runningSweeps: 0,
      sweeps: [],
      hostShare: 1,
      invokeFailures: 0,
      durationMs: 40,
    } as unknown as PlanSummary;
    const out = withUnits((sink) => emitPlanMetrics(base, sink as never));
    for (const name of [
      MetricName.OrgsNeedingReauth,
      MetricName.OrgsMisconfigured,
      MetricName.OrgsRefreshTokenExpiring,
      MetricName.ActiveOrgs,
    ]) {
      expect(out).not.toHaveProperty(name);
    }
    expect(out[MetricName.DueOrgs]).toEqual(['Count', 1]);
    expect(out[MetricName.RunDurationMs]).toEqual(['Milliseconds', 40]);
  });
});
