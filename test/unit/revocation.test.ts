// What a removal revokes and how: the plan per token (core/revocation.ts), each answer's verdict, and the requests
// (providers/build-revocation.ts) — RFC 7009 with the org's own client authentication and only to a host the token
// URL may use, the providers' own bearer DELETEs with no client secret at all.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { HttpOutcome } from '../../lambdas/core/ports.js';
import { GENESYS_LOGIN_HOSTS, PROFILES, type RevocationEndpoint } from '../../lambdas/core/provider-profiles.js';
import { revocationPlan, revocationVerdict } from '../../lambdas/core/revocation.js';
import {
  buildRevocationRequest,
  revocationUrlOf,
  revocationUrlRefusal,
} from '../../lambdas/providers/build-revocation.js';

const NOW = 1_750_000_000_000;
const client = { clientId: 'client-id', clientSecret: 'client-secret-value' };
const policy = { allowedTokenHosts: ['idp.example.com'], allowLoopbackHttp: false };
const generic = {
  provider: 'generic' as const,
  tokenUrl: 'https://idp.example.com/oauth/token',
  revocationUrl: 'https://idp.example.com/oauth/revoke',
};
const held = { refreshToken: 'rt-0123456789', accessToken: 'at-0123456789', expiresAt: NOW + 60_000 };
const form = (body: string) => Object.fromEntries(new URLSearchParams(body));
const plan = (settings: Record<string, unknown>, tokens = held) =>
  revocationPlan(
    tokens,
    PROFILES[settings.provider as 'generic'].revocation,
    (e: RevocationEndpoint) => revocationUrlOf(e, settings as typeof generic),
    NOW,
  );

describe('Function: revocationPlan', () => {
  it('generic with a revocation URL: both tokens revoked there (refresh token first)', () => {
    const p = plan(generic);
    expect(p.refreshToken).toMatchObject({ action: 'revoke', token: held.refreshToken, endpoint: { kind: 'rfc7009' } });
    expect(p.accessToken).toMatchObject({ action: 'revoke', token: held.accessToken, endpoint: { kind: 'rfc7009' } });
  });

  it('generic without one: the refresh token is NOT_REVOKED (no endpoint), the access token left to expire', () => {
    const p = plan({ ...generic, revocationUrl: undefined });
    expect(p.refreshToken).toEqual({
      action: 'skip',
      outcome: { result: 'NOT_REVOKED', reason: 'NO_REVOCATION_ENDPOINT' },
    });
    expect(p.accessToken).toEqual({
      action: 'skip',
      outcome: { result: 'LEFT_TO_EXPIRE', reason: 'NO_REVOCATION_ENDPOINT', expiresAt: held.expiresAt },
    });
  });

  it.each([
    ['genesys', { provider: 'genesys', region: 'eu-west-1' }],
    ['zendesk', { provider: 'zendesk', subdomain: 'acme' }],
  ])('%s documents no refresh-token revocation, and its own access-token DELETE', (_name, settings) => {
    const p = plan(settings);
    expect(p.refreshToken).toMatchObject({ action: 'skip', outcome: { result: 'NOT_REVOKED' } });
    expect(p.accessToken).toMatchObject({ action: 'revoke', endpoint: { kind: 'bearer-delete' } });
  });

  it('nothing held, or an access token already expired: NONE_HELD, nothing sent', () => {
    const p = plan(generic, { refreshToken: undefined, accessToken: 'at', expiresAt: NOW } as never);
    expect(p.refreshToken).toEqual({ action: 'skip', outcome: { result: 'NONE_HELD' } });
    expect(p.accessToken).toEqual({ action: 'skip', outcome: { result: 'NONE_HELD' } });
  });
});

describe('Function: revocationVerdict', () => {
  const response = (status: number): HttpOutcome => ({
    kind: 'response',
    status,
    retryAfter: undefined,
    contentType: undefined,
    body: '',
  });
  it.each([
    [response(200), { revoked: true }],
    [response(204), { revoked: true }],
    [response(503), { revoked: false, reason: 'PROVIDER_UNAVAILABLE', retry: true }],
    [response(429), { revoked: false, reason: 'PROVIDER_UNAVAILABLE', retry: true }],
    [response(400), { revoked: false, reason: 'PROVIDER_REFUSED', retry: false }],
    [response(401), { revoked: false, reason: 'PROVIDER_REFUSED', retry: false }],
    [response(302), { revoked: false, reason: 'PROVIDER_REFUSED', retry: false }],
    [
      { kind: 'no-response', reason: 'timeout', sent: true, detail: 'x' },
      { revoked: false, reason: 'TIMEOUT', retry: true },
    ],
    [
      { kind: 'no-response', reason: 'network', sent: false, detail: 'x' },
      { revoked: false, reason: 'NETWORK_ERROR', retry: true },
    ],
  ] as [HttpOutcome, unknown][])('%j → %j', (outcome, verdict) => {
    expect(revocationVerdict(outcome)).toEqual(verdict);
  });

  it('property: only a 2xx is ever called revoked', () => {
    fc.assert(
      fc.property(fc.integer({ min: 100, max: 599 }), (status) => {
        expect(revocationVerdict(response(status)).revoked).toBe(status >= 200 && status < 300);
      }),
    );
  });
});

describe('Function: buildRevocationRequest', () => {
  const endpointOf = (provider: 'generic' | 'genesys' | 'zendesk', kind: 'refreshToken' | 'accessToken') =>
    PROFILES[provider].revocation[kind] as RevocationEndpoint;

  it('RFC 7009: POST token and hint, Basic auth with the org client (generic, clientAuth basic)', () => {
    const req = buildRevocationRequest(
      'refreshToken',
      'rt-1',
      endpointOf('generic', 'refreshToken'),
      generic,
      client,
      policy,
    );
    expect(req).toMatchObject({ url: generic.revocationUrl, method: 'POST', tokenHost: 'idp.example.com' });
    expect(form(req.body)).toEqual({ token: 'rt-1', token_type_hint: 'refresh_token' });
    expect(req.headers.authorization).toBe(`Basic ${Buffer.from('client-id:client-secret-value').toString('base64')}`);
  });

  it('RFC 7009 with clientAuth post: the client in the body; access tokens hinted as such', () => {
    const req = buildRevocationRequest(
      'accessToken',
      'at-1',
      endpointOf('generic', 'accessToken'),
      { ...generic, clientAuth: 'post' },
      client,
      policy,
    );
    expect(form(req.body)).toEqual({
      token: 'at-1',
      token_type_hint: 'access_token',
      client_id: 'client-id',
      client_secret: 'client-secret-value',
    });
    expect(req.headers.authorization).toBeUndefined();
  });

  it.each(Object.entries(GENESYS_LOGIN_HOSTS))(
    'genesys %s: DELETE api.%s/api/v2/tokens/me as the bearer',
    (region, host) => {
      const req = buildRevocationRequest(
        'accessToken',
        'at-1',
        endpointOf('genesys', 'accessToken'),
        { provider: 'genesys', region },
        undefined,
        policy,
      );
      expect(req).toMatchObject({ url: `https://api.${host}/api/v2/tokens/me`, method: 'DELETE', body: '' });
      expect(req.headers).toEqual({ authorization: 'Bearer at-1', accept: 'application/json' });
    },
  );

  it('zendesk: DELETE <subdomain>.zendesk.com/api/v2/oauth/tokens/current.json as the bearer, no client secret', () => {
    const req = buildRevocationRequest(
      'accessToken',
      'at-1',
      endpointOf('zendesk', 'accessToken'),
      { provider: 'zendesk', subdomain: 'acme' },
      client,
      policy,
    );
    expect(req.url).toBe('https://acme.zendesk.com/api/v2/oauth/tokens/current.json');
    expect(JSON.stringify(req)).not.toContain(client.clientSecret);
  });

  it.each([
    ['a host off ALLOWED_TOKEN_HOSTS', 'https://evil.example.net/revoke', 'TOKEN_HOST_NOT_ALLOWED'],
    ['plain http', 'http://idp.example.com/revoke', 'INSECURE_TOKEN_URL'],
    ['credentials in the URL', 'https://u:p@idp.example.com/revoke', 'INVALID_TOKEN_URL'],
    ['not a URL', 'revoke here', 'INVALID_TOKEN_URL'],
  ])('refuses %s before the client secret is put in (%s)', (_what, revocationUrl, code) => {
    const settings = { ...generic, revocationUrl };
    expect(() =>
      buildRevocationRequest('refreshToken', 'rt-1', endpointOf('generic', 'refreshToken'), settings, client, policy),
    ).toThrow(expect.objectContaining({ code }));
    expect(revocationUrlRefusal(settings, policy)?.code).toBe(code);
  });

  it('onboarding checks a revocation URL like the token URL, and has nothing to say without one', () => {
    expect(revocationUrlRefusal(generic, policy)).toBeUndefined();
    expect(revocationUrlRefusal({ ...generic, revocationUrl: undefined }, policy)).toBeUndefined();
    expect(revocationUrlRefusal({ provider: 'zendesk', subdomain: 'acme' }, policy)).toBeUndefined();
  });

  it('local mode: the path kept, the loopback origin used, the real host still the one checked', () => {
    const req = buildRevocationRequest('refreshToken', 'rt-1', endpointOf('generic', 'refreshToken'), generic, client, {
      ...policy,
      tokenEndpointOverride: 'http://127.0.0.1:4000',
    });
    expect(req.url).toBe('http://127.0.0.1:4000/oauth/revoke');
    expect(req.tokenHost).toBe('idp.example.com');
  });
});
