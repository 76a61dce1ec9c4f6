// CloudWatch's alarm evaluation, as AWS documents it ("Using Amazon CloudWatch alarms": alarm evaluation and
// "Configuring how CloudWatch alarms treat missing data"), over the simulated metric store. Pure: the same datapoints
// always give the same states. test/unit/alarm-evaluator.test.ts encodes the documentation's example tables.
//
// - Each evaluation reads the evaluation range: more periods than Evaluation Periods (N). AWS does not publish the
//   exact number; its worked example retrieves 5 datapoints for N = 3, so the range here is N + 2.
// - Enough real datapoints (≥ N): the most recent N real ones decide, whatever the missing-data treatment: ALARM when
//   at least M (Datapoints to Alarm) breach, else OK.
// - Fewer: breaching / notBreaching fill the gap up to N with breaching / good datapoints. missing / ignore evaluate
//   the real datapoints alone (the alarm evaluates over fewer periods): M breaching → ALARM; a good one among them →
//   OK; none at all → INSUFFICIENT_DATA (missing) or the state unchanged (ignore). Only breaching datapoints, fewer
//   than M: unchanged for ignore; for missing, ALARM if the oldest of them is at least M periods old (AWS's rule
//   against premature transitions, which still alarms on a metric that stopped while breaching), otherwise
//   INSUFFICIENT_DATA.
// - Alarms on a single AWS/DynamoDB metric always ignore missing data (AWS overrides the setting).
// - Periods are aligned to the epoch and only complete periods are evaluated, once a minute.
import type { AlarmDefinition, AlarmQuery, AlarmRule } from './alarm-definitions.js';
import { evaluateMetricMath, type Series } from './metric-math.js';
import { type MetricStore, periodStart } from './metric-store.js';

export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

/** Datapoints retrieved beyond Evaluation Periods (AWS's documented example: 5 for N = 3). */
export const EVALUATION_RANGE_EXTRA_PERIODS = 2;
/** CloudWatch evaluates standard-resolution alarms once a minute. */
export const EVALUATION_INTERVAL_MS = 60_000;

export function isBreaching(value: number, rule: Pick<AlarmRule, 'comparison' | 'threshold'>): boolean {
  switch (rule.comparison) {
    case 'GreaterThanOrEqualToThreshold':
      return value >= rule.threshold;
    case 'GreaterThanThreshold':
      return value > rule.threshold;
    case 'LessThanThreshold':
      return value < rule.threshold;
    case 'LessThanOrEqualToThreshold':
      return value <= rule.threshold;
  }
}

/** The state after one evaluation of `points` (the evaluation range, oldest first; undefined = missing). */
export function nextAlarmState(
  points: readonly (number | undefined)[],
  rule: AlarmRule,
  current: AlarmState,
): AlarmState {
  const n = rule.evaluationPeriods;
  const m = rule.datapointsToAlarm;
  const real = points.flatMap((v, index) => (v === undefined ? [] : [{ breach: isBreaching(v, rule), index }]));
  const breaches = (list: typeof real) => list.filter((p) => p.breach).length;
  if (real.length >= n) return breaches(real.slice(-n)) >= m ? 'ALARM' : 'OK';
  const treat = rule.treatMissingData;
  if (treat === 'breaching') return breaches(real) + (n - real.length) >= m ? 'ALARM' : 'OK';
  if (treat === 'notBreaching') return breaches(real) >= m ? 'ALARM' : 'OK';
  if (real.length === 0) return treat === 'missing' ? 'INSUFFICIENT_DATA' : current;
  if (breaches(real) >= m) return 'ALARM';
  if (breaches(real) < real.length) return 'OK';
  if (treat === 'ignore') return current;
  const oldestAge = points.length - (real[0] as { index: number }).index;
  return oldestAge >= m ? 'ALARM' : 'INSUFFICIENT_DATA';
}

/** One value per period of the query, for the aligned periods in [from, to). */
export function querySeries(query: AlarmQuery, store: MetricStore, from: number, to: number): Series {
  const periodMs = query.periodSeconds * 1000;
  if (query.kind === 'metric') return store.periodValues(query.metric, query.stat, periodMs, from, to);
  const inputs: Record<string, Series> = {};
  for (const [id, input] of Object.entries(query.inputs)) {
    inputs[id] = store.periodValues(input.metric, input.stat, periodMs, from, to);
  }
  return evaluateMetricMath(query.expression, inputs, Math.round((to - from) / periodMs));
}

/** The rule as CloudWatch applies it (AWS/DynamoDB alarms ignore missing data whatever they say). */
export function effectiveRule(alarm: AlarmDefinition): AlarmRule {
  const dynamo = alarm.query.kind === 'metric' && alarm.query.metric.namespace === 'AWS/DynamoDB';
  return dynamo ? { ...alarm, treatMissingData: 'ignore' } : alarm;
}

export interface AlarmEvaluation {
  t: number;
  state: AlarmState;
  /** The evaluation range's datapoints, oldest first. */
  points: (number | undefined)[];
}

export interface AlarmTimeline {
  alarmId: string;
  evaluations: AlarmEvaluation[];
  /** State changes, with the evaluation time they happened at. */
  transitions: { t: number; from: AlarmState; to: AlarmState }[];
}

/** Evaluates an alarm once a minute from `from` to `to`, starting in INSUFFICIENT_DATA like a new alarm. */
export function evaluateAlarm(alarm: AlarmDefinition, store: MetricStore, from: number, to: number): AlarmTimeline {
  const periodMs = alarm.periodSeconds * 1000;
  const range = alarm.evaluationPeriods + EVALUATION_RANGE_EXTRA_PERIODS;
  const seriesStart = periodStart(from, periodMs) - range * periodMs;
  const seriesEnd = periodStart(to, periodMs) + periodMs;
  const series = querySeries(alarm.query, store, seriesStart, seriesEnd);
  const rule = effectiveRule(alarm);
  const timeline: AlarmTimeline = { alarmId: alarm.id, evaluations: [], transitions: [] };
  let state: AlarmState = 'INSUFFICIENT_DATA';
  for (let t = periodStart(from, EVALUATION_INTERVAL_MS); t <= to; t += EVALUATION_INTERVAL_MS) {
    // The periods that ended by t: the current one is still filling.
    const end = Math.round((periodStart(t, periodMs) - seriesStart) / periodMs);
    const points = series.slice(end - range, end);
    const next = nextAlarmState(points, rule, state);
    if (next !== state) timeline.transitions.push({ t, from: state, to: next });
    state = next;
    timeline.evaluations.push({ t, state, points });
  }
  return timeline;
}

/** The state at time t (the last evaluation at or before t). */
export function stateAt(timeline: AlarmTimeline, t: number): AlarmState {
  let state: AlarmState = 'INSUFFICIENT_DATA';
  for (const e of timeline.evaluations) {
    if (e.t > t) break;
    state = e.state;
  }
  return state;
}
