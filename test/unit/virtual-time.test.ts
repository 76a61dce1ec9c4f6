// The simulation's clock: once installed, every reader of Date sees simulated time, which flows at real speed and
// jumps only forward; Dates stay real Dates.
import { afterAll, describe, expect, it } from 'vitest';
import { advanceBy, advanceTo, installVirtualTime, simNow } from '../../ops/virtual-time.js';

const RealDate = Date;

describe('virtual time', () => {
  const start = RealDate.UTC(2026, 0, 5);
  installVirtualTime(start);
  afterAll(() => {
    globalThis.Date = RealDate;
  });

  it('Date.now, new Date() and Date() read simulated time', () => {
    expect(Math.abs(Date.now() - start)).toBeLessThan(1000);
    // biome-ignore lint/complexity/useDateNow: the constructor without arguments is what is under test
    expect(Math.abs(new Date().getTime() - start)).toBeLessThan(1000);
    expect(Date()).toContain('2026');
    expect(new Date(0).getTime()).toBe(0);
    expect(new Date()).toBeInstanceOf(RealDate);
    expect(new Date() instanceof Date).toBe(true);
    expect(Date.UTC(2020, 0, 1)).toBe(RealDate.UTC(2020, 0, 1));
  });

  it('jumps forward, never back', () => {
    const before = simNow();
    advanceBy(3_600_000);
    expect(simNow() - before).toBeGreaterThanOrEqual(3_600_000);
    const later = simNow();
    advanceTo(later - 60_000);
    expect(simNow()).toBeGreaterThanOrEqual(later);
    advanceTo(later + 60_000);
    expect(Date.now()).toBeGreaterThanOrEqual(later + 60_000);
  });
});
