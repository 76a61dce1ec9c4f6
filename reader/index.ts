// The package's `./reader` entry point: what a hosted app imports to read an org's access token and status, and to
// hand over a grant (grant intake).
export {
  ReauthRequired,
  TenantDisabled,
  TenantNotFound,
  TokenExpired,
  TokenReaderError,
  type TokenReaderErrorCode,
} from './errors.js';
export {
  createGrantIntake,
  type Grant,
  type GrantIntakeClient,
  type GrantIntakeOptions,
  type GrantResult,
  type OrgGrantSettings,
} from './grant-intake.js';
export {
  AppUnknown,
  Busy,
  ClientMisconfigured,
  ClientNotGranted,
  GrantIntakeError,
  type GrantIntakeErrorCode,
  GrantPending,
  IntakeUnavailable,
  InvalidGrant,
  InvalidPayload,
  OrgDisabled,
  OrgExists,
  OrgNotFound,
  OrgNotInNamespace,
  ProviderUnavailable,
  RecordInvalid,
  StaleGrant,
  TokenHostNotGranted,
} from './intake-errors.js';
export {
  type AccessToken,
  createTokenReader,
  DEFAULT_RETRY_DELAY_MS,
  DEFAULT_SKEW_MS,
  isUnauthorizedError,
  isUnauthorizedResult,
  type OrgStatus,
  READER_ATTRIBUTES,
  READER_GRANT_ATTRIBUTES,
  STATUS_ATTRIBUTES,
  type TokenCallback,
  type TokenReader,
  type TokenReaderOptions,
} from './token-reader.js';
