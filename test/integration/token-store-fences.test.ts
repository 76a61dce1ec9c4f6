// The token store's fences on DynamoDB Local, one condition at a time: a claim needs the version the sweep saw, an
// ACTIVE org and no live lease; every later write needs the claim's owner and version. A claim leaves the version as
// it is, so after a lease is taken over only the owner tells the late holder from the new one: without that part of
// the condition a stalled refresher's commit would land over the new holder's lease. `npm run test:guards` removes
// each condition in turn and expects these (and the engine's tests) to fail.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DynamoDbTokenStore } from '../../lambdas/adapters/dynamodb-token-store.js';
import { ConditionFailedError } from '../../lambdas/core/errors.js';
import type { CommitRequest } from '../../lambdas/core/ports.js';
import { createHarness, type Harness } from '../support/harness.js';

let h: Harness;
let store: DynamoDbTokenStore;

beforeAll(async () => {
  h = await createHarness(inject('dynamoDbEndpoint'), { oauth: { accessTokenTtlSeconds: 3600 } });
  store = new DynamoDbTokenStore({ tableName: h.table, client: h.doc });
});
afterAll(async () => {
  await h.close();
});

const NOW = () => Date.now();
const claim = (orgId: string, version: number, owner: string, now = NOW()) =>
  store.claim({ orgId, expectedVersion: version, owner, leaseUntil: now + 60_000, now });
const commit = (orgId: string, version: number, owner: string): Promise<void> => {
  const req: CommitRequest = {
    orgId,
    claimedVersion: version,
    owner,
    accessToken: `access-of-${owner}`,
    refreshToken: `refresh-of-${owner}`,
    tokenType: 'Bearer',
    grantedScope: undefined,
    expiresAt: NOW() + 3_600_000,
    refreshAt: NOW() + 3_000_000,
    dueShard: 0,
    refreshedAt: NOW(),
  };
  return store.commit(req);
};

describe('Class: DynamoDbTokenStore — the claim’s condition', () => {
  it.each(['DISABLED', 'REAUTH_REQUIRED', 'REMOVED'])(
    'refuses an org that is %s, at its own version, unleased',
    async (status) => {
      const orgId = `fence-status-${status.toLowerCase()}`;
      const seeded = await h.seedOrg(orgId, { extra: { status } });
      await expect(claim(orgId, Number(seeded.version), 'run-A')).rejects.toBeInstanceOf(ConditionFailedError);
      expect((await h.getRecord(orgId))?.leaseOwner).toBeUndefined();
    },
  );

  it('refuses a live lease, up to and including its last millisecond, and takes one that has ended', async () => {
    const seeded = await h.seedOrg('fence-lease');
    const version = Number(seeded.version);
    const now = NOW();
    await store.claim({ orgId: 'fence-lease', expectedVersion: version, owner: 'run-A', leaseUntil: now + 5_000, now });
    await expect(claim('fence-lease', version, 'run-B', now + 4_999)).rejects.toBeInstanceOf(ConditionFailedError);
    await expect(claim('fence-lease', version, 'run-B', now + 5_000)).rejects.toBeInstanceOf(ConditionFailedError);
    const before = await claim('fence-lease', version, 'run-B', now + 5_001);
    expect(before.leaseOwner).toBe('run-A');
    expect((await h.getRecord('fence-lease'))?.leaseOwner).toBe('run-B');
  });

  it('refuses a version the table has moved past', async () => {
    const seeded = await h.seedOrg('fence-version');
    await expect(claim('fence-version', Number(seeded.version) - 1, 'run-A')).rejects.toBeInstanceOf(
      ConditionFailedError,
    );
  });
});

describe('Class: DynamoDbTokenStore — every later write’s condition', () => {
  it('a late holder’s commit after its lease was taken over (same version) is refused; the new holder’s stands', async () => {
    const seeded = await h.seedOrg('fence-owner');
    const version = Number(seeded.version);
    const now = NOW();
    await store.claim({
      orgId: 'fence-owner',
      expectedVersion: version,
      owner: 'run-A',
      leaseUntil: now - 1,
      now: now - 60_000,
    });
    // run-A stalled past its lease; run-B takes the org over. The claim leaves the version: only the owner differs.
    await claim('fence-owner', version, 'run-B', now);
    await expect(commit('fence-owner', version, 'run-A')).rejects.toBeInstanceOf(ConditionFailedError);
    const record = await h.getRecord('fence-owner');
    expect(record).toMatchObject({ leaseOwner: 'run-B', version });
    expect(record?.accessToken).not.toBe('access-of-run-A');
    expect(record?.refreshToken).toBe(seeded.refreshToken);
    await expect(
      store.release({
        orgId: 'fence-owner',
        claimedVersion: version,
        owner: 'run-A',
        refreshAt: now,
        error: undefined,
        attention: undefined,
        rotationAtRisk: false,
      }),
    ).rejects.toBeInstanceOf(ConditionFailedError);
    expect((await h.getRecord('fence-owner'))?.leaseOwner).toBe('run-B');
    // The holder itself commits.
    await commit('fence-owner', version, 'run-B');
    expect(await h.getRecord('fence-owner')).toMatchObject({ accessToken: 'access-of-run-B', version: version + 1 });
  });

  it('the owner’s commit at a version the table has moved past is refused', async () => {
    const seeded = await h.seedOrg('fence-owner-version');
    const version = Number(seeded.version);
    await claim('fence-owner-version', version, 'run-A');
    await expect(commit('fence-owner-version', version - 1, 'run-A')).rejects.toBeInstanceOf(ConditionFailedError);
    expect((await h.getRecord('fence-owner-version'))?.accessToken).not.toBe('access-of-run-A');
  });
});
