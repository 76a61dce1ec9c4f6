import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fingerprint, scrub } from '../../lambdas/core/redact.js';

describe('Function: scrub', () => {
  it.each([
    ['{"access_token":"abc123xyz","x":1}', 'abc123xyz'],
    ['refresh_token=r-987654&grant_type=refresh_token', 'r-987654'],
    ['client_secret: s3cr3t-value', 's3cr3t-value'],
    ['Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc', 'eyJhbGciOiJIUzI1NiJ9'],
    ['Basic Y2xpZW50OnNlY3JldA==', 'Y2xpZW50OnNlY3JldA=='],
    ['token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig in text', 'eyJhbGciOiJIUzI1NiJ9'],
  ])('removes token-shaped values: %s', (text, secret) => {
    expect(scrub(text)).not.toContain(secret);
  });

  it('removes every known secret wherever it appears, for any secret and surrounding text', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 6, maxLength: 64 }), fc.string(), fc.string(), (secret, before, after) => {
        fc.pre(!secret.includes('[redacted]') && /^[\x20-\x7e]+$/.test(secret));
        const out = scrub(`${before}${secret}${after}`, [secret]);
        // Length-bounded output may cut the text, but never leaves the secret whole.
        expect(out).not.toContain(secret);
      }),
    );
  });

  it('bounds length and strips control characters (log injection)', () => {
    const out = scrub(`line1\nline2\r\u0000${'x'.repeat(2000)}`);
    expect(['\n', '\r', '\u0000'].some((c) => out.includes(c))).toBe(false);
    expect(out.length).toBeLessThanOrEqual(500);
  });

  it('leaves ordinary error text readable', () => {
    expect(scrub('token endpoint answered 503 with an HTML page')).toBe(
      'token endpoint answered 503 with an HTML page',
    );
  });
});

// Exact outputs, so what remains readable is pinned too. Mutants of redact.ts survived without these.
describe('Function: scrub — exactly what is left', () => {
  it.each([
    ['refresh_token=r-987654&grant_type=refresh_token', 'refresh_token=[redacted]&grant_type=refresh_token'],
    ['{"access_token":"abc123xyz","x":1}', '{"access_token":"[redacted]","x":1}'],
    ['Authorization: Bearer abc.def-123', 'Authorization: Bearer [redacted]'],
    ['line1\r\n\u0000line2', 'line1 line2'],
  ])('%j → %j', (text, expected) => {
    expect(scrub(text)).toBe(expected);
  });

  it('redacts a known secret of six characters or more, never a shorter value (it would eat ordinary words)', () => {
    expect(scrub('code 123456 seen', ['123456'])).toBe('code [redacted] seen');
    expect(scrub('code 12345 seen', ['12345'])).toBe('code 12345 seen');
  });

  it('keeps a message of exactly the bound whole, and cuts a longer one to the bound with an ellipsis', () => {
    expect(scrub('x'.repeat(500))).toBe('x'.repeat(500));
    expect(scrub('x'.repeat(501))).toBe(`${'x'.repeat(499)}…`);
  });
});

describe('Function: fingerprint', () => {
  it('is stable, short and does not contain the value', async () => {
    const a = await fingerprint('refresh-token-value-123');
    expect(a).toMatch(/^sha256:[0-9a-f]{12}$/);
    expect(await fingerprint('refresh-token-value-123')).toBe(a);
    expect(await fingerprint('refresh-token-value-124')).not.toBe(a);
  });
});
