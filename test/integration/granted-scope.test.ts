// Issue 16, path 1, on DynamoDB Local with the real store's UpdateExpression and a real oidc-provider: the scope a
// provider grants is kept as grantedScope and never written into `scope` (the operator's setting), whatever its length
// or characters; a record an older commit bricked is claimed, refreshed and repaired; `tenants show` shows both apart.
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { GRANTED_SCOPE_MAX_LENGTH, orgSettingsShape, parseRecord } from '../../lambdas/core/record.js';
import { cli } from '../support/cli-io.js';
import { createHarness, type Harness } from '../support/harness.js';

let h: Harness;

beforeAll(async () => {
  h = await createHarness(inject('dynamoDbEndpoint'), { oauth: { accessTokenTtlSeconds: 3600 } });
});
afterAll(async () => {
  await h.close();
});
afterEach(() => {
  h.oauth.faultHook = undefined;
});

const SETTINGS = Object.keys(orgSettingsShape);
const settingsOf = (record: Record<string, unknown> | undefined) =>
  Object.fromEntries(SETTINGS.filter((k) => record?.[k] !== undefined).map((k) => [k, record?.[k]]));

/** The provider answers (and rotates) as usual, with this scope in its answer. */
function grants(scope: unknown) {
  h.oauth.faultHook = () => ({ kind: 'mutate', mutate: (body) => ({ ...body, scope }) });
}

describe('The commit keeps the granted scope apart (DynamoDB store)', () => {
  it('a 2 000-character URL-style scope: grantedScope; `scope` untouched; the next claim refreshes again', async () => {
    const id = 'gs-long';
    await h.seedOrg(id, { extra: { scope: 'openid offline_access', requiresOfflineAccess: true } });
    const granted = Array.from({ length: 50 }, (_, i) => `https://api.example.com/v${i}/tickets.readwrite`).join(' ');
    grants(`${granted} offline_access`);

    expect((await h.runtime().run.refreshOrgs([id], h.scope())).outcomes?.[0]).toMatchObject({ result: 'refreshed' });
    const rec = await h.getRecord(id);
    expect(rec).toMatchObject({ scope: 'openid offline_access', grantedScope: `${granted} offline_access` });
    expect(parseRecord(rec).ok).toBe(true);

    // An answer that names no scope granted what was requested (RFC 6749 §5.1): the old grantedScope goes.
    h.oauth.faultHook = () => ({ kind: 'mutate', mutate: ({ scope: _, ...body }) => body });
    expect((await h.runtime().run.refreshOrgs([id], h.scope())).outcomes?.[0]).toMatchObject({ result: 'refreshed' });
    expect(await h.getRecord(id)).toMatchObject({ scope: 'openid offline_access' });
    expect((await h.getRecord(id))?.grantedScope).toBeUndefined();
  });

  it('Property: any scope the classifier accepts commits to a record the next claim accepts, settings unchanged', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ unit: 'grapheme', maxLength: 40 }),
          fc.string({ unit: 'binary', maxLength: 40 }),
          fc.integer({ min: 1020, max: GRANTED_SCOPE_MAX_LENGTH }).map((len) => 'ü'.repeat(len)),
        ),
        async (granted) => {
          const id = `gs-prop-${n++}`;
          await h.seedOrg(id, { extra: { scope: 'openid' } });
          const before = settingsOf(await h.getRecord(id));
          grants(granted);

          const outcome = (await h.runtime().run.refreshOrgs([id], h.scope())).outcomes?.[0];

          expect(outcome).toMatchObject({ result: 'refreshed' });
          const rec = await h.getRecord(id);
          const parsed = parseRecord(rec);
          expect(parsed.ok ? 'valid' : parsed.message).toBe('valid');
          expect(settingsOf(rec)).toEqual(before);
          expect(rec?.grantedScope).toBe(granted);
        },
      ),
      { numRuns: 10 },
    );
  });
});

describe('A record an older commit bricked (the provider scope written into `scope`)', () => {
  it('is claimed and refreshed with no scope requested; the commit moves the scope out of the setting', async () => {
    const id = 'gs-bricked';
    await h.seedOrg(id);
    const old = `tickets:read ${'https://api.example.com/scope '.repeat(40)}ëxtra`;
    await h.doc.send(
      new UpdateCommand({
        TableName: h.table,
        Key: { orgId: id },
        UpdateExpression: 'SET #scope = :scope',
        ExpressionAttributeNames: { '#scope': 'scope' },
        ExpressionAttributeValues: { ':scope': old },
      }),
    );
    expect(parseRecord(await h.getRecord(id)).ok).toBe(false);
    let sentScope: string | null | undefined;
    h.oauth.faultHook = (info) => {
      sentScope = info.params.get('scope');
      return undefined;
    };

    const outcome = (await h.runtime().run.refreshOrgs([id], h.scope())).outcomes?.[0];

    expect(outcome).toMatchObject({ result: 'refreshed' });
    expect(sentScope).toBeNull();
    const rec = await h.getRecord(id);
    expect(rec?.scope).toBeUndefined();
    // What this provider granted now (oidc-provider names the grant's scope in every answer).
    expect(rec?.grantedScope).toBe('openid offline_access');
    expect(parseRecord(rec).ok).toBe(true);
  });
});

describe('Command: tenants show', () => {
  it('shows the requested and the granted scope apart, provider text made printable', async () => {
    const id = 'gs-show';
    await h.seedOrg(id, { extra: { scope: 'openid' } });
    grants('openid tickets:read\u001b[2J');
    await h.runtime().run.refreshOrgs([id], h.scope());
    const { SHARD_COUNT: _s, ...env } = h.env;

    const out = await cli(['tenants', 'show', id], { env, dynamoDb: h.ddb });
    const json = await cli(['tenants', 'show', id, '--json'], { env, dynamoDb: h.ddb });

    expect(out.stdout).toMatch(/^scope +openid$/m);
    expect(out.stdout).toMatch(/^granted scope +openid tickets:read\?\[2J$/m);
    expect(JSON.parse(json.stdout)).toMatchObject({ scope: 'openid', grantedScope: 'openid tickets:read\u001b[2J' });
  });
});
