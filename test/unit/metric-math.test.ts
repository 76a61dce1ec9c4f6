// Metric math as CloudWatch evaluates it: period by period, missing values stay missing through arithmetic, FILL
// replaces them; functions the simulation does not implement are refused by name rather than guessed.
import { describe, expect, it } from 'vitest';
import { evaluateMetricMath, MetricMathError, referencedIds } from '../../ops/cloudwatch/metric-math.js';

describe('evaluateMetricMath', () => {
  it('adds series period by period; a missing operand makes the sum missing', () => {
    expect(evaluateMetricMath('a + b', { a: [1, undefined, 3], b: [10, 20, undefined] }, 3)).toEqual([
      11,
      undefined,
      undefined,
    ]);
  });

  it('FILL replaces missing values with a number, which is how a sum of sparse metrics becomes defined', () => {
    expect(evaluateMetricMath('FILL(a, 0) + FILL(b, 0)', { a: [1, undefined], b: [undefined, undefined] }, 2)).toEqual([
      1, 0,
    ]);
  });

  it('respects precedence, parentheses, negation and scalars', () => {
    expect(evaluateMetricMath('a + b * 2', { a: [1], b: [3] }, 1)).toEqual([7]);
    expect(evaluateMetricMath('(a + b) * 2', { a: [1], b: [3] }, 1)).toEqual([8]);
    expect(evaluateMetricMath('-a + 10', { a: [4] }, 1)).toEqual([6]);
    expect(evaluateMetricMath('100 * a / b', { a: [1, 1], b: [4, 0] }, 2)).toEqual([25, undefined]);
  });

  it('IF picks a branch per period; the unpicked branch’s division by zero does no harm', () => {
    const failed = [1, 0, 3, undefined];
    const succeeded = [1, 0, 0, undefined];
    expect(
      evaluateMetricMath(
        'IF(failed + succeeded > 0, 100 * failed / (failed + succeeded), 0)',
        { failed, succeeded },
        4,
      ),
    ).toEqual([50, 0, 100, undefined]);
  });

  it('comparisons are 1 or 0', () => {
    expect(evaluateMetricMath('a >= 2', { a: [1, 2, 3] }, 3)).toEqual([0, 1, 1]);
    expect(evaluateMetricMath('a != 2', { a: [1, 2] }, 2)).toEqual([1, 0]);
  });

  it('a scalar expression is the same value in every period', () => {
    expect(evaluateMetricMath('2 * 3', {}, 2)).toEqual([6, 6]);
  });

  it('refuses what it does not implement, and unknown ids, by name', () => {
    expect(() => evaluateMetricMath('RATE(a)', { a: [1] }, 1)).toThrow(/RATE is not supported/);
    expect(() => evaluateMetricMath('a + c', { a: [1] }, 1)).toThrow(/unknown id c/);
    expect(() => evaluateMetricMath('a +', { a: [1] }, 1)).toThrow(MetricMathError);
  });
});

describe('referencedIds', () => {
  it('lists the series an expression reads', () => {
    expect(referencedIds('FILL(r_table, 0) + FILL(w_due, 0) * 2').sort()).toEqual(['r_table', 'w_due']);
  });
});
