// Which (concurrency, latency) points the throughput run measures, and how many orgs each needs. Pure, unit-tested.
import { idealPerSecond, round, withinEngineBudget } from './stats.js';

export interface PlannedPoint {
  concurrency: number;
  latencyMs: number;
  orgs: number;
}

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
  /**
   * At least this many rounds (orgs per slot): an invocation's fixed costs (the due query, the first claims, the last
   * commits) are real, but a point of very few rounds would measure little else.
   */
  minRounds: number;
  /** DynamoDB requests one refresh needs (claim + commit), for the engine budget. */
  requestsPerRefresh: number;
  engineUpdatesPerSecond: number;
  /** A concurrency that must be measured even if none of `latenciesMs` fits the budget (the headline figure's). */
  requiredConcurrency: number;
}

function sized(plan: ThroughputPlan, concurrency: number, latencyMs: number): PlannedPoint {
  const ideal = idealPerSecond(concurrency, latencyMs);
  const rounds = Math.max(plan.minRounds, Math.ceil((ideal * plan.secondsPerPoint) / concurrency));
  return { concurrency, latencyMs, orgs: rounds * concurrency };
}

/** The smallest whole 100 ms latency whose ideal at `concurrency` fits the engine budget. */
export function latencyWithinBudget(
  concurrency: number,
  requestsPerRefresh: number,
  engineUpdatesPerSecond: number,
): number {
  const maxIdeal = (engineUpdatesPerSecond * 0.5) / requestsPerRefresh;
  return Math.ceil((concurrency * 1000) / maxIdeal / 100) * 100;
}

export function planPoints(plan: ThroughputPlan): { run: PlannedPoint[]; skipped: SkippedPoint[] } {
  const run: PlannedPoint[] = [];
  const skipped: SkippedPoint[] = [];
  for (const concurrency of plan.concurrencies) {
    for (const latencyMs of plan.latenciesMs) {
      const ideal = idealPerSecond(concurrency, latencyMs);
      if (withinEngineBudget(ideal, plan.requestsPerRefresh, plan.engineUpdatesPerSecond)) {
        run.push(sized(plan, concurrency, latencyMs));
      } else {
        skipped.push({
          concurrency,
          latencyMs,
          idealPerSecond: round(ideal, 1),
          reason: `ideal × ${plan.requestsPerRefresh} requests > half of DynamoDB Local's ${Math.round(plan.engineUpdatesPerSecond)} UpdateItem/s`,
        });
      }
    }
  }
  if (!run.some((p) => p.concurrency === plan.requiredConcurrency)) {
    // The engine is slower here than the grid assumed: measure the headline concurrency at a latency that fits.
    const latencyMs = latencyWithinBudget(
      plan.requiredConcurrency,
      plan.requestsPerRefresh,
      plan.engineUpdatesPerSecond,
    );
    run.push(sized(plan, plan.requiredConcurrency, latencyMs));
  }
  return { run, skipped };
}
