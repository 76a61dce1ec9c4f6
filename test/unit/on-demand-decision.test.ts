// What an on-demand call does with the record as it is now: one row per case, and properties over arbitrary records
// for the fences (never a refresh while a newer token is stored, while leased, or within the per-org limit).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  FRESH_SHARE,
  forcedBefore,
  isRepeatedForcedRefresh,
  ON_DEMAND_LOOP_WINDOW_MS,
  type OnDemandAsk,
  type OnDemandFacts,
  onDemandDecision,
} from '../../lambdas/core/on-demand-decision.js';

const NOW = 1_750_000_000_000;
const MIN = 60_000;
const INTERVAL = 30_000;
const STORED = 'sha256:aaaaaaaaaaaa';
const OLDER = 'sha256:bbbbbbbbbbbb';

/** An ACTIVE org whose one-hour token was issued 20 minutes ago. */
const active = {
  orgId: 'acme',
  status: 'ACTIVE',
  version: 7,
  accessToken: 'at-stored-0123456789',
  expiresAt: NOW + 40 * MIN,
  lastRefreshedAt: NOW - 20 * MIN,
};
const refreshNow = (rejected = STORED): OnDemandAsk => ({ kind: 'refreshNow', rejected });
const minValidity = (ms: number): OnDemandAsk => ({ kind: 'minValidity', minValidityMs: ms });
const facts = (record: Record<string, unknown> | undefined, over: Partial<OnDemandFacts> = {}): OnDemandFacts => ({
  record,
  storedFingerprint: record?.accessToken === undefined ? undefined : STORED,
  now: NOW,
  since: NOW - 10,
  minIntervalMs: INTERVAL,
  ...over,
});

describe('Function: onDemandDecision', () => {
  it.each([
    ['no record', undefined, 'ORG_NOT_FOUND'],
    ['a dead grant', { ...active, status: 'REAUTH_REQUIRED' }, 'REAUTH_REQUIRED'],
    ['an org an operator disabled', { ...active, status: 'DISABLED' }, 'ORG_DISABLED'],
    ['an unknown status', { ...active, status: 'PAUSED' }, 'RECORD_INVALID'],
    ['a record without a version', { ...active, version: 'seven' }, 'RECORD_INVALID'],
  ])('refuses %s: %s', (_what, record, reason) => {
    expect(onDemandDecision(refreshNow(), facts(record))).toEqual({ decision: 'refuse', reason });
    expect(onDemandDecision(minValidity(MIN), facts(record))).toEqual({ decision: 'refuse', reason });
  });

  it.each<[string, OnDemandAsk, Record<string, unknown>, Partial<OnDemandFacts>, unknown]>([
    [
      'refreshNow, the stored token is not the rejected one: the newer token at once',
      refreshNow(OLDER),
      active,
      {},
      { decision: 'answer', reason: 'NEWER_TOKEN' },
    ],
    [
      'refreshNow, the stored token is the rejected one: a claim at the version read',
      refreshNow(),
      active,
      {},
      { decision: 'refresh', reason: 'REJECTED_TOKEN_STORED', expectedVersion: 7 },
    ],
    [
      'refreshNow, a newer token is stored but already expired: refresh anyway',
      refreshNow(OLDER),
      { ...active, expiresAt: NOW },
      {},
      { decision: 'refresh', reason: 'NO_VALID_TOKEN', expectedVersion: 7 },
    ],
    [
      'refreshNow, no token at all yet (just onboarded)',
      refreshNow(),
      { ...active, accessToken: undefined, expiresAt: undefined, lastRefreshedAt: undefined },
      {},
      { decision: 'refresh', reason: 'NO_VALID_TOKEN', expectedVersion: 7 },
    ],
    [
      'minValidity 20 min with 40 min left: the stored token',
      minValidity(20 * MIN),
      active,
      {},
      { decision: 'answer', reason: 'VALID_LONG_ENOUGH' },
    ],
    [
      'minValidity 50 min with 40 min left of a 60 min token: refresh',
      minValidity(50 * MIN),
      active,
      {},
      { decision: 'refresh', reason: 'TOO_SHORT', expectedVersion: 7 },
    ],
    [
      'minValidity 2 h of a provider that gives 60 min, token 5 min old: as fresh as it gets',
      minValidity(120 * MIN),
      { ...active, expiresAt: NOW + 55 * MIN, lastRefreshedAt: NOW - 5 * MIN },
      {},
      { decision: 'answer', reason: 'FRESHEST_AVAILABLE' },
    ],
    [
      'minValidity 2 h of a provider that gives 60 min, token 7 min old: refresh (more than 10 % to gain)',
      minValidity(120 * MIN),
      { ...active, expiresAt: NOW + 53 * MIN, lastRefreshedAt: NOW - 7 * MIN },
      {},
      { decision: 'refresh', reason: 'TOO_SHORT', expectedVersion: 7 },
    ],
    [
      'a refresher holds the lease: wait for its commit',
      refreshNow(),
      { ...active, leaseOwner: 'sweep-1', leaseUntil: NOW + 45_000 },
      {},
      { decision: 'wait', reason: 'LEASED', until: NOW + 45_000 },
    ],
    [
      'an expired lease is free',
      refreshNow(),
      { ...active, leaseOwner: 'sweep-1', leaseUntil: NOW - 1 },
      {},
      { decision: 'refresh', reason: 'REJECTED_TOKEN_STORED', expectedVersion: 7 },
    ],
    [
      'force-refreshed 10 s ago and its token is rejected too: limited for 20 s more',
      refreshNow(),
      { ...active, forcedRefreshAt: NOW - 10_000 },
      {},
      { decision: 'limited', reason: 'FORCED_REFRESH_LIMIT', retryAfterMs: 20_000 },
    ],
    [
      'force-refreshed exactly one interval ago: still limited (the claim needs it strictly older)',
      refreshNow(),
      { ...active, forcedRefreshAt: NOW - INTERVAL },
      {},
      { decision: 'limited', reason: 'FORCED_REFRESH_LIMIT', retryAfterMs: 0 },
    ],
    [
      'force-refreshed longer ago than the interval: refresh',
      refreshNow(),
      { ...active, forcedRefreshAt: NOW - INTERVAL - 1 },
      {},
      { decision: 'refresh', reason: 'REJECTED_TOKEN_STORED', expectedVersion: 7 },
    ],
    [
      'the refresh this call waited for failed: its code is the answer',
      refreshNow(),
      { ...active, lastError: { code: 'PROVIDER_UNAVAILABLE', message: 'm', at: NOW - 5 } },
      {},
      { decision: 'failed', reason: 'REFRESH_FAILED_WHILE_WAITING', errorCode: 'PROVIDER_UNAVAILABLE' },
    ],
    [
      'an older failure (before this call) does not decide: refresh',
      refreshNow(),
      { ...active, lastError: { code: 'PROVIDER_UNAVAILABLE', message: 'm', at: NOW - 60_000 } },
      {},
      { decision: 'refresh', reason: 'REJECTED_TOKEN_STORED', expectedVersion: 7 },
    ],
    [
      'a newer token answers even while a sweep holds the lease',
      refreshNow(OLDER),
      { ...active, leaseOwner: 'sweep-1', leaseUntil: NOW + 45_000, forcedRefreshAt: NOW - 1 },
      {},
      { decision: 'answer', reason: 'NEWER_TOKEN' },
    ],
  ])('%s', (_what, ask, record, over, expected) => {
    expect(onDemandDecision(ask, facts(record, over))).toEqual(expected);
  });

  it('counts a refreshNow refresh as repeated only within the loop window of the previous forced refresh', () => {
    expect(isRepeatedForcedRefresh(refreshNow(), NOW - ON_DEMAND_LOOP_WINDOW_MS + 1, NOW)).toBe(true);
    expect(isRepeatedForcedRefresh(refreshNow(), NOW - ON_DEMAND_LOOP_WINDOW_MS, NOW)).toBe(false);
    expect(isRepeatedForcedRefresh(refreshNow(), undefined, NOW)).toBe(false);
    // An app asking for a long-lived token is not looping on a 401.
    expect(isRepeatedForcedRefresh(minValidity(50 * MIN), NOW - MIN, NOW)).toBe(false);
    expect(forcedBefore(NOW, INTERVAL)).toBe(NOW - INTERVAL);
  });
});

describe('Properties: onDemandDecision over arbitrary records', () => {
  const fingerprintArb = fc.constantFrom(STORED, OLDER);
  const askArb: fc.Arbitrary<OnDemandAsk> = fc.oneof(
    fingerprintArb.map((rejected) => ({ kind: 'refreshNow' as const, rejected })),
    fc.integer({ min: 0, max: 7 * 86_400_000 }).map((ms) => ({ kind: 'minValidity' as const, minValidityMs: ms })),
  );
  const offset = fc.option(fc.integer({ min: -3 * 3_600_000, max: 3 * 3_600_000 }), { nil: undefined });
  const recordArb = fc.record(
    {
      status: fc.constantFrom('ACTIVE', 'ACTIVE', 'ACTIVE', 'REAUTH_REQUIRED', 'DISABLED', 'X', undefined),
      version: fc.oneof(fc.nat(100), fc.constant('7'), fc.constant(undefined)),
      accessToken: fc.option(fc.constant('at-stored-0123456789'), { nil: undefined }),
      expiresAt: offset,
      lastRefreshedAt: offset,
      leaseUntil: offset,
      forcedRefreshAt: offset,
      lastError: fc.option(
        fc.record({ code: fc.constantFrom('TIMEOUT', 'INVALID_GRANT'), at: fc.integer({ min: -60_000, max: 0 }) }),
        { nil: undefined },
      ),
    },
    { requiredKeys: [] },
  );
  const abs = (r: Record<string, unknown>) =>
    Object.fromEntries(
      Object.entries(r).map(([k, v]) => [
        k,
        ['expiresAt', 'lastRefreshedAt', 'leaseUntil', 'forcedRefreshAt'].includes(k) && typeof v === 'number'
          ? NOW + v
          : k === 'lastError' && v
            ? { ...(v as object), at: NOW + (v as { at: number }).at }
            : v,
      ]),
    );

  it('refreshes only an ACTIVE org whose lease is free, past the limit, without a newer or long-enough token', () => {
    fc.assert(
      fc.property(askArb, recordArb, fingerprintArb, (ask, raw, storedFingerprint) => {
        const record = abs(raw);
        const d = onDemandDecision(ask, {
          record,
          storedFingerprint,
          now: NOW,
          since: NOW - 1_000,
          minIntervalMs: INTERVAL,
        });
        const usable = typeof record.accessToken === 'string' && (record.expiresAt as number) > NOW;
        if (d.decision === 'refresh') {
          expect(record.status).toBe('ACTIVE');
          expect(d.expectedVersion).toBe(record.version);
          expect(typeof record.leaseUntil === 'number' && record.leaseUntil >= NOW).toBe(false);
          expect(typeof record.forcedRefreshAt === 'number' && record.forcedRefreshAt >= NOW - INTERVAL).toBe(false);
          if (ask.kind === 'refreshNow' && usable) expect(storedFingerprint).toBe(ask.rejected);
          if (ask.kind === 'minValidity' && usable) {
            expect((record.expiresAt as number) - NOW).toBeLessThan(ask.minValidityMs);
          }
        }
        if (d.decision === 'answer') {
          expect(usable).toBe(true);
          if (d.reason === 'NEWER_TOKEN') expect(ask.kind === 'refreshNow' && storedFingerprint !== ask.rejected);
          if (d.reason === 'VALID_LONG_ENOUGH' && ask.kind === 'minValidity') {
            expect((record.expiresAt as number) - NOW).toBeGreaterThanOrEqual(ask.minValidityMs);
          }
          if (d.reason === 'FRESHEST_AVAILABLE') {
            const lifetime = (record.expiresAt as number) - (record.lastRefreshedAt as number);
            expect((record.expiresAt as number) - NOW).toBeGreaterThanOrEqual(FRESH_SHARE * lifetime);
          }
        }
        // Exactly when the claim's condition (forcedRefreshAt < now - interval) would let it through.
        if (d.decision === 'limited') expect(d.retryAfterMs).toBe((record.forcedRefreshAt as number) + INTERVAL - NOW);
      }),
      { numRuns: 2_000 },
    );
  });
});

// The boundaries of each rule, each exactly at its edge. Mutants of on-demand-decision.ts survived without these.
describe('Function: onDemandDecision — at the edges', () => {
  it('a token valid exactly as long as asked is long enough', () => {
    expect(onDemandDecision(minValidity(40 * MIN), facts(active))).toEqual({
      decision: 'answer',
      reason: 'VALID_LONG_ENOUGH',
    });
  });

  it('too short, and less than the fresh share of its lifetime left: refreshed', () => {
    // A one-hour token with 10 minutes left, asked for 20.
    const record = { ...active, expiresAt: NOW + 10 * MIN, lastRefreshedAt: NOW - 50 * MIN };
    expect(onDemandDecision(minValidity(20 * MIN), facts(record))).toMatchObject({
      decision: 'refresh',
      reason: 'TOO_SHORT',
    });
  });

  it('too short for the ask but exactly the fresh share of its lifetime left: the freshest there is', () => {
    const lifetime = 60 * MIN;
    const left = FRESH_SHARE * lifetime;
    const record = { ...active, expiresAt: NOW + left, lastRefreshedAt: NOW + left - lifetime };
    expect(onDemandDecision(minValidity(lifetime * 2), facts(record))).toEqual({
      decision: 'answer',
      reason: 'FRESHEST_AVAILABLE',
    });
  });

  it('without a refresh time (or with a lifetime that is none), the fresh share does not apply', () => {
    for (const lastRefreshedAt of [undefined, NOW + 40 * MIN, NOW + 41 * MIN, 'yesterday']) {
      const record = { ...active, lastRefreshedAt };
      expect(onDemandDecision(minValidity(120 * MIN), facts(record))).toMatchObject({ decision: 'refresh' });
    }
  });

  it('a failure recorded exactly when this call started is the answer; one before it is not', () => {
    const since = NOW - 10;
    const failedAt = (at: unknown) => ({ ...active, lastError: { code: 'PROVIDER_UNAVAILABLE', at } });
    expect(onDemandDecision(refreshNow(), facts(failedAt(since), { since }))).toMatchObject({
      decision: 'failed',
      errorCode: 'PROVIDER_UNAVAILABLE',
    });
    for (const at of [since - 1, undefined, 'now']) {
      expect(onDemandDecision(refreshNow(), facts(failedAt(at), { since })).decision).toBe('refresh');
    }
  });

  it('a lease that ends this very millisecond is live: wait', () => {
    expect(onDemandDecision(refreshNow(), facts({ ...active, leaseUntil: NOW }))).toEqual({
      decision: 'wait',
      reason: 'LEASED',
      until: NOW,
    });
  });

  it('a lease or a forced refresh stamp that is not a number is no lease and no stamp', () => {
    for (const stamp of ['soon', Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(
        onDemandDecision(refreshNow(), facts({ ...active, leaseUntil: stamp, forcedRefreshAt: stamp })),
      ).toMatchObject({
        decision: 'refresh',
      });
    }
  });

  it('a version that is a number but not whole is refused', () => {
    expect(onDemandDecision(refreshNow(), facts({ ...active, version: 7.5 }))).toEqual({
      decision: 'refuse',
      reason: 'RECORD_INVALID',
    });
  });
});
