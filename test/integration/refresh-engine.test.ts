// The refresh engine end to end on DynamoDB Local and a real rotating oidc-provider.
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { TABLE_SCHEMA } from '../../lambdas/table-schema.js';
import { CLIENTS, createHarness, type Harness } from '../support/harness.js';

let h: Harness;
/** For the tests that wait for a timeout on purpose. */
const SHORT_TIMEOUT = { httpTimeoutMs: 1000 };

beforeAll(async () => {
  h = await createHarness(inject('dynamoDbEndpoint'), { oauth: { accessTokenTtlSeconds: 3600 } });
});
afterAll(async () => {
  await h.close();
});
afterEach(() => {
  h.oauth.faultHook = undefined;
});

const orgIds = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => `${prefix}-${String(i).padStart(4, '0')}`);

async function dueIndexOrgs(harness: Harness): Promise<string[]> {
  const found: string[] = [];
  for (let shard = 0; shard < harness.config.shardCount; shard++) {
    const out = await harness.doc.send(
      new QueryCommand({
        TableName: harness.table,
        IndexName: TABLE_SCHEMA.dueIndex.name,
        KeyConditionExpression: 'dueShard = :s',
        ExpressionAttributeValues: { ':s': shard },
      }),
    );
    found.push(...(out.Items ?? []).map((i) => String(i.orgId)));
  }
  return found;
}

describe('Sweep: due selection', () => {
  it('claims only orgs whose refreshAt has passed, and leaves the others untouched', async () => {
    const due = orgIds('due-sel-due', 5);
    const notDue = orgIds('due-sel-later', 5);
    for (const id of due) await h.seedOrg(id);
    for (const id of notDue) await h.seedOrg(id, { refreshAt: Date.now() + 3_600_000 });
    const run = h.runtime().run;

    const summary = await run.sweep(h.scope());

    expect(summary).toMatchObject({ due: 5, refreshed: 5, failedTotal: 0 });
    for (const id of due)
      expect(await h.getRecord(id), id).toMatchObject({ version: 1, accessToken: expect.any(String) });
    for (const id of notDue) expect((await h.getRecord(id))?.version, id).toBe(0);
  });

  it('sets the next refreshAt inside (issue time, expiry − window/2] so nothing is due right after a refresh', async () => {
    const [id] = orgIds('due-next', 1) as [string];
    await h.seedOrg(id);
    const before = Date.now();
    await h.runtime().run.refreshOrgs([id], h.scope());
    const rec = await h.getRecord(id);
    const expiresAt = rec?.expiresAt as number;
    expect(expiresAt).toBeGreaterThanOrEqual(before + 3_600_000 - 1000);
    expect(rec?.refreshAt as number).toBeLessThanOrEqual(expiresAt - h.config.refreshWindowMs);
    expect(rec?.refreshAt as number).toBeGreaterThan(before);
    // A second sweep right away finds nothing due for this org.
    const again = await h.runtime().run.sweep(h.scope());
    expect(again.skipped.NOT_DUE ?? 0).toBe(0);
    expect((await h.getRecord(id))?.version).toBe(rec?.version);
  });
});

describe('Rotation under concurrency', () => {
  // Its own harness with a 10 s HTTP timeout: 32 requests in flight on a busy 2-core machine can take longer than the
  // shared harness's 1 s, and a timeout after sending is an ambiguous outcome (released at risk, not rotated), which
  // is not what this test is about.
  let r: Harness;
  beforeAll(async () => {
    r = await createHarness(inject('dynamoDbEndpoint'), {
      settings: { httpTimeoutMs: 10000, leaseSeconds: 40, lambdaTimeoutSeconds: 120 },
      oauth: { accessTokenTtlSeconds: 3600 },
    });
  });
  afterAll(async () => {
    await r.close();
  });

  it('two runs at once over 200 orgs rotate every org exactly once with 0 invalid_grant', async () => {
    const ids = orgIds('race', 200);
    const initial = new Map<string, string>();
    for (const id of ids) initial.set(id, (await r.seedOrg(id)).refreshToken as string);
    const invalidGrantBefore = r.oauth.stats.invalidGrant;
    const successesBefore = r.oauth.stats.successes;

    const [a, b] = await Promise.all([
      r.runtime().run.sweep(r.scope(300_000)),
      r.runtime().run.sweep(r.scope(300_000)),
    ]);

    expect({ a: a.failed, b: b.failed }).toEqual({ a: {}, b: {} });
    expect(r.oauth.stats.invalidGrant - invalidGrantBefore).toBe(0);
    expect(a.raceInvalidGrant + b.raceInvalidGrant).toBe(0);
    // Each org was refreshed by exactly one of the two runs.
    const raceRefreshed = ids.length;
    expect(r.oauth.stats.successes - successesBefore).toBe(raceRefreshed);
    for (const id of ids) {
      const rec = await r.getRecord(id);
      expect(rec?.version, id).toBe(1);
      expect(rec?.refreshToken).not.toBe(initial.get(id));
      expect(await r.oauth.refreshTokenUsable(rec?.refreshToken as string), id).toBe(true);
      expect(rec?.leaseOwner).toBeUndefined();
    }
  });
});

describe('Strict rotation (Zendesk semantics)', () => {
  it('stores the new pair; the old refresh token and the old access token are dead afterwards', async () => {
    const id = 'strict-org';
    const seeded = await h.seedOrg(id, { clientKey: 'post' });
    const run = h.runtime().run;
    await run.refreshOrgs([id], h.scope());
    const first = await h.getRecord(id);
    await run.refreshOrgs([id], h.scope());
    const second = await h.getRecord(id);

    expect(second?.accessToken).not.toBe(first?.accessToken);
    expect(await h.oauth.accessTokenValid(first?.accessToken as string)).toBe(false);
    expect(await h.oauth.accessTokenValid(second?.accessToken as string)).toBe(true);
    expect(await h.oauth.refreshTokenUsable(seeded.refreshToken as string)).toBe(false);
    expect(await h.oauth.refreshTokenUsable(second?.refreshToken as string)).toBe(true);
  });
});

describe('Dead grant', () => {
  it('invalid_grant moves the org to REAUTH_REQUIRED, out of the due index, into the attention index', async () => {
    const id = 'revoked-org';
    const seeded = await h.seedOrg(id);
    await h.oauth.revokeGrant(seeded.refreshToken as string);

    const summary = await h.runtime().run.refreshOrgs([id], h.scope());

    expect(summary.failed).toEqual({ INVALID_GRANT: 1 });
    expect(summary.reauthRequired).toBe(1);
    const rec = await h.getRecord(id);
    expect(rec).toMatchObject({
      status: 'REAUTH_REQUIRED',
      attention: 'REAUTH_REQUIRED',
      lastError: { code: 'INVALID_GRANT' },
    });
    expect(rec?.dueShard).toBeUndefined();
    expect(rec?.refreshToken).toBeUndefined();
    expect(await dueIndexOrgs(h)).not.toContain(id);
    expect((await h.runtime().store.attentionCounts()).REAUTH_REQUIRED).toBeGreaterThanOrEqual(1);
  });
});

describe('Transient provider failures', () => {
  it.each([
    [
      '500',
      { kind: 'status', status: 500, body: '<html>oops</html>', contentType: 'text/html' },
      'PROVIDER_UNAVAILABLE',
    ],
    ['429 + Retry-After', { kind: 'status', status: 429, headers: { 'retry-after': '120' } }, 'RATE_LIMITED'],
  ] as const)(
    '%s: backs off, keeps the refresh token usable, and refreshes once the provider recovers',
    async (_, fault, code) => {
      const id = `transient-${code}`;
      const seeded = await h.seedOrg(id);
      h.oauth.faultHook = () => fault;
      const before = Date.now();

      const summary = await h.runtime().run.refreshOrgs([id], h.scope());

      expect(summary.failed).toEqual({ [code]: 1 });
      const rec = await h.getRecord(id);
      expect(rec).toMatchObject({ status: 'ACTIVE', consecutiveFailures: 1, lastError: { code } });
      expect(rec?.refreshToken).toBe(seeded.refreshToken);
      expect(rec?.refreshAt as number).toBeGreaterThan(before);
      if (code === 'RATE_LIMITED') expect(rec?.refreshAt as number).toBeGreaterThanOrEqual(before + 120_000);
      expect(await h.oauth.refreshTokenUsable(seeded.refreshToken as string)).toBe(true);

      h.oauth.faultHook = undefined;
      const retry = await h.runtime().run.refreshOrgs([id], h.scope());
      expect(retry.refreshed).toBe(1);
      expect(await h.getRecord(id)).toMatchObject({ consecutiveFailures: 0 });
    },
  );

  it('a timeout before the server processed the request: released at risk, and the next attempt succeeds with the same refresh token', async () => {
    const id = 'timeout-before';
    const seeded = await h.seedOrg(id);
    let calls = 0;
    h.oauth.faultHook = () => (calls++ === 0 ? { kind: 'hang-before' } : undefined);

    const first = await h.runtime({}, SHORT_TIMEOUT).run.refreshOrgs([id], h.scope());

    expect(first.failed).toEqual({ AMBIGUOUS_OUTCOME: 1 });
    expect(calls).toBe(1);
    expect(await h.getRecord(id)).toMatchObject({ status: 'ACTIVE', rotationAtRisk: true });
    expect(await h.oauth.refreshTokenUsable(seeded.refreshToken as string)).toBe(true);

    const second = await h.runtime().run.refreshOrgs([id], h.scope());
    expect(second.refreshed).toBe(1);
    expect(second.ambiguous).toBe(1);
    expect(await h.getRecord(id)).toMatchObject({ version: 2, status: 'ACTIVE' });
  });

  it('a timeout after the server rotated: reported as ROTATION_LOST at the next attempt, never as an ordinary re-auth', async () => {
    const id = 'timeout-after';
    await h.seedOrg(id);
    let calls = 0;
    h.oauth.faultHook = () => (calls++ === 0 ? { kind: 'hang-after' } : undefined);

    const first = await h.runtime({}, SHORT_TIMEOUT).run.refreshOrgs([id], h.scope());
    expect(first.failed).toEqual({ AMBIGUOUS_OUTCOME: 1 });
    const second = await h.runtime().run.refreshOrgs([id], h.scope());

    expect(second.failed).toEqual({ ROTATION_LOST: 1 });
    expect(second.rotationLost).toBe(1);
    expect(await h.getRecord(id)).toMatchObject({ status: 'REAUTH_REQUIRED', lastError: { code: 'ROTATION_LOST' } });
  });

  it('a request the server processes after the refresher gave up never leaves a dead grant behind a healthy record', async () => {
    const id = 'timeout-straggler';
    await h.seedOrg(id);
    let calls = 0;
    // The first request is processed 2.5 s late, after the 1 s HTTP timeout: a retry in the same run would be
    // processed first, and the straggler's reuse of the same refresh token would then revoke the committed grant.
    h.oauth.faultHook = () => (calls++ === 0 ? { kind: 'delay', ms: 2_500 } : undefined);

    const first = await h.runtime({}, SHORT_TIMEOUT).run.refreshOrgs([id], h.scope());
    expect(first.failed).toEqual({ AMBIGUOUS_OUTCOME: 1 });
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    // The straggler spent the refresh token: the record says so (rotationAtRisk) instead of looking healthy.
    expect(await h.getRecord(id)).toMatchObject({ status: 'ACTIVE', rotationAtRisk: true });

    h.oauth.faultHook = undefined;
    const second = await h.runtime().run.refreshOrgs([id], h.scope());
    expect(second.failed).toEqual({ ROTATION_LOST: 1 });
  });

  it('a reset after sending gets one quick retry with the same refresh token (the server is done with the request)', async () => {
    const id = 'reset-before';
    await h.seedOrg(id);
    let calls = 0;
    h.oauth.faultHook = () => (calls++ === 0 ? { kind: 'reset-before' } : undefined);

    const summary = await h.runtime().run.refreshOrgs([id], h.scope());

    expect(summary.refreshed).toBe(1);
    expect(summary.ambiguous).toBe(1);
    expect(calls).toBe(2);
  });

  it('when the request times out at every attempt, the org is released marked rotationAtRisk, and a later invalid_grant is ROTATION_LOST', async () => {
    const id = 'timeout-twice';
    await h.seedOrg(id);
    h.oauth.faultHook = () => ({ kind: 'hang-after' });

    const first = await h.runtime({}, SHORT_TIMEOUT).run.refreshOrgs([id], h.scope());

    expect(first.failed).toEqual({ AMBIGUOUS_OUTCOME: 1 });
    expect(await h.getRecord(id)).toMatchObject({
      status: 'ACTIVE',
      rotationAtRisk: true,
      lastError: { code: 'AMBIGUOUS_OUTCOME' },
    });

    h.oauth.faultHook = undefined;
    const second = await h.runtime().run.refreshOrgs([id], h.scope());
    expect(second.failed).toEqual({ ROTATION_LOST: 1 });
  });
});

describe('Org-scoped requests', () => {
  it('sends the org parameter to a server that requires it', async () => {
    const id = 'org-param-org';
    await h.seedOrg(id, { clientKey: 'orgParam' });
    const summary = await h.runtime().run.refreshOrgs([id], h.scope());
    expect(summary.refreshed).toBe(1);
  });

  it('a server that requires the org parameter refuses a record without it (PROVIDER_REJECTED, not a dead grant)', async () => {
    const id = 'org-param-missing';
    await h.seedOrg(id, { clientKey: 'orgParam', extra: { orgParam: undefined } });
    const summary = await h.runtime().run.refreshOrgs([id], h.scope());
    expect(summary.failed).toEqual({ PROVIDER_REJECTED: 1 });
    expect(await h.getRecord(id)).toMatchObject({ status: 'ACTIVE', attention: 'MISCONFIGURED' });
  });

  it('refreshes a client-credentials org with its own client and no refresh token', async () => {
    const id = 'cc-org';
    await h.seedOrg(id, { clientKey: 'cc', grantType: 'client_credentials' });
    const summary = await h.runtime().run.refreshOrgs([id], h.scope());
    expect(summary.refreshed).toBe(1);
    const rec = await h.getRecord(id);
    expect(rec?.refreshToken).toBeUndefined();
    expect(await h.oauth.accessTokenValid(rec?.accessToken as string)).toBe(true);
  });
});

describe('Isolation: one bad org never stops the others', () => {
  it('a missing secret, a garbled secret, a bad record and an off-allow-list URL fail alone; every other org is refreshed', async () => {
    const good = orgIds('iso-good', 10);
    for (const id of good) await h.seedOrg(id);
    h.secrets.put('tenant-tokens/garbled', 'not json at all');
    await h.seedOrg('iso-missing-secret', { extra: { clientSecretId: 'tenant-tokens/does-not-exist' } });
    await h.seedOrg('iso-garbled-secret', { extra: { clientSecretId: 'tenant-tokens/garbled' } });
    await h.seedOrg('iso-bad-record', { extra: { provider: 'genesys', region: 'mars-north-1' } });
    await h.seedOrg('iso-evil-url', { extra: { tokenUrl: 'https://evil.example.com/oauth/token' } });

    const summary = await h
      .runtime()
      .run.refreshOrgs(
        [...good, 'iso-missing-secret', 'iso-garbled-secret', 'iso-bad-record', 'iso-evil-url'],
        h.scope(),
      );

    expect(summary.refreshed).toBe(10);
    expect(summary.failed).toEqual({
      SECRET_NOT_FOUND: 1,
      SECRET_MALFORMED: 1,
      RECORD_INVALID: 1,
      TOKEN_HOST_NOT_ALLOWED: 1,
    });
    for (const id of good) expect((await h.getRecord(id))?.accessToken, id).toBeTypeOf('string');
    expect(await h.getRecord('iso-bad-record')).toMatchObject({
      status: 'ACTIVE',
      attention: 'MISCONFIGURED',
      lastError: { code: 'RECORD_INVALID', message: expect.stringContaining('region is not a Genesys Cloud region') },
    });
    expect(await h.getRecord('iso-evil-url')).toMatchObject({ lastError: { code: 'TOKEN_HOST_NOT_ALLOWED' } });
    // The client secret never went to the unlisted host: nothing was sent there at all (it would have failed DNS).
    expect(h.log.text()).not.toContain(CLIENTS.basic.clientSecret);
  });

  it('a record without a version fails alone as RECORD_INVALID in a sweep, not as if DynamoDB were down', async () => {
    await h.seedOrg('iso-no-version', { extra: { version: undefined } });

    const summary = await h.runtime().run.sweep(h.scope());

    expect(summary.failed).toEqual({ RECORD_INVALID: 1 });
    expect(h.log.lines.some((l) => l.fields?.orgId === 'iso-no-version' && l.fields?.code === 'RECORD_INVALID')).toBe(
      true,
    );
  });
});
