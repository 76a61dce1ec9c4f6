// An alarm in the template counts as proven only when some scenario expected it and it fired on time; alarms that
// cannot be produced locally are listed with their reason instead. Anything else fails the full simulation.
import { describe, expect, it } from 'vitest';
import { NOT_PRODUCIBLE, unprovenAlarms } from '../../ops/coverage.js';

describe('unprovenAlarms', () => {
  const run = (expected: string[], missed: string[] = []) => ({ status: 'run' as const, expected, missed });

  it('an alarm expected and fired on time in some scenario is proven', () => {
    expect(unprovenAlarms(['A', 'B'], [run(['A']), run(['B'])])).toEqual([]);
  });

  it('an alarm never expected, only missed, or only in a pending scenario is not', () => {
    const pending = { status: 'pending' as const, expected: ['C'], missed: [] };
    expect(unprovenAlarms(['A', 'B', 'C'], [run(['A']), run(['B'], ['B']), pending])).toEqual(['B', 'C']);
  });

  it('an alarm that cannot be produced locally is excused, with a reason', () => {
    const [excused] = Object.keys(NOT_PRODUCIBLE);
    expect(excused).toBeDefined();
    expect(NOT_PRODUCIBLE[excused as string]?.length).toBeGreaterThan(40);
    expect(unprovenAlarms([excused as string], [])).toEqual([]);
  });
});
