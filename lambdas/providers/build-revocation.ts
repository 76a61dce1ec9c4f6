// Builds one revocation request for a removed org's token (core/revocation.ts decides which to send). RFC 7009: POST
// the token with its type hint, the org's client authenticating as at the token endpoint — so the URL must pass the
// same checks and host allow-list as the token URL before the client secret is put in. The provider's own: DELETE
// with the access token as bearer, to a host on that endpoint's own list; no client secret is sent.
import { RefreshError } from '../core/errors.js';
import type { ClientCredentials, ProviderRequest } from '../core/ports.js';
import {
  PROFILES,
  type ProviderName,
  type RevocationEndpoint,
  type RevocationUrlInputs,
} from '../core/provider-profiles.js';
import type { TokenKind } from '../core/revocation.js';
import { basicAuthorization, checkedTarget, type RequestPolicy } from './build-request.js';

/** What a revocation reads of the removed record: its provider, the URL inputs, the client auth it uses. */
export type RevocationSettings = { provider: ProviderName; clientAuth?: string | undefined } & RevocationUrlInputs;

const HINT: Record<TokenKind, string> = { refreshToken: 'refresh_token', accessToken: 'access_token' };

/** The endpoint's URL for this org, unchecked (undefined: the record names none). */
export function revocationUrlOf(endpoint: RevocationEndpoint, settings: RevocationSettings): string | undefined {
  return endpoint.url(settings);
}

/**
 * Resolves and checks the endpoint's URL. Throws a bad-data RefreshError (TOKEN_HOST_NOT_ALLOWED, INSECURE_TOKEN_URL,
 * INVALID_TOKEN_URL) before any secret is involved.
 */
export function revocationTarget(
  endpoint: RevocationEndpoint,
  settings: RevocationSettings,
  policy: RequestPolicy,
): { url: URL; tokenHost: string } {
  const profile = PROFILES[settings.provider];
  const tokenHosts = profile.allowedHosts === 'config' ? policy.allowedTokenHosts : profile.allowedHosts;
  const rfc7009 = endpoint.kind === 'rfc7009';
  return checkedTarget(revocationUrlOf(endpoint, settings) ?? '', {
    what: 'revocation URL',
    provider: settings.provider,
    // RFC 7009 carries the client secret: only where the token URL may send it.
    allowList: rfc7009 ? tokenHosts : endpoint.allowedHosts,
    allowListName: rfc7009 && profile.allowedHosts === 'config' ? ' (ALLOWED_TOKEN_HOSTS)' : '',
    policy,
  });
}

/**
 * One revocation request. `client` is required for RFC 7009 (the provider authenticates the caller) and unused by a
 * bearer DELETE (the token authenticates itself). Carries a token and maybe the client secret: never log it.
 */
export function buildRevocationRequest(
  kind: TokenKind,
  token: string,
  endpoint: RevocationEndpoint,
  settings: RevocationSettings,
  client: ClientCredentials | undefined,
  policy: RequestPolicy,
): ProviderRequest {
  const { url, tokenHost } = revocationTarget(endpoint, settings, policy);
  if (endpoint.kind === 'bearer-delete') {
    return {
      url: url.toString(),
      tokenHost,
      method: 'DELETE',
      headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
      body: '',
    };
  }
  if (client === undefined) throw new TypeError('an RFC 7009 revocation needs the org client');
  const form = new URLSearchParams({ token, token_type_hint: HINT[kind] });
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json',
  };
  const clientAuth = PROFILES[settings.provider].clientAuth ?? settings.clientAuth ?? 'basic';
  if (clientAuth === 'basic') {
    headers.authorization = basicAuthorization(client);
  } else {
    form.set('client_id', client.clientId);
    form.set('client_secret', client.clientSecret);
  }
  return { url: url.toString(), tokenHost, method: 'POST', headers, body: form.toString() };
}

/**
 * The refusal the refresher's removal would give this org's revocation URL, or undefined (none named, or fine):
 * onboarding (CLI, grant intake) checks it before a record is ever written, like the token URL.
 */
export function revocationUrlRefusal(settings: RevocationSettings, policy: RequestPolicy): RefreshError | undefined {
  const endpoint = PROFILES[settings.provider].revocation.refreshToken;
  if (endpoint?.kind !== 'rfc7009' || revocationUrlOf(endpoint, settings) === undefined) return undefined;
  try {
    revocationTarget(endpoint, settings, policy);
    return undefined;
  } catch (err) {
    if (err instanceof RefreshError) return err;
    throw err;
  }
}
