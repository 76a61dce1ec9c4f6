import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  FIRST_REFRESHES_PER_MINUTE,
  firstRefreshAt,
  firstRefreshWindowMs,
  MAX_FIRST_REFRESH_WINDOW_MS,
} from '../../lambdas/core/first-refresh-spread.js';

const NOW = 1_800_000_000_000;

describe('Function: firstRefreshWindowMs', () => {
  it.each([
    [1, 0],
    [10, 1_200],
    [1_000, 120_000],
    [100_000, MAX_FIRST_REFRESH_WINDOW_MS],
  ])('%i orgs → %i ms (500 a minute, at most an hour)', (count, windowMs) => {
    expect(firstRefreshWindowMs(count)).toBe(windowMs);
  });
});

describe('Function: firstRefreshAt', () => {
  it('puts every org of a batch in [now, now + window], the first due at once, in line order', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 200_000 }), (count) => {
        const window = firstRefreshWindowMs(count);
        const sample = [0, Math.floor(count / 2), count - 1];
        const times = sample.map((i) => firstRefreshAt(i, count, NOW));
        expect(times[0]).toBe(NOW);
        for (const t of times) {
          expect(t).toBeGreaterThanOrEqual(NOW);
          expect(t).toBeLessThanOrEqual(NOW + window);
        }
        expect([...times].sort((a, b) => a - b)).toEqual(times);
      }),
    );
  });

  it('never asks more than FIRST_REFRESHES_PER_MINUTE of the refresher below the cap', () => {
    const count = 5_000;
    const perMinute = new Map<number, number>();
    for (let i = 0; i < count; i++) {
      const minute = Math.floor((firstRefreshAt(i, count, NOW) - NOW) / 60_000);
      perMinute.set(minute, (perMinute.get(minute) ?? 0) + 1);
    }
    expect(Math.max(...perMinute.values())).toBeLessThanOrEqual(FIRST_REFRESHES_PER_MINUTE);
  });
});
