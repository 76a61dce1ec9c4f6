// Builds one org's token request from its record and its own client credentials. The URL is checked against the
// profile's host allow-list before the request exists, so a record can never send a client secret elsewhere.
import { ErrorCode, FailureClass, RefreshError } from '../core/errors.js';
import type { ClientCredentials, TokenRequest } from '../core/ports.js';
import { type ClientAuthMethod, PROFILES, type TokenUrlInputs } from '../core/provider-profiles.js';
import type { TokenRecord } from '../core/record.js';

export interface RequestPolicy {
  /** The deployment's ALLOWED_TOKEN_HOSTS, for the generic profile. */
  allowedTokenHosts: readonly string[];
  /** Local mode: `http://` is allowed to loopback hosts only. */
  allowLoopbackHttp: boolean;
  /** Local mode: send every request to this loopback origin, keeping the profile's path. */
  tokenEndpointOverride?: string | undefined;
}

const LOOPBACK_HOSTNAME = /^(127(\.\d{1,3}){3}|localhost|\[::1\])$/;

export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTNAME.test(hostname.toLowerCase());
}

/** `host` matches an allow-list entry: exact (`idp.example.com`, `127.0.0.1:4000`) or `*.suffix` (one or more labels). */
export function hostAllowed(url: URL, allowList: readonly string[]): boolean {
  const hostname = url.hostname.toLowerCase();
  const host = url.host.toLowerCase();
  return allowList.some((entry) => {
    const e = entry.toLowerCase();
    if (e.startsWith('*.')) return hostname.endsWith(e.slice(1)) && hostname.length > e.length - 1;
    return e.includes(':') && !e.startsWith('[') ? host === e : hostname === e || host === e;
  });
}

function refuse(
  code: typeof ErrorCode.TokenHostNotAllowed | typeof ErrorCode.InsecureTokenUrl | typeof ErrorCode.InvalidTokenUrl,
  message: string,
): never {
  throw new RefreshError(code, FailureClass.BadData, message);
}

/** What resolveTokenUrl reads of a record: the provider and the fields its profile builds the URL from. */
export type TokenUrlSettings = Pick<TokenRecord, 'provider'> & TokenUrlInputs;

/** Resolves and checks the org's token URL. Throws a bad-data RefreshError before any secret is involved. */
export function resolveTokenUrl(record: TokenUrlSettings, policy: RequestPolicy): URL {
  return resolveTokenTarget(record, policy).url;
}

/**
 * The URL a request goes to, and the org's token host as configured: the unit of per-host limits and backoff. They
 * differ only in local mode, where every request goes to the loopback override and the limits stay per real host
 * (one Genesys region's login host backed off must not hold back a Zendesk subdomain, off AWS as on it).
 */
function resolveTokenTarget(record: TokenUrlSettings, policy: RequestPolicy): { url: URL; tokenHost: string } {
  const profile = PROFILES[record.provider];
  const allowList = profile.allowedHosts === 'config' ? policy.allowedTokenHosts : profile.allowedHosts;
  return checkedTarget(profile.tokenUrl(record), {
    what: 'token URL',
    provider: record.provider,
    allowList,
    allowListName: profile.allowedHosts === 'config' ? ' (ALLOWED_TOKEN_HOSTS)' : '',
    policy,
  });
}

/** Where a URL's checks come from: what it is (for messages), the hosts it may name, the deployment's policy. */
export interface UrlRules {
  /** `token URL`, `revocation URL`: messages say which URL is refused. */
  what: string;
  provider: string;
  allowList: readonly string[];
  /** Appended to "not on the <provider> allow-list", naming where the list comes from. */
  allowListName: string;
  policy: RequestPolicy;
}

/**
 * Checks a URL the org's secrets (its client secret, a token) are about to be sent to: https only (http only to
 * loopback in local mode), no credentials or fragment, a host on the allow-list. Throws a bad-data RefreshError
 * before any secret is involved. Local mode keeps the path but sends to the loopback override.
 */
export function checkedTarget(raw: string, rules: UrlRules): { url: URL; tokenHost: string } {
  const { what, provider, allowList, allowListName, policy } = rules;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    refuse(ErrorCode.InvalidTokenUrl, `${what} for provider ${provider} is not a valid URL`);
  }
  if (url.username || url.password) refuse(ErrorCode.InvalidTokenUrl, `${what} must not contain credentials`);
  if (url.hash) refuse(ErrorCode.InvalidTokenUrl, `${what} must not contain a fragment`);
  if (url.protocol === 'http:') {
    if (!(policy.allowLoopbackHttp && isLoopbackHost(url.hostname))) {
      refuse(ErrorCode.InsecureTokenUrl, `${what} must use https (http only to loopback in local mode): ${url.host}`);
    }
  } else if (url.protocol !== 'https:') {
    refuse(ErrorCode.InsecureTokenUrl, `${what} must use https, not ${url.protocol}`);
  }
  if (!hostAllowed(url, allowList)) {
    const host = what.replace(/ URL$/, ' host');
    refuse(ErrorCode.TokenHostNotAllowed, `${host} ${url.host} is not on the ${provider} allow-list${allowListName}`);
  }
  const tokenHost = url.host.toLowerCase();
  if (policy.tokenEndpointOverride) {
    // Local mode: keep the profile's path (so the request shape is the real one) but talk to the loopback server.
    const override = new URL(policy.tokenEndpointOverride);
    if (!isLoopbackHost(override.hostname))
      refuse(ErrorCode.InsecureTokenUrl, 'TOKEN_ENDPOINT_OVERRIDE must be loopback');
    url = new URL(url.pathname + url.search, override);
  }
  return { url, tokenHost };
}

/**
 * The refusal the refresher would give this org's token URL (https, no credentials, a host on the profile's
 * allow-list), or undefined: onboarding (CLI, grant intake) checks it before a record is ever written.
 */
export function tokenUrlRefusal(settings: TokenUrlSettings, policy: RequestPolicy): RefreshError | undefined {
  try {
    resolveTokenUrl(settings, policy);
    return undefined;
  } catch (err) {
    if (err instanceof RefreshError) return err;
    throw err;
  }
}

/** Adds offline_access to the requested scope when the org's provider needs it to keep issuing refresh tokens. */
export function requestedScope(record: TokenRecord): string | undefined {
  if (record.grantType !== 'refresh_token' || !record.requiresOfflineAccess) return record.scope;
  const scopes = new Set((record.scope ?? '').split(' ').filter(Boolean));
  scopes.add('offline_access');
  return [...scopes].join(' ');
}

/**
 * The lifetimes the org asks its provider for, as the profile names its parameters. The record schema has checked
 * the range; a provider without the parameter never gets one (the schema refuses such a record).
 */
export function requestedLifetimes(record: TokenRecord): [string, number][] {
  const { accessToken, refreshToken } = PROFILES[record.provider].requestableLifetimes;
  const out: [string, number][] = [];
  if (accessToken && record.requestedExpiresIn !== undefined) out.push([accessToken.param, record.requestedExpiresIn]);
  if (refreshToken && record.grantType === 'refresh_token' && record.requestedRefreshTokenExpiresIn !== undefined) {
    out.push([refreshToken.param, record.requestedRefreshTokenExpiresIn]);
  }
  return out;
}

export function basicAuthorization(c: ClientCredentials): string {
  // RFC 6749 §2.3.1: form-urlencode each part before Base64, so ':' or non-ASCII in a secret survives.
  const encode = (v: string) => encodeURIComponent(v).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${encode(c.clientId)}:${encode(c.clientSecret)}`).toString('base64')}`;
}

/** The org-scoped token request: the org's URL, its own client, its own refresh token, its org parameter. */
export function buildTokenRequest(record: TokenRecord, client: ClientCredentials, policy: RequestPolicy): TokenRequest {
  const { url, tokenHost } = resolveTokenTarget(record, policy);
  const profile = PROFILES[record.provider];
  const clientAuth: ClientAuthMethod = profile.clientAuth ?? record.clientAuth ?? 'basic';
  const form = new URLSearchParams();
  form.set('grant_type', record.grantType);
  if (record.grantType === 'refresh_token') {
    if (!record.refreshToken) {
      throw new RefreshError(ErrorCode.RecordInvalid, FailureClass.BadData, 'record invalid: refreshToken is missing');
    }
    form.set('refresh_token', record.refreshToken);
  }
  const scope = requestedScope(record);
  if (scope) form.set('scope', scope);
  if (record.orgParam) form.set(record.orgParam, record.orgId);
  for (const [param, seconds] of requestedLifetimes(record)) form.set(param, String(seconds));
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json',
  };
  if (clientAuth === 'basic') {
    headers.authorization = basicAuthorization(client);
  } else {
    form.set('client_id', client.clientId);
    form.set('client_secret', client.clientSecret);
  }
  return { url: url.toString(), tokenHost, headers, body: form.toString(), grantType: record.grantType };
}
