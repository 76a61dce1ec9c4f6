// Provider profiles as data: where an org's scope goes (host, body), which record fields a provider needs, how the
// client authenticates, which hosts a client secret may ever be sent to, and how the provider rotates. Adding a
// provider is adding an entry, not a branch: the record schema, the request builder and the CLI all read this table.

/**
 * Genesys Cloud region → login host suffix (`https://login.<host>/oauth/token`): the 18 regions of the platform SDKs'
 * region-host tables (`PureCloudRegionHosts`), EU Sovereign Cloud (`eusc-de-east-1`) on its own parent domain.
 */
export const GENESYS_LOGIN_HOSTS: Readonly<Record<string, string>> = Object.freeze({
  'us-east-1': 'mypurecloud.com',
  'eu-west-1': 'mypurecloud.ie',
  'ap-southeast-2': 'mypurecloud.com.au',
  'ap-northeast-1': 'mypurecloud.jp',
  'eu-central-1': 'mypurecloud.de',
  'us-west-2': 'usw2.pure.cloud',
  'ca-central-1': 'cac1.pure.cloud',
  'ap-northeast-2': 'apne2.pure.cloud',
  'eu-west-2': 'euw2.pure.cloud',
  'ap-south-1': 'aps1.pure.cloud',
  'us-east-2': 'use2.us-gov-pure.cloud',
  'sa-east-1': 'sae1.pure.cloud',
  'me-central-1': 'mec1.pure.cloud',
  'ap-northeast-3': 'apne3.pure.cloud',
  'eu-central-2': 'euc2.pure.cloud',
  'mx-central-1': 'mxc1.pure.cloud',
  'ap-southeast-1': 'apse1.pure.cloud',
  'eusc-de-east-1': 'edee1.eusc-pure.cloud',
});

export type ClientAuthMethod = 'basic' | 'post';
export type ProviderName = 'genesys' | 'zendesk' | 'generic';

/** The record fields a profile may read to build the org's token URL or its request. */
export type ProfileField = 'region' | 'subdomain' | 'tokenUrl' | 'clientAuth' | 'revocationUrl';

/** The record fields a profile reads to build the org's token URL. */
export interface TokenUrlInputs {
  region?: string | undefined;
  subdomain?: string | undefined;
  tokenUrl?: string | undefined;
}

/** The record fields a profile reads to build the org's revocation URL. */
export interface RevocationUrlInputs extends TokenUrlInputs {
  revocationUrl?: string | undefined;
}

/**
 * How one kind of token is revoked at the provider when its org is removed (core/revocation.ts decides what to send,
 * providers/build-revocation.ts builds it).
 */
export type RevocationEndpoint =
  /**
   * RFC 7009: POST `token` and `token_type_hint` to the endpoint, the org's client authenticating as it does at the
   * token endpoint (so its secret goes only to a host on the profile's token-host allow-list). Undefined URL: the
   * org's record names none.
   */
  | { kind: 'rfc7009'; url: (inputs: RevocationUrlInputs) => string | undefined }
  /**
   * The provider's own: DELETE with the access token itself as the bearer credential, which revokes that access
   * token. No client secret is sent; `allowedHosts` may receive the access token.
   */
  | { kind: 'bearer-delete'; url: (inputs: RevocationUrlInputs) => string; allowedHosts: readonly string[] };

/** Per kind of token, how the provider documents revoking it; undefined: it documents no way (the token expires). */
export interface RevocationProfile {
  refreshToken: RevocationEndpoint | undefined;
  accessToken: RevocationEndpoint | undefined;
}

/** A record field a profile cannot work without, and what an operator is told when it is missing or wrong. */
export interface RequiredField {
  field: ProfileField;
  /** Completes "<field> is required for provider <name> …". */
  hint: string;
  /** When set, the only values accepted (e.g. the Genesys regions), listed in the error. */
  oneOf?: readonly string[];
  /** Completes "<field> is not …" when the value is not one of `oneOf`. */
  notOneOf?: string;
}

/** A lifetime an org may ask the provider for in its token request, and the range the provider documents. */
export interface RequestableLifetime {
  /** The form parameter carrying it, in seconds. */
  param: string;
  minSeconds: number;
  maxSeconds: number;
  /** What the provider gives when the request does not ask (for messages and docs). */
  defaultSeconds: number;
}

export interface ProviderProfile {
  /** Builds the org-scoped token URL from the record alone. */
  tokenUrl(inputs: TokenUrlInputs): string;
  /** Fields the record must carry for this provider. */
  requiredFields: readonly RequiredField[];
  /** Optional fields only this provider reads: set for another provider they are an operator's mistake. */
  optionalFields: readonly ProfileField[];
  /** Fixed client authentication, or undefined when the record chooses (generic). */
  clientAuth: ClientAuthMethod | undefined;
  /** Hosts this profile may send a client secret to; `config` means the deployment's ALLOWED_TOKEN_HOSTS. */
  allowedHosts: readonly string[] | 'config';
  /** The provider deletes the previous access and refresh token on every refresh. */
  strictRotation: boolean;
  /** Whether the record may name a body parameter that carries the org id. */
  acceptsOrgParam: boolean;
  /**
   * Lifetimes the org's record may ask for (`requestedExpiresIn`, `requestedRefreshTokenExpiresIn`); a provider
   * without an entry sets lifetimes on its side (Genesys: on the OAuth client) and such a record field is refused.
   */
  requestableLifetimes: { accessToken?: RequestableLifetime; refreshToken?: RequestableLifetime };
  /**
   * A token-response field holding the refresh token's absolute expiry in epoch seconds, for a provider that sends
   * one. `refresh_token_expires_in` (relative) is read from every provider.
   */
  refreshTokenExpiresAtField: string | undefined;
  /** Told to an operator onboarding a refresh_token org without a refresh token, when the provider has a reason. */
  missingRefreshTokenHint: string | undefined;
  /** How the org's tokens are revoked when it is removed (sources in docs/operations.md#providers). */
  revocation: RevocationProfile;
}

/** RFC 7009 at the URL the org's record names (generic). */
const rfc7009AtRecordUrl: RevocationEndpoint = { kind: 'rfc7009', url: ({ revocationUrl }) => revocationUrl };

export const PROFILES: Readonly<Record<ProviderName, ProviderProfile>> = Object.freeze({
  genesys: {
    tokenUrl: ({ region }) => `https://login.${GENESYS_LOGIN_HOSTS[region ?? '']}/oauth/token`,
    requiredFields: [
      {
        field: 'region',
        hint: '(e.g. us-east-1)',
        oneOf: Object.keys(GENESYS_LOGIN_HOSTS),
        notOneOf: 'a Genesys Cloud region',
      },
    ],
    optionalFields: [],
    clientAuth: 'basic',
    allowedHosts: Object.values(GENESYS_LOGIN_HOSTS).map((host) => `login.${host}`),
    strictRotation: false,
    acceptsOrgParam: false,
    // The token duration (300-172 800 s, default 24 h) is a setting of the org's OAuth client, not of the request.
    requestableLifetimes: {},
    refreshTokenExpiresAtField: undefined,
    missingRefreshTokenHint: undefined,
    // Genesys documents no refresh-token revocation (no RFC 7009 endpoint); it documents deleting the access token a
    // request is made with (DELETE /api/v2/tokens/me on the region's API host).
    revocation: {
      refreshToken: undefined,
      accessToken: {
        kind: 'bearer-delete',
        url: ({ region }) => `https://api.${GENESYS_LOGIN_HOSTS[region ?? '']}/api/v2/tokens/me`,
        allowedHosts: Object.values(GENESYS_LOGIN_HOSTS).map((host) => `api.${host}`),
      },
    },
  },
  zendesk: {
    tokenUrl: ({ subdomain }) => `https://${subdomain}.zendesk.com/oauth/tokens`,
    requiredFields: [{ field: 'subdomain', hint: '(the <subdomain> of <subdomain>.zendesk.com)' }],
    optionalFields: [],
    clientAuth: 'post',
    allowedHosts: ['*.zendesk.com'],
    strictRotation: true,
    acceptsOrgParam: false,
    // Zendesk's token request takes both (authorization_code and refresh_token grants) and enforces them.
    requestableLifetimes: {
      accessToken: { param: 'expires_in', minSeconds: 300, maxSeconds: 172_800, defaultSeconds: 1_800 },
      refreshToken: {
        param: 'refresh_token_expires_in',
        minSeconds: 604_800,
        maxSeconds: 7_776_000,
        defaultSeconds: 2_592_000,
      },
    },
    refreshTokenExpiresAtField: undefined,
    missingRefreshTokenHint:
      'Zendesk issues refresh tokens only since 2025-04-30: a token issued before cannot be refreshed, so the ' +
      'customer must re-authorise the app to give this org a refresh token',
    // Zendesk documents no refresh-token revocation (no RFC 7009 endpoint); it documents revoking the access token a
    // request is made with (DELETE /api/v2/oauth/tokens/current.json).
    revocation: {
      refreshToken: undefined,
      accessToken: {
        kind: 'bearer-delete',
        url: ({ subdomain }) => `https://${subdomain}.zendesk.com/api/v2/oauth/tokens/current.json`,
        allowedHosts: ['*.zendesk.com'],
      },
    },
  },
  generic: {
    tokenUrl: ({ tokenUrl }) => tokenUrl ?? '',
    requiredFields: [{ field: 'tokenUrl', hint: '(the https token endpoint URL)' }],
    optionalFields: ['clientAuth', 'revocationUrl'],
    clientAuth: undefined,
    allowedHosts: 'config',
    strictRotation: false,
    acceptsOrgParam: true,
    requestableLifetimes: {},
    refreshTokenExpiresAtField: undefined,
    missingRefreshTokenHint: undefined,
    // The org's record may name its provider's RFC 7009 endpoint (revocationUrl); without one nothing is revoked.
    revocation: { refreshToken: rfc7009AtRecordUrl, accessToken: rfc7009AtRecordUrl },
  },
});

export const PROVIDER_NAMES = Object.keys(PROFILES) as ProviderName[];

/** The fields a provider reads: its required fields and its optional ones. */
export function fieldsOf(profile: ProviderProfile): readonly ProfileField[] {
  return [...profile.requiredFields.map((r) => r.field), ...profile.optionalFields];
}

/** The provider that reads `field`, for "--region is for provider genesys" messages; undefined if several do. */
export function ownerOf(field: ProfileField): ProviderName | undefined {
  const owners = PROVIDER_NAMES.filter((name) => fieldsOf(PROFILES[name]).includes(field));
  return owners.length === 1 ? owners[0] : undefined;
}
