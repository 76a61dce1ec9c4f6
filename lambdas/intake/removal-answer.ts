// What the grant intake answers a hosted app's `removeOrg` (the contract in docs/hosted-apps.md#offboarding): the org
// is REMOVED (now, or already), what became of each of its tokens at the provider, and that the record holds no secret
// any more; or a stable code (ORG_NOT_FOUND, BUSY, RECORD_INVALID) for a removal that wrote nothing. Codes and times
// only: never a token, never a provider's text.
import { RecordStatus } from '../core/record.js';
import type { RevocationSummary } from '../core/revocation.js';
import type { RemovalResult } from '../offboarding/org-removal.js';
import { type IntakeAnswer, IntakeCode, rejection } from './intake-answer.js';

/** Per token: REVOKED, NOT_REVOKED (with a reason), NONE_HELD, LEFT_TO_EXPIRE (with when). */
export interface RevocationAnswer {
  refreshToken: string;
  refreshTokenReason?: string;
  accessToken: string;
  accessTokenReason?: string;
  /** ISO 8601: when an access token that was not revoked stops working on its own. */
  accessTokenExpiresAt?: string;
}

export interface RemovalAnswer {
  ok: true;
  orgId: string;
  status: 'REMOVED';
  /** Removed before this call: nothing was written or revoked now (the first removal's answer said what it revoked). */
  alreadyRemoved: boolean;
  /** ISO 8601: when the org was removed. */
  removedAt?: string;
  /** This removal's account of the org's tokens (absent when already removed). */
  revocation?: RevocationAnswer;
  /** Always false: the record keeps no token and no client secret once removed. */
  secretsHeld: false;
}

export function revocationAnswer(r: RevocationSummary): RevocationAnswer {
  return {
    refreshToken: r.refreshToken.result,
    ...(r.refreshToken.reason ? { refreshTokenReason: r.refreshToken.reason } : {}),
    accessToken: r.accessToken.result,
    ...(r.accessToken.reason ? { accessTokenReason: r.accessToken.reason } : {}),
    ...(r.accessToken.expiresAt !== undefined
      ? { accessTokenExpiresAt: new Date(r.accessToken.expiresAt).toISOString() }
      : {}),
  };
}

export function removalAnswer(result: RemovalResult): RemovalAnswer | IntakeAnswer {
  const { orgId } = result;
  switch (result.outcome) {
    case 'removed':
      return {
        ok: true,
        orgId,
        status: RecordStatus.Removed,
        alreadyRemoved: false,
        removedAt: new Date(result.removedAt).toISOString(),
        revocation: revocationAnswer(result.revocation),
        secretsHeld: false,
      };
    case 'already_removed':
      return {
        ok: true,
        orgId,
        status: RecordStatus.Removed,
        alreadyRemoved: true,
        ...(result.removedAt !== undefined ? { removedAt: new Date(result.removedAt).toISOString() } : {}),
        secretsHeld: false,
      };
    case 'not_found':
      return rejection(IntakeCode.OrgNotFound, `no org ${orgId}: nothing to remove`, { orgId });
    case 'busy': {
      const retryAfterSeconds = Math.max(1, Math.ceil(result.retryAfterMs / 1000));
      return rejection(
        IntakeCode.Busy,
        `a refresher holds org ${orgId} longer than this removal could wait: nothing was removed; remove it again ` +
          `in ${retryAfterSeconds} s`,
        { orgId, retryAfterSeconds },
      );
    }
    case 'invalid':
      return rejection(IntakeCode.RecordInvalid, `${result.message}: an operator must look at it`, { orgId });
  }
}

export function isRemovalAnswer(answer: RemovalAnswer | IntakeAnswer): answer is RemovalAnswer {
  return answer.ok && answer.status === RecordStatus.Removed;
}
