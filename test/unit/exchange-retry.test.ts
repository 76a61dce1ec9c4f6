import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { interpretOutcome, mayStillBeProcessed } from '../../lambdas/core/classify.js';
import { FailureClass, type FailureClassValue } from '../../lambdas/core/errors.js';
import {
  type FailedAttempt,
  IN_RUN_BACKOFF_BASE_MS,
  IN_RUN_BACKOFF_CAP_MS,
  leaseAllowsSend,
  nextExchangeStep,
} from '../../lambdas/core/exchange-retry.js';

const HTTP = 10_000;
const roomy = { maxAttempts: 3, httpTimeoutMs: HTTP, leaseLeftMs: 60_000, random: 0.5 };
const attempt = (over: Partial<FailedAttempt>): FailedAttempt => ({
  failureClass: FailureClass.Transient,
  retryAfterMs: undefined,
  mayStillBeProcessed: false,
  attempts: 1,
  ambiguousRetryUsed: false,
  ...over,
});

describe('Function: leaseAllowsSend', () => {
  it("sends only when a whole HTTP timeout fits in the lease's send part (invariant 1)", () => {
    expect(leaseAllowsSend(HTTP, HTTP)).toBe(true);
    expect(leaseAllowsSend(HTTP - 1, HTTP)).toBe(false);
  });
});

describe('Function: nextExchangeStep', () => {
  it.each<[string, Partial<FailedAttempt>, string, string]>([
    ['a transient failure with attempts left', {}, 'retry', 'TRANSIENT_BACKOFF'],
    ['a transient failure on the last attempt', { attempts: 3 }, 'stop', 'ATTEMPTS_EXHAUSTED'],
    ['a reset after sending (first time)', { failureClass: FailureClass.Ambiguous }, 'retry', 'AMBIGUOUS_QUICK_RETRY'],
    [
      'a reset after sending, quick retry already spent',
      { failureClass: FailureClass.Ambiguous, ambiguousRetryUsed: true },
      'stop',
      'AMBIGUOUS_RETRY_USED',
    ],
    [
      'a timeout after sending: the server may still process it, so a retry could revoke the grant',
      { failureClass: FailureClass.Ambiguous, mayStillBeProcessed: true },
      'stop',
      'MAY_STILL_BE_PROCESSED',
    ],
    ['invalid_grant', { failureClass: FailureClass.GrantDead }, 'stop', 'NOT_RETRYABLE'],
    ['a misconfigured client', { failureClass: FailureClass.ClientMisconfigured }, 'stop', 'NOT_RETRYABLE'],
    ['a bad response', { failureClass: FailureClass.BadData }, 'stop', 'NOT_RETRYABLE'],
  ])('%s → %s (%s)', (_name, over, decision, reason) => {
    expect(nextExchangeStep(attempt(over), roomy)).toMatchObject({ decision, reason });
  });

  it('the quick retry after a reset waits the fixed base delay, no jitter', () => {
    expect(nextExchangeStep(attempt({ failureClass: FailureClass.Ambiguous }), roomy)).toEqual({
      decision: 'retry',
      delayMs: IN_RUN_BACKOFF_BASE_MS,
      reason: 'AMBIGUOUS_QUICK_RETRY',
    });
  });

  it('honours Retry-After when it is longer than the backoff', () => {
    const step = nextExchangeStep(attempt({ retryAfterMs: 9_000 }), roomy);
    expect(step).toEqual({ decision: 'retry', delayMs: 9_000, reason: 'TRANSIENT_BACKOFF' });
  });

  it('a Retry-After longer than the lease allows stops the run (the release then waits it out)', () => {
    const step = nextExchangeStep(attempt({ retryAfterMs: 55_000 }), roomy);
    expect(step).toEqual({ decision: 'stop', reason: 'NO_LEASE_FOR_RETRY' });
  });

  it("Property: a retry always leaves a whole HTTP timeout in the lease's send part, and waits at most the cap or Retry-After", () => {
    const classes: FailureClassValue[] = Object.values(FailureClass);
    fc.assert(
      fc.property(
        fc.constantFrom(...classes),
        fc.option(fc.integer({ min: 0, max: 120_000 }), { nil: undefined }),
        fc.boolean(),
        fc.integer({ min: 1, max: 10 }),
        fc.boolean(),
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 0, max: 120_000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (
          failureClass,
          retryAfterMs,
          mayStillBeProcessed,
          attempts,
          ambiguousRetryUsed,
          maxAttempts,
          leaseLeftMs,
          r,
        ) => {
          const step = nextExchangeStep(
            { failureClass, retryAfterMs, mayStillBeProcessed, attempts, ambiguousRetryUsed },
            { maxAttempts, httpTimeoutMs: HTTP, leaseLeftMs, random: r },
          );
          if (step.decision === 'stop') return;
          expect(leaseAllowsSend(leaseLeftMs - step.delayMs, HTTP)).toBe(true);
          expect(step.delayMs).toBeLessThanOrEqual(Math.max(IN_RUN_BACKOFF_CAP_MS, retryAfterMs ?? 0));
          expect([FailureClass.Transient, FailureClass.Ambiguous]).toContain(failureClass);
          if (failureClass === FailureClass.Transient) expect(attempts).toBeLessThan(maxAttempts);
          else expect(mayStillBeProcessed || ambiguousRetryUsed).toBe(false);
        },
      ),
    );
  });
});

describe('Function: nextExchangeStep after a 5xx to a refresh-token request (classify.ts → exchange-retry.ts)', () => {
  const stepAfter = (status: number, ambiguousRetryUsed = false) => {
    const outcome = {
      kind: 'response' as const,
      status,
      retryAfter: undefined,
      contentType: 'text/html',
      body: '<html>error</html>',
    };
    const v = interpretOutcome(outcome, 'refresh_token', 0);
    if (v.kind !== 'failure') throw new Error('expected a failure');
    return nextExchangeStep(
      attempt({
        failureClass: v.error.failureClass,
        retryAfterMs: v.error.retryAfterMs,
        mayStillBeProcessed: mayStillBeProcessed(outcome),
        ambiguousRetryUsed,
      }),
      roomy,
    );
  };

  it.each<[number, boolean, string, string]>([
    [500, false, 'retry', 'AMBIGUOUS_QUICK_RETRY'],
    [502, false, 'retry', 'AMBIGUOUS_QUICK_RETRY'],
    [502, true, 'stop', 'AMBIGUOUS_RETRY_USED'],
    [504, false, 'stop', 'MAY_STILL_BE_PROCESSED'],
    [503, false, 'retry', 'TRANSIENT_BACKOFF'],
  ])('%i (quick retry used: %s) → %s (%s)', (status, used, decision, reason) => {
    expect(stepAfter(status, used)).toMatchObject({ decision, reason });
  });

  it('Property: after any 5xx that may hide a processed refresh, the same refresh token is sent at most once more', () => {
    fc.assert(
      fc.property(fc.integer({ min: 500, max: 599 }), (status) => {
        if ([501, 503, 505].includes(status)) return;
        expect(stepAfter(status, true).decision).toBe('stop');
        if (status === 504) expect(stepAfter(status).decision).toBe('stop');
      }),
    );
  });
});
