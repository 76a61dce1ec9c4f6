// Issue 16, path 1: a provider's answer can no longer brick an org. Properties over arbitrary token responses, driven
// through the real claim → exchange → commit code against the in-memory store (the same conditions and writes as the
// DynamoDB one): whatever the classifier accepts is committed to a record the next claim accepts, and no answer ever
// changes an operator's setting. Plus the way back for records an older commit bricked.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { interpretOutcome } from '../../lambdas/core/classify.js';
import { repairLegacyScope } from '../../lambdas/core/legacy-scope.js';
import type { HttpOutcome } from '../../lambdas/core/ports.js';
import { GRANTED_SCOPE_MAX_LENGTH, orgSettingsShape, parseRecord } from '../../lambdas/core/record.js';
import { ok, refresherWorld, scope, T0 } from '../support/refresher-world.js';

const SETTINGS = Object.keys(orgSettingsShape);
const settingsOf = (record: Record<string, unknown>) =>
  Object.fromEntries(SETTINGS.filter((k) => record[k] !== undefined).map((k) => [k, record[k]]));

const answer = (body: unknown): HttpOutcome => ({
  kind: 'response',
  status: 200,
  retryAfter: undefined,
  contentType: 'application/json',
  body: JSON.stringify(body),
});

/** Absent, or one of these: a field the classifier reads, in every shape a provider has been seen to send. */
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 3 });
const odd = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string(), { maxLength: 3 }),
);
const digits = (min: number, max: number) => fc.integer({ min, max }).map(String);
const longText = (min: number, max: number) =>
  fc
    .tuple(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 8 }), fc.integer({ min, max }))
    .map(([unit, n]) => unit.repeat(Math.ceil(n / unit.length)).slice(0, n));
/** URL-style scope lists (Microsoft, Google), long lists, unicode, control characters, and plain junk. */
const scopeValue = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 60 }),
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.array(fc.webUrl(), { minLength: 1, maxLength: 80 }).map((urls) => urls.join(' ')),
  longText(1000, 1100),
  longText(GRANTED_SCOPE_MAX_LENGTH - 5, GRANTED_SCOPE_MAX_LENGTH + 5),
  fc.constantFrom('openid offline_access', 'read write', 'ÄÖÜ tickets:read', 'a\u0000b', '', ' '),
  odd,
);
const tokenResponse = fc.record(
  {
    access_token: maybe(fc.oneof(fc.string({ minLength: 0, maxLength: 40 }), longText(16_380, 16_390), odd)),
    token_type: maybe(fc.oneof(fc.constantFrom('Bearer', 'bearer', 'BEARER', 'mac', ''), odd)),
    expires_in: maybe(
      fc.oneof(fc.integer({ min: -10, max: 400 * 86_400 }), digits(0, 400 * 86_400), fc.double(), fc.string(), odd),
    ),
    refresh_token: maybe(fc.oneof(fc.string({ minLength: 0, maxLength: 40 }), longText(16_380, 16_390), odd)),
    scope: maybe(scopeValue),
    refresh_token_expires_in: maybe(
      fc.oneof(fc.integer({ min: -10, max: 4_000 * 86_400 }), digits(0, 4_000 * 86_400), fc.string(), odd),
    ),
  },
  { requiredKeys: [] },
);
/** A usable answer around the same arbitrary scope, expiry and extra fields: most of these are accepted. */
const usableResponse = fc.record(
  {
    access_token: fc.string({ minLength: 1, maxLength: 40 }),
    token_type: fc.constantFrom('Bearer', 'bearer'),
    expires_in: fc.oneof(fc.integer({ min: 1, max: 366 * 86_400 }), digits(1, 366 * 86_400)),
    refresh_token: maybe(fc.string({ minLength: 1, maxLength: 40 })),
    // Often right at the bound, where a classifier and a record that disagree by one character would show.
    scope: fc.oneof(
      { arbitrary: maybe(scopeValue), weight: 2 },
      { arbitrary: longText(GRANTED_SCOPE_MAX_LENGTH - 2, GRANTED_SCOPE_MAX_LENGTH + 2), weight: 1 },
    ),
    refresh_token_expires_in: maybe(fc.oneof(fc.integer({ min: 1, max: 3_660 * 86_400 }), digits(1, 3_660 * 86_400))),
  },
  { requiredKeys: ['access_token', 'token_type', 'expires_in'] },
);
const extras = fc.dictionary(
  fc.string({ minLength: 1, maxLength: 12 }).filter((k) => !['__proto__', 'constructor'].includes(k)),
  fc.jsonValue({ maxDepth: 2 }),
  { maxKeys: 4 },
);
/** What an operator may have set: a valid requested scope (printable ASCII, ≤ 1 024), or none. */
const requestedScope = maybe(
  fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 80 }),
);

describe('Property: any token response, through the real commit', () => {
  it('the classifier accepting it means committed; every answer leaves a record the next claim accepts, settings untouched', async () => {
    let acceptedRuns = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(tokenResponse, usableResponse),
        extras,
        fc.constantFrom('refresh_token', 'client_credentials'),
        requestedScope,
        fc.boolean(),
        async (fields, extra, grantType, requested, offline) => {
          const w = refresherWorld();
          w.seed('org-1', {
            grantType,
            ...(grantType === 'client_credentials' ? { refreshToken: undefined } : {}),
            ...(requested === undefined ? {} : { scope: requested }),
            ...(offline ? { requiresOfflineAccess: true } : {}),
          });
          const before = settingsOf(w.record());
          const outcome = answer({ ...extra, ...fields });
          w.endpoint.script = [() => outcome];

          const result = await w.refresher.refresh({ orgId: 'org-1', version: 7 }, scope);

          const accepted = interpretOutcome(outcome, grantType, T0).kind === 'tokens';
          if (accepted) expect(result.result).toBe('refreshed');
          const next = parseRecord(w.record());
          expect(next.ok ? 'valid' : next.message).toBe('valid');
          expect(settingsOf(w.record())).toEqual(before);
          if (accepted) {
            acceptedRuns++;
            const granted = typeof fields.scope === 'string' ? fields.scope : undefined;
            expect(w.record().grantedScope).toBe(granted);
          }
        },
      ),
      { numRuns: 400 },
    );
    // Both branches are exercised: the property is not vacuous.
    expect(acceptedRuns).toBeGreaterThan(100);
  });
});

describe('Class: OrgRefresher — granted apart from requested', () => {
  it('a 2 000-character URL-style scope and a non-ASCII one are kept as grantedScope; `scope` stays the setting', async () => {
    for (const granted of [
      Array.from({ length: 60 }, (_, i) => `https://graph.example.com/tenant-${i}/Mail.ReadWrite.All`).join(' '),
      'tickets:read ëxtra',
    ]) {
      const w = refresherWorld();
      w.seed('org-1', { scope: 'openid', requiresOfflineAccess: true });
      w.endpoint.script = [() => ok('r2', 'a2', { scope: granted })];

      expect(await w.refresher.refresh({ orgId: 'org-1', version: 7 }, scope)).toMatchObject({ result: 'refreshed' });
      expect(w.record()).toMatchObject({ scope: 'openid', grantedScope: granted });
      // …and the next claim accepts the record: refreshed again, not RECORD_INVALID.
      w.endpoint.script = [() => ok('r3', 'a3')];
      expect(await w.refresher.refresh({ orgId: 'org-1', version: 8 }, scope, true)).toMatchObject({
        result: 'refreshed',
      });
      // An answer that names no scope granted what was requested: the old grantedScope goes.
      expect(w.record().grantedScope).toBeUndefined();
      expect(w.record().scope).toBe('openid');
    }
  });

  it('one bound for both: a scope of exactly the bound is committed; one character more is a bad response', async () => {
    const w = refresherWorld();
    w.seed();
    w.endpoint.script = [() => ok('r2', 'a2', { scope: 'é'.repeat(GRANTED_SCOPE_MAX_LENGTH) })];
    expect(await w.refresher.refresh({ orgId: 'org-1', version: 7 }, scope)).toMatchObject({ result: 'refreshed' });
    expect(parseRecord(w.record()).ok).toBe(true);

    w.endpoint.script = [() => ok('r3', 'a3', { scope: 'é'.repeat(GRANTED_SCOPE_MAX_LENGTH + 1) })];
    expect(await w.refresher.refresh({ orgId: 'org-1', version: 8 }, scope, true)).toMatchObject({
      code: 'BAD_RESPONSE',
    });
    // The rotated refresh token in it is salvaged, and the record stays one the next claim accepts.
    expect(w.record()).toMatchObject({ refreshToken: 'r3' });
    expect(parseRecord(w.record()).ok).toBe(true);
  });

  it('a downscoped answer changes nothing that is requested next', async () => {
    const w = refresherWorld();
    w.seed('org-1', { scope: 'tickets:read tickets:write' });
    w.endpoint.script = [() => ok('r2', 'a2', { scope: 'tickets:read' })];
    await w.refresher.refresh({ orgId: 'org-1', version: 7 }, scope);
    w.endpoint.script = [() => ok('r3', 'a3')];
    await w.refresher.refresh({ orgId: 'org-1', version: 8 }, scope, true);
    expect(new URLSearchParams(w.endpoint.requests[1]?.body).get('scope')).toBe('tickets:read tickets:write');
  });

  it('the offline_access check reads the granted scope, not the setting', async () => {
    const w = refresherWorld();
    w.seed('org-1', { scope: 'openid offline_access', requiresOfflineAccess: true });
    w.endpoint.script = [() => ok('r2', 'a2', { scope: 'openid' })];
    expect(await w.refresher.refresh({ orgId: 'org-1', version: 7 }, scope)).toMatchObject({
      warnings: ['SCOPE_MISSING_OFFLINE_ACCESS'],
    });
  });
});

describe('Records an older commit bricked (the provider scope in `scope`)', () => {
  const bricked = [
    ['over 1 024 characters', `openid ${'https://api.example.com/x '.repeat(60)}`.trim()],
    ['non-ASCII', 'tickets:read ëxtra'],
  ] as const;

  it.each(bricked)('%s: claimed, refreshed with no scope requested, the scope moved to grantedScope', async (_, s) => {
    const w = refresherWorld();
    w.seed('org-1', { scope: s });
    expect(parseRecord(w.record()).ok).toBe(false);
    w.endpoint.script = [() => ok('r2', 'a2')];

    const outcome = await w.refresher.refresh({ orgId: 'org-1', version: 7 }, scope);

    expect(outcome).toMatchObject({ result: 'refreshed' });
    expect(new URLSearchParams(w.endpoint.requests[0]?.body).has('scope')).toBe(false);
    expect(w.record().scope).toBeUndefined();
    expect(parseRecord(w.record()).ok).toBe(true);
    expect(w.log.lines.some((l) => l.level === 'warn' && l.message.includes('not a valid setting'))).toBe(true);
  });

  it('a failed refresh of a bricked org is an ordinary failure, not RECORD_INVALID (and the next commit repairs it)', async () => {
    const w = refresherWorld();
    w.seed('org-1', { scope: 'ëxtra' });
    w.endpoint.script = [() => ({ kind: 'no-response', reason: 'network', sent: false, detail: 'ECONNREFUSED' })];
    expect(await w.refresher.refresh({ orgId: 'org-1', version: 7 }, scope)).toMatchObject({ code: 'NETWORK_ERROR' });
    expect(w.record().attention).toBeUndefined();
  });
});

describe('Function: repairLegacyScope', () => {
  it.each<[string, Record<string, unknown>, object]>([
    ['no scope', { orgId: 'o' }, { decision: 'none', reason: 'NO_SCOPE' }],
    [
      'a valid setting (maybe an operator’s): untouched',
      { scope: 'openid' },
      { decision: 'none', reason: 'VALID_SETTING' },
    ],
    [
      'too long: moved to grantedScope',
      { scope: 'x'.repeat(1025) },
      { decision: 'repair', record: { grantedScope: 'x'.repeat(1025) } },
    ],
    ['non-ASCII: moved', { scope: 'ä' }, { decision: 'repair', record: { grantedScope: 'ä' } }],
    ['not even a string: dropped', { scope: 42 }, { decision: 'repair', record: {} }],
    [
      'longer than any granted scope: dropped',
      { scope: 'x'.repeat(GRANTED_SCOPE_MAX_LENGTH + 1) },
      { decision: 'repair', record: {} },
    ],
    [
      'a newer grantedScope is kept',
      { scope: 'ä', grantedScope: 'new' },
      { decision: 'repair', record: { grantedScope: 'new' } },
    ],
  ])('%s', (_, raw, expected) => {
    const result = repairLegacyScope(raw);
    expect(result).toMatchObject(expected);
    if (result.decision === 'repair') {
      expect(result.record).not.toHaveProperty('scope');
      expect(result.reason).toBe('SCOPE_WRITTEN_BY_A_COMMIT');
    }
  });
});
