// What a removal does to an org's record, and what a later first grant does to what is left: one row per case,
// including the fences (never under a live lease, on the version read) and what the tombstone keeps and drops.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseRecord } from '../../lambdas/core/record.js';
import { REMOVED_BY_A_TOMBSTONE, RemovedBy, removalDecision, resubmitDecision } from '../../lambdas/core/removal.js';

const NOW = 1_750_000_000_000;
const active = {
  orgId: 'acme',
  provider: 'generic',
  grantType: 'refresh_token',
  tokenUrl: 'https://idp.example.com/oauth/token',
  clientId: 'own-client',
  clientSecret: 'own-client-secret-0123456789',
  refreshToken: 'rt-0123456789abcdef',
  accessToken: 'at-0123456789abcdef',
  tokenType: 'Bearer',
  expiresAt: NOW + 3_600_000,
  refreshTokenExpiresAt: NOW + 86_400_000,
  refreshAt: NOW + 1_800_000,
  dueShard: 2,
  status: 'ACTIVE',
  statusSince: NOW - 86_400_000,
  version: 7,
  consecutiveFailures: 2,
  attention: 'EXPIRED',
  rotationAtRisk: true,
  lastError: { code: 'TIMEOUT', message: 'no answer', at: NOW - 60_000 },
  grantIssuedAt: NOW - 3_600_000,
  grantFingerprint: 'sha256:install',
};
const decide = (current: Record<string, unknown> | undefined, by = RemovedBy.App) =>
  removalDecision('acme', current, NOW, by);

/** The record after the write, as DynamoDB would leave it. */
function applied(current: Record<string, unknown>): Record<string, unknown> {
  const d = decide(current);
  if (d.decision !== 'write') throw new Error(`expected a write, got ${d.decision}`);
  const after: Record<string, unknown> = { ...current, ...d.write.set };
  for (const attribute of d.write.remove) delete after[attribute];
  return after;
}

describe('Function: removalDecision', () => {
  it('an unknown org is not found, and nothing is written', () => {
    expect(decide(undefined)).toEqual({ decision: 'not_found', reason: 'ORG_NOT_FOUND' });
  });

  it('a removed org is already removed: nothing written, nothing revoked again (idempotent)', () => {
    const tombstone = applied(active);
    expect(decide(tombstone)).toEqual({ decision: 'already_removed', reason: 'ALREADY_REMOVED', removedAt: NOW });
  });

  it('waits for a live lease instead of writing under a refresher, and writes once it has ended', () => {
    expect(decide({ ...active, leaseOwner: 'run-1', leaseUntil: NOW + 20_000 })).toEqual({
      decision: 'wait',
      reason: 'LEASED',
      until: NOW + 20_000,
    });
    expect(decide({ ...active, leaseOwner: 'run-1', leaseUntil: NOW }).decision).toBe('wait');
    expect(decide({ ...active, leaseOwner: 'run-1', leaseUntil: NOW - 1 }).decision).toBe('write');
  });

  it('a record without a version is refused, not guessed at', () => {
    expect(decide({ ...active, version: 'x' })).toMatchObject({ decision: 'reject', reason: 'RECORD_INVALID' });
  });

  it('the write is fenced on the version read and moves it on', () => {
    const d = decide(active);
    expect(d).toMatchObject({ decision: 'write', write: { orgId: 'acme', expectedVersion: 7, removedAt: NOW } });
    expect(d.decision === 'write' && d.write.set.version).toBe(8);
  });

  it('the tombstone: REMOVED since now, by whom, no token, no client secret, in no index, no lease', () => {
    const after = applied(active);
    expect(after).toMatchObject({
      status: 'REMOVED',
      statusSince: NOW,
      statusReason: 'REMOVED_BY_APP',
      removedAt: NOW,
      consecutiveFailures: 0,
      version: 8,
    });
    for (const gone of [
      'accessToken',
      'refreshToken',
      'clientSecret',
      'clientId',
      'refreshTokenExpiresAt',
      'expiresAt',
      'dueShard',
      'attention',
      'leaseOwner',
      'leaseUntil',
      'lastError',
      'rotationAtRisk',
    ]) {
      expect(after, gone).not.toHaveProperty(gone);
    }
    // Settings stay for operators; the record is still a valid record.
    expect(after).toMatchObject({ provider: 'generic', tokenUrl: active.tokenUrl, grantType: 'refresh_token' });
    expect(parseRecord(after)).toMatchObject({ ok: true });
    expect(applied({ ...active, leaseUntil: NOW - 5 }).statusReason).toBe('REMOVED_BY_APP');
    const byOperator = removalDecision('acme', active, NOW, RemovedBy.Operator);
    expect(byOperator.decision === 'write' && byOperator.write.set.statusReason).toBe('REMOVED_BY_OPERATOR');
  });

  it('the grant watermark is the removal time, and never moves back past a stored grant', () => {
    expect(applied(active).grantIssuedAt).toBe(NOW);
    expect(applied({ ...active, grantIssuedAt: NOW + 60_000 }).grantIssuedAt).toBe(NOW + 60_000);
    const { grantIssuedAt: _none, ...withoutGrantTime } = active;
    expect(applied(withoutGrantTime).grantIssuedAt).toBe(NOW);
  });

  it('property: whatever the record held, the tombstone holds no secret and is in neither index', () => {
    const secret = fc.string({ minLength: 8, maxLength: 40 }).map((s) => `secret-${s}`);
    fc.assert(
      fc.property(
        fc.record({
          accessToken: fc.option(secret, { nil: undefined }),
          refreshToken: fc.option(secret, { nil: undefined }),
          clientSecret: fc.option(secret, { nil: undefined }),
          status: fc.constantFrom('ACTIVE', 'REAUTH_REQUIRED', 'DISABLED'),
          version: fc.nat(1_000),
          leaseUntil: fc.option(fc.integer({ min: NOW - 100_000, max: NOW - 1 }), { nil: undefined }),
        }),
        (r) => {
          const current = { ...active, ...r };
          const after = applied(current);
          const text = JSON.stringify(after);
          for (const value of [r.accessToken, r.refreshToken, r.clientSecret]) {
            if (value !== undefined) expect(text).not.toContain(value);
          }
          expect(after).not.toHaveProperty('dueShard');
          expect(after).not.toHaveProperty('attention');
          expect(after.version).toBe(r.version + 1);
        },
      ),
    );
  });

  it('names every secret-bearing attribute of the record among what a tombstone removes', () => {
    for (const secret of ['accessToken', 'refreshToken', 'clientSecret']) {
      expect(REMOVED_BY_A_TOMBSTONE).toContain(secret);
    }
  });
});

describe('Function: resubmitDecision (a first grant meets a record with the org id)', () => {
  const tombstone = applied(active);
  const grant = (issuedAt: number, fingerprint?: string) => ({ issuedAt, fingerprint });

  it('a grant issued after the removal onboards the org again, over the tombstone read, remembering the removed grant', () => {
    expect(resubmitDecision('acme', tombstone, grant(NOW + 1, 'sha256:reinstall'))).toEqual({
      decision: 'replace',
      reason: 'ONBOARD_AGAIN',
      expectedVersion: 8,
      // A replay of the grant the org was removed with stays stale after it is onboarded again.
      carried: { replacedGrants: [tombstone.grantFingerprint] },
    });
  });

  it('refuses a replay of a grant the org held before it was removed and a newer one replaced (replacedGrants)', () => {
    const held = { ...tombstone, replacedGrants: ['sha256:older'] };
    expect(resubmitDecision('acme', held, grant(NOW + 60_000, 'sha256:older'))).toMatchObject({
      decision: 'reject',
      reason: 'STALE_GRANT',
    });
  });

  it.each([
    ['a grant issued before the removal (a queue re-delivering the install grant)', grant(NOW - 1, 'sha256:other')],
    ['a grant issued at the removal time', grant(NOW, 'sha256:other')],
    ['the very grant the org was removed with, whatever its issue time', grant(NOW + 60_000, 'sha256:install')],
  ])('refuses %s as stale', (_what, g) => {
    const d = resubmitDecision('acme', tombstone, g);
    expect(d).toMatchObject({ decision: 'reject', reason: 'STALE_GRANT' });
  });

  it('a record that is not a tombstone exists: the hand-over is ORG_EXISTS as before', () => {
    expect(resubmitDecision('acme', active, grant(NOW + 1))).toMatchObject({
      decision: 'reject',
      reason: 'ORG_EXISTS',
    });
  });

  it('a client_credentials grant (no fingerprint) is ordered by its issue time alone', () => {
    expect(resubmitDecision('acme', tombstone, grant(NOW + 1)).decision).toBe('replace');
    expect(resubmitDecision('acme', tombstone, grant(NOW - 1)).decision).toBe('reject');
  });
});
