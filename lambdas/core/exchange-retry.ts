// The retry policy of one token exchange, attempt by attempt: whether to send again inside the lease and after how
// long. Pure (the caller passes the time left and a random number), so every branch is a row in a table test.
import { FailureClass, type FailureClassValue } from './errors.js';
import { fullJitterBackoffMs } from './schedule.js';

/** In-run backoff between attempts: full jitter from this base… */
export const IN_RUN_BACKOFF_BASE_MS = 250;
/** …up to this cap. */
export const IN_RUN_BACKOFF_CAP_MS = 4_000;

/**
 * Whether a request may be sent with this much of the lease's send part left: a whole HTTP timeout must fit, so a
 * request never outlives the lease that makes it exclusive (invariant 1). The commit has a part of the lease of its
 * own after this one (core/commit-window.ts), so no reserve for it is kept here.
 */
export function leaseAllowsSend(leaseLeftMs: number, httpTimeoutMs: number): boolean {
  return leaseLeftMs >= httpTimeoutMs;
}

export interface FailedAttempt {
  failureClass: FailureClassValue;
  /** The provider's Retry-After, in ms. */
  retryAfterMs: number | undefined;
  /**
   * The request timed out after it was sent, or a gateway answered 504: the server may still hold it, queued or
   * half-processed (core/classify.ts, mayStillBeProcessed).
   */
  mayStillBeProcessed: boolean;
  /** Attempts made so far, this one included. */
  attempts: number;
  /** The one quick retry after an ambiguous outcome was already spent. */
  ambiguousRetryUsed: boolean;
}

export interface AttemptLimits {
  maxAttempts: number;
  httpTimeoutMs: number;
  /** The send part of the lease left now (sendUntil − now). */
  leaseLeftMs: number;
  /** Uniform in [0, 1), for the backoff's jitter. */
  random: number;
}

export type ExchangeStep =
  | { decision: 'retry'; delayMs: number; reason: 'TRANSIENT_BACKOFF' | 'AMBIGUOUS_QUICK_RETRY' }
  | {
      decision: 'stop';
      reason:
        | 'NOT_RETRYABLE'
        | 'ATTEMPTS_EXHAUSTED'
        | 'MAY_STILL_BE_PROCESSED'
        | 'AMBIGUOUS_RETRY_USED'
        | 'NO_LEASE_FOR_RETRY';
    };

/** What to do after a failed attempt: retry after a delay, or stop and hand the failure to the failure transition. */
export function nextExchangeStep(attempt: FailedAttempt, limits: AttemptLimits): ExchangeStep {
  let step: ExchangeStep;
  if (attempt.failureClass === FailureClass.Ambiguous) {
    if (attempt.mayStillBeProcessed) {
      // After a timeout (ours, or a gateway's 504) the server may still process the request. A retry with the same
      // refresh token could be processed first and committed; the straggler then counts as reuse and revokes the
      // grant we just stored — a dead grant behind a healthy-looking record. So the org is released with rotationAtRisk, and the next attempt
      // (a schedule period later) either succeeds or meets invalid_grant, reported as RotationLost.
      step = { decision: 'stop', reason: 'MAY_STILL_BE_PROCESSED' };
    } else if (attempt.ambiguousRetryUsed) {
      step = { decision: 'stop', reason: 'AMBIGUOUS_RETRY_USED' };
    } else {
      // A reset after sending (the connection is gone at the server's end, typically a stale keep-alive socket), or a
      // 500/502 (something failed while handling it): whatever the server did with the request is over. At most one
      // quick retry with the same refresh token: if the server had not processed it, the retry refreshes now; if it
      // had rotated, the answer is invalid_grant, reported as RotationLost rather than as an ordinary re-auth — the
      // same verdict the next run would reach, only sooner — and a provider with a reuse grace period (a spent
      // token still honoured for a few seconds) answers the retry with tokens, saving the rotation.
      step = { decision: 'retry', delayMs: IN_RUN_BACKOFF_BASE_MS, reason: 'AMBIGUOUS_QUICK_RETRY' };
    }
  } else if (attempt.failureClass === FailureClass.Transient) {
    step =
      attempt.attempts < limits.maxAttempts
        ? {
            decision: 'retry',
            delayMs: Math.max(
              fullJitterBackoffMs(attempt.attempts, IN_RUN_BACKOFF_BASE_MS, IN_RUN_BACKOFF_CAP_MS, limits.random),
              attempt.retryAfterMs ?? 0,
            ),
            reason: 'TRANSIENT_BACKOFF',
          }
        : { decision: 'stop', reason: 'ATTEMPTS_EXHAUSTED' };
  } else {
    step = { decision: 'stop', reason: 'NOT_RETRYABLE' };
  }
  // A Retry-After (or backoff) longer than the lease allows is honoured by releasing with that delay instead.
  if (step.decision === 'retry' && !leaseAllowsSend(limits.leaseLeftMs - step.delayMs, limits.httpTimeoutMs)) {
    return { decision: 'stop', reason: 'NO_LEASE_FOR_RETRY' };
  }
  return step;
}
