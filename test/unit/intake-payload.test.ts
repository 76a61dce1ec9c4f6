// The grant intake's payload contract (docs/hosted-apps.md "Grant intake"): what is accepted, and for every malformed
// payload a stable code and a message that names the field and never echoes a value (a value may be a secret).
import { describe, expect, it } from 'vitest';
import { MAX_ISSUED_AT_SKEW_MS, parseIntakePayload } from '../../lambdas/intake/intake-payload.js';

const NOW = Date.parse('2025-06-01T12:00:00Z');
const POLICY = { allowedTokenHosts: ['idp.example.com'], allowLoopbackHttp: false };
const RT = 'rt-SECRET-0123456789abcdef';
const CLIENT_SECRET = 'client-SECRET-0123456789';

const genesysOrg = {
  orgId: 'acme',
  provider: 'genesys',
  region: 'eu-west-1',
  grantType: 'refresh_token',
  clientSecretId: 'tenant-tokens/genesys-app',
};
const grant = { refreshToken: RT, issuedAt: NOW - 1000 };
const submit = (over: Record<string, unknown> = {}) => ({ action: 'submitGrant', org: genesysOrg, grant, ...over });
const withOrg = (org: Record<string, unknown>) => submit({ org: { ...genesysOrg, ...org } });

describe('Function: parseIntakePayload', () => {
  describe('accepted payloads', () => {
    it('a new Genesys org with its refresh token and epoch-ms issue time', () => {
      const parsed = parseIntakePayload(submit(), NOW, POLICY);
      expect(parsed).toEqual({
        ok: true,
        request: {
          action: 'submitGrant',
          orgId: 'acme',
          settings: genesysOrg,
          grant: { refreshToken: RT, issuedAt: NOW - 1000 },
        },
      });
    });

    it('an ISO 8601 issue time with a zone, and a client_credentials org without a refresh token', () => {
      const parsed = parseIntakePayload(
        submit({
          org: {
            orgId: 'hooli',
            provider: 'generic',
            grantType: 'client_credentials',
            tokenUrl: 'https://idp.example.com/oauth/token',
            clientAuth: 'post',
            clientSecretId: 'tenant-tokens/hooli',
          },
          grant: { issuedAt: '2025-06-01T13:59:00+02:00' },
        }),
        NOW,
        POLICY,
      );
      expect(parsed.ok && 'grant' in parsed.request && parsed.request.grant).toEqual({
        refreshToken: undefined,
        issuedAt: NOW - 60_000,
      });
    });

    it("a new org with its own OAuth client (a premium app's install): the client id in the settings, the secret with the grant", () => {
      const { clientSecretId: _shared, ...org } = genesysOrg;
      const parsed = parseIntakePayload(
        submit({
          org: { ...org, grantType: 'client_credentials' },
          grant: { issuedAt: NOW },
          client: { clientId: 'app-1', clientSecret: CLIENT_SECRET },
        }),
        NOW,
        POLICY,
      );
      expect(parsed.ok && parsed.request).toMatchObject({
        action: 'submitGrant',
        settings: { orgId: 'acme', clientId: 'app-1' },
        grant: { client: { clientId: 'app-1', clientSecret: CLIENT_SECRET } },
      });
      expect(parsed.ok && 'settings' in parsed.request && parsed.request.settings).not.toHaveProperty('clientSecret');
    });

    it('a new grant for an existing org (reauthorise): only the org id and the grant', () => {
      const parsed = parseIntakePayload({ action: 'reauthorise', orgId: 'acme', grant }, NOW, POLICY);
      expect(parsed).toEqual({
        ok: true,
        request: { action: 'reauthorise', orgId: 'acme', grant: { refreshToken: RT, issuedAt: NOW - 1000 } },
      });
    });

    it('an issue time up to 30 s ahead (clock skew between the app and the intake), and not 1 ms more', () => {
      expect(MAX_ISSUED_AT_SKEW_MS).toBe(30_000);
      expect(
        parseIntakePayload(submit({ grant: { ...grant, issuedAt: NOW + MAX_ISSUED_AT_SKEW_MS } }), NOW, POLICY).ok,
      ).toBe(true);
      const ahead = parseIntakePayload(submit({ grant: { ...grant, issuedAt: NOW + 30_001 } }), NOW, POLICY);
      expect(ahead).toMatchObject({ ok: false, code: 'INVALID_PAYLOAD' });
      expect(!ahead.ok && ahead.message).toMatch(/grant\.issuedAt is in the future \(more than 30 s ahead/);
    });
  });

  /** [what is wrong, payload, code, what the message must say, the org id the answer carries] */
  const MALFORMED: [string, unknown, string, RegExp, string | undefined][] = [
    ['null', null, 'INVALID_PAYLOAD', /payload is not a JSON object/, undefined],
    ['a string', 'submitGrant', 'INVALID_PAYLOAD', /payload is not a JSON object/, undefined],
    ['an array', [submit()], 'INVALID_PAYLOAD', /payload is not a JSON object/, undefined],
    ['no action', { org: genesysOrg, grant }, 'INVALID_PAYLOAD', /action is required/, undefined],
    ['an unknown action', { ...submit(), action: 'sweep' }, 'INVALID_PAYLOAD', /action is not allowed/, undefined],
    ['an unknown top-level field', submit({ extra: 1 }), 'INVALID_PAYLOAD', /has unknown field: extra/, 'acme'],
    ['no grant', { action: 'submitGrant', org: genesysOrg }, 'INVALID_PAYLOAD', /grant is required/, 'acme'],
    ['a grant that is a string', submit({ grant: RT }), 'INVALID_PAYLOAD', /grant must be an object/, 'acme'],
    [
      'a refresh token that is a number',
      submit({ grant: { ...grant, refreshToken: 42 } }),
      'INVALID_PAYLOAD',
      /grant\.refreshToken must be a string/,
      'acme',
    ],
    [
      'an empty refresh token',
      submit({ grant: { ...grant, refreshToken: '' } }),
      'INVALID_PAYLOAD',
      /grant\.refreshToken must not be empty/,
      'acme',
    ],
    [
      'a refresh token with spaces',
      submit({ grant: { ...grant, refreshToken: `${RT} x` } }),
      'INVALID_PAYLOAD',
      /grant\.refreshToken must be printable characters without spaces/,
      'acme',
    ],
    [
      'a refresh token over 16 KiB',
      submit({ grant: { ...grant, refreshToken: 'x'.repeat(16_385) } }),
      'INVALID_PAYLOAD',
      /grant\.refreshToken must be at most 16384/,
      'acme',
    ],
    [
      'an unknown grant field',
      submit({ grant: { ...grant, accessToken: RT } }),
      'INVALID_PAYLOAD',
      /grant has unknown field: accessToken/,
      'acme',
    ],
    [
      'a refresh token used as a field name',
      submit({ grant: { ...grant, [RT]: true } }),
      'INVALID_PAYLOAD',
      /grant has unknown field: 1 whose name is not shown/,
      'acme',
    ],
    [
      'no issue time',
      submit({ grant: { refreshToken: RT } }),
      'INVALID_PAYLOAD',
      /grant\.issuedAt is required/,
      'acme',
    ],
    [
      'an issue time in epoch seconds',
      submit({ grant: { ...grant, issuedAt: Math.floor(NOW / 1000) } }),
      'INVALID_PAYLOAD',
      /grant\.issuedAt looks like epoch seconds/,
      'acme',
    ],
    [
      'a fractional issue time',
      submit({ grant: { ...grant, issuedAt: NOW - 0.5 } }),
      'INVALID_PAYLOAD',
      /grant\.issuedAt must be whole epoch milliseconds/,
      'acme',
    ],
    [
      'an issue time without a zone',
      submit({ grant: { ...grant, issuedAt: '2025-06-01T11:00:00' } }),
      'INVALID_PAYLOAD',
      /grant\.issuedAt must be epoch milliseconds or an ISO 8601 time with a time zone/,
      'acme',
    ],
    [
      'an issue time that is not a time',
      submit({ grant: { ...grant, issuedAt: '2025-13-45T99:00:00Z' } }),
      'INVALID_PAYLOAD',
      /grant\.issuedAt is not a valid time/,
      'acme',
    ],
    [
      'an issue time an hour ahead',
      submit({ grant: { ...grant, issuedAt: NOW + 3_600_000 } }),
      'INVALID_PAYLOAD',
      /grant\.issuedAt is in the future/,
      'acme',
    ],
    [
      'an issue time that is a boolean',
      submit({ grant: { ...grant, issuedAt: true } }),
      'INVALID_PAYLOAD',
      /grant\.issuedAt must be epoch milliseconds or an ISO 8601 time/,
      'acme',
    ],
    [
      'a refresh_token org without a refresh token',
      submit({ grant: { issuedAt: NOW } }),
      'INVALID_PAYLOAD',
      /grant\.refreshToken is required for a refresh_token org/,
      'acme',
    ],
    [
      'a client_credentials org with a refresh token',
      withOrg({ grantType: 'client_credentials' }),
      'INVALID_PAYLOAD',
      /grant\.refreshToken is for refresh_token orgs: client_credentials has no refresh token/,
      'acme',
    ],
    [
      'an own client besides a shared client in Secrets Manager',
      submit({ client: { clientId: 'app', clientSecret: CLIENT_SECRET } }),
      'RECORD_INVALID',
      /^client\.clientId /,
      'acme',
    ],
    [
      'a client secret among the org settings (secrets travel in grant and client)',
      withOrg({ clientSecretId: undefined, clientId: 'app', clientSecret: CLIENT_SECRET }),
      'INVALID_PAYLOAD',
      /org\.clientSecret is not an org setting: send it as client\.clientSecret/,
      'acme',
    ],
    [
      'an own client without its secret',
      submit({ client: { clientId: 'app' } }),
      'INVALID_PAYLOAD',
      /client\.clientSecret is required/,
      'acme',
    ],
    [
      'org is not an object',
      submit({ org: 'acme' }),
      'INVALID_PAYLOAD',
      /org must be an object with the org settings/,
      undefined,
    ],
    [
      'reauthorise without an org id',
      { action: 'reauthorise', grant },
      'INVALID_PAYLOAD',
      /orgId is required/,
      undefined,
    ],
    [
      'reauthorise with a bad org id',
      { action: 'reauthorise', orgId: '../etc', grant },
      'INVALID_PAYLOAD',
      /orgId must be 1-128 characters/,
      undefined,
    ],
    [
      'reauthorise with org settings',
      { action: 'reauthorise', orgId: 'acme', org: genesysOrg, grant },
      'INVALID_PAYLOAD',
      /has unknown field: org/,
      'acme',
    ],
    [
      'an org id with a slash',
      withOrg({ orgId: 'a/b' }),
      'RECORD_INVALID',
      /org\.orgId must be 1-128 characters/,
      undefined,
    ],
    [
      'an unknown provider',
      withOrg({ provider: 'okta' }),
      'RECORD_INVALID',
      /org\.provider must be one of genesys, zendesk, generic/,
      'acme',
    ],
    [
      'an unknown grant type',
      withOrg({ grantType: 'password' }),
      'RECORD_INVALID',
      /org\.grantType must be one of refresh_token, client_credentials/,
      'acme',
    ],
    [
      'a Genesys org without a region',
      withOrg({ region: undefined }),
      'RECORD_INVALID',
      /org\.region is required for provider genesys/,
      'acme',
    ],
    [
      'a Genesys region that does not exist',
      withOrg({ region: 'atlantis-1' }),
      'RECORD_INVALID',
      /org\.region is not a Genesys Cloud region/,
      'acme',
    ],
    [
      'no client secret id',
      withOrg({ clientSecretId: undefined }),
      'RECORD_INVALID',
      /org\.clientSecretId is required/,
      'acme',
    ],
    [
      'a misspelt org field',
      withOrg({ regoin: 'eu-west-1' }),
      'RECORD_INVALID',
      /org\.regoin is not an onboarding field/,
      'acme',
    ],
    [
      'another provider’s field',
      withOrg({ subdomain: 'acme' }),
      'RECORD_INVALID',
      /org\.subdomain is for provider zendesk, not genesys/,
      'acme',
    ],
    [
      'an org parameter for a provider scoped by host',
      withOrg({ orgParam: 'organization_id' }),
      'RECORD_INVALID',
      /org\.orgParam is not used by provider genesys/,
      'acme',
    ],
    [
      'a generic token URL off the allow-list',
      withOrg({ provider: 'generic', region: undefined, tokenUrl: 'https://evil.example.net/token' }),
      'RECORD_INVALID',
      /org token URL: .*evil\.example\.net/,
      'acme',
    ],
    [
      'a generic token URL over http',
      withOrg({ provider: 'generic', region: undefined, tokenUrl: 'http://idp.example.com/token' }),
      'RECORD_INVALID',
      /token URL must use https/,
      'acme',
    ],
    [
      'a generic token URL with credentials',
      withOrg({ provider: 'generic', region: undefined, tokenUrl: `https://u:${CLIENT_SECRET}@idp.example.com/t` }),
      'RECORD_INVALID',
      /token URL must not contain credentials/,
      'acme',
    ],
    [
      'a boolean that is a string',
      withOrg({ requiresOfflineAccess: 'yes' }),
      'RECORD_INVALID',
      /org\.requiresOfflineAccess must be true or false/,
      'acme',
    ],
  ];

  it('covers at least 20 malformed payloads', () => {
    expect(MALFORMED.length).toBeGreaterThanOrEqual(20);
  });

  it.each(MALFORMED)('%s → %s, naming the field, never echoing a value', (_what, payload, code, message, orgId) => {
    const parsed = parseIntakePayload(payload, NOW, POLICY);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.code).toBe(code);
    expect(parsed.message).toMatch(message);
    expect(parsed.orgId).toBe(orgId);
    const text = JSON.stringify(parsed);
    for (const secret of [RT, CLIENT_SECRET, 'x'.repeat(100)]) expect(text).not.toContain(secret);
  });

  it('a token URL refused by the refresher carries the refresher’s own code as the reason', () => {
    const parsed = parseIntakePayload(
      withOrg({ provider: 'generic', region: undefined, tokenUrl: 'https://evil.example.net/token' }),
      NOW,
      POLICY,
    );
    expect(parsed).toMatchObject({ ok: false, code: 'RECORD_INVALID', reason: 'TOKEN_HOST_NOT_ALLOWED' });
  });
});
