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
// - Periods of up to 5 minutes are aligned to the epoch and only complete periods are evaluated, once a minute.
//   Longer periods (the freshness objective's burn-rate windows: 30 minutes to 6 hours) slide: each evaluation reads
//   the periods ending at that minute, as CloudWatch's default evaluation window (SlidingWindow) does; an hour aligned
//   to the clock would hold a page back by up to an hour, which CloudWatch does not.
// - A composite alarm is evaluated each minute from its alarms' states at that minute: ALARM when its rule holds.
import type {
  AlarmDefinition,
  AlarmQuery,
  AlarmRule,
  CompositeAlarmDefinition,
  CompositeRule,
} from './alarm-definitions.js';
import { evaluateMetricMath, type Series } from './metric-math.js';
import { type MetricStore, periodStart } from './metric-store.js';

export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

/** Datapoints retrieved beyond Evaluation Periods (AWS's documented example: 5 for N = 3). */
export const EVALUATION_RANGE_EXTRA_PERIODS = 2;
/** CloudWatch evaluates standard-resolution alarms once a minute. */
export const EVALUATION_INTERVAL_MS = 60_000;
/** Periods longer than this slide by the minute (see above); shorter ones stay aligned to the epoch. */
export const LONGEST_ALIGNED_PERIOD_SECONDS = 300;

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
  if (alarm.periodSeconds > LONGEST_ALIGNED_PERIOD_SECONDS) return evaluateSliding(alarm, store, from, to);
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

/** A long period, sliding: each minute's evaluation reads the whole periods that end at that minute. */
function evaluateSliding(alarm: AlarmDefinition, store: MetricStore, from: number, to: number): AlarmTimeline {
  const periodMs = alarm.periodSeconds * 1000;
  const range = alarm.evaluationPeriods + EVALUATION_RANGE_EXTRA_PERIODS;
  const rule = effectiveRule(alarm);
  const timeline: AlarmTimeline = { alarmId: alarm.id, evaluations: [], transitions: [] };
  let state: AlarmState = 'INSUFFICIENT_DATA';
  for (let t = periodStart(from, EVALUATION_INTERVAL_MS); t <= to; t += EVALUATION_INTERVAL_MS) {
    const points = querySeries(alarm.query, store, t - range * periodMs, t);
    const next = nextAlarmState(points, rule, state);
    if (next !== state) timeline.transitions.push({ t, from: state, to: next });
    state = next;
    timeline.evaluations.push({ t, state, points });
  }
  return timeline;
}

function ruleHolds(rule: CompositeRule, stateOf: (logicalId: string) => AlarmState): boolean {
  switch (rule.kind) {
    case 'state':
      return stateOf(rule.alarmLogicalId) === rule.state;
    case 'and':
      return rule.operands.every((r) => ruleHolds(r, stateOf));
    case 'or':
      return rule.operands.some((r) => ruleHolds(r, stateOf));
    case 'not':
      return !ruleHolds(rule.operand, stateOf);
    case 'const':
      return rule.value;
  }
}

/**
 * A composite alarm, minute by minute, from the timelines of the alarms its rule names (by logical id; evaluated over
 * the same minutes). ALARM while the rule holds, OK otherwise.
 */
export function evaluateComposite(
  alarm: CompositeAlarmDefinition,
  children: ReadonlyMap<string, AlarmTimeline>,
  from: number,
  to: number,
): AlarmTimeline {
  const timeline: AlarmTimeline = { alarmId: alarm.id, evaluations: [], transitions: [] };
  const byMinute = new Map<string, Map<number, AlarmState>>();
  const statesOf = (logicalId: string) => {
    let states = byMinute.get(logicalId);
    if (!states) {
      const child = children.get(logicalId);
      if (!child) throw new Error(`${alarm.alarmName}: its rule names ${logicalId}, which is not an alarm here`);
      states = new Map(child.evaluations.map((e) => [e.t, e.state]));
      byMinute.set(logicalId, states);
    }
    return states;
  };
  let state: AlarmState = 'INSUFFICIENT_DATA';
  for (let t = periodStart(from, EVALUATION_INTERVAL_MS); t <= to; t += EVALUATION_INTERVAL_MS) {
    const stateOf = (logicalId: string) => statesOf(logicalId).get(t) ?? 'INSUFFICIENT_DATA';
    const next: AlarmState = ruleHolds(alarm.rule, stateOf) ? 'ALARM' : 'OK';
    if (next !== state) timeline.transitions.push({ t, from: state, to: next });
    state = next;
    timeline.evaluations.push({ t, state, points: [] });
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

/** A stack's alarms as the simulation deploys them: those that page, those that only feed composites, composites. */
export interface AlarmSet {
  alarms: readonly AlarmDefinition[];
  signals?: readonly AlarmDefinition[];
  composites?: readonly CompositeAlarmDefinition[];
}

/** Every alarm that pages (metric and composite), evaluated from `from` to `to`. */
export function evaluateAlarmSet(set: AlarmSet, store: MetricStore, from: number, to: number): AlarmTimeline[] {
  const metric = [...set.alarms, ...(set.signals ?? [])].map((a) => ({
    a,
    timeline: evaluateAlarm(a, store, from, to),
  }));
  const byLogicalId = new Map(metric.map(({ a, timeline }) => [a.logicalId, timeline]));
  const composites = (set.composites ?? []).map((c) => evaluateComposite(c, byLogicalId, from, to));
  return [...metric.filter(({ a }) => a.pages !== false).map(({ timeline }) => timeline), ...composites];
}

/** The ids of the alarms that page (the ones a scenario expects or finds unexpected). */
export function pagingAlarmIds(set: AlarmSet): string[] {
  return [...set.alarms.filter((a) => a.pages !== false), ...(set.composites ?? [])].map((a) => a.id);
}
