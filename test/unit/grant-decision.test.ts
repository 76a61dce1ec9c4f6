// What a hosted app's new grant does to an existing org (grant intake, reauthorise): one row per case, including the
// fences: never over a newer grant, never under a live lease, never a second time for the same refresh token.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { grantDecision, type HandedOverGrant, isRepeatedGrant } from '../../lambdas/core/grant-decision.js';
import { dueShardFor } from '../../lambdas/core/shard.js';

const NOW = 1_750_000_000_000;
const grant: HandedOverGrant = { refreshToken: 'rt-new-0123456789', issuedAt: NOW - 1000, fingerprint: 'sha256:new' };
const active = {
  orgId: 'acme',
  grantType: 'refresh_token',
  status: 'ACTIVE',
  version: 7,
  grantIssuedAt: NOW - 3_600_000,
  grantFingerprint: 'sha256:old',
};
const decide = (current: Record<string, unknown> | undefined, g: HandedOverGrant = grant) =>
  grantDecision('acme', current, g, NOW, 4);

describe('Function: grantDecision', () => {
  it.each([
    ['the org does not exist', undefined, 'ORG_NOT_FOUND', /submitGrant/],
    ['an operator disabled the org', { ...active, status: 'DISABLED' }, 'ORG_DISABLED', /enabled/],
    ['a refresh_token org gets no refresh token', active, 'INVALID_PAYLOAD', /grant.refreshToken is required/],
    [
      'a client_credentials org gets a refresh token',
      { ...active, grantType: 'client_credentials', grantFingerprint: undefined },
      'INVALID_PAYLOAD',
      /must be left out/,
    ],
    ['the stored grant is newer', { ...active, grantIssuedAt: NOW }, 'STALE_GRANT', /newer grant is kept/],
    [
      'the stored grant was issued at the same time',
      { ...active, grantIssuedAt: grant.issuedAt },
      'STALE_GRANT',
      /not before this one/,
    ],
    ['the record has no version', { ...active, version: 'x' }, 'RECORD_INVALID', /no valid version/],
  ])('refuses when %s (%s)', (what, current, code, message) => {
    const g = what.includes('gets no refresh token') ? { ...grant, refreshToken: undefined } : grant;
    const decision = decide(current as Record<string, unknown> | undefined, g);
    expect(decision).toMatchObject({ decision: 'reject', code });
    expect(decision.decision === 'reject' && decision.message).toMatch(message);
    expect(JSON.stringify(decision)).not.toContain(grant.refreshToken);
  });

  it('answers a repeated hand-over of the same refresh token from the record, whatever its issue time', () => {
    const current = { ...active, grantFingerprint: grant.fingerprint, grantIssuedAt: NOW - 5000 };
    expect(decide(current)).toEqual({ decision: 'repeat' });
    // Even an operator's disable after it: the answer is the org's state, nothing is written.
    expect(decide({ ...current, status: 'DISABLED' })).toEqual({ decision: 'repeat' });
  });

  it('waits for a live lease instead of writing under a refresher (and after it, decides again)', () => {
    expect(decide({ ...active, leaseOwner: 'run-1', leaseUntil: NOW + 20_000 })).toEqual({
      decision: 'wait',
      until: NOW + 20_000,
    });
    expect(decide({ ...active, leaseOwner: 'run-1', leaseUntil: NOW - 1 }).decision).toBe('write');
  });

  it('stores a newer grant: ACTIVE, due now, its fingerprint and issue time, the old grant’s state cleared', () => {
    const decision = decide({ ...active, status: 'REAUTH_REQUIRED', statusReason: 'INVALID_GRANT' });
    expect(decision).toEqual({
      decision: 'write',
      write: {
        orgId: 'acme',
        expectedVersion: 7,
        issuedAt: grant.issuedAt,
        fingerprint: grant.fingerprint,
        set: {
          status: 'ACTIVE',
          statusSince: NOW,
          refreshToken: grant.refreshToken,
          grantFingerprint: grant.fingerprint,
          // The grant it replaces is remembered: a replay of it is stale, whatever issue time it claims.
          replacedGrants: ['sha256:old'],
          grantIssuedAt: grant.issuedAt,
          refreshAt: NOW,
          dueShard: dueShardFor('acme', 4),
          consecutiveFailures: 0,
          version: 8,
        },
        remove: [
          'statusReason',
          'attention',
          'lastError',
          'rotationAtRisk',
          'leaseOwner',
          'leaseUntil',
          'accessToken',
          'expiresAt',
          'tokenType',
          // The old grant's refresh-token expiry is not the new grant's (it would warn, and schedule, wrongly).
          'refreshTokenExpiresAt',
        ],
      },
    });
  });

  it('keeps statusSince of an org that stays ACTIVE, and takes a record from before grant issue times', () => {
    const { grantIssuedAt: _none, ...legacy } = active;
    const decision = decide(legacy);
    expect(decision.decision === 'write' && decision.write.set).not.toHaveProperty('statusSince');
  });

  it('a client_credentials org: no refresh token or fingerprint is stored, an old fingerprint is removed', () => {
    const cc: HandedOverGrant = { refreshToken: undefined, issuedAt: NOW, fingerprint: undefined };
    const decision = decide({ ...active, grantType: 'client_credentials', grantFingerprint: undefined }, cc);
    expect(decision.decision).toBe('write');
    if (decision.decision !== 'write') return;
    expect(decision.write.set).not.toHaveProperty('refreshToken');
    expect(decision.write.set).not.toHaveProperty('grantFingerprint');
    expect(decision.write.remove).toContain('grantFingerprint');
  });
});

describe('Function: grantDecision — replays of replaced grants', () => {
  it('refuses a grant the org held before as STALE_GRANT even when it claims a newer issue time', () => {
    const current = { ...active, grantFingerprint: 'sha256:b', replacedGrants: ['sha256:a'] };
    const replay = { ...grant, fingerprint: 'sha256:a', issuedAt: NOW };
    const decision = decide(current, replay);
    expect(decision).toMatchObject({ decision: 'reject', code: 'STALE_GRANT' });
    expect(decision.decision === 'reject' && decision.message).toMatch(/held this grant before/);
  });

  it('remembers the last four replaced grants, newest first, and no fingerprint twice', () => {
    const current = {
      ...active,
      grantFingerprint: 'sha256:e',
      replacedGrants: ['sha256:d', 'sha256:c', 'sha256:b', 'sha256:a'],
    };
    const decision = decide(current);
    if (decision.decision !== 'write') throw new Error('expected a write');
    expect(decision.write.set.replacedGrants).toEqual(['sha256:e', 'sha256:d', 'sha256:c', 'sha256:b']);
    // The oldest fell out: it is no longer recognised as a replay, only by its (older) issue time.
    const after = { ...current, ...decision.write.set };
    expect(decide(after, { ...grant, fingerprint: 'sha256:a', issuedAt: NOW }).decision).toBe('write');
    expect(decide(after, { ...grant, fingerprint: 'sha256:b', issuedAt: NOW }).decision).toBe('reject');
  });

  it('property: after any sequence of newer grants, replaying any of the last four replaced ones is stale', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.stringMatching(/^[0-9a-f]{12}$/), { minLength: 2, maxLength: 9 }), (ids) => {
        let record: Record<string, unknown> = { ...active, grantFingerprint: `sha256:${ids[0]}`, grantIssuedAt: 1 };
        ids.slice(1).forEach((id, i) => {
          const d = decide(record, { ...grant, fingerprint: `sha256:${id}`, issuedAt: 2 + i });
          if (d.decision !== 'write') throw new Error(`expected a write, got ${d.decision}`);
          record = { ...record, ...d.write.set };
        });
        const replaced = ids.slice(0, -1).reverse().slice(0, 4);
        for (const id of replaced) {
          const replay = decide(record, { ...grant, fingerprint: `sha256:${id}`, issuedAt: NOW });
          expect(replay).toMatchObject({ decision: 'reject', code: 'STALE_GRANT' });
        }
      }),
    );
  });
});

describe('Function: grantDecision — an own client handed over', () => {
  it("a reinstalled app's new client replaces the stored one, and a shared client reference gives way to it", () => {
    const cc: HandedOverGrant = {
      refreshToken: undefined,
      issuedAt: NOW,
      fingerprint: undefined,
      client: { clientId: 'new-client', clientSecret: 'new-client-secret-0123' },
    };
    const decision = decide({ ...active, grantType: 'client_credentials', clientSecretId: 'tenant-tokens/x' }, cc);
    expect(decision.decision === 'write' && decision.write.set).toMatchObject({
      clientId: 'new-client',
      clientSecret: 'new-client-secret-0123',
    });
    expect(decision.decision === 'write' && decision.write.remove).toContain('clientSecretId');
  });
});

describe('Function: isRepeatedGrant', () => {
  it.each([
    ['the same refresh token', { grantFingerprint: 'sha256:a' }, { fingerprint: 'sha256:a', issuedAt: 1 }, true],
    ['another refresh token', { grantFingerprint: 'sha256:a' }, { fingerprint: 'sha256:b', issuedAt: 1 }, false],
    ['client credentials at the same issue time', { grantIssuedAt: 5 }, { fingerprint: undefined, issuedAt: 5 }, true],
    ['client credentials at another issue time', { grantIssuedAt: 5 }, { fingerprint: undefined, issuedAt: 6 }, false],
    ['a token against a record without one', { grantIssuedAt: 5 }, { fingerprint: 'sha256:a', issuedAt: 5 }, false],
  ])('%s → %s', (_what, current, g, repeated) => {
    expect(isRepeatedGrant(current, { refreshToken: undefined, ...g })).toBe(repeated);
  });
});

// Mutants of grant-decision.ts survived without these.
describe('Function: grantDecision — edges', () => {
  it('a removed org is not found for reauthorise, even for the very grant it was removed with', () => {
    const removed = { ...active, status: 'REMOVED', grantFingerprint: grant.fingerprint };
    const decision = decide(removed);
    expect(decision).toMatchObject({ decision: 'reject', code: 'ORG_NOT_FOUND' });
    expect(decision.decision === 'reject' && decision.message).toMatch(
      /was removed: hand a new grant over with submitGrant/,
    );
  });

  it('a lease that ends this very millisecond is still live: wait', () => {
    expect(decide({ ...active, leaseOwner: 'run-1', leaseUntil: NOW })).toEqual({ decision: 'wait', until: NOW });
  });

  it('ignores what is not a fingerprint in the replaced list, and never lists the outgoing grant twice', () => {
    const current = { ...active, grantFingerprint: 'sha256:a', replacedGrants: ['sha256:b', 42, null, 'sha256:a'] };
    const decision = decide(current);
    if (decision.decision !== 'write') throw new Error('expected a write');
    expect(decision.write.set.replacedGrants).toEqual(['sha256:a', 'sha256:b']);
  });

  it('a record without a fingerprint (or with one that is not text) starts no replaced list', () => {
    for (const grantFingerprint of [undefined, 5]) {
      const decision = decide({ ...active, grantFingerprint });
      if (decision.decision !== 'write') throw new Error('expected a write');
      expect(decision.write.set).not.toHaveProperty('replacedGrants');
    }
  });
});
