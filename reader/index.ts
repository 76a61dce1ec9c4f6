// The package's `./reader` entry point: what a hosted app imports to read an org's access token and status, to ask
// for a fresh one on demand (after a 401, or one that stays valid long enough), and to hand over a grant (intake).
export {
  OnDemandError,
  type OnDemandErrorDetails,
  OnDemandUnavailable,
  ReauthRequired,
  RefreshBusy,
  RefreshFailed,
  RefreshLimited,
  RefreshNotPermitted,
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
  Busy,
  ClientMisconfigured,
  GrantIntakeError,
  type GrantIntakeErrorCode,
  GrantPending,
  IntakeUnavailable,
  InvalidGrant,
  InvalidPayload,
  OrgDisabled,
  OrgExists,
  OrgNotFound,
  ProviderUnavailable,
  RecordInvalid,
  StaleGrant,
} from './intake-errors.js';
export { tokenFingerprint } from './on-demand.js';
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
  type RefreshNowOptions,
  STATUS_ATTRIBUTES,
  type TokenCallback,
  type TokenOptions,
  type TokenReader,
  type TokenReaderOptions,
} from './token-reader.js';
