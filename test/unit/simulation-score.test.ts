// The simulation's verdict rules: an expected alarm must fire after the fault and by its deadline (late is a miss),
// anything else that fires — or an expected alarm firing before the fault — is unexpected, and the totals are
// precision and recall over every scenario.
import { describe, expect, it } from 'vitest';
import type { AlarmTimeline } from '../../ops/cloudwatch/alarm-evaluator.js';
import { judgeScenario, totals } from '../../ops/score.js';

const MIN = 60_000;
const fault = 100 * MIN;

function timeline(alarmId: string, alarmAt: number[]): AlarmTimeline {
  const transitions = alarmAt.flatMap((t) => [
    { t, from: 'OK' as const, to: 'ALARM' as const },
    { t: t + MIN, from: 'ALARM' as const, to: 'OK' as const },
  ]);
  return { alarmId, evaluations: [], transitions };
}

describe('judgeScenario', () => {
  it('an expected alarm on time: fired, with its seconds to fire', () => {
    const v = judgeScenario(
      [timeline('A', [fault + 3 * MIN]), timeline('B', [])],
      [{ alarm: 'A', deadline: fault + 5 * MIN }],
      fault,
    );
    expect(v).toMatchObject({ expected: ['A'], fired: ['A'], unexpected: [], missed: [], late: [] });
    expect(v.secondsToFire).toEqual({ A: 180 });
    expect(v.deadlineSeconds).toEqual({ A: 300 });
  });

  it('a late alarm is a miss, and reported late', () => {
    const v = judgeScenario([timeline('A', [fault + 6 * MIN])], [{ alarm: 'A', deadline: fault + 5 * MIN }], fault);
    expect(v.missed).toEqual(['A']);
    expect(v.late).toEqual(['A']);
  });

  it('an expected alarm that never fired is missed', () => {
    expect(judgeScenario([timeline('A', [])], [{ alarm: 'A', deadline: fault + MIN }], fault).missed).toEqual(['A']);
  });

  it('an alarm nobody expected is unexpected, before or after the fault', () => {
    const v = judgeScenario(
      [timeline('A', [fault + MIN]), timeline('N', [10 * MIN])],
      [{ alarm: 'A', deadline: fault + 5 * MIN }],
      fault,
    );
    expect(v.unexpected).toEqual(['N']);
  });

  it('an expected alarm that also fired before the fault was noise then', () => {
    const v = judgeScenario(
      [timeline('A', [10 * MIN, fault + MIN])],
      [{ alarm: 'A', deadline: fault + 5 * MIN }],
      fault,
    );
    expect(v.unexpected).toEqual(['A']);
    expect(v.missed).toEqual([]);
  });
});

describe('totals', () => {
  it('precision and recall over every scenario; both 1 when nothing was expected and nothing fired', () => {
    const quiet = judgeScenario([timeline('A', [])], [], fault);
    expect(totals([quiet])).toMatchObject({ precision: 1, recall: 1 });
    const good = judgeScenario([timeline('A', [fault + MIN])], [{ alarm: 'A', deadline: fault + 5 * MIN }], fault);
    const noisy = judgeScenario([timeline('N', [fault + MIN])], [], fault);
    const blind = judgeScenario([timeline('B', [])], [{ alarm: 'B', deadline: fault + MIN }], fault);
    expect(totals([good, noisy, blind])).toEqual({
      expected: 2,
      onTime: 1,
      unexpected: 1,
      missed: 1,
      precision: 0.5,
      recall: 0.5,
    });
  });
});
