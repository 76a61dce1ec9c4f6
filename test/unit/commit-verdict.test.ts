import { describe, expect, it } from 'vitest';
import { announcesRecovery, unstoredTokensVerdict } from '../../lambdas/core/commit-verdict.js';
import { ErrorCode } from '../../lambdas/core/errors.js';

describe('Function: unstoredTokensVerdict', () => {
  it.each([
    [true, 'refresh_token', ErrorCode.LeaseLost, true],
    [false, 'refresh_token', ErrorCode.CommitFailed, true],
    [true, 'client_credentials', ErrorCode.LeaseLost, false],
    [false, 'client_credentials', ErrorCode.CommitFailed, false],
  ] as const)('fenced=%s %s → %s, rotation lost: %s (client credentials lose nothing)', (fenced, grant, code, lost) => {
    expect(unstoredTokensVerdict(fenced, grant)).toEqual({ code, rotationLost: lost });
  });
});

describe('Function: announcesRecovery', () => {
  it.each([
    [{ attention: undefined, consecutiveFailures: 0 }, false],
    [{ attention: undefined, consecutiveFailures: 2 }, false],
    [{ attention: undefined, consecutiveFailures: 3 }, true],
    [{ attention: 'EXPIRED', consecutiveFailures: 1 }, true],
    // An expiring refresh token is a warning about the future, not a failure: no "recovered" on every commit.
    [{ attention: 'REFRESH_TOKEN_EXPIRING', consecutiveFailures: 0 }, false],
    [{ attention: 'REFRESH_TOKEN_EXPIRING', consecutiveFailures: 3 }, true],
  ])('%o → %s', (record, announces) => {
    expect(announcesRecovery(record)).toBe(announces);
  });
});
