// How a scenario is judged, and the totals. Pure, so the verdict rules are tested on their own
// (test/unit/simulation-score.test.ts).
//
// An alarm counts as fired on time when its first transition to ALARM after the fault came no later than its
// deadline. A late alarm is a miss (on-call was promised a time), and is reported as late. Anything that fired and
// was not expected — before or after the fault — is unexpected. Precision and recall are taken over all scenarios:
// precision = on time / (on time + unexpected), recall = on time / expected; an empty denominator counts as 1.
import type { AlarmTimeline } from './cloudwatch/alarm-evaluator.js';

export interface ExpectationVerdictInput {
  alarm: string;
  /** Epoch ms by which it must have fired. */
  deadline: number;
}

export interface ScenarioVerdict {
  expected: string[];
  fired: string[];
  unexpected: string[];
  missed: string[];
  late: string[];
  /** Seconds from the fault to the first ALARM, per alarm that fired after the fault. */
  secondsToFire: Record<string, number>;
  /** Seconds from the fault to each expected alarm's deadline. */
  deadlineSeconds: Record<string, number>;
}

export function firstAlarmAt(timeline: AlarmTimeline, from: number): number | undefined {
  return timeline.transitions.find((t) => t.to === 'ALARM' && t.t >= from)?.t;
}

export function judgeScenario(
  timelines: readonly AlarmTimeline[],
  expectations: readonly ExpectationVerdictInput[],
  faultAt: number,
): ScenarioVerdict {
  const expected = expectations.map((e) => e.alarm);
  const fired = timelines.filter((t) => t.transitions.some((x) => x.to === 'ALARM')).map((t) => t.alarmId);
  const secondsToFire: Record<string, number> = {};
  for (const t of timelines) {
    const at = firstAlarmAt(t, faultAt);
    if (at !== undefined) secondsToFire[t.alarmId] = Math.round((at - faultAt) / 1000);
  }
  const deadlineSeconds: Record<string, number> = {};
  const missed: string[] = [];
  const late: string[] = [];
  for (const e of expectations) {
    deadlineSeconds[e.alarm] = Math.round((e.deadline - faultAt) / 1000);
    const timeline = timelines.find((t) => t.alarmId === e.alarm);
    const at = timeline ? firstAlarmAt(timeline, faultAt) : undefined;
    if (at === undefined) missed.push(e.alarm);
    else if (at > e.deadline) {
      missed.push(e.alarm);
      late.push(e.alarm);
    }
  }
  const unexpected = fired.filter((a) => !expected.includes(a));
  // An expected alarm that also fired before the fault was noise then.
  for (const t of timelines) {
    if (expected.includes(t.alarmId) && t.transitions.some((x) => x.to === 'ALARM' && x.t < faultAt)) {
      unexpected.push(t.alarmId);
    }
  }
  return { expected, fired, unexpected, missed, late, secondsToFire, deadlineSeconds };
}

export interface Totals {
  expected: number;
  onTime: number;
  unexpected: number;
  missed: number;
  precision: number;
  recall: number;
}

export function totals(verdicts: readonly ScenarioVerdict[]): Totals {
  const expected = verdicts.reduce((s, v) => s + v.expected.length, 0);
  const missed = verdicts.reduce((s, v) => s + v.missed.length, 0);
  const unexpected = verdicts.reduce((s, v) => s + v.unexpected.length, 0);
  const onTime = expected - missed;
  const ratio = (a: number, b: number) => (b === 0 ? 1 : Math.round((a / b) * 1000) / 1000);
  return {
    expected,
    onTime,
    unexpected,
    missed,
    precision: ratio(onTime, onTime + unexpected),
    recall: ratio(onTime, expected),
  };
}
