// Offboarding from the hosted app's side, against DynamoDB Local and oidc-provider: the intake's `removeOrg` (the
// GrantIntake directly, and the TypeScript client through the Lambda stand-in running the real handler), what the
// reader sees afterwards, and onboarding a removed org again: a newer grant does, the removed grant or an older one
// is refused as stale, reauthorise does not know the org.
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { DynamoDbGrantIntake } from '../../lambdas/adapters/dynamodb-grant-intake.js';
import type { GrantIntake } from '../../lambdas/intake/grant-intake.js';
import { createIntakeParts } from '../../lambdas/intake/handler.js';
import { LOCAL_INTAKE_FUNCTION, startIntakeStandIn } from '../../local/intake-stand-in.js';
import type { LambdaInvokeStandIn } from '../../local/lambda-invoke-stand-in.js';
import {
  createGrantIntake,
  createTokenReader,
  OrgNotFound,
  TenantRemoved,
  type TokenReader,
} from '../../reader/index.js';
import { CLIENTS, createHarness, type Harness, secretIdFor } from '../support/harness.js';

vi.hoisted(() => {
  process.env.TABLE_NAME ??= 'imported-for-create-intake-parts';
});

let h: Harness;
let intake: GrantIntake;
let reader: TokenReader;
let standIn: LambdaInvokeStandIn;
const savedEnv = { ...process.env };

beforeAll(async () => {
  h = await createHarness(inject('dynamoDbEndpoint'));
  intake = createIntakeParts(h.env, { documentClient: h.doc, secretsClient: h.secretsClient }).intake;
  reader = createTokenReader({ tableName: h.table, client: h.ddb });
  standIn = await startIntakeStandIn(h.env, { documentClient: h.doc, secretsClient: h.secretsClient });
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_LAMBDA: standIn.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_EC2_METADATA_DISABLED: 'true',
  });
});
afterAll(async () => {
  process.env = savedEnv;
  await standIn.stop();
  await h.close();
});

const org = (orgId: string) => ({
  orgId,
  provider: 'generic',
  grantType: 'refresh_token',
  tokenUrl: h.oauth.tokenUrl,
  revocationUrl: h.oauth.revocationUrl,
  clientAuth: 'basic',
  clientSecretId: secretIdFor(CLIENTS.basic.clientId),
});
const mint = (orgId: string) => h.oauth.mintRefreshToken(CLIENTS.basic.clientId, orgId);
const handle = async (payload: unknown) => (await intake.handle(payload, h.scope())).answer;
const submit = (orgId: string, refreshToken: string, issuedAt = Date.now()) =>
  handle({ action: 'submitGrant', org: org(orgId), grant: { refreshToken, issuedAt } });
const remove = (orgId: string) => handle({ action: 'removeOrg', orgId });

describe('Action: removeOrg (GrantIntake, DynamoDB Local, oidc-provider)', () => {
  it('removes: the answer says REMOVED, what was revoked, no secret held; the reader sees no token, only REMOVED', async () => {
    expect(await submit('ir-good', await mint('ir-good'), Date.now() - 1000)).toMatchObject({ ok: true });
    const before = await h.getRecord('ir-good');
    expect(await reader.getAccessToken('ir-good')).toBe(before?.accessToken);

    const answer = await remove('ir-good');

    const after = await h.getRecord('ir-good');
    expect(answer).toEqual({
      ok: true,
      orgId: 'ir-good',
      status: 'REMOVED',
      alreadyRemoved: false,
      removedAt: new Date(after?.removedAt as number).toISOString(),
      revocation: { refreshToken: 'REVOKED', accessToken: 'REVOKED' },
      secretsHeld: false,
    });
    expect(JSON.stringify(answer)).not.toContain(before?.refreshToken as string);
    // The reader caches a token until shortly before it expires: an app drops it when it removes the org.
    reader.invalidate('ir-good');
    await expect(reader.getAccessToken('ir-good')).rejects.toBeInstanceOf(TenantRemoved);
    await expect(createTokenReader({ tableName: h.table, client: h.ddb }).getToken('ir-good')).rejects.toMatchObject({
      code: 'TENANT_REMOVED',
      orgId: 'ir-good',
    });
    expect(await reader.getStatus('ir-good')).toMatchObject({
      status: 'REMOVED',
      reason: 'REMOVED_BY_APP',
      needsReauthorisation: false,
      accessTokenExpiresAt: undefined,
    });
    expect(await h.oauth.refreshTokenUsable(before?.refreshToken as string)).toBe(false);
  });

  it('again: already removed, nothing written; an unknown org: ORG_NOT_FOUND', async () => {
    await submit('ir-twice', await mint('ir-twice'));
    await remove('ir-twice');
    const tombstone = await h.getRecord('ir-twice');

    expect(await remove('ir-twice')).toEqual({
      ok: true,
      orgId: 'ir-twice',
      status: 'REMOVED',
      alreadyRemoved: true,
      removedAt: new Date(tombstone?.removedAt as number).toISOString(),
      secretsHeld: false,
    });
    expect(await h.getRecord('ir-twice')).toEqual(tombstone);
    expect(await remove('ir-nobody')).toMatchObject({
      ok: false,
      orgId: 'ir-nobody',
      stored: false,
      error: { code: 'ORG_NOT_FOUND' },
    });
  });

  it.each([
    [{ action: 'removeOrg' }, /orgId is required/],
    [{ action: 'removeOrg', orgId: 'bad id!' }, /orgId must be/],
    [{ action: 'removeOrg', orgId: 'ir-x', grant: {} }, /unknown field: grant/],
  ])('refuses a malformed removal %j with INVALID_PAYLOAD, naming the field', async (payload, message) => {
    expect(await handle(payload)).toMatchObject({
      ok: false,
      stored: false,
      error: { code: 'INVALID_PAYLOAD', message: expect.stringMatching(message) },
    });
  });

  it('onboarding again: the removed grant and an older one are stale, reauthorise knows no such org, a newer grant does it', async () => {
    const installed = await mint('ir-again');
    const installedAt = Date.now() - 60_000;
    await submit('ir-again', installed, installedAt);
    await remove('ir-again');
    const tombstone = await h.getRecord('ir-again');

    // A queue re-delivers the install's grant, with its own issue time or a later one: stale.
    expect(await submit('ir-again', installed, installedAt)).toMatchObject({ error: { code: 'STALE_GRANT' } });
    expect(await submit('ir-again', installed, Date.now())).toMatchObject({ error: { code: 'STALE_GRANT' } });
    // A grant issued before the removal: stale.
    expect(await submit('ir-again', await mint('ir-again'), (tombstone?.removedAt as number) - 1)).toMatchObject({
      stored: false,
      status: 'REMOVED',
      error: { code: 'STALE_GRANT' },
    });
    expect(
      await handle({
        action: 'reauthorise',
        orgId: 'ir-again',
        grant: { refreshToken: installed, issuedAt: Date.now() },
      }),
    ).toMatchObject({ error: { code: 'ORG_NOT_FOUND', message: expect.stringMatching(/removed.*submitGrant/) } });
    expect(await h.getRecord('ir-again')).toEqual(tombstone);

    // The customer installs the app again: a new grant, issued after the removal.
    const answer = await submit('ir-again', await mint('ir-again'), Date.now());

    expect(answer).toMatchObject({ ok: true, status: 'ACTIVE' });
    const record = await h.getRecord('ir-again');
    expect(record).toMatchObject({ status: 'ACTIVE' });
    expect(record?.version).toBeGreaterThan(tombstone?.version as number);
    expect(record).not.toHaveProperty('removedAt');
    expect(await reader.getAccessToken('ir-again')).toBe(record?.accessToken);
  });
});

describe('What onboarding a removed org again costs', () => {
  it('the failed first Put (charged, not reported), the conditional Put over the tombstone, then the usual refresh', async () => {
    await submit('ir-cost', await mint('ir-cost'));
    await remove('ir-cost');
    const ops: Record<string, { requests: number; units: number }> = {};
    const measured = createIntakeParts(h.env, {
      documentClient: h.doc,
      secretsClient: h.secretsClient,
      onCapacity: (operation, c) => {
        ops[operation] ??= { requests: 0, units: 0 };
        const entry = ops[operation];
        entry.requests++;
        entry.units += c?.CapacityUnits ?? 0;
      },
    }).intake;

    const answer = await measured.handle(
      {
        action: 'submitGrant',
        org: org('ir-cost'),
        grant: { refreshToken: await mint('ir-cost'), issuedAt: Date.now() },
      },
      h.scope(),
    );

    expect(answer.answer).toMatchObject({ ok: true, status: 'ACTIVE' });
    // Reported: the Put that replaced the tombstone (its item and its due-index entry), the refresher's consistent
    // read, claim and commit, and the intake's read for its answer. The first Put failed its condition: DynamoDB
    // charges it, the SDK reports nothing with the failure.
    expect(ops.intakePut).toEqual({ requests: 1, units: 2 });
    console.info(`re-onboarding cost: ${JSON.stringify(ops)}`);
  });
});

describe('Onboarding checks of the revocation URL (it receives the client secret)', () => {
  it('refuses a revocation URL off the allow-list like a token URL: RECORD_INVALID, nothing stored', async () => {
    const answer = await handle({
      action: 'submitGrant',
      org: { ...org('ir-evil'), revocationUrl: 'https://evil.example.net/revoke' },
      grant: { refreshToken: await mint('ir-evil'), issuedAt: Date.now() },
    });
    expect(answer).toMatchObject({
      ok: false,
      stored: false,
      error: {
        code: 'RECORD_INVALID',
        reason: 'TOKEN_HOST_NOT_ALLOWED',
        message: /org revocation URL: revocation host/,
      },
    });
    expect(await h.getRecord('ir-evil')).toBeUndefined();
  });
});

describe('Class: DynamoDbGrantIntake.replaceRemoved (the re-onboarding write itself)', () => {
  it('writes over the tombstone read only: not over another version, a newer watermark, or a live org', async () => {
    const store = new DynamoDbGrantIntake({ tableName: h.table, client: h.doc });
    await submit('ir-replace', await mint('ir-replace'));
    const live = (await h.getRecord('ir-replace')) as Record<string, unknown>;
    const item = { ...live, refreshToken: 'rt-replacement-0123456789' };
    // A live org is never overwritten, whatever the version said.
    expect(await store.replaceRemoved(item, live.version as number, Date.now() + 1)).toMatchObject({ stored: false });
    await remove('ir-replace');
    const tombstone = (await h.getRecord('ir-replace')) as Record<string, unknown>;
    const version = tombstone.version as number;
    const watermark = tombstone.grantIssuedAt as number;

    expect(await store.replaceRemoved(item, version - 1, watermark + 1)).toEqual({ stored: false, current: tombstone });
    expect(await store.replaceRemoved(item, version, watermark)).toEqual({ stored: false, current: tombstone });
    expect(await h.getRecord('ir-replace')).toEqual(tombstone);
    expect(await store.replaceRemoved({ ...item, version: version + 1 }, version, watermark + 1)).toEqual({
      stored: true,
    });
    expect(await h.getRecord('ir-replace')).toMatchObject({ refreshToken: 'rt-replacement-0123456789' });
  });
});

describe('Function: createGrantIntake().removeOrg (through the Lambda stand-in)', () => {
  it('resolves with what was revoked, then already removed; an unknown org throws OrgNotFound', async () => {
    const client = createGrantIntake({ functionName: LOCAL_INTAKE_FUNCTION });
    await client.submitGrant(org('cl-remove') as never, {
      refreshToken: await mint('cl-remove'),
      issuedAt: Date.now(),
    });
    const before = await h.getRecord('cl-remove');

    const removed = await client.removeOrg('cl-remove');

    expect(removed).toEqual({
      orgId: 'cl-remove',
      status: 'REMOVED',
      alreadyRemoved: false,
      removedAt: new Date((await h.getRecord('cl-remove'))?.removedAt as number),
      refreshToken: { result: 'REVOKED', reason: undefined, expiresAt: undefined },
      accessToken: { result: 'REVOKED', reason: undefined, expiresAt: undefined },
      secretsHeld: false,
    });
    expect(JSON.stringify(removed)).not.toContain(before?.refreshToken as string);
    expect(await client.removeOrg('cl-remove')).toMatchObject({ alreadyRemoved: true, refreshToken: undefined });
    await expect(client.removeOrg('cl-nobody')).rejects.toBeInstanceOf(OrgNotFound);
  });
});
