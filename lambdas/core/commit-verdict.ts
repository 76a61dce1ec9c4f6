// What a commit's result means beyond "stored": the alarm a received-but-unstored answer raises, and when a success
// is news worth an event. Pure, so the commit path only performs what these decide.
import { ErrorCode, type ErrorCodeValue } from './errors.js';
import { Attention, type GrantType, type TokenRecord } from './record.js';

/** After this many failures in a row, a success is news worth an event ("recovered"). */
export const RECOVERY_EVENT_AFTER_FAILURES = 3;

export interface UnstoredVerdict {
  /** LEASE_LOST when fenced (another refresher holds the record now), COMMIT_FAILED when the store kept failing. */
  code: ErrorCodeValue;
  /** A rotating grant's new refresh token is gone with the answer: the org will need re-authorisation. */
  rotationLost: boolean;
}

/**
 * Tokens were received but not stored (invariant 2: never silently dropped). Client credentials lose nothing: the
 * next tick simply asks for a new token. A refresh_token grant has lost the rotated refresh token.
 */
export function unstoredTokensVerdict(fenced: boolean, grantType: GrantType): UnstoredVerdict {
  return {
    code: fenced ? ErrorCode.LeaseLost : ErrorCode.CommitFailed,
    rotationLost: grantType === 'refresh_token',
  };
}

/**
 * A commit after an attention mark or a run of failures tells the hosted app the org works again. An expiring refresh
 * token is not a failure: the org worked all along, and commits keep that mark while it lasts.
 */
export function announcesRecovery(record: Pick<TokenRecord, 'attention' | 'consecutiveFailures'>): boolean {
  const failed = record.attention !== undefined && record.attention !== Attention.RefreshTokenExpiring;
  return failed || record.consecutiveFailures >= RECOVERY_EVENT_AFTER_FAILURES;
}
