// What a failed refresh does to the org's record: store a rotated refresh token found in a bad answer (salvage),
// declare the grant dead (re-auth, or rotation lost after an ambiguous outcome), or release the lease with a backoff
// and maybe an attention mark. Pure: the caller passes the facts, the time and a random number, and performs the
// write this returns. `reason` becomes a log field.
import { CLIENT_REJECTED_CODES } from './client-rejection.js';
import { ErrorCode, type ErrorCodeValue, FailureClass, type FailureClassValue } from './errors.js';
import type { OrgEventType } from './ports.js';
import { Attention } from './record.js';
import { misconfiguredRetryAt, transientRetryAt } from './schedule.js';

export interface FailureFacts {
  code: ErrorCodeValue;
  failureClass: FailureClassValue;
  retryAfterMs: number | undefined;
  /** A rotated refresh token arrived in an otherwise unusable 2xx. */
  salvage: boolean;
  /** The refresh token may have been consumed without our seeing the answer (this attempt or an earlier one). */
  rotationAtRisk: boolean;
  /** This attempt met an ambiguous outcome (timeout or reset after sending, abandoned lease). */
  ambiguous: boolean;
  /** Failures in a row before this one. */
  consecutiveFailures: number;
  /** When the stored access token expires; undefined when the org has none (or its record cannot be trusted). */
  expiresAt: number | undefined;
  /** When the stored refresh token expires, if known: a backoff never waits past halfway to it either. */
  refreshTokenExpiresAt?: number | undefined;
  /** The record's attention now: REFRESH_TOKEN_EXPIRING survives a release that sets none of its own. */
  currentAttention?: string | undefined;
  /** The record's lastError code before this failure: a refused client is announced once, not every retry. */
  previousErrorCode?: string | undefined;
  now: number;
  schedulePeriodMs: number;
  /** Uniform in [0, 1), for the backoff's jitter. */
  random: number;
}

export type AttentionValue = (typeof Attention)[keyof typeof Attention];

export type FailureTransition =
  | { action: 'salvage'; refreshAt: number; reason: 'ROTATED_TOKEN_IN_BAD_RESPONSE' }
  | {
      action: 'reauth';
      /** INVALID_GRANT, or ROTATION_LOST when the grant died after an ambiguous outcome. */
      code: ErrorCodeValue;
      rotationLost: boolean;
      event: Extract<OrgEventType, 'ReauthRequired' | 'RotationLost'>;
      reason: 'GRANT_DEAD' | 'ROTATION_LOST';
    }
  | {
      action: 'release';
      refreshAt: number;
      /**
       * MISCONFIGURED: an operator must act. EXPIRED: the backoff reaches past the token's expiry. Otherwise the
       * REFRESH_TOKEN_EXPIRING mark the last commit set, which only a commit may clear.
       */
      attention: AttentionValue | undefined;
      level: 'warn' | 'error';
      reason: 'NEEDS_OPERATOR' | 'BACKOFF';
      /** ClientRejected: the provider refused the org's client for the first time in a row (invalid/unauthorized). */
      event: Extract<OrgEventType, 'ClientRejected'> | undefined;
    };

/**
 * The attention a release writes. One value per org, so a precedence: REAUTH_REQUIRED (markReauth) over
 * MISCONFIGURED over EXPIRED (both decided by each failure) over REFRESH_TOKEN_EXPIRING (decided by each commit,
 * kept through failures in between).
 */
export function releaseAttention(
  decided: AttentionValue | undefined,
  current: string | undefined,
): AttentionValue | undefined {
  return decided ?? (current === Attention.RefreshTokenExpiring ? Attention.RefreshTokenExpiring : undefined);
}

/**
 * After a misconfiguration, about 30 minutes: an operator must act, and a fleet sharing a broken client must not
 * stampede. But the first one in a row (the org was not MISCONFIGURED already) never waits past halfway to the
 * stored token's expiry, nor the refresh token's (at least one schedule period): a client secret rotated at the
 * provider a moment before Secrets Manager, a fix an operator makes within minutes, must not cost the org its token
 * when one more attempt could still save it (issue 16). From the second one in a row on, the long pause alone.
 */
function misconfiguredBackoffAt(f: FailureFacts): number {
  const long = misconfiguredRetryAt(f.now, f.random);
  if (f.currentAttention === Attention.Misconfigured) return long;
  const deadlines = [f.expiresAt, f.refreshTokenExpiresAt].filter((t): t is number => t !== undefined && t > f.now);
  if (deadlines.length === 0) return long;
  const saving = Math.round(f.now + Math.max(f.schedulePeriodMs, (Math.min(...deadlines) - f.now) / 2));
  return Math.min(long, saving);
}

function backoffAt(f: FailureFacts, retryAfterMs: number | undefined): number {
  // Halfway to whichever runs out first: a refresh token lost to a long backoff cannot be refreshed back.
  const deadlines = [f.expiresAt, f.refreshTokenExpiresAt].filter((t): t is number => t !== undefined && t > f.now);
  return transientRetryAt({
    now: f.now,
    consecutiveFailures: f.consecutiveFailures + 1,
    expiresAt: deadlines.length > 0 ? Math.min(...deadlines) : f.expiresAt,
    retryAfterMs,
    schedulePeriodMs: f.schedulePeriodMs,
    random: f.random,
  });
}

export function failureTransition(f: FailureFacts): FailureTransition {
  if (f.salvage) {
    // Nothing lost: the rotated refresh token is stored even though the rest of the answer was unusable (invariant 2).
    return { action: 'salvage', refreshAt: backoffAt(f, undefined), reason: 'ROTATED_TOKEN_IN_BAD_RESPONSE' };
  }
  if (f.failureClass === FailureClass.GrantDead) {
    // After an ambiguous outcome the dead grant is most likely our own doing: a rotated token we never saw.
    const rotationLost = f.rotationAtRisk || f.ambiguous;
    return rotationLost
      ? { action: 'reauth', code: ErrorCode.RotationLost, rotationLost, event: 'RotationLost', reason: 'ROTATION_LOST' }
      : { action: 'reauth', code: f.code, rotationLost, event: 'ReauthRequired', reason: 'GRANT_DEAD' };
  }
  const longPause = f.failureClass === FailureClass.ClientMisconfigured || f.failureClass === FailureClass.BadData;
  // A bad token response is the provider's glitch, not an operator's problem: retry it like a transient failure.
  const needsOperator = longPause && f.code !== ErrorCode.BadResponse;
  const level = f.failureClass === FailureClass.Transient ? 'warn' : 'error';
  if (needsOperator) {
    const refreshAt = misconfiguredBackoffAt(f);
    const event =
      CLIENT_REJECTED_CODES.includes(f.code) && f.previousErrorCode !== f.code ? 'ClientRejected' : undefined;
    return {
      action: 'release',
      refreshAt,
      attention: Attention.Misconfigured,
      level,
      reason: 'NEEDS_OPERATOR',
      event,
    };
  }
  const refreshAt = backoffAt(f, f.retryAfterMs);
  // Backing off past expiry takes the org out of the due set while hosted apps get 401s: list it as EXPIRED so the
  // expired-token gauge still counts it.
  const pastExpiry = f.expiresAt === undefined || refreshAt >= f.expiresAt;
  return {
    action: 'release',
    refreshAt,
    attention: releaseAttention(pastExpiry ? Attention.Expired : undefined, f.currentAttention),
    level,
    reason: 'BACKOFF',
    event: undefined,
  };
}

/**
 * invalid_grant may only be blamed on the grant if we still hold the record as claimed. If it moved on, another
 * refresher used the token first (a bug or a stolen lease, invariant 1) and the grant itself may be fine.
 */
export function lostTheRecord(
  current: Record<string, unknown> | undefined,
  claimedVersion: number,
  owner: string,
): boolean {
  return current === undefined || current.version !== claimedVersion || current.leaseOwner !== owner;
}
