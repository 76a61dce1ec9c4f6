// What the grant intake tells a hosted app after a hand-over, one row per record state (and refresh outcome where
// the record cannot tell). The answer never carries a token: only the expiry, codes and fixed texts.
import { describe, expect, it } from 'vitest';
import { IntakeCode, rejection, stateAnswer } from '../../lambdas/intake/intake-answer.js';
import type { RefreshOutcome } from '../../lambdas/refresher/refresh-outcome.js';

const NOW = 1_750_000_000_000;
const ISSUED = NOW - 1000;
const AT = 'at-SECRET-0123456789';
const base = { orgId: 'acme', status: 'ACTIVE', grantIssuedAt: ISSUED, version: 3 };
const answer = (record: Record<string, unknown> | undefined, outcome?: RefreshOutcome, repeated = false) =>
  stateAnswer({ orgId: 'acme', record, grantIssuedAt: ISSUED, outcome, now: NOW, repeated });

describe('Function: stateAnswer', () => {
  it('ACTIVE with a valid access token → ok with its expiry (ISO), never the token', () => {
    const a = answer({ ...base, accessToken: AT, expiresAt: NOW + 3_600_000 });
    expect(a).toEqual({
      ok: true,
      orgId: 'acme',
      stored: true,
      status: 'ACTIVE',
      expiresAt: new Date(NOW + 3_600_000).toISOString(),
    });
    expect(JSON.stringify(a)).not.toContain(AT);
  });

  it('a repeated hand-over says so', () => {
    expect(answer({ ...base, accessToken: AT, expiresAt: NOW + 1 }, undefined, true)).toMatchObject({
      ok: true,
      repeated: true,
    });
  });

  it.each([
    [
      'REAUTH_REQUIRED after invalid_grant',
      { status: 'REAUTH_REQUIRED', statusReason: 'INVALID_GRANT' },
      undefined,
      IntakeCode.InvalidGrant,
      'INVALID_GRANT',
      true,
    ],
    [
      'REAUTH_REQUIRED without a reason field (lastError)',
      { status: 'REAUTH_REQUIRED', lastError: { code: 'ROTATION_LOST' } },
      undefined,
      IntakeCode.InvalidGrant,
      'ROTATION_LOST',
      true,
    ],
    ['disabled by an operator meanwhile', { status: 'DISABLED' }, undefined, IntakeCode.OrgDisabled, undefined, true],
    [
      'the client was refused',
      { lastError: { code: 'INVALID_CLIENT' } },
      undefined,
      IntakeCode.ClientMisconfigured,
      'INVALID_CLIENT',
      true,
    ],
    [
      'the client secret is missing',
      { lastError: { code: 'SECRET_NOT_FOUND' } },
      undefined,
      IntakeCode.ClientMisconfigured,
      'SECRET_NOT_FOUND',
      true,
    ],
    [
      'the provider is down',
      { lastError: { code: 'PROVIDER_UNAVAILABLE' } },
      undefined,
      IntakeCode.ProviderUnavailable,
      'PROVIDER_UNAVAILABLE',
      true,
    ],
    [
      'the provider timed out',
      { lastError: { code: 'TIMEOUT' } },
      undefined,
      IntakeCode.ProviderUnavailable,
      'TIMEOUT',
      true,
    ],
    [
      'an unusable answer (rotated token salvaged)',
      { lastError: { code: 'BAD_RESPONSE' } },
      undefined,
      IntakeCode.ProviderUnavailable,
      'BAD_RESPONSE',
      true,
    ],
    [
      'the record cannot be used',
      { lastError: { code: 'TOKEN_HOST_NOT_ALLOWED' } },
      undefined,
      IntakeCode.RecordInvalid,
      'TOKEN_HOST_NOT_ALLOWED',
      true,
    ],
    [
      'Secrets Manager is unavailable',
      { lastError: { code: 'SECRET_UNAVAILABLE' } },
      undefined,
      IntakeCode.Pending,
      'SECRET_UNAVAILABLE',
      true,
    ],
    [
      'the commit was refused (fenced)',
      {},
      { orgId: 'acme', result: 'failed', code: 'LEASE_LOST', failureClass: 'store', notCommitted: true },
      IntakeCode.Pending,
      'LEASE_LOST',
      true,
    ],
    [
      'another refresher holds it',
      {},
      { orgId: 'acme', result: 'skipped', reason: 'LEASED' },
      IntakeCode.Pending,
      'LEASED',
      true,
    ],
    [
      'no time was left to refresh',
      {},
      { orgId: 'acme', result: 'skipped', reason: 'OUT_OF_TIME' },
      IntakeCode.Pending,
      'OUT_OF_TIME',
      true,
    ],
    [
      'an expired token and nothing else known',
      { accessToken: AT, expiresAt: NOW - 1 },
      undefined,
      IntakeCode.Pending,
      undefined,
      true,
    ],
    [
      'a newer grant replaced it meanwhile',
      { grantIssuedAt: ISSUED + 1 },
      undefined,
      IntakeCode.StaleGrant,
      undefined,
      false,
    ],
  ] as const)('%s → %s', (_what, fields, outcome, code, reason, stored) => {
    const a = answer({ ...base, ...fields }, outcome as RefreshOutcome | undefined);
    expect(a.ok).toBe(false);
    if (a.ok) return;
    expect(a.stored).toBe(stored);
    expect(a.error.code).toBe(code);
    expect(a.error.reason).toBe(reason);
    expect(a.error.message.length).toBeGreaterThan(20);
    expect(JSON.stringify(a)).not.toContain(AT);
  });

  it('a record gone after the hand-over → ORG_NOT_FOUND, not stored', () => {
    expect(answer(undefined)).toMatchObject({ ok: false, stored: false, error: { code: 'ORG_NOT_FOUND' } });
  });
});

describe('Function: rejection', () => {
  it('says nothing was stored, with the code, the message and only the extras given', () => {
    expect(rejection(IntakeCode.Busy, 'try again', { orgId: 'acme', retryAfterSeconds: 3 })).toEqual({
      ok: false,
      orgId: 'acme',
      stored: false,
      error: { code: 'BUSY', message: 'try again', retryAfterSeconds: 3 },
    });
    expect(rejection(IntakeCode.InvalidPayload, 'bad')).toEqual({
      ok: false,
      stored: false,
      error: { code: 'INVALID_PAYLOAD', message: 'bad' },
    });
  });
});
