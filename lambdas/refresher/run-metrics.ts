// Turns a run summary into the metrics the alarms watch. The summary is the single source: the log line, the
// handler's return value and the metrics cannot disagree.
import { ErrorCode } from '../core/errors.js';
import { MetricName, type MetricNameValue } from '../metrics.js';
import type { PlanSummary } from './planner.js';
import type { RunSummary } from './run-refresh.js';

export type MetricUnitName = 'Count' | 'Milliseconds';

export interface MetricSink {
  addMetric(name: MetricNameValue, unit: MetricUnitName, value: number): void;
}

export function emitRunMetrics(summary: RunSummary, sink: MetricSink): void {
  const count = (name: MetricNameValue, value: number) => sink.addMetric(name, 'Count', value);
  const byClass = (c: string) => summary.failedByClass[c] ?? 0;
  count(MetricName.RefreshSucceeded, summary.refreshed);
  count(MetricName.RefreshFailed, summary.failedTotal);
  count(MetricName.TransientFailures, byClass('transient') + byClass('ambiguous') + byClass('store'));
  count(MetricName.RateLimited, summary.failed[ErrorCode.RateLimited] ?? 0);
  count(MetricName.ReauthRequired, summary.reauthRequired);
  count(MetricName.RotationLost, summary.rotationLost);
  count(MetricName.ClientMisconfigured, byClass('client_misconfigured'));
  count(MetricName.BadData, byClass('bad_data'));
  count(MetricName.TokenNotCommitted, summary.notCommitted);
  count(MetricName.AmbiguousOutcomes, summary.ambiguous);
  count(MetricName.ClaimConflicts, (summary.skipped.LEASED ?? 0) + (summary.skipped.NOT_DUE ?? 0));
  count(MetricName.ScopeMissingOfflineAccess, summary.warnings.SCOPE_MISSING_OFFLINE_ACCESS ?? 0);
  count(MetricName.ShortLifetimeOrgs, summary.warnings.SHORT_LIFETIME ?? 0);
  count(MetricName.HostDeferred, summary.skipped.HOST_DEGRADED ?? 0);
  count(MetricName.ProviderDegraded, summary.hostsDegraded?.length ?? 0);
  if (summary.fleet) count(MetricName.ShardsBusy, summary.fleet.shardsBusy.length);
  if (summary.mode === 'sweep' && !summary.fleet?.worker) {
    // Gauges describe the whole fleet; a direct invocation only sees the orgs it was given, and a sweep worker only
    // its shards (its planner emits them).
    count(MetricName.DueOrgs, summary.due);
    count(MetricName.ExpiredAccessTokens, summary.expired);
    if (summary.orgsNeedingReauth !== undefined) count(MetricName.OrgsNeedingReauth, summary.orgsNeedingReauth);
    if (summary.orgsMisconfigured !== undefined) count(MetricName.OrgsMisconfigured, summary.orgsMisconfigured);
    if (summary.orgsRefreshTokenExpiring !== undefined) {
      count(MetricName.OrgsRefreshTokenExpiring, summary.orgsRefreshTokenExpiring);
    }
    if (summary.backlog !== undefined) count(MetricName.RefreshBacklog, summary.backlog);
    count(MetricName.RunCompleted, 1);
  }
  sink.addMetric(MetricName.RunDurationMs, 'Milliseconds', summary.durationMs);
}

/** The planner's tick: the fleet gauges (every shard), the backlog, the sweeps started, and the heartbeat. */
export function emitPlanMetrics(plan: PlanSummary, sink: MetricSink): void {
  const count = (name: MetricNameValue, value: number) => sink.addMetric(name, 'Count', value);
  count(MetricName.DueOrgs, plan.due);
  count(MetricName.ExpiredAccessTokens, plan.expired);
  count(MetricName.RefreshBacklog, plan.backlog);
  count(MetricName.SweepsStarted, plan.sweeps.length - plan.invokeFailures);
  if (plan.orgsNeedingReauth !== undefined) count(MetricName.OrgsNeedingReauth, plan.orgsNeedingReauth);
  if (plan.orgsMisconfigured !== undefined) count(MetricName.OrgsMisconfigured, plan.orgsMisconfigured);
  if (plan.orgsRefreshTokenExpiring !== undefined) {
    count(MetricName.OrgsRefreshTokenExpiring, plan.orgsRefreshTokenExpiring);
  }
  // The freshness objective's denominator; with ExpiredAccessTokens, one tick's org-minutes (no per-org metric).
  if (plan.activeOrgs !== undefined) count(MetricName.ActiveOrgs, plan.activeOrgs);
  if (plan.peerRegionsSilent !== undefined) count(MetricName.PeerRegionsSilent, plan.peerRegionsSilent.length);
  // The heartbeat: a tick was planned (and its workers started). Workers' own failures page through LambdaErrors.
  if (plan.invokeFailures === 0) count(MetricName.RunCompleted, 1);
  sink.addMetric(MetricName.RunDurationMs, 'Milliseconds', plan.durationMs);
}
