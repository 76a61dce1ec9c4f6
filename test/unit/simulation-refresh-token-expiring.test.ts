// The refresh-token-expiring scenario's deadline (ops/scenarios/refresh-token-expiring.ts): derived from the
// refresher's own refresh lead, the schedule and the alarm's period, never restated.
import { describe, expect, it } from 'vitest';
import { expiringDeadlineSeconds } from '../../ops/scenarios/refresh-token-expiring.js';

const deployed = { accessTokenTtlSeconds: 3600, refreshWindowSeconds: 600, tickSeconds: 60, alarmPeriodSeconds: 300 };

describe('expiringDeadlineSeconds', () => {
  it('is the second refresh after the fault, one gauge tick, one alarm period and one evaluation', () => {
    // 2 ticks to the next refresh, 3600 − 600 s to the one after + 1 tick, 1 tick for the gauge, 300 s, 60 s.
    expect(expiringDeadlineSeconds(deployed)).toBe(120 + 3000 + 60 + 60 + 300 + 60);
  });

  it('uses the refresher’s lead: never more than half a short access token’s lifetime', () => {
    // A 10-minute token with a 10-minute window is due halfway (leadTimeMs), 300 s after it was issued.
    expect(expiringDeadlineSeconds({ ...deployed, accessTokenTtlSeconds: 600 })).toBe(120 + 300 + 60 + 60 + 300 + 60);
  });

  it('moves with the alarm’s period and the schedule’s tick', () => {
    const base = expiringDeadlineSeconds(deployed);
    expect(expiringDeadlineSeconds({ ...deployed, alarmPeriodSeconds: 900 })).toBe(base + 600);
    expect(expiringDeadlineSeconds({ ...deployed, tickSeconds: 120 })).toBe(base + 4 * 60);
  });
});
