// Onboarding herds, simulated with the refresher's own scheduling functions (lambdas/core/schedule.ts): N orgs
// imported at once, all due at the first tick, refreshed by sweeps of a given capacity per tick; every refresh sets
// the org's next refreshAt exactly as the commit does (firstRefreshAt after its first refresh since onboarding,
// nextRefreshAt after that). The figure: peak-to-mean of orgs becoming due per minute over the SECOND lifetime after
// the import (fleet.herdPeakToMean, goal ≤ 1.5), and the same without the first-refresh spread (today's).
import { firstRefreshAt, nextRefreshAt, type ScheduleSettings } from '../lambdas/core/schedule.js';

export interface HerdOptions {
  orgs: number;
  lifetimeMs: number;
  settings: ScheduleSettings;
  /** Orgs the sweeps refresh per second (the fleet's capacity: parallel sweeps × per-sweep rate). */
  refreshesPerSecond: number;
  /** false: every refresh uses nextRefreshAt (the behaviour before the spread). */
  spreadFirstRefresh: boolean;
  /** Deterministic random numbers (a seeded generator) so runs compare. */
  random: () => number;
}

export interface HerdResult {
  peakToMean: number;
  peakPerMinute: number;
  meanPerMinute: number;
  /** Due per minute over the second lifetime (for the chart in the docs). */
  perMinute: number[];
}

export function simulateHerd(o: HerdOptions): HerdResult {
  const period = o.settings.schedulePeriodMs;
  const end = 3 * o.lifetimeMs;
  // Each org: when it is next due, and whether it has been refreshed since onboarding.
  const due = new Float64Array(o.orgs).fill(0);
  const refreshedBefore = new Uint8Array(o.orgs);
  const dueAt: number[] = [];
  for (let tick = 0; tick <= end; tick += period) {
    // The planner's tick: every org due now is refreshed, the most overdue first, at the fleet's rate.
    const ready: number[] = [];
    for (let i = 0; i < o.orgs; i++) if ((due[i] as number) <= tick) ready.push(i);
    ready.sort((x, y) => (due[x] as number) - (due[y] as number));
    const perTick = Math.floor((o.refreshesPerSecond * period) / 1000);
    ready.slice(0, perTick).forEach((i, k) => {
      const sentAt = tick + (k * 1000) / o.refreshesPerSecond;
      const expiresAt = sentAt + o.lifetimeMs;
      const first = refreshedBefore[i] === 0;
      const next =
        first && o.spreadFirstRefresh
          ? firstRefreshAt(sentAt, expiresAt, o.settings, o.random())
          : nextRefreshAt(sentAt, expiresAt, o.settings, o.random());
      refreshedBefore[i] = 1;
      due[i] = next;
      dueAt.push(next);
    });
  }
  const perMinute = new Array<number>(Math.round(o.lifetimeMs / 60_000)).fill(0);
  for (const at of dueAt) {
    if (at >= o.lifetimeMs && at < 2 * o.lifetimeMs) {
      const m = Math.floor((at - o.lifetimeMs) / 60_000);
      perMinute[m] = (perMinute[m] ?? 0) + 1;
    }
  }
  const mean = perMinute.reduce((a, b) => a + b, 0) / perMinute.length;
  const peak = Math.max(...perMinute);
  return {
    peakToMean: Math.round((peak / mean) * 1000) / 1000,
    peakPerMinute: peak,
    meanPerMinute: Math.round(mean * 10) / 10,
    perMinute,
  };
}
