import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CLIENT_GONE_HINT,
  clientRejectedHint,
  interpretOutcome,
  lacksOfflineAccess,
  MAX_EXPIRES_IN_SECONDS,
  MAX_REFRESH_TOKEN_EXPIRES_IN_SECONDS,
  mayStillBeProcessed,
  serverErrorAfterSending,
} from '../../lambdas/core/classify.js';
import type { HttpOutcome } from '../../lambdas/core/ports.js';

const now = 1_800_000_000_000;
const json = (status: number, body: unknown, extra: Partial<HttpOutcome & { kind: 'response' }> = {}): HttpOutcome => ({
  kind: 'response',
  status,
  retryAfter: undefined,
  contentType: 'application/json',
  body: typeof body === 'string' ? body : JSON.stringify(body),
  ...extra,
});
const good = {
  access_token: 'at-123',
  token_type: 'Bearer',
  expires_in: 3600,
  refresh_token: 'rt-456',
  scope: 'openid offline_access',
};

describe('Function: interpretOutcome — success', () => {
  it('reads a standard token response; token_type is case-insensitive; expires_in may be a numeric string', () => {
    const v = interpretOutcome(json(200, { ...good, token_type: 'bearer', expires_in: '3600' }), 'refresh_token', now);
    expect(v).toEqual({
      kind: 'tokens',
      tokens: {
        accessToken: 'at-123',
        refreshToken: 'rt-456',
        tokenType: 'Bearer',
        expiresInMs: 3_600_000,
        scope: 'openid offline_access',
      },
    });
  });

  it('accepts a response without a refresh token (providers that do not rotate; client credentials)', () => {
    const { refresh_token: _, ...noRt } = good;
    const v = interpretOutcome(json(200, noRt), 'client_credentials', now);
    expect(v.kind === 'tokens' && v.tokens.refreshToken).toBeUndefined();
  });
});

describe('Function: interpretOutcome — unusable 2xx (bad data)', () => {
  it.each([
    ['missing access_token', { ...good, access_token: undefined }, 'access_token is missing'],
    ['empty access_token', { ...good, access_token: '' }, 'access_token is empty'],
    ['missing expires_in', { ...good, expires_in: undefined }, 'expires_in is missing'],
    ['negative expires_in', { ...good, expires_in: -5 }, 'expires_in must be positive'],
    ['zero expires_in', { ...good, expires_in: 0 }, 'expires_in must be positive'],
    ['huge expires_in', { ...good, expires_in: MAX_EXPIRES_IN_SECONDS + 1 }, 'expires_in is over'],
    ['fractional expires_in', { ...good, expires_in: 1.5 }, 'expires_in must be whole seconds'],
    ['mac token_type', { ...good, token_type: 'mac' }, 'token_type is not bearer'],
    ['missing token_type', { ...good, token_type: undefined }, 'token_type is missing'],
  ])('%s → BAD_RESPONSE, and the rotated refresh token in it is salvaged', (_, body, message) => {
    const v = interpretOutcome(json(200, body), 'refresh_token', now);
    expect(v).toMatchObject({ kind: 'failure', salvageRefreshToken: 'rt-456', rotationAtRisk: false });
    expect(v.kind === 'failure' && v.error.code).toBe('BAD_RESPONSE');
    expect(v.kind === 'failure' && v.error.message).toContain(message);
    expect(v.kind === 'failure' && v.error.message).not.toContain('rt-456');
  });

  it.each([
    ['truncated JSON', '{"access_token":"at-123","refresh_tok'],
    ['an HTML page', '<html><body>Maintenance</body></html>'],
    ['a JSON array', '[1,2]'],
    ['an empty body', ''],
  ])('%s with 200 → BAD_RESPONSE with the refresh token at risk (the server may have rotated)', (_, body) => {
    const v = interpretOutcome(json(200, body), 'refresh_token', now);
    expect(v).toMatchObject({ kind: 'failure', rotationAtRisk: true, salvageRefreshToken: undefined });
    expect(v.kind === 'failure' && v.error.code).toBe('BAD_RESPONSE');
    expect(v.kind === 'failure' && v.error.message).not.toContain('at-123');
  });

  it('a client-credentials 2xx that cannot be read puts no refresh token at risk', () => {
    const v = interpretOutcome(json(200, 'garbage'), 'client_credentials', now);
    expect(v).toMatchObject({ kind: 'failure', rotationAtRisk: false });
  });
});

describe('Function: interpretOutcome — error statuses', () => {
  it.each([
    [400, { error: 'invalid_grant' }, 'INVALID_GRANT', 'grant_dead'],
    [401, { error: 'invalid_client' }, 'INVALID_CLIENT', 'client_misconfigured'],
    [400, { error: 'invalid_client' }, 'INVALID_CLIENT', 'client_misconfigured'],
    [401, '<html>Unauthorized</html>', 'INVALID_CLIENT', 'client_misconfigured'],
    [400, { error: 'unauthorized_client' }, 'UNAUTHORIZED_CLIENT', 'client_misconfigured'],
    [400, { error: 'invalid_scope' }, 'PROVIDER_REJECTED', 'client_misconfigured'],
    [400, { error: 'invalid_request' }, 'PROVIDER_REJECTED', 'client_misconfigured'],
    [403, '<html>Forbidden</html>', 'PROVIDER_REJECTED', 'client_misconfigured'],
    [404, 'not found', 'PROVIDER_REJECTED', 'client_misconfigured'],
    [302, '', 'PROVIDER_REJECTED', 'client_misconfigured'],
    [503, '', 'PROVIDER_UNAVAILABLE', 'transient'],
    [501, '', 'PROVIDER_UNAVAILABLE', 'transient'],
    [505, '', 'PROVIDER_UNAVAILABLE', 'transient'],
    [408, '', 'PROVIDER_UNAVAILABLE', 'transient'],
    [429, { error: 'slow_down' }, 'RATE_LIMITED', 'transient'],
  ] as const)('%i %j → %s (%s), the refresh token not at risk', (status, body, code, failureClass) => {
    const v = interpretOutcome(json(status, body), 'refresh_token', now);
    expect(v.kind).toBe('failure');
    if (v.kind !== 'failure') return;
    expect(v.error.code).toBe(code);
    expect(v.error.failureClass).toBe(failureClass);
    expect(v.rotationAtRisk).toBe(false);
  });

  it.each([
    [500, { error: 'server_error' }],
    [502, '<html>Bad gateway</html>'],
    [504, ''],
    [520, ''],
    [599, 'x'],
  ] as const)(
    '%i %j after a refresh-token request → ambiguous, the rotation at risk (the answer may be lost)',
    (status, body) => {
      const v = interpretOutcome(json(status, body), 'refresh_token', now);
      expect(v).toMatchObject({ kind: 'failure', rotationAtRisk: true, salvageRefreshToken: undefined });
      if (v.kind !== 'failure') return;
      expect([v.error.code, v.error.failureClass]).toEqual(['PROVIDER_UNAVAILABLE', 'ambiguous']);
      expect(v.error.message).toContain('may have rotated the refresh token');
    },
  );

  it.each([500, 502, 503, 504])(
    '%i to a client_credentials request is merely transient (no refresh token to lose)',
    (status) => {
      const v = interpretOutcome(json(status, ''), 'client_credentials', now);
      expect(v).toMatchObject({ kind: 'failure', rotationAtRisk: false });
      expect(v.kind === 'failure' && v.error.failureClass).toBe('transient');
    },
  );

  it('a 500 keeps its Retry-After for the release', () => {
    const v = interpretOutcome(json(500, '', { retryAfter: '7' }), 'refresh_token', now);
    expect(v.kind === 'failure' && v.error.retryAfterMs).toBe(7_000);
  });

  it('carries Retry-After from a 429 or 503 as milliseconds', () => {
    const v = interpretOutcome(json(429, '', { retryAfter: '30' }), 'refresh_token', now);
    expect(v.kind === 'failure' && v.error.retryAfterMs).toBe(30_000);
  });

  it('keeps only the first 200 characters of an error_description', () => {
    const v = interpretOutcome(
      json(400, { error: 'invalid_grant', error_description: 'x'.repeat(5000) }),
      'refresh_token',
      now,
    );
    expect(v.kind === 'failure' && v.error.message.length).toBeLessThan(300);
  });
});

describe('Function: interpretOutcome — no response', () => {
  it.each([
    ['timeout', false, 'TIMEOUT', 'transient', false],
    ['network', false, 'NETWORK_ERROR', 'transient', false],
    ['timeout', true, 'AMBIGUOUS_OUTCOME', 'ambiguous', true],
    ['network', true, 'AMBIGUOUS_OUTCOME', 'ambiguous', true],
  ] as const)('%s, sent=%s → %s (%s)', (reason, sent, code, failureClass, atRisk) => {
    const v = interpretOutcome({ kind: 'no-response', reason, sent, detail: 'x' }, 'refresh_token', now);
    expect(v).toMatchObject({ kind: 'failure', rotationAtRisk: atRisk });
    expect(v.kind === 'failure' && [v.error.code, v.error.failureClass]).toEqual([code, failureClass]);
  });

  it('a client-credentials request that went silent after sending is merely transient (no refresh token to lose)', () => {
    const v = interpretOutcome(
      { kind: 'no-response', reason: 'timeout', sent: true, detail: 'x' },
      'client_credentials',
      now,
    );
    expect(v.kind === 'failure' && v.error.failureClass).toBe('transient');
  });
});

describe('Function: serverErrorAfterSending / mayStillBeProcessed', () => {
  it.each([
    [500, 'processed-maybe', false],
    [502, 'processed-maybe', false],
    [507, 'processed-maybe', false],
    [504, 'may-still-be-processed', true],
    [501, 'not-processed', false],
    [503, 'not-processed', false],
    [505, 'not-processed', false],
    [429, 'not-processed', false],
    [408, 'not-processed', false],
  ] as const)('%i → %s (may still be processed: %s)', (status, risk, still) => {
    expect(serverErrorAfterSending(status)).toBe(risk);
    expect(mayStillBeProcessed(json(status, ''))).toBe(still);
  });

  it.each([
    ['timeout', true, true],
    ['timeout', false, false],
    ['network', true, false],
    ['network', false, false],
  ] as const)('no response (%s, sent=%s) → may still be processed: %s', (reason, sent, still) => {
    expect(mayStillBeProcessed({ kind: 'no-response', reason, sent, detail: 'x' })).toBe(still);
  });
});

describe('Property: interpretOutcome never throws and every failure has a code and a class', () => {
  it('holds for arbitrary statuses and bodies', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 100, max: 599 }),
        fc.oneof(fc.string(), fc.json()),
        fc.boolean(),
        (status, body, cc) => {
          const v = interpretOutcome(json(status, body), cc ? 'client_credentials' : 'refresh_token', now);
          if (v.kind === 'failure') {
            expect(v.error.code).toMatch(/^[A-Z_]+$/);
            expect(v.error.failureClass).toBeTypeOf('string');
            // A 5xx that may hide a processed refresh always puts the rotation at risk (issue 16, path 5).
            if (!cc && status >= 500 && ![501, 503, 505].includes(status)) expect(v.rotationAtRisk).toBe(true);
          } else {
            expect(status).toBeGreaterThanOrEqual(200);
            expect(status).toBeLessThan(300);
          }
        },
      ),
    );
  });
});

describe('Function: lacksOfflineAccess', () => {
  it.each([
    [true, 'openid', true],
    [true, 'openid offline_access', false],
    [true, undefined, false],
    [false, 'openid', false],
    [undefined, 'openid', false],
  ])('requires=%s granted=%s → %s', (requires, granted, expected) => {
    expect(lacksOfflineAccess(requires, granted)).toBe(expected);
  });
});

describe('Function: interpretOutcome — refresh-token expiry', () => {
  const tokensOf = (v: ReturnType<typeof interpretOutcome>) => (v.kind === 'tokens' ? v.tokens : undefined);

  it('reads refresh_token_expires_in (number or numeric string) as a relative expiry', () => {
    for (const value of [604_800, '604800']) {
      const v = interpretOutcome(json(200, { ...good, refresh_token_expires_in: value }), 'refresh_token', now);
      expect(tokensOf(v)?.refreshTokenExpiry).toEqual({ inMs: 604_800_000 });
    }
  });

  it('says nothing when the provider says nothing', () => {
    expect(tokensOf(interpretOutcome(json(200, good), 'refresh_token', now))?.refreshTokenExpiry).toBeUndefined();
  });

  it("reads a profile's absolute field (epoch seconds) and prefers it", () => {
    const at = Math.floor(now / 1000) + 86_400;
    const v = interpretOutcome(
      json(200, { ...good, refresh_token_expires_in: 5, refresh_token_expires_at: at }),
      'refresh_token',
      now,
      { refreshTokenExpiresAtField: 'refresh_token_expires_at' },
    );
    expect(tokensOf(v)?.refreshTokenExpiry).toEqual({ atMs: at * 1000 });
  });

  it('ignores the expiry in a client_credentials answer (there is no refresh token to keep)', () => {
    const v = interpretOutcome(json(200, { ...good, refresh_token_expires_in: 600 }), 'client_credentials', now);
    expect(tokensOf(v)?.refreshTokenExpiry).toBeUndefined();
  });

  it.each([
    ['zero', { refresh_token_expires_in: 0 }, 'refresh_token_expires_in must be positive'],
    ['fractional', { refresh_token_expires_in: 1.5 }, 'refresh_token_expires_in must be whole seconds'],
    ['text', { refresh_token_expires_in: 'a week' }, 'refresh_token_expires_in is not a number'],
    [
      'absurdly long',
      { refresh_token_expires_in: MAX_REFRESH_TOKEN_EXPIRES_IN_SECONDS + 1 },
      'refresh_token_expires_in is over',
    ],
  ])('a %s refresh_token_expires_in is BAD_RESPONSE; the rotated refresh token is still salvaged', (_, extra, msg) => {
    const v = interpretOutcome(json(200, { ...good, ...extra }), 'refresh_token', now);
    expect(v).toMatchObject({ kind: 'failure', salvageRefreshToken: 'rt-456' });
    expect(v.kind === 'failure' && v.error.message).toContain(msg);
  });

  it.each([
    ['in the past', Math.floor(now / 1000) - 1, 'refresh_token_expires_at is in the past'],
    ['not a number', 'tomorrow', 'refresh_token_expires_at is not whole epoch seconds'],
  ])('an absolute field %s is BAD_RESPONSE', (_, value, msg) => {
    const v = interpretOutcome(json(200, { ...good, refresh_token_expires_at: value }), 'refresh_token', now, {
      refreshTokenExpiresAtField: 'refresh_token_expires_at',
    });
    expect(v.kind === 'failure' && v.error.code).toBe('BAD_RESPONSE');
    expect(v.kind === 'failure' && v.error.message).toContain(msg);
  });
});

describe('Function: interpretOutcome — a refused client', () => {
  it.each([
    [401, { error: 'invalid_client', error_description: 'client not found' }, 'INVALID_CLIENT'],
    [400, { error: 'unauthorized_client' }, 'UNAUTHORIZED_CLIENT'],
    [401, 'Unauthorized', 'INVALID_CLIENT'],
  ] as const)(
    '%i %j on a client_credentials org says the client may have been deleted (app uninstalled)',
    (st, body, code) => {
      const v = interpretOutcome(json(st, body), 'client_credentials', now);
      expect(v.kind === 'failure' && v.error.code).toBe(code);
      expect(v.kind === 'failure' && v.error.message).toContain(
        "the org's OAuth client may have been deleted (app uninstalled) or disabled",
      );
    },
  );

  it('on a refresh_token org (a shared client, usually) it does not claim the client is gone', () => {
    const v = interpretOutcome(json(401, { error: 'invalid_client' }), 'refresh_token', now);
    expect(v.kind === 'failure' && v.error.message).not.toContain(CLIENT_GONE_HINT);
  });

  it('gives the event a fixed hint per grant type, never provider text', () => {
    expect(clientRejectedHint('client_credentials')).toBe(CLIENT_GONE_HINT);
    expect(clientRejectedHint('refresh_token')).toMatch(/^the OAuth client was refused/);
  });
});
