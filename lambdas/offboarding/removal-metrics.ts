// What a removal adds to its function's metrics, for both doors (the intake's `removeOrg`, the refresher's operator
// event): an org removed, and tokens that could not be revoked (docs/runbook.md#offboarding). Counts only.

import type { RemovalAnswer } from '../intake/removal-answer.js';
import { MetricName } from '../metrics.js';
import type { MetricSink } from '../refresher/run-metrics.js';

export function emitRemovalMetrics(answer: RemovalAnswer, sink: MetricSink): void {
  if (!answer.alreadyRemoved) sink.addMetric(MetricName.OrgsRemoved, 'Count', 1);
  const { revocation } = answer;
  const notRevoked = [revocation?.refreshToken, revocation?.accessToken].filter((r) => r === 'NOT_REVOKED');
  if (notRevoked.length > 0) sink.addMetric(MetricName.TokensNotRevoked, 'Count', notRevoked.length);
}
