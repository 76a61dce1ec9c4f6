// What a hosted app can be told about an org's token. Each error carries the org id and a code, says what fixes it,
// and never carries a token (there is nothing in these classes that could hold one).

export type TokenReaderErrorCode =
  | 'TENANT_NOT_FOUND'
  | 'REAUTH_REQUIRED'
  | 'TENANT_DISABLED'
  | 'TENANT_REMOVED'
  | 'TOKEN_EXPIRED';

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
