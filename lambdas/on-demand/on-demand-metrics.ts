// The on-demand function's own metrics, one set per invocation (each 0 or 1, so every series is dense and a sum over
// a window counts invocations): how it ended, and whether its refresh repeated a recent one (the OnDemandLoop
// alarm's signal). No org dimension: a dimension per org is a metric per org (docs/cost.md); the log line names it.
import { MetricName } from '../metrics.js';
import type { MetricSink } from '../refresher/run-metrics.js';
import type { OnDemandResult } from './on-demand-refresh.js';

export function emitOnDemandMetrics(result: Pick<OnDemandResult, 'outcome' | 'repeated'>, sink: MetricSink): void {
  const count = (name: Parameters<MetricSink['addMetric']>[0], on: boolean) =>
    sink.addMetric(name, 'Count', on ? 1 : 0);
  count(MetricName.OnDemandRefreshed, result.outcome === 'refreshed');
  count(MetricName.OnDemandServed, result.outcome === 'served');
  count(MetricName.OnDemandLimited, result.outcome === 'limited');
  count(MetricName.OnDemandFailed, result.outcome === 'failed');
  count(MetricName.OnDemandRepeated, result.repeated);
}
