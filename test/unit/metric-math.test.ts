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
