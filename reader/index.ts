// The package's `./reader` entry point: what a hosted app imports to read an org's access token.
export {
  ReauthRequired,
  TenantDisabled,
  TenantNotFound,
  TokenExpired,
  TokenReaderError,
  type TokenReaderErrorCode,
} from './errors.js';
export {
  type AccessToken,
  createTokenReader,
  DEFAULT_RETRY_DELAY_MS,
  DEFAULT_SKEW_MS,
  isUnauthorizedError,
  isUnauthorizedResult,
  READER_ATTRIBUTES,
  type TokenCallback,
  type TokenReader,
  type TokenReaderOptions,
} from './token-reader.js';
