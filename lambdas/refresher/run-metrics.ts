// Turns a run summary into the metrics the alarms watch. The summary is the single source: the log line, the
// handler's return value and the metrics cannot disagree.
import { MetricName, type MetricNameValue } from '../metrics.js';
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
  count(MetricName.ReauthRequired, summary.reauthRequired);
  count(MetricName.RotationLost, summary.rotationLost);
  count(MetricName.ClientMisconfigured, byClass('client_misconfigured'));
  count(MetricName.BadData, byClass('bad_data'));
  count(MetricName.TokenNotCommitted, summary.notCommitted);
  count(MetricName.AmbiguousOutcomes, summary.ambiguous);
  count(MetricName.ClaimConflicts, (summary.skipped.LEASED ?? 0) + (summary.skipped.NOT_DUE ?? 0));
  count(MetricName.ScopeMissingOfflineAccess, summary.warnings.SCOPE_MISSING_OFFLINE_ACCESS ?? 0);
  count(MetricName.ShortLifetimeOrgs, summary.warnings.SHORT_LIFETIME ?? 0);
  if (summary.mode === 'sweep') {
    // Gauges describe the whole fleet; a direct invocation only sees the orgs it was given.
    count(MetricName.DueOrgs, summary.due);
    count(MetricName.ExpiredAccessTokens, summary.expired);
    if (summary.orgsNeedingReauth !== undefined) count(MetricName.OrgsNeedingReauth, summary.orgsNeedingReauth);
    if (summary.orgsMisconfigured !== undefined) count(MetricName.OrgsMisconfigured, summary.orgsMisconfigured);
    if (summary.orgsRefreshTokenExpiring !== undefined) {
      count(MetricName.OrgsRefreshTokenExpiring, summary.orgsRefreshTokenExpiring);
    }
    count(MetricName.RunCompleted, 1);
  }
  sink.addMetric(MetricName.RunDurationMs, 'Milliseconds', summary.durationMs);
}
