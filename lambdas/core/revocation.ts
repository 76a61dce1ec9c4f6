// What a removal revokes at the provider, and what each answer means. Pure: the plan comes from the removed record
// (the tombstone write's own ALL_OLD: nothing can refresh between reading the tokens and removing them) and the
// provider's profile; the verdict from one HTTP outcome. The summary is what the answer and the `Org Removed` event
// say: per token, revoked, not revoked (and why), none held, or left to expire.
import type { HttpOutcome } from './ports.js';
import type { RevocationEndpoint, RevocationProfile } from './provider-profiles.js';

export type TokenKind = 'refreshToken' | 'accessToken';

export const Revocation = {
  /** The provider accepted the revocation (RFC 7009 200, or the provider's own 2xx). */
  Revoked: 'REVOKED',
  /** The token was held and may still work at the provider until it expires (see the reason). */
  NotRevoked: 'NOT_REVOKED',
  /** The record held no such token (client credentials have no refresh token; a dead grant lost its own). */
  NoneHeld: 'NONE_HELD',
  /** An access token the provider offers no way to revoke: it works until `expiresAt`, then dies on its own. */
  LeftToExpire: 'LEFT_TO_EXPIRE',
} as const;
export type RevocationValue = (typeof Revocation)[keyof typeof Revocation];

/** Why a token was not revoked (or left to expire): stable codes, in docs/hosted-apps.md#offboarding. */
export const NotRevokedReason = {
  /** The provider documents no way to revoke this kind of token (or the org's record names no endpoint). */
  NoEndpoint: 'NO_REVOCATION_ENDPOINT',
  /** The endpoint's URL failed the host allow-list or https (nothing was sent). */
  UrlRefused: 'REVOCATION_URL_REFUSED',
  /** The org's OAuth client could not be read (a shared client's secret): an RFC 7009 request needs it. */
  ClientUnavailable: 'CLIENT_UNAVAILABLE',
  /** A 4xx: the provider refused the request (its client, the token). */
  Refused: 'PROVIDER_REFUSED',
  /** 5xx or 429, after the retries. */
  Unavailable: 'PROVIDER_UNAVAILABLE',
  Timeout: 'TIMEOUT',
  NetworkError: 'NETWORK_ERROR',
  /** Not enough invocation time left to send it. */
  OutOfTime: 'OUT_OF_TIME',
} as const;
export type NotRevokedReasonValue = (typeof NotRevokedReason)[keyof typeof NotRevokedReason];

export interface TokenRevocation {
  result: RevocationValue;
  reason?: NotRevokedReasonValue;
  /** LEFT_TO_EXPIRE, NOT_REVOKED access tokens: when it stops working (epoch ms). */
  expiresAt?: number;
}

export interface RevocationSummary {
  refreshToken: TokenRevocation;
  accessToken: TokenRevocation;
}

/** What the removed record held, as far as revocation is concerned. Secrets: never log this. */
export interface HeldTokens {
  refreshToken?: string | undefined;
  accessToken?: string | undefined;
  /** When the access token expires (epoch ms). */
  expiresAt?: number | undefined;
}

export type TokenPlan =
  | { action: 'revoke'; endpoint: RevocationEndpoint; token: string }
  | { action: 'skip'; outcome: TokenRevocation };

/**
 * Per token: send a revocation, or say at once why not. An access token already expired is none held; one the
 * provider offers no way to revoke is left to expire. The refresh token goes first: RFC 7009 servers usually revoke
 * the grant's access tokens with it, and a refresh token outlives any access token.
 */
export function revocationPlan(
  held: HeldTokens,
  profile: RevocationProfile,
  urlOf: (endpoint: RevocationEndpoint) => string | undefined,
  now: number,
): Record<TokenKind, TokenPlan> {
  const refresh: TokenPlan =
    held.refreshToken === undefined
      ? { action: 'skip', outcome: { result: Revocation.NoneHeld } }
      : planFor(held.refreshToken, profile.refreshToken, urlOf, {
          result: Revocation.NotRevoked,
          reason: NotRevokedReason.NoEndpoint,
        });
  const accessLive = held.accessToken !== undefined && held.expiresAt !== undefined && held.expiresAt > now;
  const access: TokenPlan = !accessLive
    ? { action: 'skip', outcome: { result: Revocation.NoneHeld } }
    : planFor(held.accessToken as string, profile.accessToken, urlOf, {
        result: Revocation.LeftToExpire,
        reason: NotRevokedReason.NoEndpoint,
        expiresAt: held.expiresAt as number,
      });
  return { refreshToken: refresh, accessToken: access };
}

function planFor(
  token: string,
  endpoint: RevocationEndpoint | undefined,
  urlOf: (endpoint: RevocationEndpoint) => string | undefined,
  none: TokenRevocation,
): TokenPlan {
  if (endpoint === undefined || urlOf(endpoint) === undefined) return { action: 'skip', outcome: none };
  return { action: 'revoke', endpoint, token };
}

export type RevocationVerdict =
  | { revoked: true }
  /** `retry`: worth another attempt (revocation is idempotent, so even after a timeout). */
  | { revoked: false; reason: NotRevokedReasonValue; retry: boolean };

/**
 * One answer to a revocation request. RFC 7009 §2.2: 200 means revoked, also for a token the server no longer knows
 * (the client cannot tell, and need not); §2.2.1: 503 means try later. The providers' own endpoints answer 204.
 * A redirect is never followed (it could carry the client secret elsewhere): refused.
 */
export function revocationVerdict(outcome: HttpOutcome): RevocationVerdict {
  if (outcome.kind === 'no-response') {
    const reason = outcome.reason === 'timeout' ? NotRevokedReason.Timeout : NotRevokedReason.NetworkError;
    return { revoked: false, reason, retry: true };
  }
  const { status } = outcome;
  if (status >= 200 && status < 300) return { revoked: true };
  if (status === 429 || status === 408 || status >= 500) {
    return { revoked: false, reason: NotRevokedReason.Unavailable, retry: true };
  }
  return { revoked: false, reason: NotRevokedReason.Refused, retry: false };
}

/** What a token that was not revoked means for its kind: an access token still dies at its expiry. */
export function notRevoked(kind: TokenKind, reason: NotRevokedReasonValue, held: HeldTokens): TokenRevocation {
  return kind === 'accessToken' && held.expiresAt !== undefined
    ? { result: Revocation.NotRevoked, reason, expiresAt: held.expiresAt }
    : { result: Revocation.NotRevoked, reason };
}
