import { describe, expect, it } from 'vitest';
import { GENESYS_LOGIN_HOSTS } from '../../lambdas/core/provider-profiles.js';
import { parseRecord, type TokenRecord } from '../../lambdas/core/record.js';
import {
  buildTokenRequest,
  hostAllowed,
  requestedScope,
  resolveTokenUrl,
} from '../../lambdas/providers/build-request.js';

const client = { clientId: 'client-id', clientSecret: 'client-secret-value' };
const policy = { allowedTokenHosts: ['idp.example.com', '*.tenant.example.net'], allowLoopbackHttp: false };

function record(fields: Record<string, unknown>): TokenRecord {
  const parsed = parseRecord({
    orgId: 'org-1',
    grantType: 'refresh_token',
    clientSecretId: 'tenant-tokens/x',
    refreshToken: 'rt-value',
    status: 'ACTIVE',
    version: 3,
    ...fields,
  });
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.record;
}

const form = (body: string) => Object.fromEntries(new URLSearchParams(body));

describe('Profile: genesys', () => {
  it.each(Object.entries(GENESYS_LOGIN_HOSTS))('%s → https://login.%s/oauth/token with Basic auth', (region, host) => {
    const req = buildTokenRequest(record({ provider: 'genesys', region }), client, policy);
    expect(req.url).toBe(`https://login.${host}/oauth/token`);
    expect(req.headers.authorization).toBe(`Basic ${Buffer.from('client-id:client-secret-value').toString('base64')}`);
    expect(form(req.body)).toEqual({ grant_type: 'refresh_token', refresh_token: 'rt-value' });
  });

  it('sends the EU Sovereign Cloud region to its own parent domain', () => {
    const req = buildTokenRequest(record({ provider: 'genesys', region: 'eusc-de-east-1' }), client, policy);
    expect(req.url).toBe('https://login.edee1.eusc-pure.cloud/oauth/token');
  });

  it('asks for no lifetime: Genesys sets token duration on the OAuth client', () => {
    expect(() => record({ provider: 'genesys', region: 'us-east-1', requestedExpiresIn: 3600 })).toThrow(
      /requestedExpiresIn is not supported by provider genesys/,
    );
  });
});

describe('Function: requestedLifetimes (Zendesk)', () => {
  const zendesk = { provider: 'zendesk', subdomain: 'acme' };

  it('adds expires_in and refresh_token_expires_in to a refresh_token request', () => {
    const req = buildTokenRequest(
      record({ ...zendesk, requestedExpiresIn: 600, requestedRefreshTokenExpiresIn: 604_800 }),
      client,
      policy,
    );
    expect(form(req.body)).toMatchObject({ expires_in: '600', refresh_token_expires_in: '604800' });
  });

  it('adds only expires_in to a client_credentials request (it has no refresh token)', () => {
    const req = buildTokenRequest(
      record({ ...zendesk, grantType: 'client_credentials', refreshToken: undefined, requestedExpiresIn: 7200 }),
      client,
      policy,
    );
    expect(form(req.body)).toMatchObject({ grant_type: 'client_credentials', expires_in: '7200' });
    expect(form(req.body)).not.toHaveProperty('refresh_token_expires_in');
  });

  it('asks for nothing when the record asks for nothing (the provider default applies)', () => {
    const body = form(buildTokenRequest(record(zendesk), client, policy).body);
    expect(body).not.toHaveProperty('expires_in');
    expect(body).not.toHaveProperty('refresh_token_expires_in');
  });
});

describe('Profile: zendesk', () => {
  it('uses the subdomain host, /oauth/tokens, and client credentials in the body (no Authorization header)', () => {
    const req = buildTokenRequest(record({ provider: 'zendesk', subdomain: 'acme' }), client, policy);
    expect(req.url).toBe('https://acme.zendesk.com/oauth/tokens');
    expect(req.headers.authorization).toBeUndefined();
    expect(form(req.body)).toEqual({
      grant_type: 'refresh_token',
      refresh_token: 'rt-value',
      client_id: 'client-id',
      client_secret: 'client-secret-value',
    });
  });
});

describe('Profile: generic', () => {
  it('sends the org parameter with the org id, and client_secret_post when asked', () => {
    const req = buildTokenRequest(
      record({
        provider: 'generic',
        tokenUrl: 'https://idp.example.com/token',
        clientAuth: 'post',
        orgParam: 'organization_id',
      }),
      client,
      policy,
    );
    expect(form(req.body)).toMatchObject({ organization_id: 'org-1', client_id: 'client-id' });
  });

  it('builds a client-credentials request with the org client and no refresh token', () => {
    const req = buildTokenRequest(
      record({
        provider: 'generic',
        tokenUrl: 'https://a.tenant.example.net/t',
        grantType: 'client_credentials',
        refreshToken: undefined,
        scope: 'api',
      }),
      client,
      policy,
    );
    expect(form(req.body)).toEqual({ grant_type: 'client_credentials', scope: 'api' });
    expect(req.headers.authorization).toMatch(/^Basic /);
  });

  it('form-encodes id and secret before Base64 (RFC 6749 §2.3.1), so ":" in a secret survives', () => {
    const req = buildTokenRequest(
      record({ provider: 'generic', tokenUrl: 'https://idp.example.com/t' }),
      { clientId: 'a b', clientSecret: 'x:y%' },
      policy,
    );
    const decoded = Buffer.from(String(req.headers.authorization).slice(6), 'base64').toString();
    expect(decoded).toBe('a+b:x%3Ay%25');
  });
});

describe('Function: resolveTokenUrl refuses before any secret is used', () => {
  it.each([
    ['https://evil.example.com/token', 'TOKEN_HOST_NOT_ALLOWED'],
    ['https://idp.example.com.evil.io/token', 'TOKEN_HOST_NOT_ALLOWED'],
    ['https://tenant.example.net/token', 'TOKEN_HOST_NOT_ALLOWED'],
    ['http://idp.example.com/token', 'INSECURE_TOKEN_URL'],
    ['http://127.0.0.1:4000/token', 'INSECURE_TOKEN_URL'],
    ['ftp://idp.example.com/token', 'INSECURE_TOKEN_URL'],
    ['https://user:pw@idp.example.com/token', 'INVALID_TOKEN_URL'],
    ['https://idp.example.com/token#frag', 'INVALID_TOKEN_URL'],
    ['not a url', 'INVALID_TOKEN_URL'],
  ])('%s → %s', (tokenUrl, code) => {
    expect(() => resolveTokenUrl(record({ provider: 'generic', tokenUrl }), policy)).toThrow(
      expect.objectContaining({ code }),
    );
  });

  it('allows http:// to loopback only in local mode, and only to listed hosts', () => {
    const local = { allowedTokenHosts: ['127.0.0.1'], allowLoopbackHttp: true };
    expect(resolveTokenUrl(record({ provider: 'generic', tokenUrl: 'http://127.0.0.1:4000/token' }), local).host).toBe(
      '127.0.0.1:4000',
    );
    expect(() => resolveTokenUrl(record({ provider: 'generic', tokenUrl: 'http://10.0.0.1/token' }), local)).toThrow(
      expect.objectContaining({ code: 'INSECURE_TOKEN_URL' }),
    );
  });

  it('a zendesk subdomain cannot escape zendesk.com (the schema refuses dots and slashes)', () => {
    expect(
      parseRecord({
        orgId: 'o',
        provider: 'zendesk',
        subdomain: 'evil.com/x',
        grantType: 'client_credentials',
        clientSecretId: 's',
        status: 'ACTIVE',
        version: 0,
      }).ok,
    ).toBe(false);
  });

  it('local mode override keeps the profile path but targets the loopback origin', () => {
    const url = resolveTokenUrl(record({ provider: 'zendesk', subdomain: 'acme' }), {
      allowedTokenHosts: [],
      allowLoopbackHttp: true,
      tokenEndpointOverride: 'http://127.0.0.1:5000',
    });
    expect(url.toString()).toBe('http://127.0.0.1:5000/oauth/tokens');
  });

  it('a request keeps the org’s configured token host (per-host limits), also when local mode overrides the URL', () => {
    const zendesk = record({ provider: 'zendesk', subdomain: 'acme' });
    expect(buildTokenRequest(zendesk, client, policy).tokenHost).toBe('acme.zendesk.com');
    const local = buildTokenRequest(zendesk, client, {
      allowedTokenHosts: [],
      allowLoopbackHttp: true,
      tokenEndpointOverride: 'http://127.0.0.1:5000',
    });
    expect(local).toMatchObject({ url: 'http://127.0.0.1:5000/oauth/tokens', tokenHost: 'acme.zendesk.com' });
  });
});

describe('Function: hostAllowed', () => {
  it.each([
    ['https://idp.example.com/x', ['idp.example.com'], true],
    ['https://IDP.EXAMPLE.COM/x', ['idp.example.com'], true],
    ['https://a.b.example.net/x', ['*.example.net'], true],
    ['https://example.net/x', ['*.example.net'], false],
    ['https://badexample.net/x', ['*.example.net'], false],
    ['http://127.0.0.1:4000/x', ['127.0.0.1:4000'], true],
    ['http://127.0.0.1:4001/x', ['127.0.0.1:4000'], false],
    ['http://127.0.0.1:4001/x', ['127.0.0.1'], true],
  ])('%s on %j → %s', (url, list, expected) => {
    expect(hostAllowed(new URL(url), list)).toBe(expected);
  });
});

describe('Function: requestedScope', () => {
  it('adds offline_access once where the provider needs it, only for refresh-token grants', () => {
    expect(
      requestedScope(
        record({
          provider: 'generic',
          tokenUrl: 'https://idp.example.com/t',
          scope: 'openid',
          requiresOfflineAccess: true,
        }),
      ),
    ).toBe('openid offline_access');
    expect(
      requestedScope(
        record({
          provider: 'generic',
          tokenUrl: 'https://idp.example.com/t',
          scope: 'offline_access',
          requiresOfflineAccess: true,
        }),
      ),
    ).toBe('offline_access');
    expect(
      requestedScope(
        record({
          provider: 'generic',
          tokenUrl: 'https://idp.example.com/t',
          grantType: 'client_credentials',
          refreshToken: undefined,
          scope: 'api',
          requiresOfflineAccess: true,
        }),
      ),
    ).toBe('api');
  });
});
