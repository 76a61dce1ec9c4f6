// The profiles are data: every rule the record schema and the CLI apply per provider comes from this table.
import { describe, expect, it } from 'vitest';
import { fieldsOf, ownerOf, PROFILES, PROVIDER_NAMES } from '../../lambdas/core/provider-profiles.js';
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
