import { describe, expect, it } from 'vitest';
import { MetricName } from '../../lambdas/metrics.js';
import { emitRunMetrics } from '../../lambdas/refresher/run-metrics.js';
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
});
