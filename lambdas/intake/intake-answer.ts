// What the grant intake answers a hosted app (the contract in docs/hosted-apps.md "Grant intake"): `ok` with the
// access token's expiry, or a stable code saying whether the grant was stored and what the app should do. Derived from
// the org's record after the hand-over (and the refresh's outcome where the record cannot tell), so a repeated
// hand-over gets the same answer as the first. Messages are fixed texts: nothing a provider or a payload said is ever
// repeated here.
import type { ErrorCodeValue } from '../core/errors.js';
import { RecordStatus } from '../core/record.js';
import type { RefreshOutcome } from '../refresher/refresh-outcome.js';

export const IntakeCode = {
  /**
   * Apps are declared and the caller invoked the function through no app's alias (not stored): its identity comes
   * from the alias (AWS), so nothing can be done on its behalf.
   */
  AppUnknown: 'APP_UNKNOWN',
  /** submitGrant for an org id outside the calling app's namespace (not stored; decided without reading anything). */
  OrgNotInNamespace: 'ORG_NOT_IN_NAMESPACE',
  /** The org's settings name a shared client (clientSecretId) not granted to the calling app (not stored). */
  ClientNotGranted: 'CLIENT_NOT_GRANTED',
  /** The org's generic token URL is on a host not granted to the calling app (not stored). */
  TokenHostNotGranted: 'TOKEN_HOST_NOT_GRANTED',
  /** The payload's shape is wrong (not stored). */
  InvalidPayload: 'INVALID_PAYLOAD',
  /** The org's settings break the record's rules or the token-host allow-list (not stored). */
  RecordInvalid: 'RECORD_INVALID',
  /** submitGrant for an org that exists (not stored). */
  OrgExists: 'ORG_EXISTS',
  /** reauthorise for an org that does not exist (not stored). */
  OrgNotFound: 'ORG_NOT_FOUND',
  /** An operator disabled the org (not stored). */
  OrgDisabled: 'ORG_DISABLED',
  /** The org holds a grant issued at the same time or later (not stored). */
  StaleGrant: 'STALE_GRANT',
  /** A refresher held the org longer than the intake could wait (not stored; hand it over again). */
  Busy: 'BUSY',
  /** Stored; the provider refused it (invalid_grant): the org is REAUTH_REQUIRED. */
  InvalidGrant: 'INVALID_GRANT',
  /** Stored; the org's OAuth client (or its secret) is wrong: an operator must act. */
  ClientMisconfigured: 'CLIENT_MISCONFIGURED',
  /** Stored; the provider did not answer usefully: the refresher retries with backoff. */
  ProviderUnavailable: 'PROVIDER_UNAVAILABLE',
  /** Stored; its first refresh has not finished (another refresher holds it, or time or the store ran out). */
  Pending: 'PENDING',
} as const;
export type IntakeCodeValue = (typeof IntakeCode)[keyof typeof IntakeCode];

export interface IntakeError {
  code: IntakeCodeValue;
  message: string;
  /** The refresher's own code behind it (INVALID_CLIENT, TIMEOUT, TOKEN_HOST_NOT_ALLOWED, …), when there is one. */
  reason?: string;
  /** BUSY: when a new hand-over may find the org free. */
  retryAfterSeconds?: number;
}

export type IntakeAnswer =
  | {
      ok: true;
      orgId: string;
      stored: true;
      status: 'ACTIVE';
      /** ISO 8601: when the access token issued for this grant expires (the refresher renews it before). */
      expiresAt: string;
      /** This grant had been handed over before: nothing was written, this is the org's state. */
      repeated?: true;
    }
  | {
      ok: false;
      orgId?: string;
      /** Whether this grant is in the table now (an app hands a not-stored grant over again only after fixing it). */
      stored: boolean;
      status?: string;
      error: IntakeError;
      repeated?: true;
    };

/** The refresher's error codes, as the intake reports them to an app. */
const CODE_FOR: Partial<Record<ErrorCodeValue, IntakeCodeValue>> = {
  INVALID_GRANT: IntakeCode.InvalidGrant,
  ROTATION_LOST: IntakeCode.InvalidGrant,
  INVALID_CLIENT: IntakeCode.ClientMisconfigured,
  UNAUTHORIZED_CLIENT: IntakeCode.ClientMisconfigured,
  PROVIDER_REJECTED: IntakeCode.ClientMisconfigured,
  SECRET_NOT_FOUND: IntakeCode.ClientMisconfigured,
  SECRET_ACCESS_DENIED: IntakeCode.ClientMisconfigured,
  SECRET_MALFORMED: IntakeCode.ClientMisconfigured,
  RECORD_INVALID: IntakeCode.RecordInvalid,
  TOKEN_HOST_NOT_ALLOWED: IntakeCode.RecordInvalid,
  INSECURE_TOKEN_URL: IntakeCode.RecordInvalid,
  INVALID_TOKEN_URL: IntakeCode.RecordInvalid,
  PROVIDER_UNAVAILABLE: IntakeCode.ProviderUnavailable,
  RATE_LIMITED: IntakeCode.ProviderUnavailable,
  NETWORK_ERROR: IntakeCode.ProviderUnavailable,
  TIMEOUT: IntakeCode.ProviderUnavailable,
  AMBIGUOUS_OUTCOME: IntakeCode.ProviderUnavailable,
  BAD_RESPONSE: IntakeCode.ProviderUnavailable,
};

/** What each stored-grant code tells the app to do. */
const STORED_MESSAGES: Record<string, string> = {
  [IntakeCode.InvalidGrant]:
    'the provider refused the grant (invalid_grant): the org is REAUTH_REQUIRED; ask the customer to authorise ' +
    'again and hand the new grant over with reauthorise',
  [IntakeCode.ClientMisconfigured]:
    "the grant is stored, but the org's OAuth client was refused or could not be read: an operator must fix the " +
    'client (see reason); the refresher retries about every 30 minutes',
  [IntakeCode.RecordInvalid]: "the grant is stored, but the org's record cannot be used: an operator must fix it",
  [IntakeCode.ProviderUnavailable]:
    'the grant is stored; the provider did not answer usefully (see reason): the refresher retries with backoff; ' +
    'read the org status later',
  [IntakeCode.Pending]:
    'the grant is stored; its first refresh has not finished yet (see reason): read the org status in a minute',
  [IntakeCode.OrgDisabled]: 'the grant is stored, but an operator disabled the org meanwhile',
};

export interface StateFacts {
  orgId: string;
  /** The record after the hand-over (and the refresh), as read from the table. */
  record: Record<string, unknown> | undefined;
  /** The stored grant's issue time this answer is about: a record holding another grant was handed a newer one. */
  grantIssuedAt: number;
  /** The intake's own refresh of the org, if it ran. */
  outcome?: RefreshOutcome | undefined;
  now: number;
  repeated?: boolean;
}

/** The answer for a grant that was stored (or handed over before): the org's state, read after the refresh. */
export function stateAnswer(f: StateFacts): IntakeAnswer {
  const repeated = f.repeated ? { repeated: true as const } : {};
  const { record } = f;
  if (record === undefined) {
    return {
      ok: false,
      orgId: f.orgId,
      stored: false,
      error: { code: IntakeCode.OrgNotFound, message: 'the org was removed while its grant was handed over' },
      ...repeated,
    };
  }
  const status = String(record.status);
  const failed = (code: IntakeCodeValue, reason: string | undefined): IntakeAnswer => ({
    ok: false,
    orgId: f.orgId,
    stored: true,
    status,
    error: { code, message: STORED_MESSAGES[code] ?? code, ...(reason ? { reason } : {}) },
    ...repeated,
  });
  if (record.grantIssuedAt !== f.grantIssuedAt) {
    return {
      ok: false,
      orgId: f.orgId,
      stored: false,
      status,
      error: {
        code: IntakeCode.StaleGrant,
        message: 'a newer grant for this org was handed over meanwhile and replaced this one',
      },
      ...repeated,
    };
  }
  const lastErrorCode = (record.lastError as { code?: unknown } | undefined)?.code;
  if (status === RecordStatus.ReauthRequired) {
    const reason = typeof record.statusReason === 'string' ? record.statusReason : lastErrorCode;
    return failed(IntakeCode.InvalidGrant, typeof reason === 'string' ? reason : undefined);
  }
  if (status === RecordStatus.Disabled) return failed(IntakeCode.OrgDisabled, undefined);
  if (typeof record.accessToken === 'string' && typeof record.expiresAt === 'number' && record.expiresAt > f.now) {
    return {
      ok: true,
      orgId: f.orgId,
      stored: true,
      status: RecordStatus.Active,
      expiresAt: new Date(record.expiresAt).toISOString(),
      ...repeated,
    };
  }
  // A stored grant clears lastError, so one found now is this grant's.
  if (typeof lastErrorCode === 'string') {
    return failed(CODE_FOR[lastErrorCode as ErrorCodeValue] ?? IntakeCode.Pending, lastErrorCode);
  }
  const o = f.outcome;
  if (o?.result === 'failed') return failed(CODE_FOR[o.code] ?? IntakeCode.Pending, o.code);
  if (o?.result === 'skipped') return failed(IntakeCode.Pending, o.reason);
  return failed(IntakeCode.Pending, undefined);
}

/** The answer for a hand-over that stored nothing. */
export function rejection(
  code: IntakeCodeValue,
  message: string,
  extra: { orgId?: string | undefined; status?: string; reason?: string; retryAfterSeconds?: number } = {},
): IntakeAnswer {
  const { orgId, status, reason, retryAfterSeconds } = extra;
  return {
    ok: false,
    ...(orgId ? { orgId } : {}),
    stored: false,
    ...(status ? { status } : {}),
    error: {
      code,
      message,
      ...(reason ? { reason } : {}),
      ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
    },
  };
}
