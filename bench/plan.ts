// Which (concurrency, latency) points the throughput run measures, and how many orgs each needs. Pure, unit-tested.
import { idealPerSecond, round, withinEngineBudget } from './stats.js';

export interface SkippedPoint {
  concurrency: number;
  latencyMs: number;
  idealPerSecond: number;
  reason: string;
}

export interface ThroughputPlan {
  concurrencies: number[];
  latenciesMs: number[];
  /** Target duration of one point: orgs = ideal × seconds, rounded up to whole rounds of the concurrency. */
  secondsPerPoint: number;
  /** DynamoDB requests one refresh needs (claim + commit), for the engine budget. */
  requestsPerRefresh: number;
  engineUpdatesPerSecond: number;
}

export function planPoints(plan: ThroughputPlan): {
  run: { concurrency: number; latencyMs: number; orgs: number }[];
  skipped: SkippedPoint[];
} {
  const run: { concurrency: number; latencyMs: number; orgs: number }[] = [];
  const skipped: SkippedPoint[] = [];
  for (const concurrency of plan.concurrencies) {
    for (const latencyMs of plan.latenciesMs) {
      const ideal = idealPerSecond(concurrency, latencyMs);
      if (!withinEngineBudget(ideal, plan.requestsPerRefresh, plan.engineUpdatesPerSecond)) {
        skipped.push({
          concurrency,
          latencyMs,
          idealPerSecond: round(ideal, 1),
          reason: `ideal × ${plan.requestsPerRefresh} requests > half of DynamoDB Local's ${Math.round(plan.engineUpdatesPerSecond)} UpdateItem/s`,
        });
        continue;
      }
      const rounds = Math.max(4, Math.ceil((ideal * plan.secondsPerPoint) / concurrency));
      run.push({ concurrency, latencyMs, orgs: rounds * concurrency });
    }
  }
  return { run, skipped };
}
