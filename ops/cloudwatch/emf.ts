// CloudWatch's Embedded Metric Format, read the way CloudWatch Logs extracts it: every `_aws.CloudWatchMetrics`
// directive publishes each of its metrics once per dimension set, with the dimension values and the metric values
// (a number or an array of numbers) taken from the line's root, at `_aws.Timestamp`.
import type { MetricId } from './metric-store.js';

export interface EmfDatapoint {
  id: MetricId;
  t: number;
  values: number[];
}

/** The datapoints of one log line; none when the line is not EMF. */
export function emfDatapoints(line: string): EmfDatapoint[] {
  let root: Record<string, unknown>;
  try {
    root = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return [];
  }
  const aws = root?._aws as { Timestamp?: unknown; CloudWatchMetrics?: unknown } | undefined;
  if (!aws || typeof aws.Timestamp !== 'number' || !Array.isArray(aws.CloudWatchMetrics)) return [];
  const out: EmfDatapoint[] = [];
  for (const directive of aws.CloudWatchMetrics as Record<string, unknown>[]) {
    const namespace = directive.Namespace;
    if (typeof namespace !== 'string') continue;
    const dimensionSets = (Array.isArray(directive.Dimensions) ? directive.Dimensions : [[]]) as unknown[][];
    for (const metric of (directive.Metrics ?? []) as { Name?: unknown }[]) {
      if (typeof metric.Name !== 'string') continue;
      const raw = root[metric.Name];
      const values = (Array.isArray(raw) ? raw : [raw]).filter((v): v is number => typeof v === 'number');
      if (values.length === 0) continue;
      for (const set of dimensionSets) {
        const dimensions: Record<string, string> = {};
        for (const key of set) if (typeof key === 'string') dimensions[key] = String(root[key]);
        out.push({ id: { namespace, name: metric.Name, dimensions }, t: aws.Timestamp, values });
      }
    }
  }
  return out;
}
