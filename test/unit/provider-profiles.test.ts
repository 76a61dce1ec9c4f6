// The profiles are data: every rule the record schema and the CLI apply per provider comes from this table.
import { describe, expect, it } from 'vitest';
import {
  fieldsOf,
  GENESYS_LOGIN_HOSTS,
  ownerOf,
  PROFILES,
  PROVIDER_NAMES,
} from '../../lambdas/core/provider-profiles.js';
import { orgSettingsSchema } from '../../lambdas/core/record.js';
import { PLAIN } from '../../lambdas/core/validation-messages.js';

const base = { orgId: 'acme', grantType: 'refresh_token', clientSecretId: 'tenant-tokens/acme' };

describe('Table: PROFILES', () => {
  it.each(PROVIDER_NAMES)('%s: an org without its required fields is refused, naming each field', (provider) => {
    const parsed = orgSettingsSchema.safeParse({ ...base, provider }, PLAIN);
    expect(parsed.success).toBe(false);
    const paths = parsed.error?.issues.map((i) => i.path[0]) ?? [];
    for (const rule of PROFILES[provider].requiredFields) expect(paths).toContain(rule.field);
  });

  it('a required field with a closed list of values refuses others and lists them', () => {
    const parsed = orgSettingsSchema.safeParse({ ...base, provider: 'genesys', region: 'mars-1' }, PLAIN);
    expect(parsed.error?.issues[0]?.message).toMatch(/^is not a Genesys Cloud region \(expected one of us-east-1, /);
  });

  it('an org parameter is refused where the profile puts the org scope in the URL', () => {
    const parsed = orgSettingsSchema.safeParse(
      { ...base, provider: 'zendesk', subdomain: 'acme', orgParam: 'organization_id' },
      PLAIN,
    );
    expect(parsed.error?.issues.map((i) => i.path[0])).toEqual(['orgParam']);
  });

  it('each profile field is read by exactly one provider, so the CLI can say whose option it is', () => {
    for (const field of ['region', 'subdomain', 'tokenUrl', 'clientAuth'] as const) {
      expect(ownerOf(field)).toBeDefined();
      expect(fieldsOf(PROFILES[ownerOf(field) as keyof typeof PROFILES])).toContain(field);
    }
  });
});

describe('Table: GENESYS_LOGIN_HOSTS', () => {
  // The 18 regions of Genesys Cloud's platform SDKs' region-host tables (PureCloudRegionHosts), as issue 12 lists
  // them: a region added or removed there must be added or removed here on purpose.
  const ISSUE_12_REGIONS = {
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
  };

  it('is exactly the 18 regions of the issue, EU Sovereign Cloud included', () => {
    expect({ ...GENESYS_LOGIN_HOSTS }).toEqual(ISSUE_12_REGIONS);
    expect(Object.keys(GENESYS_LOGIN_HOSTS)).toHaveLength(18);
  });

  it("puts every region's login host on the genesys allow-list, and nothing else", () => {
    expect([...(PROFILES.genesys.allowedHosts as string[])].sort()).toEqual(
      Object.values(ISSUE_12_REGIONS)
        .map((host) => `login.${host}`)
        .sort(),
    );
  });
});

describe('Table: requestableLifetimes', () => {
  it("zendesk's ranges are the documented ones: access 5 min-48 h, refresh 7-90 days", () => {
    expect(PROFILES.zendesk.requestableLifetimes).toEqual({
      accessToken: { param: 'expires_in', minSeconds: 300, maxSeconds: 172_800, defaultSeconds: 1_800 },
      refreshToken: {
        param: 'refresh_token_expires_in',
        minSeconds: 604_800,
        maxSeconds: 7_776_000,
        defaultSeconds: 2_592_000,
      },
    });
  });

  it.each(['genesys', 'generic'] as const)('%s takes no requested lifetime', (provider) => {
    expect(PROFILES[provider].requestableLifetimes).toEqual({});
  });
});
