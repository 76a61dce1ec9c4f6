// The alarm evaluator against AWS's documented semantics, not against our thresholds: the worked examples of
// "Configuring how CloudWatch alarms treat missing data" (3 of 3 and 2 of 3 alarms, five retrieved datapoints,
// every missing-data treatment) and the evaluation figure of "Using Amazon CloudWatch alarms". Rows marked with the
// page's revision were published in different versions of the page; the model reproduces all of them.
import { describe, expect, it } from 'vitest';
import {
  type AlarmDefinition,
  type AlarmRule,
  type MissingDataTreatment,
  parseCompositeRule,
} from '../../ops/cloudwatch/alarm-definitions.js';
import {
  type AlarmState,
  type AlarmTimeline,
  EVALUATION_RANGE_EXTRA_PERIODS,
  effectiveRule,
  evaluateAlarm,
  evaluateAlarmSet,
  isBreaching,
  nextAlarmState,
  pagingAlarmIds,
  stateAt,
} from '../../ops/cloudwatch/alarm-evaluator.js';
import { MetricStore } from '../../ops/cloudwatch/metric-store.js';

const RETAIN = 'retain';
type Expected = AlarmState | typeof RETAIN;

/** '0' a datapoint within the threshold, 'X' a breaching one, '-' missing; oldest first, as in the docs. */
function points(pattern: string): (number | undefined)[] {
  return pattern
    .trim()
    .split(/\s+/)
    .map((p) => (p === 'X' ? 10 : p === '0' ? 0 : undefined));
}

const rule = (m: number, n: number, treatMissingData: MissingDataTreatment): AlarmRule => ({
  threshold: 5,
  comparison: 'GreaterThanOrEqualToThreshold',
  evaluationPeriods: n,
  datapointsToAlarm: m,
  treatMissingData,
});

const TREATMENTS: MissingDataTreatment[] = ['missing', 'ignore', 'breaching', 'notBreaching'];

/** [datapoints, MISSING, IGNORE, BREACHING, NOT BREACHING] */
type Row = [string, Expected, Expected, Expected, Expected];

function checkRow(m: number, n: number, [pattern, ...expected]: Row) {
  TREATMENTS.forEach((treatment, i) => {
    const want = expected[i] as Expected;
    for (const current of ['OK', 'ALARM', 'INSUFFICIENT_DATA'] as const) {
      const got = nextAlarmState(points(pattern), rule(m, n, treatment), current);
      expect(got, `${pattern} ${treatment} from ${current}`).toBe(want === RETAIN ? current : want);
    }
  });
}

describe('nextAlarmState: AWS’s missing-data table, Datapoints to Alarm 3 of Evaluation Periods 3', () => {
  const rows: Row[] = [
    ['0 - X - X', 'OK', 'OK', 'OK', 'OK'],
    ['0 - - - -', 'OK', 'OK', 'OK', 'OK'],
    ['- - - - -', 'INSUFFICIENT_DATA', RETAIN, 'ALARM', 'OK'],
    ['0 X X - X', 'ALARM', 'ALARM', 'ALARM', 'ALARM'],
    // Earlier revision of the page.
    ['- - - - X', 'INSUFFICIENT_DATA', RETAIN, 'ALARM', 'OK'],
    // Later revisions: a breaching datapoint at least M periods old alarms even with `missing` (no premature
    // transition, the page explains, but no waiting forever for more data either).
    ['X - - - -', 'ALARM', RETAIN, 'ALARM', 'OK'],
    ['- - X - -', 'ALARM', RETAIN, 'ALARM', 'OK'],
  ];
  it.each(rows)('%s → missing %s, ignore %s, breaching %s, notBreaching %s', (...row) => checkRow(3, 3, row));
});

describe('nextAlarmState: AWS’s missing-data table, 2 out of 3', () => {
  const rows: Row[] = [
    ['0 - X - X', 'ALARM', 'ALARM', 'ALARM', 'ALARM'],
    ['0 0 X 0 X', 'ALARM', 'ALARM', 'ALARM', 'ALARM'],
    ['0 - X - -', 'OK', 'OK', 'ALARM', 'OK'],
    ['- - - - 0', 'OK', 'OK', 'ALARM', 'OK'],
    ['- - - - X', 'INSUFFICIENT_DATA', RETAIN, 'ALARM', 'OK'],
    ['- - - X -', 'ALARM', RETAIN, 'ALARM', 'OK'],
  ];
  it.each(rows)('%s → missing %s, ignore %s, breaching %s, notBreaching %s', (...row) => checkRow(2, 3, row));
});

describe('nextAlarmState: enough real datapoints decide alone', () => {
  it('evaluates the most recent N real datapoints and ignores the treatment (the page’s fourth row)', () => {
    for (const treatment of TREATMENTS) {
      expect(nextAlarmState(points('X X - 0 0'), rule(2, 2, treatment), 'ALARM')).toBe('OK');
      expect(nextAlarmState(points('0 X - - X'), rule(2, 2, treatment), 'OK')).toBe('ALARM');
    }
  });
});

describe('isBreaching', () => {
  it.each([
    ['GreaterThanOrEqualToThreshold', 5, true],
    ['GreaterThanOrEqualToThreshold', 4.9, false],
    ['GreaterThanThreshold', 5, false],
    ['GreaterThanThreshold', 5.1, true],
    ['LessThanThreshold', 5, false],
    ['LessThanThreshold', 4, true],
    ['LessThanOrEqualToThreshold', 5, true],
    ['LessThanOrEqualToThreshold', 6, false],
  ] as const)('%s 5 with %d → %s', (comparison, value, breach) => {
    expect(isBreaching(value, { comparison, threshold: 5 })).toBe(breach);
  });
});

const MIN = 60_000;
const T0 = Date.UTC(2025, 0, 6, 12, 0, 0);

function alarm(overrides: Partial<AlarmDefinition>): AlarmDefinition {
  return {
    id: 'Test',
    alarmName: 'Stack-Test',
    logicalId: 'Test',
    description: '',
    threshold: 3,
    comparison: 'GreaterThanThreshold',
    evaluationPeriods: 3,
    datapointsToAlarm: 3,
    treatMissingData: 'missing',
    periodSeconds: 60,
    query: {
      kind: 'metric',
      metric: { namespace: 'N', name: 'M', dimensions: {} },
      stat: 'Maximum',
      periodSeconds: 60,
    },
    ...overrides,
  };
}

describe('evaluateAlarm: over time', () => {
  it('follows the documentation’s figure: ALARM after periods 3-5 breach, OK at period 6, a lone breach ignored', () => {
    const store = new MetricStore();
    const id = { namespace: 'N', name: 'M', dimensions: {} };
    [1, 1, 4, 4, 4, 2, 1, 1, 4, 1].forEach((v, i) => {
      store.put(id, T0 + i * MIN + 5_000, v);
    });
    const timeline = evaluateAlarm(alarm({}), store, T0, T0 + 10 * MIN);
    // A period is judged once it is complete: period 5 (index 4) ends at T0 + 5 min.
    expect(stateAt(timeline, T0 + 5 * MIN - 1)).not.toBe('ALARM');
    expect(stateAt(timeline, T0 + 5 * MIN)).toBe('ALARM');
    expect(stateAt(timeline, T0 + 6 * MIN)).toBe('OK');
    expect(stateAt(timeline, T0 + 9 * MIN)).toBe('OK');
    expect(stateAt(timeline, T0 + 10 * MIN)).toBe('OK');
    expect(timeline.transitions.map((t) => t.to)).toEqual(['OK', 'ALARM', 'OK']);
  });

  it('aggregates every sample of a period with the alarm’s statistic', () => {
    const store = new MetricStore();
    const id = { namespace: 'N', name: 'M', dimensions: { service: 's' } };
    store.put(id, T0 + 1_000, 1);
    store.put(id, T0 + 2_000, [1, 1]);
    const sum = alarm({
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      threshold: 3,
      comparison: 'GreaterThanOrEqualToThreshold',
      query: { kind: 'metric', metric: id, stat: 'Sum', periodSeconds: 60 },
    });
    expect(stateAt(evaluateAlarm(sum, store, T0, T0 + MIN), T0 + MIN)).toBe('ALARM');
    const max = { ...sum, query: { ...sum.query, stat: 'Maximum' as const } };
    expect(stateAt(evaluateAlarm(max, store, T0, T0 + MIN), T0 + MIN)).toBe('OK');
  });

  it('matches a metric by its exact dimension set', () => {
    const store = new MetricStore();
    store.put({ namespace: 'N', name: 'M', dimensions: { service: 'other' } }, T0 + 1_000, 100);
    const a = alarm({
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      treatMissingData: 'notBreaching',
      query: {
        kind: 'metric',
        metric: { namespace: 'N', name: 'M', dimensions: { service: 's' } },
        stat: 'Sum',
        periodSeconds: 60,
      },
    });
    expect(stateAt(evaluateAlarm(a, store, T0, T0 + 2 * MIN), T0 + 2 * MIN)).toBe('OK');
  });

  describe('a heartbeat that stopped (3 of 3, fewer than 1 per period)', () => {
    const id = { namespace: 'N', name: 'Beat', dimensions: {} };
    const store = new MetricStore();
    for (let i = 0; i < 5; i++) store.put(id, T0 + i * MIN + 1_000, 1);
    const heartbeat = alarm({
      comparison: 'LessThanThreshold',
      threshold: 1,
      treatMissingData: 'breaching',
      query: { kind: 'metric', metric: id, stat: 'Sum', periodSeconds: 60 },
    });
    // The last beat is in the period ending at T0 + 5 min.

    it('missing data as breaching: good datapoints still in the evaluation range keep it OK (the page’s second row)', () => {
      const timeline = evaluateAlarm(heartbeat, store, T0, T0 + 15 * MIN);
      expect(stateAt(timeline, T0 + 5 * MIN)).toBe('OK');
      expect(stateAt(timeline, T0 + 8 * MIN)).toBe('OK');
      const emptyPeriods = 3 + EVALUATION_RANGE_EXTRA_PERIODS;
      expect(stateAt(timeline, T0 + (5 + emptyPeriods) * MIN - 1)).toBe('OK');
      expect(stateAt(timeline, T0 + (5 + emptyPeriods) * MIN)).toBe('ALARM');
    });

    it('FILL(beats, 0): every period has a value, so exactly three empty periods alarm', () => {
      const filled = alarm({
        ...heartbeat,
        query: {
          kind: 'math',
          expression: 'FILL(beats, 0)',
          periodSeconds: 60,
          inputs: { beats: { metric: id, stat: 'Sum', periodSeconds: 60 } },
        },
      });
      const timeline = evaluateAlarm(filled, store, T0, T0 + 15 * MIN);
      expect(stateAt(timeline, T0 + 8 * MIN - 1)).toBe('OK');
      expect(stateAt(timeline, T0 + 8 * MIN)).toBe('ALARM');
    });
  });

  it('keeps re-evaluating the last real datapoints after a metric stops (the documentation’s note)', () => {
    const store = new MetricStore();
    const id = { namespace: 'N', name: 'M', dimensions: {} };
    store.put(id, T0 + 1_000, 10);
    const a = alarm({ evaluationPeriods: 1, datapointsToAlarm: 1, treatMissingData: 'notBreaching' });
    const timeline = evaluateAlarm(
      { ...a, query: { ...a.query, metric: id } as AlarmDefinition['query'] },
      store,
      T0,
      T0 + 6 * MIN,
    );
    const range = 1 + EVALUATION_RANGE_EXTRA_PERIODS;
    expect(stateAt(timeline, T0 + range * MIN)).toBe('ALARM');
    expect(stateAt(timeline, T0 + (range + 1) * MIN)).toBe('OK');
  });

  it('evaluates metric math period by period', () => {
    const store = new MetricStore();
    const a1 = { namespace: 'AWS/DynamoDB', name: 'ReadThrottleEvents', dimensions: { TableName: 't' } };
    const b1 = { namespace: 'AWS/DynamoDB', name: 'WriteThrottleEvents', dimensions: { TableName: 't' } };
    store.put(a1, T0 + 1_000, 1);
    store.put(b1, T0 + MIN + 1_000, 1);
    const math = alarm({
      threshold: 1,
      comparison: 'GreaterThanOrEqualToThreshold',
      evaluationPeriods: 2,
      datapointsToAlarm: 2,
      treatMissingData: 'notBreaching',
      query: {
        kind: 'math',
        expression: 'FILL(a, 0) + FILL(b, 0)',
        periodSeconds: 60,
        inputs: {
          a: { metric: a1, stat: 'Sum', periodSeconds: 60 },
          b: { metric: b1, stat: 'Sum', periodSeconds: 60 },
        },
      },
    });
    const timeline = evaluateAlarm(math, store, T0, T0 + 4 * MIN);
    expect(stateAt(timeline, T0 + 2 * MIN)).toBe('ALARM');
    expect(stateAt(timeline, T0 + 3 * MIN)).toBe('OK');
  });
});

describe('effectiveRule', () => {
  it('an alarm on a single AWS/DynamoDB metric ignores missing data whatever it says (AWS overrides it)', () => {
    const a = alarm({
      treatMissingData: 'breaching',
      query: {
        kind: 'metric',
        metric: { namespace: 'AWS/DynamoDB', name: 'X', dimensions: {} },
        stat: 'Sum',
        periodSeconds: 60,
      },
    });
    expect(effectiveRule(a).treatMissingData).toBe('ignore');
    expect(effectiveRule(alarm({ treatMissingData: 'breaching' })).treatMissingData).toBe('breaching');
  });
});

describe('evaluateAlarm: a long period slides by the minute (CloudWatch’s default SlidingWindow)', () => {
  const id = { namespace: 'N', name: 'M', dimensions: {} };
  const hourly = alarm({
    periodSeconds: 3600,
    evaluationPeriods: 1,
    datapointsToAlarm: 1,
    treatMissingData: 'notBreaching',
    threshold: 10,
    comparison: 'GreaterThanOrEqualToThreshold',
    query: { kind: 'metric', metric: id, stat: 'Sum', periodSeconds: 3600 },
  });

  it('fires the minute the last hour’s sum crosses, not at the next hour boundary', () => {
    const store = new MetricStore();
    // 12 breaching minutes from 00:20 (well inside an hour that starts at 00:00).
    for (let i = 20; i < 32; i++) store.put(id, T0 + i * MIN + 5_000, 1);
    const timeline = evaluateAlarm(hourly, store, T0, T0 + 3 * 60 * MIN);
    // The tenth datapoint is in the minute 00:29-00:30: the hour ending at 00:30 holds ten.
    expect(stateAt(timeline, T0 + 29 * MIN)).toBe('OK');
    expect(stateAt(timeline, T0 + 30 * MIN)).toBe('ALARM');
    // And it clears once fewer than ten are left in the last hour (00:20 + 60 min + 3 minutes).
    expect(stateAt(timeline, T0 + 82 * MIN)).toBe('ALARM');
    expect(stateAt(timeline, T0 + 83 * MIN)).toBe('OK');
  });

  it('keeps periods of 5 minutes and less aligned to the epoch, as before', () => {
    const store = new MetricStore();
    store.put(id, T0 + 2 * MIN, 20);
    store.put(id, T0 + 7 * MIN, 0);
    const five = alarm({
      ...hourly,
      periodSeconds: 300,
      query: { kind: 'metric', metric: id, stat: 'Sum', periodSeconds: 300 },
    });
    const timeline = evaluateAlarm(five, store, T0, T0 + 20 * MIN);
    expect(stateAt(timeline, T0 + 4 * MIN)).not.toBe('ALARM');
    expect(stateAt(timeline, T0 + 5 * MIN)).toBe('ALARM');
    expect(stateAt(timeline, T0 + 10 * MIN)).toBe('OK');
  });
});

describe('evaluateComposite and parseCompositeRule', () => {
  const id = (name: string) => ({ namespace: 'N', name, dimensions: {} });
  const window = (name: string) =>
    alarm({
      id: name,
      logicalId: name,
      pages: false,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      treatMissingData: 'notBreaching',
      threshold: 1,
      comparison: 'GreaterThanOrEqualToThreshold',
      query: { kind: 'metric', metric: id(name), stat: 'Maximum', periodSeconds: 60 },
    });

  it('parses ALARM/OK of alarms by ARN token, AND, OR, NOT and parentheses', () => {
    expect(parseCompositeRule('(ALARM("getatt:A.Arn") AND ALARM("getatt:B.Arn"))')).toEqual({
      kind: 'and',
      operands: [
        { kind: 'state', state: 'ALARM', alarmLogicalId: 'A' },
        { kind: 'state', state: 'ALARM', alarmLogicalId: 'B' },
      ],
    });
    expect(parseCompositeRule('ALARM("getatt:A.Arn") OR NOT OK("getatt:B.Arn")')).toMatchObject({
      kind: 'or',
      operands: [{ kind: 'state' }, { kind: 'not', operand: { state: 'OK' } }],
    });
    expect(() => parseCompositeRule('ALARM(A) AND')).toThrow(/not understood|ends early/);
  });

  it('is in ALARM exactly while every alarm its AND names is, and only the paging ones are returned', () => {
    const store = new MetricStore();
    for (let i = 0; i < 10; i++) store.put(id('A'), T0 + i * MIN + 1000, i >= 2 && i < 8 ? 1 : 0);
    for (let i = 0; i < 10; i++) store.put(id('B'), T0 + i * MIN + 1000, i >= 5 ? 1 : 0);
    const composite = {
      id: 'Both',
      alarmName: 'Stack-Both',
      logicalId: 'Both',
      description: '',
      pages: true,
      rule: parseCompositeRule('ALARM("getatt:A.Arn") AND ALARM("getatt:B.Arn")'),
    };
    const timelines = evaluateAlarmSet(
      { alarms: [], signals: [window('A'), window('B')], composites: [composite] },
      store,
      T0,
      T0 + 12 * MIN,
    );
    expect(timelines.map((t) => t.alarmId)).toEqual(['Both']);
    const both = timelines[0] as AlarmTimeline;
    // A breaches in minutes 2-7, B from 5 on; a minute is judged once complete (at its end).
    expect(stateAt(both, T0 + 5 * MIN)).toBe('OK');
    expect(stateAt(both, T0 + 6 * MIN)).toBe('ALARM');
    expect(stateAt(both, T0 + 8 * MIN)).toBe('ALARM');
    expect(stateAt(both, T0 + 9 * MIN)).toBe('OK');
    expect(pagingAlarmIds({ alarms: [], signals: [window('A')], composites: [composite] })).toEqual(['Both']);
  });
});
