// What a successful refresh says about the org's refresh token: when it now expires, whether refreshing moved that
// expiry (so refreshing in time keeps the grant alive), and whether the org is heading for re-authorisation and on-call
// and the hosted app should hear about it. Pure: the commit performs what this decides (docs/design.md, "Refresh-token
// expiry").
import type { RefreshTokenExpiry } from './classify.js';
import { Attention } from './record.js';

/**
 * An expiry computed from `refresh_token_expires_in` moves by the request's latency from one refresh to the next even
 * when the provider's expiry is absolute: a move under this is not an extension.
 */
export const EXTENSION_TOLERANCE_MS = 60_000;

export interface OutlookInput {
  /** The record's refreshTokenExpiresAt before this refresh. */
  previousExpiresAt: number | undefined;
  /** The record's lastRefreshedAt: how far a sliding expiry should have moved since. */
  previousRefreshedAt?: number | undefined;
  /** The record is already marked REFRESH_TOKEN_EXPIRING (the judgement a too-close refresh cannot revise). */
  previouslyExpiring?: boolean;
  /** The provider sent a new refresh token (rotation). */
  rotated: boolean;
  /** What the response said about the refresh token's expiry, if anything. */
  reported: RefreshTokenExpiry | undefined;
  /** When the request went out: a relative expiry counts from here. */
  sentAt: number;
}

export interface RefreshTokenOutlook {
  /** The stored refresh token's expiry after this refresh; undefined when unknown (then nothing below applies). */
  expiresAt: number | undefined;
  /**
   * This refresh moved the expiry later (or first told us of one): refreshing again before it runs out extends it
   * again. False means no rotation, or a rotation with the same absolute expiry.
   */
  extended: boolean;
}

/** The refresh token's expiry after a refresh, and whether the refresh extended it. */
export function refreshTokenOutlook(i: OutlookInput): RefreshTokenOutlook {
  const reported =
    i.reported === undefined ? undefined : 'atMs' in i.reported ? i.reported.atMs : i.sentAt + i.reported.inMs;
  // Unsaid: a token that was not rotated keeps its expiry; a new token's expiry is unknown, not the old one's.
  const expiresAt = reported ?? (i.rotated ? undefined : i.previousExpiresAt);
  if (expiresAt === undefined) return { expiresAt, extended: false };
  // The first expiry we learn of counts as an extension: whether refreshing moves it shows at the next refresh, and
  // a warning before then would be a false alarm for every provider that does extend it (Zendesk rotates to a new
  // full lifetime).
  if (i.previousExpiresAt === undefined) return { expiresAt, extended: true };
  // Two refreshes moments apart (an operator's `tenants refresh`, a direct invocation) move even a sliding expiry by
  // less than the tolerance: that says nothing, so the last judgement stands.
  const sinceLast = i.previousRefreshedAt === undefined ? Number.POSITIVE_INFINITY : i.sentAt - i.previousRefreshedAt;
  if (sinceLast <= 2 * EXTENSION_TOLERANCE_MS) return { expiresAt, extended: !i.previouslyExpiring };
  return { expiresAt, extended: expiresAt > i.previousExpiresAt + EXTENSION_TOLERANCE_MS };
}

export interface ExpiringInput {
  outlook: RefreshTokenOutlook;
  now: number;
  /** The refreshAt this commit writes: the next time anything is decided about this org. */
  nextRefreshAt: number;
  /** REFRESH_TOKEN_WARNING_SECONDS, in ms. */
  warningMs: number;
  /** The record's attention before this commit. */
  previousAttention: string | undefined;
}

export interface ExpiringVerdict {
  /** The attention the commit writes: REFRESH_TOKEN_EXPIRING, or undefined (removed). */
  attention: string | undefined;
  /** Publish the org event: the org has just started heading for re-authorisation. */
  announce: boolean;
}

/**
 * An org is heading for re-authorisation when its refresh token cannot be extended and runs out within the warning
 * period — or will by the next refresh, which is the next time this is decided (so the warning is never shorter than
 * the warning period). A token that refreshing extends never warns: the schedule refreshes it before it runs out.
 */
export function expiringVerdict(i: ExpiringInput): ExpiringVerdict {
  const { expiresAt, extended } = i.outlook;
  const warnFrom = expiresAt === undefined ? undefined : expiresAt - i.warningMs;
  const expiring = warnFrom !== undefined && !extended && (i.now >= warnFrom || i.nextRefreshAt >= warnFrom);
  if (!expiring) return { attention: undefined, announce: false };
  return {
    attention: Attention.RefreshTokenExpiring,
    // Once per episode: every refresh inside the warning period would repeat it otherwise.
    announce: i.previousAttention !== Attention.RefreshTokenExpiring,
  };
}
