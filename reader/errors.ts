// What a hosted app can be told about an org's token. Each error carries the org id and a code, says what fixes it,
// and never carries a token (there is nothing in these classes that could hold one).

export type TokenReaderErrorCode =
  | 'TENANT_NOT_FOUND'
  | 'REAUTH_REQUIRED'
  | 'TENANT_DISABLED'
  | 'TENANT_REMOVED'
  | 'TOKEN_EXPIRED'
  // On demand (refreshNow, getAccessToken with minValidityMs): the on-demand function's codes.
  | 'LIMITED'
  | 'BUSY'
  | 'NOT_PERMITTED'
  | 'PROVIDER_UNAVAILABLE'
  | 'CLIENT_MISCONFIGURED'
  | 'RECORD_INVALID'
  | 'REFRESH_FAILED'
  | 'ON_DEMAND_UNAVAILABLE';

export class TokenReaderError extends Error {
  override readonly name: string = 'TokenReaderError';
  constructor(
    readonly code: TokenReaderErrorCode,
    readonly orgId: string,
    message: string,
  ) {
    super(message);
  }
}

/** No record for this org: it was never onboarded (or the table name is wrong). */
export class TenantNotFound extends TokenReaderError {
  override readonly name = 'TenantNotFound';
  constructor(orgId: string) {
    super('TENANT_NOT_FOUND', orgId, `no token record for org ${orgId}: onboard it with \`tenant-tokens tenants add\``);
  }
}

/** The org's grant is dead (revoked, expired, rotation lost): only the customer can fix it by re-authorising. */
export class ReauthRequired extends TokenReaderError {
  override readonly name = 'ReauthRequired';
  constructor(orgId: string) {
    super(
      'REAUTH_REQUIRED',
      orgId,
      `org ${orgId} must re-authorise the app: its grant is no longer valid (then \`tenant-tokens tenants reauth\`)`,
    );
  }
}

/**
 * An operator switched the org off (`tenant-tokens tenants disable`). Its own error, not ReauthRequired: asking the
 * customer to re-authorise would not help; an operator has to enable it again.
 */
export class TenantDisabled extends TokenReaderError {
  override readonly name = 'TenantDisabled';
  constructor(orgId: string) {
    super(
      'TENANT_DISABLED',
      orgId,
      `org ${orgId} is disabled by an operator: \`tenant-tokens tenants enable\` resumes it`,
    );
  }
}

/**
 * The org was offboarded (the app's `removeOrg` on uninstall, or `tenant-tokens tenants remove`): its record holds no
 * token any more. A new grant handed over with `submitGrant` onboards it again.
 */
export class TenantRemoved extends TokenReaderError {
  override readonly name = 'TenantRemoved';
  constructor(orgId: string) {
    super('TENANT_REMOVED', orgId, `org ${orgId} was removed: it has no tokens; submitGrant onboards it again`);
  }
}

/**
 * The org is active but holds no valid access token right now: it was just onboarded or re-authorised and the
 * refresher has not run yet (`expiresAt` undefined), or the refresher is behind (`expiresAt` in the past).
 */
export class TokenExpired extends TokenReaderError {
  override readonly name = 'TokenExpired';
  constructor(
    orgId: string,
    readonly expiresAt: number | undefined,
  ) {
    super(
      'TOKEN_EXPIRED',
      orgId,
      expiresAt === undefined
        ? `org ${orgId} has no access token yet (just onboarded or re-authorised): the refresher issues one within a schedule period`
        : `the access token of org ${orgId} expired at ${new Date(expiresAt).toISOString()}: the refresher is behind (see its alarms)`,
    );
  }
}

/** What the on-demand errors add: the function's own reason code, and when asking again may help. */
export interface OnDemandErrorDetails {
  /** The refresher's code behind the answer (INVALID_GRANT, TIMEOUT, HOST_DEGRADED, …), when there is one. */
  reason?: string | undefined;
  /** Seconds after which the same call may succeed (LIMITED, BUSY, a provider's backoff). */
  retryAfterSeconds?: number | undefined;
}

/** Base of the on-demand errors that are not about the org's state (which keep the classes above). */
export class OnDemandError extends TokenReaderError {
  override readonly name: string = 'OnDemandError';
  readonly reason: string | undefined;
  readonly retryAfterSeconds: number | undefined;
  constructor(code: TokenReaderErrorCode, orgId: string, message: string, details: OnDemandErrorDetails = {}) {
    super(code, orgId, message);
    this.reason = details.reason;
    this.retryAfterSeconds = details.retryAfterSeconds;
  }
}

/**
 * The org was refreshed on demand moments ago and that fresh token was rejected too: refreshing again will not help
 * (one per ON_DEMAND_INTERVAL_SECONDS per org). Look at why the API refuses fresh tokens; retry after
 * `retryAfterSeconds` at the earliest.
 */
export class RefreshLimited extends OnDemandError {
  override readonly name = 'RefreshLimited';
}

/** A refresh of the org took longer than the call could wait: ask again after `retryAfterSeconds`. */
export class RefreshBusy extends OnDemandError {
  override readonly name = 'RefreshBusy';
}

/** This app may not refresh this org (its role's grant, or the org is another app's). */
export class RefreshNotPermitted extends OnDemandError {
  override readonly name = 'RefreshNotPermitted';
}

/**
 * The refresh did not give a token: `code` PROVIDER_UNAVAILABLE (the refresher retries with backoff),
 * CLIENT_MISCONFIGURED or RECORD_INVALID (an operator must act), REFRESH_FAILED (anything else); `reason` is the
 * refresher's own code.
 */
export class RefreshFailed extends OnDemandError {
  override readonly name = 'RefreshFailed';
}

/**
 * The on-demand function could not be asked or gave no usable answer: it failed as a whole, Lambda throttled it
 * (`reason` TooManyRequestsException), or it refused the request (INVALID_REQUEST: library and stack disagree).
 */
export class OnDemandUnavailable extends OnDemandError {
  override readonly name = 'OnDemandUnavailable';
}
