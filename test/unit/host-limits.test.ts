// Per-token-host limits and backoff: each sweep's share of a host's budget, pacing, when a host is backed off as a
// whole and until when, what an exchange says about its host, and when a deferred org is due again.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  deferredRefreshAt,
  type HostSignal,
  hostLimitsFor,
  hostSignalOf,
  hostVerdict,
  isDegraded,
  MAX_HOST_BACKOFF_MS,
  MIN_HOST_BACKOFF_MS,
  mayPassBackoff,
  paceRequest,
  tokenHostOf,
} from '../../lambdas/core/host-limits.js';
import type { HttpOutcome } from '../../lambdas/core/ports.js';

const NOW = 1_800_000_000_000;
const backoff = { failuresToDegrade: 5, backoffMs: 10_000 };

describe('Function: hostLimitsFor', () => {
  it.each([
    ['one sweep gets the whole budget', 1, { inFlight: 64, intervalMs: 2.5 }],
    ['four sweeps get a quarter each', 4, { inFlight: 16, intervalMs: 10 }],
    ['never below one request in flight', 1000, { inFlight: 1, intervalMs: 2500 }],
  ])('%s', (_n, share, expected) => {
    expect(hostLimitsFor({ maxInFlight: 64, maxPerSecond: 400 }, share)).toEqual(expected);
  });

  it('0 is no cap: each sweep is bounded by its own CONCURRENCY only (the default)', () => {
    expect(hostLimitsFor({ maxInFlight: 0, maxPerSecond: 0 }, 4)).toEqual({
      inFlight: Number.POSITIVE_INFINITY,
      intervalMs: 0,
    });
  });

  it('property: the shares of MAX_SWEEPS sweeps never add up to more than the budget', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 64 }),
        fc.integer({ min: 64, max: 10_000 }),
        fc.integer({ min: 1, max: 10_000 }),
        (sweeps, inFlight, perSecond) => {
          const l = hostLimitsFor({ maxInFlight: inFlight, maxPerSecond: perSecond }, sweeps);
          expect(l.inFlight * sweeps).toBeLessThanOrEqual(inFlight);
          expect((sweeps * 1000) / l.intervalMs).toBeLessThanOrEqual(perSecond + 1e-6);
        },
      ),
    );
  });
});

describe('Function: paceRequest', () => {
  it('spaces requests by the interval, with no burst after an idle period', () => {
    let next = Number.NEGATIVE_INFINITY;
    const starts: number[] = [];
    for (let i = 0; i < 4; i++) {
      const p = paceRequest(next, NOW, 25);
      starts.push(p.startAt - NOW);
      next = p.nextFreeAt;
    }
    expect(starts).toEqual([0, 25, 50, 75]);
    expect(paceRequest(NOW - 10_000, NOW, 25)).toEqual({ startAt: NOW, nextFreeAt: NOW + 25 });
  });
});

describe('Function: hostVerdict', () => {
  const run = (signals: HostSignal[]) => {
    let health = { failuresInRow: 0, episodes: 0 };
    let last: ReturnType<typeof hostVerdict> | undefined;
    for (const s of signals) {
      last = hostVerdict(health, s, NOW, backoff);
      health = last.health;
    }
    return last;
  };
  const failed: HostSignal = { kind: 'failed', retryAfterMs: undefined };
  const limited: HostSignal = { kind: 'rate-limited', retryAfterMs: undefined };
  const fiveFailures = [failed, failed, failed, failed, failed];

  it.each<[string, HostSignal[], unknown]>([
    [
      'a 429 backs the host off at once, until its Retry-After',
      [{ kind: 'rate-limited', retryAfterMs: 120_000 }],
      { degrade: true, until: NOW + 120_000, reason: 'RATE_LIMITED' },
    ],
    ['a 429 without Retry-After: HOST_BACKOFF_SECONDS', [limited], { degrade: true, until: NOW + 10_000 }],
    [
      'a Retry-After of a day is capped at 15 minutes',
      [{ kind: 'rate-limited', retryAfterMs: 86_400_000 }],
      { degrade: true, until: NOW + MAX_HOST_BACKOFF_MS },
    ],
    [
      'a Retry-After of 0 still waits a second',
      [{ kind: 'rate-limited', retryAfterMs: 0 }],
      { degrade: true, until: NOW + MIN_HOST_BACKOFF_MS },
    ],
    [
      'four failures in a row: not yet',
      [failed, failed, failed, failed],
      { degrade: false, health: { failuresInRow: 4, episodes: 0 } },
    ],
    [
      'the fifth failure in a row backs the host off for HOST_BACKOFF_SECONDS',
      fiveFailures,
      { degrade: true, until: NOW + 10_000, reason: 'PROVIDER_UNAVAILABLE', health: { failuresInRow: 0, episodes: 1 } },
    ],
    [
      'each episode without an answer in between doubles the backoff (an outage, not a chance run)',
      [...fiveFailures, ...fiveFailures, ...fiveFailures],
      { degrade: true, until: NOW + 40_000, health: { episodes: 3 } },
    ],
    ['429s escalate the same way', [limited, limited], { degrade: true, until: NOW + 20_000 }],
    [
      'an answer resets the escalation',
      [...fiveFailures, ...fiveFailures, { kind: 'answered' }, ...fiveFailures],
      { degrade: true, until: NOW + 10_000, health: { episodes: 1 } },
    ],
    [
      'the escalation stops at 15 minutes',
      Array.from({ length: 12 }, () => limited),
      { degrade: true, until: NOW + MAX_HOST_BACKOFF_MS },
    ],
    [
      'an answer in between resets the run',
      [failed, failed, failed, failed, { kind: 'answered' }, failed],
      { degrade: false, health: { failuresInRow: 1 } },
    ],
    [
      'a neutral outcome (reset on a stale socket) neither counts nor resets',
      [failed, failed, { kind: 'neutral' }, failed],
      { degrade: false, health: { failuresInRow: 3 } },
    ],
    [
      'a 503 Retry-After longer than the backoff is honoured',
      [failed, failed, failed, failed, { kind: 'failed', retryAfterMs: 300_000 }],
      { degrade: true, until: NOW + 300_000 },
    ],
  ])('%s', (_name, signals, expected) => {
    expect(run(signals)).toMatchObject(expected as object);
  });
});

describe('Function: hostSignalOf', () => {
  const response = (status: number, retryAfter?: string): HttpOutcome => ({
    kind: 'response',
    status,
    retryAfter,
    contentType: 'application/json',
    body: '{}',
  });
  it.each<[string, HttpOutcome, HostSignal]>([
    ['200 answered', response(200), { kind: 'answered' }],
    ['400 invalid_grant is an answer about the org, not the host', response(400), { kind: 'answered' }],
    ['429 with Retry-After', response(429, '30'), { kind: 'rate-limited', retryAfterMs: 30_000 }],
    ['503', response(503), { kind: 'failed', retryAfterMs: undefined }],
    ['500, the first of the 5xx', response(500), { kind: 'failed', retryAfterMs: undefined }],
    ['499 is an answer', response(499), { kind: 'answered' }],
    ['408', response(408), { kind: 'failed', retryAfterMs: undefined }],
    [
      'a timeout',
      { kind: 'no-response', reason: 'timeout', sent: true, detail: 't' },
      { kind: 'failed', retryAfterMs: undefined },
    ],
    [
      'a refused connection',
      { kind: 'no-response', reason: 'network', sent: false, detail: 'x' },
      { kind: 'failed', retryAfterMs: undefined },
    ],
    [
      'a reset after sending (stale socket)',
      { kind: 'no-response', reason: 'network', sent: true, detail: 'x' },
      { kind: 'neutral' },
    ],
  ])('%s', (_name, outcome, expected) => {
    expect(hostSignalOf(outcome, NOW)).toEqual(expected);
  });
});

describe('Function: deferredRefreshAt', () => {
  const base = { now: NOW, degradedUntil: NOW + 60_000, expiresAt: NOW + 3_600_000, schedulePeriodMs: 60_000 };
  it('is due again when the backoff ends, spread over one schedule period', () => {
    expect(deferredRefreshAt({ ...base, random: 0 })).toEqual({ refreshAt: NOW + 60_000, pastExpiry: false });
    expect(deferredRefreshAt({ ...base, random: 0.5 }).refreshAt).toBe(NOW + 90_000);
  });
  it('while the token is valid, never later than halfway to its expiry (at least a period from now)', () => {
    const long = { ...base, degradedUntil: NOW + 900_000 };
    expect(deferredRefreshAt({ ...long, expiresAt: NOW + 600_000, random: 0 }).refreshAt).toBe(NOW + 300_000);
    expect(deferredRefreshAt({ ...long, expiresAt: NOW + 90_000, random: 0 })).toEqual({
      refreshAt: NOW + 60_000,
      pastExpiry: false,
    });
  });
  it('says so when that is past the token’s expiry (the org is then listed as EXPIRED)', () => {
    expect(deferredRefreshAt({ ...base, expiresAt: NOW + 30_000, random: 0 })).toMatchObject({ pastExpiry: true });
    expect(deferredRefreshAt({ ...base, expiresAt: NOW - 1, random: 0 })).toMatchObject({
      refreshAt: NOW + 60_000,
      pastExpiry: true,
    });
    expect(deferredRefreshAt({ ...base, expiresAt: undefined, random: 0 })).toMatchObject({ pastExpiry: true });
  });
  it('a token expiring exactly when the org is due again is past expiry; one later is not', () => {
    expect(deferredRefreshAt({ ...base, degradedUntil: NOW + 60_000, expiresAt: NOW + 120_000, random: 0 })).toEqual({
      refreshAt: NOW + 60_000,
      pastExpiry: false,
    });
    expect(deferredRefreshAt({ ...base, degradedUntil: NOW + 60_000, expiresAt: NOW + 60_000, random: 0 })).toEqual({
      refreshAt: NOW + 60_000,
      pastExpiry: true,
    });
  });
  it('a token that expires this very instant does not pull the org forward', () => {
    const long = { ...base, degradedUntil: NOW + 900_000, random: 0 };
    expect(deferredRefreshAt({ ...long, expiresAt: NOW })).toEqual({ refreshAt: NOW + 900_000, pastExpiry: true });
  });
});

describe('Function: mayPassBackoff', () => {
  it.each([
    ['a token expiring within two periods: its last chance passes the backoff', NOW + 120_000, true],
    ['a token with more time left waits for the host', NOW + 120_001, false],
    ['a token already expired has no last chance to lose: it waits', NOW, false],
    ['no token at all (a new org): it waits (no storm of first refreshes into a backed-off host)', undefined, false],
  ])('%s', (_name, expiresAt, expected) => {
    expect(mayPassBackoff(expiresAt, NOW, 60_000)).toBe(expected);
  });
});

describe('Functions: isDegraded, tokenHostOf', () => {
  it('a backoff holds until its end, not after', () => {
    expect(isDegraded(NOW + 1, NOW)).toBe(true);
    expect(isDegraded(NOW, NOW)).toBe(false);
    expect(isDegraded(undefined, NOW)).toBe(false);
  });
  it.each([
    ['https://login.mypurecloud.com/oauth/token', 'login.mypurecloud.com'],
    ['https://Acme.Zendesk.com/oauth/tokens', 'acme.zendesk.com'],
    ['http://127.0.0.1:4000/oauth/token', '127.0.0.1:4000'],
    ['not a url', 'invalid-url'],
  ])('%s is host %s', (url, host) => {
    expect(tokenHostOf(url)).toBe(host);
  });
});
