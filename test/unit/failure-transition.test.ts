import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ErrorCode, FailureClass } from '../../lambdas/core/errors.js';
import {
  type FailureFacts,
  failureTransition,
  lostTheRecord,
  releaseAttention,
} from '../../lambdas/core/failure-transition.js';
import { Attention } from '../../lambdas/core/record.js';
import { MISCONFIGURED_BACKOFF_MS } from '../../lambdas/core/schedule.js';

const NOW = 1_800_000_000_000;
const MIN = 60_000;
const facts = (over: Partial<FailureFacts>): FailureFacts => ({
  code: ErrorCode.ProviderUnavailable,
  failureClass: FailureClass.Transient,
  retryAfterMs: undefined,
  salvage: false,
  rotationAtRisk: false,
  ambiguous: false,
  consecutiveFailures: 0,
  expiresAt: NOW + 30 * MIN,
  now: NOW,
  schedulePeriodMs: MIN,
  random: 0.5,
  ...over,
});

describe('Function: failureTransition', () => {
  it('a rotated refresh token in a bad 2xx is salvaged, whatever else is wrong (invariant 2)', () => {
    const t = failureTransition(
      facts({ salvage: true, code: ErrorCode.BadResponse, failureClass: FailureClass.BadData }),
    );
    expect(t).toMatchObject({ action: 'salvage', reason: 'ROTATED_TOKEN_IN_BAD_RESPONSE' });
  });

  it.each<[string, Partial<FailureFacts>, object]>([
    [
      'invalid_grant with nothing ambiguous is a dead grant: REAUTH_REQUIRED, ReauthRequired event',
      { code: ErrorCode.InvalidGrant, failureClass: FailureClass.GrantDead },
      { action: 'reauth', code: ErrorCode.InvalidGrant, rotationLost: false, event: 'ReauthRequired' },
    ],
    [
      'invalid_grant after an ambiguous attempt is a lost rotation',
      { code: ErrorCode.InvalidGrant, failureClass: FailureClass.GrantDead, ambiguous: true },
      { action: 'reauth', code: ErrorCode.RotationLost, rotationLost: true, event: 'RotationLost' },
    ],
    [
      'invalid_grant on a record marked rotationAtRisk is a lost rotation',
      { code: ErrorCode.InvalidGrant, failureClass: FailureClass.GrantDead, rotationAtRisk: true },
      { action: 'reauth', code: ErrorCode.RotationLost, rotationLost: true, event: 'RotationLost' },
    ],
    [
      'invalid_grant after a 500/502/504 to the refresh request (ambiguous: the answer may be lost) is a lost rotation',
      {
        code: ErrorCode.InvalidGrant,
        failureClass: FailureClass.GrantDead,
        rotationAtRisk: true,
        previousErrorCode: ErrorCode.ProviderUnavailable,
      },
      { action: 'reauth', code: ErrorCode.RotationLost, rotationLost: true, event: 'RotationLost' },
    ],
    [
      'an ambiguous 5xx backs off like a transient failure: no operator needed, no attention while the token is valid',
      { code: ErrorCode.ProviderUnavailable, failureClass: FailureClass.Ambiguous, rotationAtRisk: true },
      { action: 'release', attention: undefined, level: 'error', reason: 'BACKOFF', event: undefined },
    ],
    [
      'a misconfigured client needs an operator: long pause, MISCONFIGURED',
      { code: ErrorCode.InvalidClient, failureClass: FailureClass.ClientMisconfigured },
      { action: 'release', attention: Attention.Misconfigured, level: 'error', reason: 'NEEDS_OPERATOR' },
    ],
    [
      'an invalid record needs an operator: long pause, MISCONFIGURED',
      { code: ErrorCode.RecordInvalid, failureClass: FailureClass.BadData },
      { action: 'release', attention: Attention.Misconfigured, level: 'error', reason: 'NEEDS_OPERATOR' },
    ],
    [
      "a bad token response is the provider's glitch: backoff like a transient failure, no attention",
      { code: ErrorCode.BadResponse, failureClass: FailureClass.BadData },
      { action: 'release', attention: undefined, level: 'error', reason: 'BACKOFF' },
    ],
    [
      'a transient failure backs off and warns',
      {},
      { action: 'release', attention: undefined, level: 'warn', reason: 'BACKOFF' },
    ],
    [
      'a transient failure on an org without a token lists it EXPIRED (hosted apps get 401s)',
      { expiresAt: undefined },
      { action: 'release', attention: Attention.Expired },
    ],
    [
      'a Retry-After past the expiry lists the org EXPIRED',
      { retryAfterMs: 60 * MIN },
      { action: 'release', attention: Attention.Expired, refreshAt: NOW + 60 * MIN },
    ],
    [
      'invalid_client for the first time in a row is announced (ClientRejected: the client may be gone)',
      { code: ErrorCode.InvalidClient, failureClass: FailureClass.ClientMisconfigured, previousErrorCode: undefined },
      { action: 'release', attention: Attention.Misconfigured, event: 'ClientRejected' },
    ],
    [
      'unauthorized_client after another error is announced too',
      {
        code: ErrorCode.UnauthorizedClient,
        failureClass: FailureClass.ClientMisconfigured,
        previousErrorCode: ErrorCode.Timeout,
      },
      { action: 'release', event: 'ClientRejected' },
    ],
    [
      'invalid_client again (the ~30 min retries) is not announced again',
      {
        code: ErrorCode.InvalidClient,
        failureClass: FailureClass.ClientMisconfigured,
        previousErrorCode: ErrorCode.InvalidClient,
      },
      { action: 'release', attention: Attention.Misconfigured, event: undefined },
    ],
    [
      'a missing secret is misconfiguration but not a refused client: no event',
      { code: ErrorCode.SecretNotFound, failureClass: FailureClass.ClientMisconfigured },
      { action: 'release', attention: Attention.Misconfigured, event: undefined },
    ],
    [
      'a transient failure keeps the REFRESH_TOKEN_EXPIRING mark the last commit set',
      { currentAttention: Attention.RefreshTokenExpiring },
      { action: 'release', attention: Attention.RefreshTokenExpiring },
    ],
    [
      'EXPIRED (hosted apps get 401s now) takes precedence over REFRESH_TOKEN_EXPIRING',
      { currentAttention: Attention.RefreshTokenExpiring, expiresAt: undefined },
      { action: 'release', attention: Attention.Expired },
    ],
    [
      'MISCONFIGURED takes precedence over REFRESH_TOKEN_EXPIRING',
      {
        currentAttention: Attention.RefreshTokenExpiring,
        code: ErrorCode.InvalidClient,
        failureClass: FailureClass.ClientMisconfigured,
      },
      { action: 'release', attention: Attention.Misconfigured },
    ],
    [
      'an EXPIRED mark is decided afresh by each failure, never kept',
      { currentAttention: Attention.Expired },
      { action: 'release', attention: undefined },
    ],
    [
      'a backoff never waits past halfway to an earlier refresh-token expiry',
      { expiresAt: NOW + 30 * 86_400_000, refreshTokenExpiresAt: NOW + 4 * MIN, consecutiveFailures: 30, random: 0.99 },
      { action: 'release', refreshAt: NOW + 2 * MIN },
    ],
  ])('%s', (_name, over, expected) => {
    expect(failureTransition(facts(over))).toMatchObject(expected);
  });

  it('a misconfiguration again pauses 30 min ± 25 %, jittered so orgs sharing a client do not stampede', () => {
    const again = { currentAttention: Attention.Misconfigured };
    const early = failureTransition(
      facts({ code: ErrorCode.InvalidClient, failureClass: 'client_misconfigured', random: 0, ...again }),
    );
    const late = failureTransition(
      facts({ code: ErrorCode.InvalidClient, failureClass: 'client_misconfigured', random: 0.99, ...again }),
    );
    expect(early).toMatchObject({ refreshAt: NOW + 0.75 * MISCONFIGURED_BACKOFF_MS });
    expect((late as { refreshAt: number }).refreshAt).toBeGreaterThan(NOW + 1.24 * MISCONFIGURED_BACKOFF_MS);
  });

  const misconfigured = { code: ErrorCode.InvalidClient, failureClass: FailureClass.ClientMisconfigured, random: 0.99 };
  it.each<[string, Partial<FailureFacts>, number]>([
    [
      'the first misconfiguration in a row never waits past halfway to the token expiry (a retry may save it)',
      { ...misconfigured, expiresAt: NOW + 20 * MIN },
      NOW + 10 * MIN,
    ],
    [
      '…nor past halfway to the refresh token expiry when that comes first',
      { ...misconfigured, expiresAt: NOW + 20 * MIN, refreshTokenExpiresAt: NOW + 4 * MIN },
      NOW + 2 * MIN,
    ],
    ['…but waits at least one schedule period', { ...misconfigured, expiresAt: NOW + MIN / 2 }, NOW + MIN],
    [
      'a token that far out keeps the ordinary misconfiguration pause',
      { ...misconfigured, expiresAt: NOW + 24 * 60 * MIN, random: 0 },
      NOW + 0.75 * MISCONFIGURED_BACKOFF_MS,
    ],
    [
      'an expired token (nothing left to save) keeps it too',
      { ...misconfigured, expiresAt: NOW - 1, random: 0 },
      NOW + 0.75 * MISCONFIGURED_BACKOFF_MS,
    ],
    [
      'a second misconfiguration in a row (already MISCONFIGURED) pauses long: an operator must act',
      { ...misconfigured, expiresAt: NOW + 20 * MIN, currentAttention: Attention.Misconfigured, random: 0 },
      NOW + 0.75 * MISCONFIGURED_BACKOFF_MS,
    ],
  ])('%s', (_name, over, refreshAt) => {
    expect(failureTransition(facts(over))).toMatchObject({
      action: 'release',
      attention: Attention.Misconfigured,
      refreshAt,
    });
  });

  it('Property: the first misconfiguration in a row is retried before a still-valid token expires', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 * 60 * MIN }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        fc.constantFrom(ErrorCode.InvalidClient, ErrorCode.UnauthorizedClient, ErrorCode.SecretNotFound),
        (expiresIn, random, code) => {
          const t = failureTransition(
            facts({ code, failureClass: FailureClass.ClientMisconfigured, expiresAt: NOW + expiresIn, random }),
          );
          if (t.action !== 'release') throw new Error('expected a release');
          if (expiresIn > 2 * MIN) expect(t.refreshAt).toBeLessThan(NOW + expiresIn);
          expect(t.refreshAt).toBeGreaterThanOrEqual(NOW + Math.min(MIN, 0.75 * MISCONFIGURED_BACKOFF_MS));
        },
      ),
    );
  });

  it('Property: a release is never scheduled in the past, and lists EXPIRED exactly when it reaches past expiry', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(FailureClass.Transient, FailureClass.Ambiguous),
        fc.option(fc.integer({ min: 0, max: 86_400_000 }), { nil: undefined }),
        fc.integer({ min: 0, max: 50 }),
        fc.option(fc.integer({ min: -3_600_000, max: 7_200_000 }), { nil: undefined }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (failureClass, retryAfterMs, consecutiveFailures, expiresIn, random) => {
          const expiresAt = expiresIn === undefined ? undefined : NOW + expiresIn;
          const t = failureTransition(
            facts({ failureClass, code: ErrorCode.Timeout, retryAfterMs, consecutiveFailures, expiresAt, random }),
          );
          if (t.action !== 'release') throw new Error(`expected a release, got ${t.action}`);
          expect(t.refreshAt).toBeGreaterThanOrEqual(NOW);
          const pastExpiry = expiresAt === undefined || t.refreshAt >= expiresAt;
          expect(t.attention).toBe(pastExpiry ? Attention.Expired : undefined);
        },
      ),
    );
  });
});

describe('Function: failureTransition — the deadlines a backoff respects', () => {
  const transient = (over: Partial<FailureFacts>) =>
    failureTransition(facts({ consecutiveFailures: 6, random: 0.999, ...over }));
  const misconfigured = (over: Partial<FailureFacts>) =>
    failureTransition(
      facts({ code: ErrorCode.InvalidClient, failureClass: FailureClass.ClientMisconfigured, ...over }),
    );

  it('the first transient failure waits up to two schedule periods (one, at the middle of the jitter)', () => {
    expect(failureTransition(facts({ expiresAt: NOW + 600 * MIN }))).toMatchObject({ refreshAt: NOW + MIN });
  });

  it('a long transient backoff stops halfway to the access token’s expiry when no refresh-token expiry is known', () => {
    expect(transient({ expiresAt: NOW + 4 * MIN, refreshTokenExpiresAt: undefined })).toMatchObject({
      refreshAt: NOW + 2 * MIN,
    });
  });

  it('a refresh-token expiry already past (or exactly now) does not bound the backoff; the access token’s does', () => {
    for (const past of [NOW - 1, NOW]) {
      expect(transient({ expiresAt: NOW + 4 * MIN, refreshTokenExpiresAt: past })).toMatchObject({
        refreshAt: NOW + 2 * MIN,
      });
    }
  });

  it('a first misconfiguration with the token already expired (or expiring now) takes the long pause', () => {
    for (const expiresAt of [NOW - 1, NOW]) {
      const t = misconfigured({ expiresAt, refreshTokenExpiresAt: undefined });
      expect(t).toMatchObject({ action: 'release' });
      expect((t as { refreshAt: number }).refreshAt).toBeGreaterThanOrEqual(NOW + 0.75 * MISCONFIGURED_BACKOFF_MS);
    }
  });

  it('names why a grant ended: ROTATION_LOST after an ambiguous attempt, GRANT_DEAD otherwise', () => {
    const dead = { code: ErrorCode.InvalidGrant, failureClass: FailureClass.GrantDead };
    expect(failureTransition(facts({ ...dead, ambiguous: true }))).toMatchObject({ reason: 'ROTATION_LOST' });
    expect(failureTransition(facts(dead))).toMatchObject({ reason: 'GRANT_DEAD' });
  });
});

describe('Function: releaseAttention', () => {
  it.each<[string | undefined, string | undefined, string | undefined]>([
    [undefined, undefined, undefined],
    [undefined, Attention.RefreshTokenExpiring, Attention.RefreshTokenExpiring],
    [undefined, Attention.Misconfigured, undefined],
    [undefined, Attention.Expired, undefined],
    [Attention.Expired, Attention.RefreshTokenExpiring, Attention.Expired],
    [Attention.Misconfigured, Attention.RefreshTokenExpiring, Attention.Misconfigured],
  ])('decided %s, current %s → %s', (decided, current, expected) => {
    expect(releaseAttention(decided as never, current)).toBe(expected);
  });
});

describe('Function: lostTheRecord', () => {
  const held = { version: 8, leaseOwner: 'run-A' };
  it.each<[string, Record<string, unknown> | undefined, boolean]>([
    ['still held as claimed', held, false],
    ['the version moved on', { ...held, version: 9 }, true],
    ['another owner holds it', { ...held, leaseOwner: 'run-B' }, true],
    ['the record is gone', undefined, true],
  ])('%s → %s', (_name, current, lost) => {
    expect(lostTheRecord(current, 8, 'run-A')).toBe(lost);
  });
});
