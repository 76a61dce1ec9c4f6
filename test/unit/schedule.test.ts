import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  firstRefreshAt,
  fullJitterBackoffMs,
  isShortLifetime,
  leadTimeMs,
  MISCONFIGURED_BACKOFF_MS,
  misconfiguredRetryAt,
  nextRefreshAt,
  parseRetryAfterMs,
  refreshTokenLeadMs,
  TRANSIENT_BACKOFF_CAP_MS,
  transientRetryAt,
} from '../../lambdas/core/schedule.js';

const random01 = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });
const settings = fc.record({
  refreshWindowMs: fc.integer({ min: 10_000, max: 86_400_000 }),
  jitterMs: fc.integer({ min: 0, max: 3_600_000 }),
  schedulePeriodMs: fc.integer({ min: 1_000, max: 3_600_000 }),
});

describe('Function: nextRefreshAt', () => {
  it('is never due at issue time and never later than expiry − lead/2 (any lifetime, window, jitter)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1_600_000_000_000, max: 2_000_000_000_000 }),
        fc.integer({ min: 1_000, max: 366 * 86_400_000 }),
        settings,
        random01,
        (issuedAt, lifetime, s, r) => {
          const expiresAt = issuedAt + lifetime;
          const at = nextRefreshAt(issuedAt, expiresAt, s, r);
          const lead = leadTimeMs(lifetime, s.refreshWindowMs);
          expect(at).toBeGreaterThan(issuedAt);
          expect(at).toBeLessThanOrEqual(Math.round(expiresAt - lead) + 1);
          expect(at).toBeGreaterThanOrEqual(Math.round(expiresAt - lead - lead / 2) - 1);
        },
      ),
    );
  });

  it('refreshes a full window before expiry when the lifetime allows it', () => {
    const at = nextRefreshAt(0, 3_600_000, { refreshWindowMs: 600_000, jitterMs: 0, schedulePeriodMs: 60_000 }, 0.5);
    expect(at).toBe(3_000_000);
  });

  it('caps the lead at half the lifetime, so a 300 s Genesys token is due after 150 s, not at once', () => {
    const at = nextRefreshAt(0, 300_000, { refreshWindowMs: 600_000, jitterMs: 0, schedulePeriodMs: 60_000 }, 0);
    expect(at).toBe(150_000);
  });

  it('spreads orgs issued together: jitter moves refreshAt earlier by up to min(jitter, lead/2)', () => {
    const s = { refreshWindowMs: 600_000, jitterMs: 60_000, schedulePeriodMs: 60_000 };
    expect(nextRefreshAt(0, 3_600_000, s, 0)).toBe(3_000_000);
    expect(nextRefreshAt(0, 3_600_000, s, 0.999_999)).toBe(2_940_001);
  });
});

describe('Function: isShortLifetime', () => {
  it.each([
    [119_999, true],
    [120_000, false],
  ])('lifetime %i ms with a 60 s schedule → %s', (lifetime, expected) => {
    expect(isShortLifetime(lifetime, 60_000)).toBe(expected);
  });

  it.each([
    // The defaults: a 60 s tick and a 40 s lease (an 85 s hold): Genesys' shortest token, 300 s, is safe.
    [289_999, 85_000, true],
    [290_000, 85_000, false],
    [300_000, 85_000, false],
    // A 60 s lease (a 125 s hold) would let a 300 s token lapse after a crash: reported.
    [300_000, 125_000, true],
  ])('lifetime %i ms, a 60 s schedule and a %i ms lease hold → %s', (lifetime, hold, expected) => {
    expect(isShortLifetime(lifetime, 60_000, hold)).toBe(expected);
  });
});

describe('Function: fullJitterBackoffMs', () => {
  it('stays in [0, min(cap, base·2^attempt)) for any attempt, however large', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 1, max: 100_000 }),
        fc.integer({ min: 1, max: 10_000_000 }),
        random01,
        (attempt, base, cap, r) => {
          const d = fullJitterBackoffMs(attempt, base, cap, r);
          expect(d).toBeGreaterThanOrEqual(0);
          expect(d).toBeLessThan(Math.max(1, Math.min(cap, base * 2 ** Math.min(attempt, 30))));
          expect(Number.isFinite(d)).toBe(true);
        },
      ),
    );
  });
});

describe('Function: transientRetryAt', () => {
  const base = { now: 1_000_000, schedulePeriodMs: 60_000, retryAfterMs: undefined };

  it('honours Retry-After even when the jittered backoff is shorter', () => {
    expect(
      transientRetryAt({ ...base, consecutiveFailures: 1, expiresAt: undefined, retryAfterMs: 120_000, random: 0 }),
    ).toBe(1_120_000);
  });

  it('never backs off past halfway to expiry while the token is valid (but at least one period)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 1, max: 7_200_000 }),
        random01,
        (failures, remaining, r) => {
          const at = transientRetryAt({
            ...base,
            consecutiveFailures: failures,
            expiresAt: base.now + remaining,
            random: r,
          });
          expect(at - base.now).toBeLessThanOrEqual(Math.max(base.schedulePeriodMs, remaining / 2) + 1);
          expect(at - base.now).toBeLessThanOrEqual(TRANSIENT_BACKOFF_CAP_MS);
        },
      ),
    );
  });

  it('grows with consecutive failures up to the cap when the token is already expired', () => {
    const at = (failures: number) =>
      transientRetryAt({ ...base, consecutiveFailures: failures, expiresAt: base.now - 1, random: 0.999 }) - base.now;
    expect(at(1)).toBeLessThan(at(3));
    expect(at(30)).toBeLessThanOrEqual(TRANSIENT_BACKOFF_CAP_MS);
  });
});

describe('Function: misconfiguredRetryAt', () => {
  it('pauses about 30 minutes (±25 %) so a fleet sharing a broken client does not stampede', () => {
    fc.assert(
      fc.property(random01, (r) => {
        const d = misconfiguredRetryAt(0, r);
        expect(d).toBeGreaterThanOrEqual(MISCONFIGURED_BACKOFF_MS * 0.75);
        expect(d).toBeLessThanOrEqual(MISCONFIGURED_BACKOFF_MS * 1.25);
      }),
    );
  });
});

describe('Function: parseRetryAfterMs', () => {
  const now = Date.parse('2026-11-26T00:00:00Z');
  it.each([
    ['120', 120_000],
    [' 5 ', 5_000],
    ['Thu, 26 Nov 2026 00:01:00 GMT', 60_000],
    ['Wed, 25 Nov 2026 00:00:00 GMT', 0],
    ['999999999', 86_400_000],
    ['soon', undefined],
    ['-5', undefined],
    [undefined, undefined],
  ])('%s → %s', (value, expected) => {
    expect(parseRetryAfterMs(value, now)).toBe(expected);
  });
});

describe('Function: nextRefreshAt — with an expiring refresh token', () => {
  const DAY = 86_400_000;

  it('refreshes before an extendable refresh token runs out, whatever the access token lifetime', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1_600_000_000_000, max: 2_000_000_000_000 }),
        fc.integer({ min: 1_000, max: 366 * DAY }),
        fc.integer({ min: 1_000, max: 366 * DAY }),
        settings,
        random01,
        (issuedAt, lifetime, rtLifetime, s, r) => {
          const rtExpiresAt = issuedAt + rtLifetime;
          const at = nextRefreshAt(issuedAt, issuedAt + lifetime, s, r, { expiresAt: rtExpiresAt, extended: true });
          const rtLead = refreshTokenLeadMs(rtLifetime, s.refreshWindowMs);
          expect(at).toBeGreaterThan(issuedAt);
          expect(at).toBeLessThanOrEqual(Math.round(rtExpiresAt - rtLead) + 1);
          // …and never later than the access token alone would have it.
          expect(at).toBeLessThanOrEqual(nextRefreshAt(issuedAt, issuedAt + lifetime, s, r));
        },
      ),
    );
  });

  it('a 30-day access token with a 7-day refresh token is refreshed a day before the refresh token runs out', () => {
    const s = { refreshWindowMs: 600_000, jitterMs: 0, schedulePeriodMs: 60_000 };
    expect(nextRefreshAt(0, 30 * DAY, s, 0, { expiresAt: 7 * DAY, extended: true })).toBe(6 * DAY);
  });

  it('an unextendable one gets one last refresh a lead before it runs out, then the access token decides', () => {
    const s = { refreshWindowMs: 600_000, jitterMs: 0, schedulePeriodMs: 60_000 };
    // Well before: one more refresh a day before the end, for the longest-lived access token it can still buy.
    expect(nextRefreshAt(0, 30 * DAY, s, 0, { expiresAt: 7 * DAY, extended: false })).toBe(6 * DAY);
    // That refresh done (now inside the lead): no refresh every tick until it dies; the access token's schedule.
    const issued = 6 * DAY + 1;
    expect(nextRefreshAt(issued, issued + 30 * DAY, s, 0, { expiresAt: 7 * DAY, extended: false })).toBe(
      issued + 30 * DAY - 600_000,
    );
  });

  it('never schedules an unextendable refresh token at or before the issue time (no refresh loop)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1_600_000_000_000, max: 2_000_000_000_000 }),
        fc.integer({ min: 1_000, max: 366 * DAY }),
        fc.integer({ min: -366 * DAY, max: 366 * DAY }),
        settings,
        random01,
        (issuedAt, lifetime, rtOffset, s, r) => {
          const at = nextRefreshAt(issuedAt, issuedAt + lifetime, s, r, {
            expiresAt: issuedAt + rtOffset,
            extended: false,
          });
          expect(at).toBeGreaterThan(issuedAt);
        },
      ),
    );
  });

  it('leads a refresh token by a day, by the window when that is longer, by half its lifetime when shorter', () => {
    expect(refreshTokenLeadMs(30 * DAY, 600_000)).toBe(DAY);
    expect(refreshTokenLeadMs(30 * DAY, 2 * DAY)).toBe(2 * DAY);
    expect(refreshTokenLeadMs(6 * 3_600_000, 600_000)).toBe(3 * 3_600_000);
  });
});

describe('Function: firstRefreshAt (onboarding herds)', () => {
  const issued = fc.integer({ min: 1_600_000_000_000, max: 2_000_000_000_000 });

  it('is never due at issue time and never later than expiry − lead/2 (any lifetime, window, period)', () => {
    fc.assert(
      fc.property(issued, fc.integer({ min: 1_000, max: 366 * 86_400_000 }), settings, random01, (at, life, s, r) => {
        const expiresAt = at + life;
        const next = firstRefreshAt(at, expiresAt, s, r);
        const lead = leadTimeMs(life, s.refreshWindowMs);
        expect(next).toBeGreaterThan(at);
        expect(next).toBeLessThanOrEqual(Math.round(expiresAt - lead / 2) + 1);
      }),
    );
  });

  it('covers the usable lifetime uniformly: one period after issue to expiry − lead', () => {
    const s = { refreshWindowMs: 600_000, jitterMs: 60_000, schedulePeriodMs: 60_000 };
    const t0 = 1_800_000_000_000;
    const expiresAt = t0 + 3_600_000;
    expect(firstRefreshAt(t0, expiresAt, s, 0)).toBe(t0 + 60_000);
    expect(firstRefreshAt(t0, expiresAt, s, 0.999_999)).toBeCloseTo(expiresAt - 600_000, -1);
    // 10 buckets over [0, 1): each random decile lands in its own tenth of the usable span.
    const span = expiresAt - 600_000 - (t0 + 60_000);
    for (let d = 0; d < 10; d++) {
      const at = firstRefreshAt(t0, expiresAt, s, (d + 0.5) / 10);
      expect(Math.floor(((at - t0 - 60_000) / span) * 10)).toBe(d);
    }
  });

  it('spreads, but never past what a refresh token that runs out first allows', () => {
    fc.assert(
      fc.property(
        issued,
        fc.integer({ min: 1_000, max: 366 * 86_400_000 }),
        fc.integer({ min: 1_000, max: 366 * 86_400_000 }),
        fc.boolean(),
        settings,
        random01,
        (at, life, rtLife, extended, s, r) => {
          const refreshToken = { expiresAt: at + rtLife, extended };
          const next = firstRefreshAt(at, at + life, s, r, refreshToken);
          expect(next).toBeGreaterThan(at);
          expect(next).toBeLessThanOrEqual(nextRefreshAt(at, at + life, s, r, refreshToken));
          expect(next).toBeLessThanOrEqual(firstRefreshAt(at, at + life, s, r));
        },
      ),
    );
  });

  it('falls back to nextRefreshAt when the lifetime is too short to spread', () => {
    const s = { refreshWindowMs: 600_000, jitterMs: 0, schedulePeriodMs: 60_000 };
    const t0 = 1_800_000_000_000;
    expect(firstRefreshAt(t0, t0 + 100_000, s, 0.5)).toBe(nextRefreshAt(t0, t0 + 100_000, s, 0.5));
  });
});
