// Provider answers at the classifier's edges: numbers sent as text, a profile's absolute refresh-token expiry, the
// salvage bound, non-2xx bodies described without their content, and statuses around 2xx. Properties where the input
// is the provider's to choose; each case is one a mutation of lambdas/core/classify.ts survived before it was written
// (docs/reliability.md, "Mutation testing").
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { interpretOutcome, MAX_REFRESH_TOKEN_EXPIRES_IN_SECONDS } from '../../lambdas/core/classify.js';
import type { HttpOutcome } from '../../lambdas/core/ports.js';

const now = 1_800_000_000_000;
const response = (status: number, body: string, ...type: [string | undefined] | []): HttpOutcome => ({
  kind: 'response',
  status,
  retryAfter: undefined,
  contentType: type.length === 0 ? 'application/json' : type[0],
  body,
});
const good = { access_token: 'at-123', token_type: 'Bearer', expires_in: 3600, refresh_token: 'rt-456' };
const answer = (extra: Record<string, unknown>, fields = {}) =>
  interpretOutcome(response(200, JSON.stringify({ ...good, ...extra })), 'refresh_token', now, fields);
const messageOf = (v: ReturnType<typeof interpretOutcome>) => (v.kind === 'failure' ? v.error.message : undefined);
const ABSOLUTE = { refreshTokenExpiresAtField: 'refresh_token_expires_at' };

describe('Function: interpretOutcome — numbers a provider sends as text', () => {
  it('property: expires_in as text is accepted exactly when it is digits only', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.stringMatching(/^\d{1,4}[a-z .-]?\d{0,2}$/)), (text) => {
        const v = answer({ expires_in: text });
        const digits = /^\d+$/.test(text) && Number(text) > 0 && Number(text) <= 86_400 * 365;
        expect(v.kind === 'tokens').toBe(digits);
      }),
    );
  });

  it.each(['3600s', ' 3600', '36 00', '0x10', '1e3', '3600.0'])('expires_in %j is refused', (text) => {
    expect(answer({ expires_in: text }).kind).toBe('failure');
  });

  it.each(['600s', ' 600', '6e2'])('refresh_token_expires_in %j is refused', (text) => {
    expect(messageOf(answer({ refresh_token_expires_in: text }))).toMatch(/refresh_token_expires_in is not a number/);
  });
});

describe("Function: interpretOutcome — a profile's absolute refresh-token expiry (epoch seconds)", () => {
  const nowS = now / 1000;
  it.each<[string, unknown, RegExp | { atMs: number }]>([
    ['whole seconds ahead', nowS + 60, { atMs: (nowS + 60) * 1000 }],
    ['digits as text', String(nowS + 60), { atMs: (nowS + 60) * 1000 }],
    ['exactly now', nowS, /refresh_token_expires_at is in the past/],
    ['in the past', nowS - 1, /refresh_token_expires_at is in the past/],
    ['fractional', nowS + 60.5, /is not whole epoch seconds/],
    ['text that is not digits', `${nowS + 60}s`, /is not whole epoch seconds/],
    ['digits padded with a space', ` ${nowS + 60}`, /is not whole epoch seconds/],
    ['a boolean', true, /is not whole epoch seconds/],
    [
      'just past the ten-year bound',
      nowS + MAX_REFRESH_TOKEN_EXPIRES_IN_SECONDS + 1,
      /refresh_token_expires_at is too far in the future/,
    ],
    [
      'exactly at the bound',
      nowS + MAX_REFRESH_TOKEN_EXPIRES_IN_SECONDS,
      { atMs: (nowS + MAX_REFRESH_TOKEN_EXPIRES_IN_SECONDS) * 1000 },
    ],
  ])('%s', (_what, value, expected) => {
    const v = answer({ refresh_token_expires_at: value }, ABSOLUTE);
    if (expected instanceof RegExp) expect(messageOf(v)).toMatch(expected);
    else expect(v.kind === 'tokens' && v.tokens.refreshTokenExpiry).toEqual(expected);
  });

  it('a field the profile does not name is not read', () => {
    const v = answer({ refresh_token_expires_at: 'garbage' });
    expect(v.kind).toBe('tokens');
  });

  it('a profile field the answer leaves out is no expiry, not an error', () => {
    const v = answer({}, ABSOLUTE);
    expect(v.kind === 'tokens' && v.tokens.refreshTokenExpiry).toBeUndefined();
  });
});

describe('Function: interpretOutcome — salvaging a rotated refresh token from an unusable 2xx', () => {
  it.each([
    [16_384, true],
    [16_385, false],
  ])('a refresh token of %i characters is salvaged: %s', (length, salvaged) => {
    const v = answer({ access_token: '', refresh_token: 'r'.repeat(length) });
    expect(v.kind).toBe('failure');
    expect(v.kind === 'failure' && v.salvageRefreshToken !== undefined).toBe(salvaged);
    // Nothing salvaged from a rotating answer: the old token may be spent.
    expect(v.kind === 'failure' && v.rotationAtRisk).toBe(!salvaged);
  });
});

describe('Function: interpretOutcome — bodies described, never quoted', () => {
  it.each<[string, string, string | undefined, RegExp]>([
    ['an empty body', '', 'application/json', /with an empty body/],
    ['an HTML page by its type', 'Service down', 'text/html; charset=utf-8', /with an HTML page/],
    ['an HTML page by its first tag', '  <html>secret</html>', 'text/plain', /with an HTML page/],
    ['text of no known type', 'oops', undefined, /with 4 bytes of unknown type/],
    ['text of a stated type', 'oops', 'text/plain', /with 4 bytes of text\/plain/],
  ])('a 503 with %s', (_what, body, type, expected) => {
    const v = interpretOutcome(response(503, body, type), 'client_credentials', now);
    expect(messageOf(v)).toMatch(expected);
    expect(messageOf(v)).not.toContain('secret');
  });

  it('a 2xx that is not a JSON object names what came instead', () => {
    expect(messageOf(interpretOutcome(response(200, '<html>x</html>', 'text/html'), 'refresh_token', now))).toMatch(
      /200 with an HTML page/,
    );
  });

  it('an OAuth error with a description shows both; without one, the error alone', () => {
    const withText = interpretOutcome(
      response(400, JSON.stringify({ error: 'invalid_grant', error_description: 'token revoked' })),
      'refresh_token',
      now,
    );
    expect(messageOf(withText)).toBe('token endpoint answered 400 invalid_grant: token revoked');
    const bare = interpretOutcome(response(400, JSON.stringify({ error: 'invalid_grant' })), 'refresh_token', now);
    expect(messageOf(bare)).toBe('token endpoint answered 400 invalid_grant');
  });
});

describe('Function: interpretOutcome — statuses and transport failures', () => {
  it.each([199, 300, 301, 304])('a %i carrying a token response is not tokens', (status) => {
    expect(interpretOutcome(response(status, JSON.stringify(good)), 'refresh_token', now).kind).toBe('failure');
  });

  it('a timeout and a reset are told apart in the message', () => {
    const timeout = interpretOutcome(
      { kind: 'no-response', reason: 'timeout', sent: false, detail: 'x' },
      'refresh_token',
      now,
    );
    const reset = interpretOutcome(
      { kind: 'no-response', reason: 'network', sent: false, detail: 'ECONNRESET' },
      'refresh_token',
      now,
    );
    expect(messageOf(timeout)).toBe('token request timed out');
    expect(messageOf(reset)).toBe('token request failed (ECONNRESET)');
    expect(timeout.kind === 'failure' && timeout.error.code).toBe('TIMEOUT');
    expect(reset.kind === 'failure' && reset.error.code).toBe('NETWORK_ERROR');
  });

  it('a timeout after sending is ambiguous and says the refresh token may have rotated', () => {
    const v = interpretOutcome(
      { kind: 'no-response', reason: 'timeout', sent: true, detail: 'x' },
      'refresh_token',
      now,
    );
    expect(messageOf(v)).toBe(
      'token request timed out after it was sent: the server may have rotated the refresh token',
    );
  });
});
