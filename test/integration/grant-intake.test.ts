// The grant intake against DynamoDB Local and a real OAuth server (oidc-provider, rotation and reuse detection on):
// a hand-over is stored with the table's fences, refreshed at once through the refresher's claim/commit path, and
// answered with the org's state; the reader then sees the token or the status.
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import type { GrantIntake } from '../../lambdas/intake/grant-intake.js';
import { createIntakeParts } from '../../lambdas/intake/handler.js';
import { createTokenReader, type TokenReader } from '../../reader/index.js';
import { CLIENTS, createHarness, type Harness, secretIdFor } from '../support/harness.js';

// lambdas/intake/handler.ts builds its default handler from the environment when it loads (Lambda's cold start).
vi.hoisted(() => {
  process.env.TABLE_NAME ??= 'imported-for-create-intake-parts';
});

let h: Harness;
let intake: GrantIntake;
let reader: TokenReader;
/** How many times the OAuth server received each refresh token. */
const sent = new Map<string, number>();

beforeAll(async () => {
  h = await createHarness(inject('dynamoDbEndpoint'));
  h.oauth.faultHook = (info) => {
    const rt = info.params.get('refresh_token');
    if (rt) sent.set(rt, (sent.get(rt) ?? 0) + 1);
    return undefined;
  };
  intake = createIntakeParts(h.env, { documentClient: h.doc, secretsClient: h.secretsClient }).intake;
  reader = createTokenReader({ tableName: h.table, client: h.ddb });
});
afterAll(async () => h.close());

const org = (orgId: string, over: Record<string, unknown> = {}) => ({
  orgId,
  provider: 'generic',
  grantType: 'refresh_token',
  tokenUrl: h.oauth.tokenUrl,
  clientAuth: 'basic',
  clientSecretId: secretIdFor(CLIENTS.basic.clientId),
  ...over,
});
const mint = (orgId: string) => h.oauth.mintRefreshToken(CLIENTS.basic.clientId, orgId);
const submit = async (orgId: string, refreshToken: string, issuedAt = Date.now()) =>
  (await intake.handle({ action: 'submitGrant', org: org(orgId), grant: { refreshToken, issuedAt } }, h.scope()))
    .answer;
const reauthorise = async (orgId: string, refreshToken: string, issuedAt = Date.now()) =>
  (await intake.handle({ action: 'reauthorise', orgId, grant: { refreshToken, issuedAt } }, h.scope())).answer;

describe('Class: GrantIntake (DynamoDB Local, oidc-provider)', () => {
  it('a good grant is stored, refreshed at once, answered ACTIVE with its expiry, and the reader sees the token', async () => {
    const rt = await mint('gi-good');
    const before = Date.now();

    const answer = await submit('gi-good', rt, before - 2000);

    const record = await h.getRecord('gi-good');
    expect(answer).toEqual({
      ok: true,
      orgId: 'gi-good',
      stored: true,
      status: 'ACTIVE',
      expiresAt: new Date(record?.expiresAt as number).toISOString(),
    });
    expect(sent.get(rt)).toBe(1);
    expect(record).toMatchObject({ status: 'ACTIVE', grantIssuedAt: before - 2000, consecutiveFailures: 0 });
    expect(record?.statusSince).toBeGreaterThanOrEqual(before);
    expect(record?.grantFingerprint).toMatch(/^sha256:/);
    expect(record?.refreshToken).not.toBe(rt); // rotated by the immediate refresh
    expect(await h.oauth.refreshTokenUsable(record?.refreshToken as string)).toBe(true);
    expect(await reader.getAccessToken('gi-good')).toBe(record?.accessToken);
    expect(await reader.getStatus('gi-good')).toMatchObject({ status: 'ACTIVE', needsReauthorisation: false });
  });

  it('a revoked grant: INVALID_GRANT, stored, the org REAUTH_REQUIRED since now with its reason, no refresh token kept', async () => {
    const rt = await mint('gi-revoked');
    await h.oauth.revokeGrant(rt);
    const before = Date.now();

    const answer = await submit('gi-revoked', rt);

    expect(answer).toMatchObject({
      ok: false,
      orgId: 'gi-revoked',
      stored: true,
      status: 'REAUTH_REQUIRED',
      error: { code: 'INVALID_GRANT', reason: 'INVALID_GRANT' },
    });
    const record = await h.getRecord('gi-revoked');
    expect(record).toMatchObject({
      status: 'REAUTH_REQUIRED',
      attention: 'REAUTH_REQUIRED',
      statusReason: 'INVALID_GRANT',
    });
    expect(record).not.toHaveProperty('refreshToken');
    expect(record?.statusSince).toBeGreaterThanOrEqual(before);
    const status = await reader.getStatus('gi-revoked');
    expect(status).toMatchObject({ status: 'REAUTH_REQUIRED', reason: 'INVALID_GRANT', needsReauthorisation: true });
    expect(status.since).toBe(record?.statusSince);

    // The customer authorises again; the app hands the new grant over and the org is back.
    const again = await reauthorise('gi-revoked', await mint('gi-revoked'));
    expect(again).toMatchObject({ ok: true, status: 'ACTIVE' });
    expect(await reader.getStatus('gi-revoked')).toMatchObject({ status: 'ACTIVE', reason: undefined });
  });

  it('a stale hand-over after a newer one loses, says so, and its refresh token is never sent', async () => {
    const now = Date.now();
    await submit('gi-stale', await mint('gi-stale'), now - 60_000);
    const newer = await mint('gi-stale');
    const older = await mint('gi-stale');
    expect(await reauthorise('gi-stale', newer, now - 1000)).toMatchObject({ ok: true });
    const kept = await h.getRecord('gi-stale');

    const answer = await reauthorise('gi-stale', older, now - 2000);

    expect(answer).toMatchObject({ ok: false, stored: false, status: 'ACTIVE', error: { code: 'STALE_GRANT' } });
    expect(sent.get(older)).toBeUndefined();
    expect(await h.getRecord('gi-stale')).toEqual(kept);
  });

  it('the same grant handed over twice (a retry) is answered from the org’s state and sent once', async () => {
    const rt = await mint('gi-repeat');
    const issuedAt = Date.now();
    const first = await submit('gi-repeat', rt, issuedAt);
    const version = (await h.getRecord('gi-repeat'))?.version;

    const second = await submit('gi-repeat', rt, issuedAt);
    const asReauth = await reauthorise('gi-repeat', rt, issuedAt + 5);

    expect(first).toMatchObject({ ok: true });
    expect(second).toEqual({ ...first, repeated: true });
    expect(asReauth).toEqual({ ...first, repeated: true });
    expect(sent.get(rt)).toBe(1);
    expect((await h.getRecord('gi-repeat'))?.version).toBe(version);
    expect(await h.oauth.refreshTokenUsable((await h.getRecord('gi-repeat'))?.refreshToken as string)).toBe(true);
  });

  it('refuses an existing org for submitGrant, an unknown one for reauthorise, and a disabled one, storing nothing', async () => {
    await submit('gi-exists', await mint('gi-exists'));
    const other = await mint('gi-exists');
    expect(await submit('gi-exists', other)).toMatchObject({ stored: false, error: { code: 'ORG_EXISTS' } });
    expect(await reauthorise('gi-nobody', other)).toMatchObject({ stored: false, error: { code: 'ORG_NOT_FOUND' } });
    await h.seedOrg('gi-disabled', { extra: { status: 'DISABLED' } });
    expect(await reauthorise('gi-disabled', other)).toMatchObject({
      stored: false,
      status: 'DISABLED',
      error: { code: 'ORG_DISABLED' },
    });
    expect(sent.get(other)).toBeUndefined();
  });

  it('waits for a refresher’s lease, and answers BUSY (nothing stored) when the lease outlasts its time', async () => {
    await h.seedOrg('gi-leased', { extra: { leaseOwner: 'sweep-1', leaseUntil: Date.now() + 1500 } });
    const rt = await mint('gi-leased');
    const tight = await intake.handle(
      { action: 'reauthorise', orgId: 'gi-leased', grant: { refreshToken: rt, issuedAt: Date.now() } },
      { owner: 'test', remainingMs: () => h.config.leaseMs + 1000 },
    );
    expect(tight.answer).toMatchObject({
      stored: false,
      error: { code: 'BUSY', retryAfterSeconds: expect.any(Number) },
    });
    expect(sent.get(rt)).toBeUndefined();

    const patient = await reauthorise('gi-leased', rt);
    expect(patient).toMatchObject({ ok: true, status: 'ACTIVE' });
  });

  it('a client_credentials org needs no refresh token and is answered with its first token', async () => {
    const answer = (
      await intake.handle(
        {
          action: 'submitGrant',
          org: org('gi-cc', { grantType: 'client_credentials', clientSecretId: secretIdFor(CLIENTS.cc.clientId) }),
          grant: { issuedAt: Date.now() },
        },
        h.scope(),
      )
    ).answer;
    expect(answer).toMatchObject({ ok: true, status: 'ACTIVE' });
  });
});

describe('Grant intake racing the scheduled sweep', () => {
  it('hand-overs during sweeps of the same orgs: every new grant sent exactly once, stored and usable', async () => {
    // Prepare: due orgs with a live grant; each gets a new grant while sweeps refresh them
    const ids = Array.from({ length: 12 }, (_, i) => `gi-race-${i}`);
    for (const id of ids) await h.seedOrg(id);
    const grants = new Map<string, string>();
    for (const id of ids) grants.set(id, await mint(id));
    const invalidGrantBefore = h.oauth.stats.invalidGrant;

    // Act: two sweeps and the hand-overs at once
    const runtime = h.runtime();
    const [answers, sweep1, sweep2] = await Promise.all([
      Promise.all(ids.map((id) => reauthorise(id, grants.get(id) as string))),
      runtime.run.sweep(h.scope()),
      runtime.run.sweep(h.scope()),
    ]);

    // Assess
    for (const answer of answers) expect(answer, JSON.stringify(answer)).toMatchObject({ ok: true, status: 'ACTIVE' });
    for (const id of ids) {
      expect(sent.get(grants.get(id) as string), id).toBe(1);
      const record = await h.getRecord(id);
      expect(record?.grantFingerprint).toBeDefined();
      expect(await h.oauth.refreshTokenUsable(record?.refreshToken as string), id).toBe(true);
    }
    expect(h.oauth.stats.invalidGrant).toBe(invalidGrantBefore);
    for (const s of [sweep1, sweep2])
      expect(s).toMatchObject({ notCommitted: 0, raceInvalidGrant: 0, rotationLost: 0 });
  });
});
