// How one org's refresh ended, as the run summary, the metrics and direct callers see it.
import type { SkipReason } from '../core/claim-conflict.js';
import { ErrorCode, type ErrorCodeValue, FailureClass, type FailureClassValue, RefreshError } from '../core/errors.js';

export type { SkipReason };

export type RefreshOutcome =
  | { orgId: string; result: 'refreshed'; warnings: string[]; ambiguous?: boolean }
  | { orgId: string; result: 'skipped'; reason: SkipReason }
  | {
      orgId: string;
      result: 'failed';
      code: ErrorCodeValue;
      failureClass: FailureClassValue | 'store';
      /** New tokens were received but not stored: the alarmed TokenNotCommitted case. */
      notCommitted?: boolean;
      /** invalid_grant because another refresher used the token first: must never happen, counted apart. */
      race?: boolean;
      /** The org's refresh token was consumed without our learning the new one. */
      rotationLost?: boolean;
      /** The attempt met an ambiguous outcome (timeout after sending, abandoned lease). */
      ambiguous?: boolean;
    };

export function failedOutcome(orgId: string, error: RefreshError, ambiguous = false): RefreshOutcome {
  return { orgId, result: 'failed', code: error.code, failureClass: error.failureClass, ambiguous };
}

/** Anything thrown that is not a RefreshError is a bug or an SDK surprise: transient, so the org is never stuck. */
export function asRefreshError(err: unknown): RefreshError {
  if (err instanceof RefreshError) return err;
  return new RefreshError(
    ErrorCode.NetworkError,
    FailureClass.Transient,
    `unexpected error: ${(err as Error)?.name ?? 'unknown'}`,
  );
}
