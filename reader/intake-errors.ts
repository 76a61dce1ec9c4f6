// What the grant intake can answer a hosted app, as typed errors: one class per stable code (the contract in
// docs/hosted-apps.md "Grant intake"). Each carries the org id, whether the grant is stored now, the org's status and
// the refresher's own reason code; none can hold a token (only the intake's answer, which never carries one, goes in).

export type GrantIntakeErrorCode =
  | 'APP_UNKNOWN'
  | 'ORG_NOT_IN_NAMESPACE'
  | 'CLIENT_NOT_GRANTED'
  | 'TOKEN_HOST_NOT_GRANTED'
  | 'INVALID_PAYLOAD'
  | 'RECORD_INVALID'
  | 'ORG_EXISTS'
  | 'ORG_NOT_FOUND'
  | 'ORG_DISABLED'
  | 'STALE_GRANT'
  | 'BUSY'
  | 'INVALID_GRANT'
  | 'CLIENT_MISCONFIGURED'
  | 'PROVIDER_UNAVAILABLE'
  | 'PENDING'
  | 'INTAKE_UNAVAILABLE';

export interface GrantIntakeErrorDetails {
  orgId: string | undefined;
  /** Whether the grant is in the table now. A grant that was not stored is handed over again only once fixed. */
  stored: boolean;
  /** The org's status, when the intake knows it (ACTIVE, REAUTH_REQUIRED, DISABLED, REMOVED). */
  status: string | undefined;
  /** The refresher's own code behind the answer (INVALID_CLIENT, TIMEOUT, TOKEN_HOST_NOT_ALLOWED, …). */
  reason: string | undefined;
  /** BUSY: seconds after which a new hand-over may find the org free. */
  retryAfterSeconds: number | undefined;
}

export class GrantIntakeError extends Error {
  override readonly name: string = 'GrantIntakeError';
  readonly orgId: string | undefined;
  readonly stored: boolean;
  readonly status: string | undefined;
  readonly reason: string | undefined;
  readonly retryAfterSeconds: number | undefined;
  constructor(
    readonly code: GrantIntakeErrorCode | string,
    message: string,
    details: GrantIntakeErrorDetails,
  ) {
    super(message);
    this.orgId = details.orgId;
    this.stored = details.stored;
    this.status = details.status;
    this.reason = details.reason;
    this.retryAfterSeconds = details.retryAfterSeconds;
  }
}

/**
 * The deployment declares hosted apps and this call came through none of their aliases: use your app's function name
 * (`FUNCTION:app-<name>`, the stack's output App<Name>IntakeFunctionName). Nothing stored.
 */
export class AppUnknown extends GrantIntakeError {
  override readonly name = 'AppUnknown';
}
/** submitGrant for an org id outside your app's org-id namespace: nothing stored. */
export class OrgNotInNamespace extends GrantIntakeError {
  override readonly name = 'OrgNotInNamespace';
}
/** The org's clientSecretId names a shared client not granted to your app: nothing stored. */
export class ClientNotGranted extends GrantIntakeError {
  override readonly name = 'ClientNotGranted';
}
/** The org's generic token URL is on a host not granted to your app: nothing stored. */
export class TokenHostNotGranted extends GrantIntakeError {
  override readonly name = 'TokenHostNotGranted';
}
/** The payload's shape is wrong (a bug in the app): nothing stored. */
export class InvalidPayload extends GrantIntakeError {
  override readonly name = 'InvalidPayload';
}
/** The org's settings break the record's rules or the token-host allow-list: nothing stored. */
export class RecordInvalid extends GrantIntakeError {
  override readonly name = 'RecordInvalid';
}
/** submitGrant for an org that exists: use reauthorise. */
export class OrgExists extends GrantIntakeError {
  override readonly name = 'OrgExists';
}
/** reauthorise for an org that does not exist (or was removed): use submitGrant; removeOrg for an unknown org. */
export class OrgNotFound extends GrantIntakeError {
  override readonly name = 'OrgNotFound';
}
/** An operator disabled the org: re-authorising cannot help until it is enabled. */
export class OrgDisabled extends GrantIntakeError {
  override readonly name = 'OrgDisabled';
}
/** A grant issued at the same time or later is stored: this older one was not. */
export class StaleGrant extends GrantIntakeError {
  override readonly name = 'StaleGrant';
}
/**
 * A refresher held the org longer than the intake could wait, or the intake is at its reserved concurrency (reason
 * THROTTLED): nothing stored; hand it over again after `retryAfterSeconds`.
 */
export class Busy extends GrantIntakeError {
  override readonly name = 'Busy';
}
/** Stored, but the provider refused it (invalid_grant): the org is REAUTH_REQUIRED; the customer must authorise again. */
export class InvalidGrant extends GrantIntakeError {
  override readonly name = 'InvalidGrant';
}
/** Stored, but the org's OAuth client (or its secret) is wrong: an operator must fix it. */
export class ClientMisconfigured extends GrantIntakeError {
  override readonly name = 'ClientMisconfigured';
}
/** Stored; the provider did not answer usefully: the refresher retries with backoff. */
export class ProviderUnavailable extends GrantIntakeError {
  override readonly name = 'ProviderUnavailable';
}
/** Stored; the first refresh has not finished: read the status (getStatus) in a minute. */
export class GrantPending extends GrantIntakeError {
  override readonly name = 'GrantPending';
}
/** The intake function failed as a whole (crash, timeout, DynamoDB down): hand the grant over again. */
export class IntakeUnavailable extends GrantIntakeError {
  override readonly name = 'IntakeUnavailable';
}

type ErrorClass = new (code: string, message: string, details: GrantIntakeErrorDetails) => GrantIntakeError;

const BY_CODE: Record<string, ErrorClass> = {
  APP_UNKNOWN: AppUnknown,
  ORG_NOT_IN_NAMESPACE: OrgNotInNamespace,
  CLIENT_NOT_GRANTED: ClientNotGranted,
  TOKEN_HOST_NOT_GRANTED: TokenHostNotGranted,
  INVALID_PAYLOAD: InvalidPayload,
  RECORD_INVALID: RecordInvalid,
  ORG_EXISTS: OrgExists,
  ORG_NOT_FOUND: OrgNotFound,
  ORG_DISABLED: OrgDisabled,
  STALE_GRANT: StaleGrant,
  BUSY: Busy,
  INVALID_GRANT: InvalidGrant,
  CLIENT_MISCONFIGURED: ClientMisconfigured,
  PROVIDER_UNAVAILABLE: ProviderUnavailable,
  PENDING: GrantPending,
  INTAKE_UNAVAILABLE: IntakeUnavailable,
};

/** The typed error for a code; a code this library does not know yet still becomes a GrantIntakeError. */
export function grantIntakeError(code: string, message: string, details: GrantIntakeErrorDetails): GrantIntakeError {
  return new (BY_CODE[code] ?? GrantIntakeError)(code, message, details);
}
