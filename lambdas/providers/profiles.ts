// Provider profiles as data: where an org's scope goes (host, body), how the client authenticates, which hosts a
// client secret may ever be sent to, and how the provider rotates. Adding a provider is adding an entry, not a branch.

/** Genesys Cloud region → login host suffix (`https://login.<host>/oauth/token`). */
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
});

export type ClientAuthMethod = 'basic' | 'post';
export type ProviderName = 'genesys' | 'zendesk' | 'generic';

/** The record fields a profile reads to build the org's token URL. */
export interface TokenUrlInputs {
  region?: string | undefined;
  subdomain?: string | undefined;
  tokenUrl?: string | undefined;
}

export interface ProviderProfile {
  /** Builds the org-scoped token URL from the record alone. */
  tokenUrl(inputs: TokenUrlInputs): string;
  /** Fixed client authentication, or undefined when the record chooses (generic). */
  clientAuth: ClientAuthMethod | undefined;
  /** Hosts this profile may send a client secret to; `config` means the deployment's ALLOWED_TOKEN_HOSTS. */
  allowedHosts: readonly string[] | 'config';
  /** The provider deletes the previous access and refresh token on every refresh. */
  strictRotation: boolean;
  /** Whether the record may name a body parameter that carries the org id. */
  acceptsOrgParam: boolean;
}

export const PROFILES: Readonly<Record<ProviderName, ProviderProfile>> = Object.freeze({
  genesys: {
    tokenUrl: ({ region }) => `https://login.${GENESYS_LOGIN_HOSTS[region ?? '']}/oauth/token`,
    clientAuth: 'basic',
    allowedHosts: Object.values(GENESYS_LOGIN_HOSTS).map((host) => `login.${host}`),
    strictRotation: false,
    acceptsOrgParam: false,
  },
  zendesk: {
    tokenUrl: ({ subdomain }) => `https://${subdomain}.zendesk.com/oauth/tokens`,
    clientAuth: 'post',
    allowedHosts: ['*.zendesk.com'],
    strictRotation: true,
    acceptsOrgParam: false,
  },
  generic: {
    tokenUrl: ({ tokenUrl }) => tokenUrl ?? '',
    clientAuth: undefined,
    allowedHosts: 'config',
    strictRotation: false,
    acceptsOrgParam: true,
  },
});

export const PROVIDER_NAMES = Object.keys(PROFILES) as ProviderName[];
