// The grant intake's conditional writes on DynamoDB Local: the fences hold in the database itself, not only in the
// decision made before the write (a refresher or another hand-over can move the record in between).
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DynamoDbGrantIntake } from '../../lambdas/adapters/dynamodb-grant-intake.js';
import { type GrantWrite, grantDecision } from '../../lambdas/core/grant-decision.js';
import { createHarness, type Harness } from '../support/harness.js';

let h: Harness;
let store: DynamoDbGrantIntake;
beforeAll(async () => {
  h = await createHarness(inject('dynamoDbEndpoint'));
  store = new DynamoDbGrantIntake({ tableName: h.table, client: h.doc });
});
afterAll(async () => h.close());

const NOW = Date.now();

/** The write the intake would make for a new grant issued at `issuedAt`, from the record as it is now. */
async function writeFor(orgId: string, issuedAt: number): Promise<GrantWrite> {
  const grant = { refreshToken: `rt-${orgId}-${issuedAt}-abcdef`, issuedAt, fingerprint: `sha256:${issuedAt}` };
  const decision = grantDecision(orgId, await store.get(orgId), grant, Date.now(), 4);
  if (decision.decision !== 'write') throw new Error(`expected a write, got ${decision.decision}`);
  return decision.write;
}

describe('Class: DynamoDbGrantIntake', () => {
  it('putNew refuses an org that exists and returns it, so a repeat can be told from another org', async () => {
    const item = await h.seedOrg('dgi-exists');
    const result = await store.putNew({ ...item, refreshToken: 'rt-other-0123456789' });
    expect(result).toEqual({ stored: false, current: expect.objectContaining({ orgId: 'dgi-exists' }) });
    expect((await h.getRecord('dgi-exists'))?.refreshToken).toBe(item.refreshToken);
  });

  it('storeGrant writes on the version read and clears the old grant’s state', async () => {
    await h.seedOrg('dgi-ok', {
      extra: { grantIssuedAt: NOW - 10_000, lastError: { code: 'X', message: 'x', at: 1 } },
    });
    const write = await writeFor('dgi-ok', NOW - 1000);
    expect(await store.storeGrant(write, Date.now())).toEqual({ stored: true });
    const record = await h.getRecord('dgi-ok');
    expect(record).toMatchObject({ grantIssuedAt: NOW - 1000, refreshToken: write.set.refreshToken, version: 1 });
    expect(record).not.toHaveProperty('lastError');
  });

  it('storeGrant loses to a newer grant stored after the decision was made (the database checks the issue time)', async () => {
    await h.seedOrg('dgi-newer', { extra: { grantIssuedAt: NOW - 10_000 } });
    const older = await writeFor('dgi-newer', NOW - 2000);
    // Another hand-over lands first, at the same version.
    expect(
      await store.storeGrant({ ...(await writeFor('dgi-newer', NOW - 1000)), expectedVersion: 0 }, Date.now()),
    ).toEqual({ stored: true });

    const result = await store.storeGrant(
      { ...older, expectedVersion: 1, set: { ...older.set, version: 2 } },
      Date.now(),
    );

    expect(result).toMatchObject({ stored: false, current: { grantIssuedAt: NOW - 1000 } });
    expect((await h.getRecord('dgi-newer'))?.grantIssuedAt).toBe(NOW - 1000);
  });

  it('storeGrant never writes under a live lease, and loses when the version moved', async () => {
    await h.seedOrg('dgi-lease');
    const write = await writeFor('dgi-lease', NOW);
    await h.seedOrg('dgi-lease', { extra: { leaseOwner: 'sweep', leaseUntil: Date.now() + 30_000 } });
    expect(await store.storeGrant(write, Date.now())).toMatchObject({
      stored: false,
      current: { leaseOwner: 'sweep' },
    });
    await h.seedOrg('dgi-lease', { extra: { version: 5 } });
    expect(await store.storeGrant(write, Date.now())).toMatchObject({ stored: false, current: { version: 5 } });
  });

  it('storeGrant for a hosted app writes only a record that is its own or names no app (the database checks)', async () => {
    await h.seedOrg('dgi-owned', { extra: { app: 'genesys' } });
    await h.seedOrg('dgi-legacy');
    await h.seedOrg('dgi-foreign', { extra: { app: 'zendesk' } });
    const as = async (orgId: string) => ({ ...(await writeFor(orgId, NOW)), owner: 'genesys' });

    expect(await store.storeGrant(await as('dgi-owned'), Date.now())).toEqual({ stored: true });
    expect(await store.storeGrant(await as('dgi-legacy'), Date.now())).toEqual({ stored: true });
    const foreign = await store.storeGrant(await as('dgi-foreign'), Date.now());

    expect(foreign).toMatchObject({ stored: false, current: { app: 'zendesk' } });
    expect((await h.getRecord('dgi-foreign'))?.version).toBe(0);
    // Without an owner (the implicit default app, operators) the app attribute is no condition.
    expect(await store.storeGrant(await writeFor('dgi-foreign', NOW), Date.now())).toEqual({ stored: true });
  });
});
