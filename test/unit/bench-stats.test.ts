// The bench's arithmetic: if these are wrong, every figure in docs/performance.md is wrong with them.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { latencyWithinBudget, planPoints } from '../../bench/plan.js';
import {
  growthRatio,
  idealPerSecond,
  median,
  pairedRatio,
  pairedRatios,
  percentile,
  renderTable,
  throughputRatio,
  withinEngineBudget,
} from '../../bench/stats.js';

describe('Function: median', () => {
  it('takes the middle value of an odd count and the mean of the two middle values of an even count', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('is not moved by one outlier (why init time is a median of 10 processes)', () => {
    expect(median([100, 101, 99, 102, 98, 100, 101, 99, 100, 5000])).toBe(100);
  });

  it('throws on an empty list instead of returning NaN', () => {
    expect(() => median([])).toThrow(/empty/);
  });
});

describe('Function: pairedRatio', () => {
  // Per-process init times (ms) on a "machine" whose speed differs per pair.
  const positive = fc.double({ min: 1, max: 1_000, noNaN: true });
  const pairs = fc.array(fc.tuple(positive, positive, fc.double({ min: 0.2, max: 5, noNaN: true })), {
    minLength: 1,
    maxLength: 40,
  });

  it('is the median of the per-pair ratios (odd count)', () => {
    expect(pairedRatio([120, 300, 110], [100, 200, 100])).toBeCloseTo(1.2, 12);
  });

  it('takes the geometric mean of the two middle ratios for an even count', () => {
    expect(pairedRatio([110, 120, 130, 150], [100, 100, 100, 100])).toBeCloseTo(Math.sqrt(1.2 * 1.3), 12);
  });

  it('a load factor shared by both processes of a pair cancels, however much it varies between pairs', () => {
    fc.assert(
      fc.property(pairs, (ps) => {
        const a = ps.map(([x]) => x);
        const b = ps.map(([, y]) => y);
        const loadedA = ps.map(([x, , load]) => x * load);
        const loadedB = ps.map(([, y, load]) => y * load);
        expect(pairedRatio(loadedA, loadedB)).toBeCloseTo(pairedRatio(a, b), 9);
      }),
    );
  });

  it('is symmetric: B over A is exactly the reciprocal of A over B, for odd and even counts', () => {
    fc.assert(
      fc.property(pairs, (ps) => {
        const a = ps.map(([x]) => x);
        const b = ps.map(([, y]) => y);
        expect(pairedRatio(b, a)).toBeCloseTo(1 / pairedRatio(a, b), 9);
      }),
    );
  });

  it('stays at the true ratio under drifting load and a one-sided burst, where a ratio of medians does not', () => {
    // True ratio 1.2. Load doubles after the first three pairs; pair 2's handler process alone hit a burst.
    const handler = [120, 360, 120, 240, 240];
    const floor = [100, 100, 100, 200, 200];
    expect(pairedRatio(handler, floor)).toBeCloseTo(1.2, 12);
    expect(median(handler) / median(floor)).toBeCloseTo(2.4, 12);
  });

  it('refuses unequal lengths, empty series and non-positive times instead of returning a number', () => {
    expect(() => pairedRatio([1, 2], [1])).toThrow(/length/);
    expect(() => pairedRatio([], [])).toThrow(/empty/);
    expect(() => pairedRatios([1, 0], [1, 1])).toThrow(/positive/);
    expect(() => pairedRatios([1, 1], [1, -1])).toThrow(/positive/);
    expect(() => pairedRatios([Number.NaN], [1])).toThrow(/positive/);
  });
});

describe('Function: percentile', () => {
  it('uses the nearest rank', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile(values, 100)).toBe(100);
    expect(percentile([7], 0)).toBe(7);
  });
});

describe('Function: throughputRatio', () => {
  it('is 1 when every slot always has a request in flight: concurrency / latency', () => {
    // 16 slots × 100 ms latency → 160/s; 1 600 refreshes in 10 s is exactly that.
    expect(idealPerSecond(16, 100)).toBe(160);
    expect(throughputRatio(1600, 10_000, 16, 100)).toBeCloseTo(1, 10);
  });

  it('falls below 1 by the share of time the slots spend outside the token request', () => {
    // 100 ms latency + 10 ms of DynamoDB per refresh, one worker per slot: 100 / 110.
    expect(throughputRatio(1600, 11_000, 16, 100)).toBeCloseTo(100 / 110, 10);
  });

  it('refuses a zero latency or elapsed time instead of dividing by zero', () => {
    expect(() => idealPerSecond(16, 0)).toThrow();
    expect(() => throughputRatio(1, 0, 16, 100)).toThrow();
  });
});

describe('Function: growthRatio', () => {
  it('divides the largest size by the smallest: 1 means the per-refresh cost is flat', () => {
    expect(growthRatio([0.3, 0.1, 0.03])).toBeCloseTo(0.1, 10);
    expect(growthRatio([0.5, 0.5])).toBe(1);
  });

  it('needs two sizes and a positive first value', () => {
    expect(() => growthRatio([1])).toThrow();
    expect(() => growthRatio([0, 1])).toThrow();
  });
});

describe('Function: withinEngineBudget', () => {
  it('admits a point only if its DynamoDB requests stay within half of what the engine sustains', () => {
    // 50 refreshes/s × 2 requests = 100 requests/s against 200/s sustained: exactly half.
    expect(withinEngineBudget(50, 2, 200)).toBe(true);
    expect(withinEngineBudget(51, 2, 200)).toBe(false);
  });
});

describe('Function: planPoints', () => {
  const base = {
    concurrencies: [4, 16],
    latenciesMs: [100, 500],
    secondsPerPoint: 10,
    minRounds: 10,
    requestsPerRefresh: 2,
    engineUpdatesPerSecond: 200,
    requiredConcurrency: 16,
  };

  it('skips points over the engine budget and sizes the rest to whole rounds of the concurrency', () => {
    const plan = planPoints(base);
    // Budget: ideal ≤ 50/s. c4/100 = 40 ✓, c4/500 = 8 ✓, c16/100 = 160 ✗, c16/500 = 32 ✓.
    expect(plan.run.map((p) => `${p.concurrency}/${p.latencyMs}`)).toEqual(['4/100', '4/500', '16/500']);
    expect(plan.skipped.map((p) => `${p.concurrency}/${p.latencyMs}`)).toEqual(['16/100']);
    for (const p of plan.run) expect(p.orgs % p.concurrency).toBe(0);
    // 40/s for 10 s = 400 orgs = 100 rounds of 4; 8/s for 10 s would be 20 rounds of 4: 80 orgs.
    expect(plan.run[0]?.orgs).toBe(400);
    expect(plan.run[1]?.orgs).toBe(80);
  });

  it('never plans fewer than minRounds per slot', () => {
    const plan = planPoints({ ...base, latenciesMs: [2000], minRounds: 10 });
    // c16/2000 ms: 8/s for 10 s is 5 rounds; raised to 10.
    expect(plan.run.find((p) => p.concurrency === 16)?.orgs).toBe(160);
  });

  it('still measures the required concurrency when the engine is too slow for every listed latency', () => {
    const plan = planPoints({ ...base, engineUpdatesPerSecond: 40 });
    // Budget: ideal ≤ 10/s, so c16 needs ≥ 1.6 s: the smallest whole 100 ms is 1600 ms.
    expect(plan.run.filter((p) => p.concurrency === 16).map((p) => p.latencyMs)).toEqual([1600]);
    expect(latencyWithinBudget(16, 2, 40)).toBe(1600);
  });
});

describe('Function: renderTable', () => {
  it('aligns numbers right and text left under a header rule', () => {
    expect(
      renderTable([
        ['name', 'n'],
        ['a', 1],
        ['bb', 100],
      ]),
    ).toBe(['name    n', '----  ---', 'a       1', 'bb    100'].join('\n'));
  });
});
