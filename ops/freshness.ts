// The freshness objective in the simulation (docs/alarm-simulation.md#the-freshness-objective): when the ground truth
// says each burn-rate alarm must page, and each scenario's SLI figures. The ground truth is the provider's verdict
// on every ACTIVE org's stored token before each tick (World#probe), outside the refresher and its metrics; the
// alarms read the planner's gauges. Pure over the samples, so the rules are tested on their own
// (test/unit/simulation-freshness.test.ts).
import { FRESHNESS_SLO, METRIC_NAMESPACE, MetricName } from '../lambdas/metrics.js';
import type { AlarmDefinition, CompositeAlarmDefinition } from './cloudwatch/alarm-definitions.js';
import type { MetricStore } from './cloudwatch/metric-store.js';

/** One tick of ground truth: ACTIVE orgs, and those whose token the provider rejects. */
export interface FreshnessSample {
  t: number;
  active: number;
  unauthorized: number;
}

/** A paging pair: a composite alarm over a long and a short burn-rate window (cdk/constructs/freshness-slo-alarms.ts). */
export interface BurnPair {
  /** The composite alarm's id. */
  id: string;
  burnRate: number;
  longMs: number;
  shortMs: number;
}

/**
 * The template's pairs, read from its composite alarms and the two window alarms each combines (nothing restated:
 * a changed burn rate or window is simulated as changed).
 */
export function burnPairsOf(set: {
  signals: readonly AlarmDefinition[];
  composites: readonly CompositeAlarmDefinition[];
}) {
  return set.composites.flatMap((c): BurnPair[] => {
    if (c.rule.kind !== 'and') return [];
    const windows = c.rule.operands.flatMap((o) =>
      o.kind === 'state' ? set.signals.filter((s) => s.logicalId === o.alarmLogicalId) : [],
    );
    if (windows.length !== 2) return [];
    const periods = windows.map((w) => w.periodSeconds * 1000);
    return [
      {
        id: c.id,
        burnRate: Math.max(...windows.map((w) => w.threshold)),
        longMs: Math.max(...periods),
        shortMs: Math.min(...periods),
      },
    ];
  });
}

/** The error budget: the share of ACTIVE org-minutes that may be without a valid token. */
export const ERROR_BUDGET = Math.round((1 - FRESHNESS_SLO.target) * 1e6) / 1e6;

/**
 * How late after the ground truth crosses a pair may its alarm fire: the planner publishes its gauges within the
 * tick after the probe, a window is judged once its last minute is complete, and the composite follows its windows
 * in the same evaluation.
 */
export const BURN_ALARM_SLACK_MS = 3 * 60_000;

/** The burn rate over the samples in (end - windowMs, end]: share of org-ticks without a valid token over the budget. */
export function burnRate(samples: readonly FreshnessSample[], end: number, windowMs: number): number {
  let bad = 0;
  let active = 0;
  for (const s of samples) {
    if (s.t <= end - windowMs || s.t > end) continue;
    bad += s.unauthorized;
    active += s.active;
  }
  return active === 0 ? 0 : bad / active / ERROR_BUDGET;
}

/** The first sample time at which both windows of the pair burn at its rate or faster, if ever. */
export function firstBurn(samples: readonly FreshnessSample[], pair: BurnPair, from = 0): number | undefined {
  for (const s of samples) {
    if (s.t < from) continue;
    if (burnRate(samples, s.t, pair.longMs) >= pair.burnRate && burnRate(samples, s.t, pair.shortMs) >= pair.burnRate)
      return s.t;
  }
  return undefined;
}

export interface SliFigures {
  /** Share of ACTIVE org-minutes with a valid token, by the provider's own verdict (the ground truth). */
  truth: number;
  /** The same share as the alarms read it: 1 - Sum(ExpiredAccessTokens) / Sum(ActiveOrgs). */
  metrics: number | undefined;
  /** ACTIVE org-minutes without a valid token (ground truth), and all of them. */
  badOrgMinutes: number;
  orgMinutes: number;
  /** That many bad org-minutes as a share of a 30-day error budget for this fleet (its average ACTIVE orgs). */
  monthlyBudgetSpent: number;
}

const round = (v: number, digits = 5) => Math.round(v * 10 ** digits) / 10 ** digits;

/** The scenario's SLI from `from` to `to` (the fault to the end), in org-ticks of one schedule period each. */
export function sliFigures(
  samples: readonly FreshnessSample[],
  store: MetricStore,
  dimensions: Record<string, string>,
  from: number,
  to: number,
  periodMs: number,
): SliFigures {
  const window = samples.filter((s) => s.t >= from && s.t <= to);
  const tickMinutes = periodMs / 60_000;
  const bad = window.reduce((a, s) => a + s.unauthorized, 0) * tickMinutes;
  const all = window.reduce((a, s) => a + s.active, 0) * tickMinutes;
  const sum = (name: string) =>
    store
      .samples({ namespace: METRIC_NAMESPACE, name, dimensions })
      .filter((s) => s.t >= from && s.t <= to)
      .reduce((a, s) => a + s.values.reduce((x, y) => x + y, 0), 0);
  const active = sum(MetricName.ActiveOrgs);
  const averageActive = window.length === 0 ? 0 : all / tickMinutes / window.length;
  const monthlyBudget = averageActive * FRESHNESS_SLO.days * 1440 * ERROR_BUDGET;
  return {
    truth: all === 0 ? 1 : round(1 - bad / all),
    metrics: active === 0 ? undefined : round(1 - sum(MetricName.ExpiredAccessTokens) / active),
    badOrgMinutes: bad,
    orgMinutes: all,
    monthlyBudgetSpent: monthlyBudget === 0 ? 0 : round(bad / monthlyBudget, 4),
  };
}
