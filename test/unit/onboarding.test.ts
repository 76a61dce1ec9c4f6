// Onboarding input → a new org (lambdas/core/onboarding.ts), the one rule set behind `tenants add`, each line of
// `tenants import` and a hosted app's grant intake: every new field through the record's rules, every problem named
// by its field, never a value echoed.
import { describe, expect, it } from 'vitest';
import { describeProblems, parseOnboarding } from '../../lambdas/core/onboarding.js';

const SECRET = 'cs-NEVER-ECHOED-0123456789abcdef';
const RT = 'rt-NEVER-ECHOED-0123456789abcdef';
const genesysCc = {
  orgId: 'acme',
  provider: 'genesys',
  region: 'eusc-de-east-1',
  grantType: 'client_credentials',
  clientId: '7d0c9a3e-aaaa-bbbb-cccc-000000000001',
  clientSecret: SECRET,
};
const zendeskRt = {
  orgId: 'acme-support',
  provider: 'zendesk',
  subdomain: 'acme',
  grantType: 'refresh_token',
  clientSecretId: 'tenant-tokens/zendesk-app',
  refreshToken: RT,
};

describe('Function: parseOnboarding', () => {
  it("accepts a Genesys org with its own client (EU Sovereign Cloud): settings apart from the grant's secrets", () => {
    const parsed = parseOnboarding(genesysCc);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.org.settings).toEqual({
      orgId: 'acme',
      provider: 'genesys',
      region: 'eusc-de-east-1',
      grantType: 'client_credentials',
      clientId: '7d0c9a3e-aaaa-bbbb-cccc-000000000001',
    });
    expect(parsed.org.grant).toEqual({ clientSecret: SECRET, refreshToken: undefined });
  });

  it('accepts a Zendesk org asking for lifetimes inside the documented ranges', () => {
    const parsed = parseOnboarding({
      ...zendeskRt,
      requestedExpiresIn: 300,
      requestedRefreshTokenExpiresIn: 7_776_000,
    });
    expect(parsed.ok).toBe(true);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['a Zendesk org without a refresh token (pre-2025 token)', { refreshToken: undefined }, 'refreshToken'],
    ['an access lifetime under 5 minutes', { requestedExpiresIn: 299 }, 'requestedExpiresIn'],
    ['an access lifetime over 48 hours', { requestedExpiresIn: 172_801 }, 'requestedExpiresIn'],
    ['a refresh lifetime under 7 days', { requestedRefreshTokenExpiresIn: 604_799 }, 'requestedRefreshTokenExpiresIn'],
    [
      'a refresh lifetime over 90 days',
      { requestedRefreshTokenExpiresIn: 7_776_001 },
      'requestedRefreshTokenExpiresIn',
    ],
    ['a fractional lifetime', { requestedExpiresIn: 600.5 }, 'requestedExpiresIn'],
    ['a lifetime as text', { requestedExpiresIn: '600' }, 'requestedExpiresIn'],
    ['both a shared and an own client', { clientId: 'own-client' }, 'clientId'],
    ['neither a shared nor an own client', { clientSecretId: undefined }, 'clientSecretId'],
    ['a client secret with a shared client', { clientSecret: SECRET }, 'clientSecret'],
    ['a refresh token with spaces', { refreshToken: 'two words' }, 'refreshToken'],
    ['an option of another provider', { region: 'us-east-1' }, 'region'],
    ['an unknown field', { refresh_token: RT }, 'refresh_token'],
  ])('refuses %s, naming the field', (_case, change, field) => {
    const parsed = parseOnboarding({ ...zendeskRt, ...change });
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.problems.map((p) => p.field)).toContain(field);
    expect(describeProblems(parsed.problems)).not.toContain(RT);
    expect(describeProblems(parsed.problems)).not.toContain(SECRET);
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ['an own client without its secret', { clientSecret: undefined }, /clientSecret is required with clientId/],
    ['a client secret with spaces', { clientSecret: 'a b' }, /clientSecret must be printable characters/],
    ['an empty client id', { clientId: '' }, /clientId must not be empty/],
    ['a refresh token for client credentials', { refreshToken: RT }, /refreshToken is for refresh_token orgs/],
    ['a refresh lifetime for client credentials', { requestedRefreshTokenExpiresIn: 604_800 }, /is for refresh_token/],
    ['a lifetime Genesys does not take', { requestedExpiresIn: 3600 }, /not supported by provider genesys/],
    ['an unknown Genesys region', { region: 'eu-south-9' }, /region is not a Genesys Cloud region/],
  ])('refuses %s on a Genesys client-credentials org', (_case, change, message) => {
    const parsed = parseOnboarding({ ...genesysCc, ...change });
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(describeProblems(parsed.problems)).toMatch(message);
    expect(describeProblems(parsed.problems)).not.toContain(SECRET);
  });

  it('tells the operator of a Zendesk org without a refresh token to have the customer re-authorise', () => {
    const parsed = parseOnboarding({ ...zendeskRt, refreshToken: undefined });
    expect(!parsed.ok && describeProblems(parsed.problems)).toMatch(
      /refreshToken is required for a refresh_token org: Zendesk issues refresh tokens only since 2025-04-30: .* re-authorise/,
    );
  });

  it('states the documented range when a lifetime is out of it', () => {
    const parsed = parseOnboarding({ ...zendeskRt, requestedRefreshTokenExpiresIn: 86_400 });
    expect(!parsed.ok && describeProblems(parsed.problems)).toContain(
      'requestedRefreshTokenExpiresIn must be 604800-7776000 seconds for provider zendesk',
    );
  });

  it('reports every problem of an input at once, missing fields as required', () => {
    const parsed = parseOnboarding({ orgId: 'x' });
    expect(!parsed.ok && parsed.problems).toEqual([
      { field: 'provider', message: 'is required' },
      { field: 'grantType', message: 'is required' },
      expect.objectContaining({ field: 'clientSecretId' }),
    ]);
  });

  it('refuses what is not an object, and never shows a key that could be a pasted secret', () => {
    expect(parseOnboarding([genesysCc])).toMatchObject({ ok: false, problems: [{ field: 'record' }] });
    const parsed = parseOnboarding({ ...genesysCc, [SECRET]: true });
    expect(JSON.stringify(parsed)).not.toContain(SECRET);
    expect(!parsed.ok && parsed.problems[0]?.field).toBe('(a field name not shown)');
  });
});
