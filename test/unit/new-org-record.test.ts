import { describe, expect, it } from 'vitest';
import { newOrgRecord } from '../../lambdas/core/new-org-record.js';
import { parseRecord } from '../../lambdas/core/record.js';
import { dueShardFor } from '../../lambdas/core/shard.js';

const genesys = {
  orgId: 'acme',
  provider: 'genesys',
  region: 'eu-west-1',
  grantType: 'refresh_token',
  clientSecretId: 'tenant-tokens/acme',
} as const;

describe('Function: newOrgRecord', () => {
  it('builds a valid ACTIVE record at version 0, due at refreshAt, in its own shard', () => {
    const item = newOrgRecord(genesys, { refreshToken: 'rt-value-123' }, { refreshAt: 1000, shardCount: 8 });
    expect(item).toMatchObject({ status: 'ACTIVE', version: 0, consecutiveFailures: 0, refreshAt: 1000 });
    expect(item.dueShard).toBe(dueShardFor('acme', 8));
    expect(parseRecord(item).ok).toBe(true);
  });

  it('never stores a refresh token for a client_credentials org', () => {
    const item = newOrgRecord(
      { ...genesys, grantType: 'client_credentials' },
      { refreshToken: 'stray' },
      { refreshAt: 1, shardCount: 1 },
    );
    expect(item).not.toHaveProperty('refreshToken');
    expect(parseRecord(item).ok).toBe(true);
  });

  it('leaves undefined settings out of the item (a document client may not strip them)', () => {
    const item = newOrgRecord(
      { ...genesys, scope: undefined },
      { refreshToken: 'rt' },
      { refreshAt: 1, shardCount: 1 },
    );
    expect(Object.keys(item)).not.toContain('scope');
  });

  it('with SHARD_COUNT 1 every org lands in shard 0, which every deployment sweeps', () => {
    expect(newOrgRecord(genesys, { refreshToken: 'rt' }, { refreshAt: 1, shardCount: 1 }).dueShard).toBe(0);
  });

  it('stamps statusSince and the grant’s issue time with the onboarding time, unless the grant says when', () => {
    const item = newOrgRecord(genesys, { refreshToken: 'rt' }, { refreshAt: 5, shardCount: 1, since: 4 });
    expect(item).toMatchObject({ statusSince: 4, grantIssuedAt: 4 });
    const handedOver = newOrgRecord(
      genesys,
      { refreshToken: 'rt', issuedAt: 3, fingerprint: 'sha256:abc' },
      { refreshAt: 5, shardCount: 1, since: 4 },
    );
    expect(handedOver).toMatchObject({ statusSince: 4, grantIssuedAt: 3, grantFingerprint: 'sha256:abc' });
    expect(parseRecord(handedOver).ok).toBe(true);
  });

  it('keeps no fingerprint for a client_credentials org (it has no refresh token)', () => {
    const item = newOrgRecord(
      { ...genesys, grantType: 'client_credentials' },
      { fingerprint: 'sha256:abc', issuedAt: 3 },
      { refreshAt: 1, shardCount: 1 },
    );
    expect(item).not.toHaveProperty('grantFingerprint');
    expect(item.grantIssuedAt).toBe(3);
  });
});
