// What the on-demand function answers a hosted app (the contract in docs/hosted-apps.md "Refresh on demand"): an access
// token with its type and expiry — never a refresh token, never a client secret (invariant 6) — or a stable code
// saying what the app should do. Messages are fixed texts: nothing a provider or a payload said is repeated here.
import type { ErrorCodeValue } from '../core/errors.js';
import type { RefuseCode } from '../core/on-demand-decision.js';

export const OnDemandCode = {
  /** The payload's shape is wrong: a bug in the app or a reader library older than the function. */
  InvalidRequest: 'INVALID_REQUEST',
  /** This app may not refresh this org (the app check; hosted apps declared per app). */
  NotPermitted: 'NOT_PERMITTED',
  OrgNotFound: 'ORG_NOT_FOUND',
  /** The grant is dead: the customer must authorise the app again (then reauthorise). */
  ReauthRequired: 'REAUTH_REQUIRED',
  /** An operator disabled the org. */
  OrgDisabled: 'ORG_DISABLED',
  /** The org was force-refreshed less than ON_DEMAND_INTERVAL_SECONDS ago: retry after retryAfterSeconds. */
  Limited: 'LIMITED',
  /** A refresher held the org longer than this call could wait: retry after retryAfterSeconds. */
  Busy: 'BUSY',
  /** The org's OAuth client or its secret was refused or unreadable: an operator must act. */
  ClientMisconfigured: 'CLIENT_MISCONFIGURED',
  /** The record or its token URL cannot be used: an operator must act. */
  RecordInvalid: 'RECORD_INVALID',
  /** The provider did not answer usefully (or its host is backed off): the refresher retries with backoff. */
  ProviderUnavailable: 'PROVIDER_UNAVAILABLE',
  /** The refresh did not complete for another reason (see reason): retry after retryAfterSeconds. */
  RefreshFailed: 'REFRESH_FAILED',
} as const;
export type OnDemandCodeValue = (typeof OnDemandCode)[keyof typeof OnDemandCode];

/** How the token in an ok answer came about. */
export type TokenSource = 'stored' | 'refreshed' | 'shared';

export type OnDemandAnswer =
  | {
      ok: true;
      orgId: string;
      /** A bearer credential: the only secret this function ever answers. */
      accessToken: string;
      tokenType: string;
      /** Epoch ms. */
      expiresAt: number;
      /** `stored`: the record's token at once; `refreshed`: this call refreshed; `shared`: another's refresh. */
      source: TokenSource;
    }
  | {
      ok: false;
      orgId?: string;
      error: { code: OnDemandCodeValue; message: string; reason?: string; retryAfterSeconds?: number };
    };

const MESSAGES: Record<OnDemandCodeValue, string> = {
  INVALID_REQUEST: 'the request is not valid',
  NOT_PERMITTED: 'this app may not refresh this org',
  ORG_NOT_FOUND: 'no token record for this org',
  REAUTH_REQUIRED: "the org's grant is no longer valid: ask the customer to authorise the app again",
  ORG_DISABLED: 'an operator disabled this org',
  LIMITED:
    'this org was refreshed on demand moments ago and its new token was rejected too: retry later, and check ' +
    'why the API refuses fresh tokens',
  BUSY: 'a refresh of this org is taking longer than this call could wait: retry in a moment',
  CLIENT_MISCONFIGURED: "the org's OAuth client was refused or could not be read: an operator must fix it",
  RECORD_INVALID: "the org's record cannot be used: an operator must fix it",
  PROVIDER_UNAVAILABLE: 'the provider did not answer usefully: the refresher retries with backoff',
  REFRESH_FAILED: 'the refresh did not complete: retry in a moment',
};

/** The refresher's error codes, as this function reports them to an app (the refresher's code is the `reason`). */
const CODE_FOR: Partial<Record<ErrorCodeValue, OnDemandCodeValue>> = {
  INVALID_GRANT: OnDemandCode.ReauthRequired,
  ROTATION_LOST: OnDemandCode.ReauthRequired,
  INVALID_CLIENT: OnDemandCode.ClientMisconfigured,
  UNAUTHORIZED_CLIENT: OnDemandCode.ClientMisconfigured,
  PROVIDER_REJECTED: OnDemandCode.ClientMisconfigured,
  SECRET_NOT_FOUND: OnDemandCode.ClientMisconfigured,
  SECRET_ACCESS_DENIED: OnDemandCode.ClientMisconfigured,
  SECRET_MALFORMED: OnDemandCode.ClientMisconfigured,
  RECORD_INVALID: OnDemandCode.RecordInvalid,
  TOKEN_HOST_NOT_ALLOWED: OnDemandCode.RecordInvalid,
  INSECURE_TOKEN_URL: OnDemandCode.RecordInvalid,
  INVALID_TOKEN_URL: OnDemandCode.RecordInvalid,
  PROVIDER_UNAVAILABLE: OnDemandCode.ProviderUnavailable,
  RATE_LIMITED: OnDemandCode.ProviderUnavailable,
  NETWORK_ERROR: OnDemandCode.ProviderUnavailable,
  TIMEOUT: OnDemandCode.ProviderUnavailable,
  AMBIGUOUS_OUTCOME: OnDemandCode.ProviderUnavailable,
  BAD_RESPONSE: OnDemandCode.ProviderUnavailable,
  SECRET_UNAVAILABLE: OnDemandCode.ProviderUnavailable,
};

/** The app-facing code for a refresher error code (or a skip reason such as HOST_DEGRADED). */
export function codeForRefresherError(code: string): OnDemandCodeValue {
  if (code === 'HOST_DEGRADED') return OnDemandCode.ProviderUnavailable;
  return CODE_FOR[code as ErrorCodeValue] ?? OnDemandCode.RefreshFailed;
}

/** The answer's code for a refusal decided from the record alone. */
export function codeForRefusal(reason: RefuseCode): OnDemandCodeValue {
  return reason;
}

export function refusal(
  code: OnDemandCodeValue,
  extra: { orgId?: string | undefined; reason?: string | undefined; retryAfterMs?: number; message?: string } = {},
): OnDemandAnswer {
  const { orgId, reason, retryAfterMs } = extra;
  return {
    ok: false,
    ...(orgId ? { orgId } : {}),
    error: {
      code,
      message: extra.message ?? MESSAGES[code],
      ...(reason ? { reason } : {}),
      ...(retryAfterMs !== undefined ? { retryAfterSeconds: Math.max(1, Math.ceil(retryAfterMs / 1000)) } : {}),
    },
  };
}

/** The record's token as an answer, or undefined when it holds none that is still valid. */
export function tokenAnswer(
  orgId: string,
  record: Record<string, unknown> | undefined,
  source: TokenSource,
  now: number,
): OnDemandAnswer | undefined {
  const accessToken = record?.accessToken;
  const expiresAt = record?.expiresAt;
  if (typeof accessToken !== 'string' || typeof expiresAt !== 'number' || expiresAt <= now) return undefined;
  const tokenType = typeof record?.tokenType === 'string' ? record.tokenType : 'Bearer';
  // Built field by field: nothing else of the record (the refresh token, the client secret) can reach the answer.
  return { ok: true, orgId, accessToken, tokenType, expiresAt, source };
}
