// Interprets one token-endpoint exchange: new tokens, or a RefreshError whose class decides what happens next
// (docs/design.md, "Failure classes"). Pure: no clock but the one passed in, no I/O.
import * as z from 'zod/mini';
import { ErrorCode, FailureClass, RefreshError } from './errors.js';
import type { HttpOutcome } from './ports.js';
import { GRANTED_SCOPE_MAX_LENGTH, type GrantType } from './record.js';
import { parseRetryAfterMs } from './schedule.js';
import { PLAIN } from './validation-messages.js';

/** Longest access-token lifetime we believe: anything longer is a provider bug, not a reason to stop refreshing. */
export const MAX_EXPIRES_IN_SECONDS = 366 * 86_400;
/** Longest refresh-token lifetime we believe (ten years): beyond that it is as good as "does not expire". */
export const MAX_REFRESH_TOKEN_EXPIRES_IN_SECONDS = 3_660 * 86_400;

/** When the refresh token runs out, as the provider said it: relative to the request, or absolute. */
export type RefreshTokenExpiry = { inMs: number } | { atMs: number };

export interface TokenSet {
  accessToken: string;
  /** Present when the provider rotated (or issued) a refresh token. */
  refreshToken: string | undefined;
  tokenType: string;
  expiresInMs: number;
  scope: string | undefined;
  /** The refresh token's own expiry (`refresh_token_expires_in`, or the profile's absolute field); undefined if unsaid. */
  refreshTokenExpiry: RefreshTokenExpiry | undefined;
}

/** What a provider's profile adds to reading its token response. */
export interface ResponseFields {
  /** Epoch-seconds field with the refresh token's absolute expiry (provider-profiles.ts). */
  refreshTokenExpiresAtField?: string | undefined;
}

/**
 * Said on the record and in the org event when a client_credentials org's client is refused: an AppFoundry premium
 * app's install creates that client in the customer's org, and uninstalling deletes it.
 */
export const CLIENT_GONE_HINT = "the org's OAuth client may have been deleted (app uninstalled) or disabled";
/** The same for a refresh_token org, whose client is usually the vendor's own, shared by many orgs. */
export const CLIENT_REJECTED_HINT = 'the OAuth client was refused: check its id, secret and allowed grant types';

/** The hint an org event about a refused client carries (never provider text). */
export function clientRejectedHint(grantType: GrantType): string {
  return grantType === 'client_credentials' ? CLIENT_GONE_HINT : CLIENT_REJECTED_HINT;
}

export type Interpretation =
  | { kind: 'tokens'; tokens: TokenSet }
  | {
      kind: 'failure';
      error: RefreshError;
      /** The server may have consumed the refresh token (it answered 2xx, or went silent after receiving it). */
      rotationAtRisk: boolean;
      /** A refresh token found in an otherwise unusable 2xx response: must be stored, never dropped. */
      salvageRefreshToken: string | undefined;
    };

const expiresIn = z.pipe(
  // Some providers send "3600" as a string; RFC 6749 says number. Accept both, nothing else.
  z.transform((v: unknown) => (typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v)),
  z
    .number({ error: 'expires_in is missing or not a number' })
    .check(
      z.multipleOf(1, 'expires_in must be whole seconds'),
      z.positive('expires_in must be positive'),
      z.maximum(MAX_EXPIRES_IN_SECONDS, `expires_in is over ${MAX_EXPIRES_IN_SECONDS} s`),
    ),
);

const refreshTokenExpiresIn = z.pipe(
  z.transform((v: unknown) => (typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v)),
  z
    .number({ error: 'refresh_token_expires_in is not a number' })
    .check(
      z.multipleOf(1, 'refresh_token_expires_in must be whole seconds'),
      z.positive('refresh_token_expires_in must be positive'),
      z.maximum(
        MAX_REFRESH_TOKEN_EXPIRES_IN_SECONDS,
        `refresh_token_expires_in is over ${MAX_REFRESH_TOKEN_EXPIRES_IN_SECONDS} s`,
      ),
    ),
);

const tokenResponseSchema = z.object({
  access_token: z
    .string({ error: 'access_token is missing or not a string' })
    .check(z.minLength(1, 'access_token is empty'), z.maxLength(16_384, 'access_token is too long')),
  token_type: z
    .string({ error: 'token_type is missing' })
    .check(z.refine((t) => t.toLowerCase() === 'bearer', 'token_type is not bearer')),
  expires_in: expiresIn,
  refresh_token: z.optional(
    z
      .string({ error: 'refresh_token is not a string' })
      .check(z.minLength(1, 'refresh_token is empty'), z.maxLength(16_384, 'refresh_token is too long')),
  ),
  // Kept as the record's grantedScope: the record's bound, so whatever is accepted here can be stored.
  scope: z.optional(
    z.string({ error: 'scope is not a string' }).check(z.maxLength(GRANTED_SCOPE_MAX_LENGTH, 'scope is too long')),
  ),
  refresh_token_expires_in: z.optional(refreshTokenExpiresIn),
});

/** The profile's absolute expiry field: whole epoch seconds in the future (at most ten years ahead). */
function absoluteRefreshTokenExpiry(
  json: Record<string, unknown>,
  field: string | undefined,
  now: number,
): { atMs: number } | string | undefined {
  if (field === undefined || json[field] === undefined) return undefined;
  const raw = json[field];
  const value = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : raw;
  if (typeof value !== 'number' || !Number.isInteger(value)) return `${field} is not whole epoch seconds`;
  const atMs = value * 1000;
  if (atMs <= now) return `${field} is in the past`;
  if (atMs > now + MAX_REFRESH_TOKEN_EXPIRES_IN_SECONDS * 1000) return `${field} is too far in the future`;
  return { atMs };
}

const oauthErrorSchema = z.object({
  error: z.string().check(z.maxLength(200)),
  error_description: z.optional(z.string()),
});

const failure = (
  error: RefreshError,
  rotationAtRisk = false,
  salvageRefreshToken: string | undefined = undefined,
): Interpretation => ({ kind: 'failure', error, rotationAtRisk, salvageRefreshToken });

function tryJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

function describeBody(body: string, contentType: string | undefined): string {
  if (body.length === 0) return 'an empty body';
  if (/html/i.test(contentType ?? '') || /^\s*</.test(body)) return 'an HTML page';
  return `${body.length} bytes of ${contentType ?? 'unknown type'}`;
}

function interpretSuccess(
  status: number,
  contentType: string | undefined,
  body: string,
  grantType: GrantType,
  fields: ResponseFields,
  now: number,
): Interpretation {
  // A 2xx to a refresh_token grant means the server may have rotated: whatever we do next must assume the old
  // refresh token could be dead. Client credentials have no refresh token to lose.
  const atRisk = grantType === 'refresh_token';
  const json = tryJson(body);
  if (json === undefined || typeof json !== 'object' || json === null || Array.isArray(json)) {
    return failure(
      new RefreshError(
        ErrorCode.BadResponse,
        FailureClass.BadData,
        `token endpoint answered ${status} with ${describeBody(body, contentType)}, not a JSON object`,
      ),
      atRisk,
    );
  }
  const parsed = tokenResponseSchema.safeParse(json, PLAIN);
  const absolute = absoluteRefreshTokenExpiry(json as Record<string, unknown>, fields.refreshTokenExpiresAtField, now);
  if (!parsed.success || typeof absolute === 'string') {
    const problems = [
      ...(parsed.success ? [] : parsed.error.issues.map((i) => i.message)),
      ...(typeof absolute === 'string' ? [absolute] : []),
    ].join('; ');
    const rt = (json as Record<string, unknown>).refresh_token;
    const salvage = atRisk && typeof rt === 'string' && rt.length > 0 && rt.length <= 16_384 ? rt : undefined;
    return failure(
      new RefreshError(ErrorCode.BadResponse, FailureClass.BadData, `token response invalid: ${problems}`),
      atRisk && salvage === undefined,
      salvage,
    );
  }
  const r = parsed.data;
  const relative = r.refresh_token_expires_in === undefined ? undefined : { inMs: r.refresh_token_expires_in * 1000 };
  return {
    kind: 'tokens',
    tokens: {
      accessToken: r.access_token,
      refreshToken: r.refresh_token,
      tokenType: 'Bearer',
      expiresInMs: r.expires_in * 1000,
      scope: r.scope,
      // A client_credentials answer has no refresh token whose expiry could matter.
      refreshTokenExpiry: grantType === 'refresh_token' ? (absolute ?? relative) : undefined,
    },
  };
}

function oauthError(body: string): { error: string; description: string } | undefined {
  const parsed = oauthErrorSchema.safeParse(tryJson(body));
  if (!parsed.success) return undefined;
  return { error: parsed.data.error, description: (parsed.data.error_description ?? '').slice(0, 200) };
}

/**
 * 5xx statuses that say the request was not handled at all: 503 (the server refuses work for now, RFC 9110
 * §15.6.4: overload, maintenance, a load balancer without a healthy target), 501 and 505 (it cannot handle this
 * kind of request). 408 and 429 are 4xx answers of the same kind: the request was refused before it was processed.
 */
const NOT_PROCESSED_5XX: readonly number[] = [501, 503, 505];

/**
 * What a 5xx answer to a sent request says about the provider's side:
 * - `not-processed`: 501, 503, 505 (above).
 * - `may-still-be-processed`: 504, a gateway that stopped waiting for the provider, which may still be working on
 *   the request, like our own timeout after sending.
 * - `processed-maybe`: 500, 502 and the rest: something behind the answer failed while handling the request, so
 *   the provider may have processed it (rotated the refresh token) before the answer was lost; it is done with it.
 */
export function serverErrorAfterSending(
  status: number,
): 'not-processed' | 'may-still-be-processed' | 'processed-maybe' {
  if (NOT_PROCESSED_5XX.includes(status) || status < 500) return 'not-processed';
  return status === 504 ? 'may-still-be-processed' : 'processed-maybe';
}

/**
 * The provider may still be working on this request (our timeout after sending, or a gateway's 504): a retry with the
 * same refresh token could overtake it, and the straggler would then count as reuse and revoke the grant.
 */
export function mayStillBeProcessed(outcome: HttpOutcome): boolean {
  if (outcome.kind === 'no-response') return outcome.sent && outcome.reason === 'timeout';
  return serverErrorAfterSending(outcome.status) === 'may-still-be-processed';
}

/** Turns one HTTP exchange into tokens or a classified failure. */
export function interpretOutcome(
  outcome: HttpOutcome,
  grantType: GrantType,
  now: number,
  fields: ResponseFields = {},
): Interpretation {
  if (outcome.kind === 'no-response') {
    const what = outcome.reason === 'timeout' ? 'timed out' : `failed (${outcome.detail})`;
    if (outcome.sent && grantType === 'refresh_token') {
      return failure(
        new RefreshError(
          ErrorCode.AmbiguousOutcome,
          FailureClass.Ambiguous,
          `token request ${what} after it was sent: the server may have rotated the refresh token`,
        ),
        true,
      );
    }
    const code = outcome.reason === 'timeout' ? ErrorCode.Timeout : ErrorCode.NetworkError;
    return failure(new RefreshError(code, FailureClass.Transient, `token request ${what}`));
  }

  const { status, body, contentType } = outcome;
  if (status >= 200 && status < 300) return interpretSuccess(status, contentType, body, grantType, fields, now);

  const retryAfterMs = parseRetryAfterMs(outcome.retryAfter, now);
  if (status === 429) {
    return failure(
      new RefreshError(ErrorCode.RateLimited, FailureClass.Transient, 'token endpoint rate-limited the request (429)', {
        retryAfterMs,
      }),
    );
  }
  if (status >= 500 || status === 408) {
    const answered = `token endpoint answered ${status} with ${describeBody(body, contentType)}`;
    if (grantType === 'refresh_token' && serverErrorAfterSending(status) !== 'not-processed') {
      // The request reached something that failed while handling it: the provider may have rotated the refresh token
      // and the answer been lost on the way back. A following invalid_grant is then a lost rotation, not a customer's
      // revocation (docs/design.md, "Failure classes").
      return failure(
        new RefreshError(
          ErrorCode.ProviderUnavailable,
          FailureClass.Ambiguous,
          `${answered} after the refresh request was sent: the provider may have rotated the refresh token`,
          { retryAfterMs },
        ),
        true,
      );
    }
    return failure(new RefreshError(ErrorCode.ProviderUnavailable, FailureClass.Transient, answered, { retryAfterMs }));
  }

  const oauth = oauthError(body);
  const detail = oauth
    ? `${oauth.error}${oauth.description ? `: ${oauth.description}` : ''}`
    : describeBody(body, contentType);
  if (oauth?.error === 'invalid_grant') {
    return failure(
      new RefreshError(ErrorCode.InvalidGrant, FailureClass.GrantDead, `token endpoint answered ${status} ${detail}`),
    );
  }
  // A client_credentials org's client belongs to that org alone: its refusal most likely means it is gone.
  const clientGone = grantType === 'client_credentials' ? `: ${CLIENT_GONE_HINT}` : '';
  if (oauth?.error === 'invalid_client' || (status === 401 && oauth === undefined)) {
    return failure(
      new RefreshError(
        ErrorCode.InvalidClient,
        FailureClass.ClientMisconfigured,
        `token endpoint rejected the client (${status} ${detail})${clientGone}`,
      ),
    );
  }
  if (oauth?.error === 'unauthorized_client') {
    return failure(
      new RefreshError(
        ErrorCode.UnauthorizedClient,
        FailureClass.ClientMisconfigured,
        `client may not use this grant (${status} ${detail})${clientGone}`,
      ),
    );
  }
  // Other 4xx (invalid_scope, invalid_request, unsupported_grant_type, 403/404, redirects we refuse to follow): the
  // org's configuration is wrong; retrying soon will not help.
  return failure(
    new RefreshError(
      ErrorCode.ProviderRejected,
      FailureClass.ClientMisconfigured,
      `token endpoint rejected the request (${status} ${detail})`,
    ),
  );
}

/** True when the org needs offline_access but the provider's answer says it was not granted. */
export function lacksOfflineAccess(
  requiresOfflineAccess: boolean | undefined,
  grantedScope: string | undefined,
): boolean {
  if (!requiresOfflineAccess || grantedScope === undefined) return false;
  return !grantedScope.split(' ').includes('offline_access');
}
