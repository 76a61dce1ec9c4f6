// Error codes and failure classes (docs/design.md, "Failure classes"). Every code is stable: it lands on the record's
// lastError, in logs, in the run summary and in the error table of docs/reliability.md. Messages never carry a token
// or a secret (invariant 5).
import type { LastError } from './record.js';
import { scrub } from './redact.js';

export const FailureClass = {
  /** Network error, timeout before sending, 5xx, 429: back off and retry. */
  Transient: 'transient',
  /** The request may have been processed (timeout/reset after sending, abandoned lease): one careful retry. */
  Ambiguous: 'ambiguous',
  /** invalid_grant: only the customer can fix it by re-authorising. */
  GrantDead: 'grant_dead',
  /** The org's OAuth client is wrong or unreadable: back off long, alarm (it usually affects many orgs). */
  ClientMisconfigured: 'client_misconfigured',
  /** A record or a response that fails validation. */
  BadData: 'bad_data',
} as const;
export type FailureClassValue = (typeof FailureClass)[keyof typeof FailureClass];

export const ErrorCode = {
  RecordInvalid: 'RECORD_INVALID',
  TokenHostNotAllowed: 'TOKEN_HOST_NOT_ALLOWED',
  InsecureTokenUrl: 'INSECURE_TOKEN_URL',
  InvalidTokenUrl: 'INVALID_TOKEN_URL',
  SecretNotFound: 'SECRET_NOT_FOUND',
  SecretAccessDenied: 'SECRET_ACCESS_DENIED',
  SecretMalformed: 'SECRET_MALFORMED',
  SecretUnavailable: 'SECRET_UNAVAILABLE',
  InvalidGrant: 'INVALID_GRANT',
  RotationLost: 'ROTATION_LOST',
  InvalidClient: 'INVALID_CLIENT',
  UnauthorizedClient: 'UNAUTHORIZED_CLIENT',
  ProviderRejected: 'PROVIDER_REJECTED',
  ProviderUnavailable: 'PROVIDER_UNAVAILABLE',
  RateLimited: 'RATE_LIMITED',
  NetworkError: 'NETWORK_ERROR',
  Timeout: 'TIMEOUT',
  AmbiguousOutcome: 'AMBIGUOUS_OUTCOME',
  BadResponse: 'BAD_RESPONSE',
  LeaseTooShort: 'LEASE_TOO_SHORT',
  CommitFailed: 'COMMIT_FAILED',
  LeaseLost: 'LEASE_LOST',
  StoreUnavailable: 'STORE_UNAVAILABLE',
  InvalidEvent: 'INVALID_EVENT',
  ConfigInvalid: 'CONFIG_INVALID',
} as const;
export type ErrorCodeValue = (typeof ErrorCode)[keyof typeof ErrorCode];

/** A failure of one org's refresh: a code, a class that decides the action, and a scrubbed message. */
export class RefreshError extends Error {
  override readonly name: string = 'RefreshError';
  readonly retryAfterMs: number | undefined;
  constructor(
    readonly code: ErrorCodeValue,
    readonly failureClass: FailureClassValue,
    message: string,
    options: { retryAfterMs?: number | undefined; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** A conditional write lost: carries the item as it is now (from ALL_OLD), so the caller needs no second read. */
export class ConditionFailedError extends Error {
  override readonly name = 'ConditionFailedError';
  constructor(
    readonly orgId: string,
    readonly operation: 'claim' | 'commit' | 'release' | 'markReauth' | 'put' | 'update' | 'remove',
    readonly current: Record<string, unknown> | undefined,
  ) {
    super(`${operation} for org ${orgId} lost its condition${current === undefined ? ' (item gone)' : ''}`);
  }
}

/** The record's lastError for a failure: its code, its message scrubbed of these secrets, and when. */
export function toLastError(error: RefreshError, secrets: readonly (string | undefined)[], at: number): LastError {
  return { code: error.code, message: scrub(error.message, secrets), at };
}
