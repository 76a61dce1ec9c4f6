// The on-call gauges, from one read of the attention index. One place says which reasons are gauges, so the planner
// (under the fan-out) and a full sweep publish the same ones.
import type { AttentionCounts } from './ports.js';
import { Attention } from './record.js';

export interface AttentionGauges {
  /** REAUTH_REQUIRED: OrgsNeedingReauth. */
  reauth: number;
  /** MISCONFIGURED: OrgsMisconfigured. */
  misconfigured: number;
  /** EXPIRED (backing off past expiry; added to the due index's expired count): ExpiredAccessTokens. */
  expired: number;
  /** REFRESH_TOKEN_EXPIRING: OrgsRefreshTokenExpiring. */
  refreshTokenExpiring: number;
}

export function attentionGauges(counts: AttentionCounts): AttentionGauges {
  return {
    reauth: counts[Attention.ReauthRequired] ?? 0,
    misconfigured: counts[Attention.Misconfigured] ?? 0,
    expired: counts[Attention.Expired] ?? 0,
    refreshTokenExpiring: counts[Attention.RefreshTokenExpiring] ?? 0,
  };
}
