// The reader library against DynamoDB Local and the real OAuth server: the token the refresher committed is what an
// app reads, and a strict-rotation provider's 401 after a refresh is absorbed by withAccessToken.
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTokenReader, ReauthRequired, TenantDisabled, TenantNotFound, TokenExpired } from '../../reader/index.js';
import { createHarness, type Harness } from '../support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness(inject('dynamoDbEndpoint'));
});
afterAll(async () => h.close());

const whoami = (token: string) =>
  fetch(`${h.oauth.origin}/api/whoami`, { headers: { authorization: `Bearer ${token}` } });

describe('Function: createTokenReader (DynamoDB Local)', () => {
  it('reads the access token the refresher committed, with the real projection accepted by DynamoDB', async () => {
    await h.seedOrg('reader-ok');
    await h.runtime().run.refreshOrgs(['reader-ok'], h.scope());
    const stored = await h.getRecord('reader-ok');

    const token = await createTokenReader({ tableName: h.table, client: h.ddb }).getToken('reader-ok');

    expect(token).toEqual({
      orgId: 'reader-ok',
      accessToken: stored?.accessToken,
      tokenType: 'Bearer',
      expiresAt: stored?.expiresAt,
    });
  });

  it('maps the record states to typed errors', async () => {
    const reader = createTokenReader({ tableName: h.table, client: h.ddb });
    await h.seedOrg('reader-new');
    await h.seedOrg('reader-dead', { extra: { status: 'REAUTH_REQUIRED' } });
    await h.seedOrg('reader-off', { extra: { status: 'DISABLED' } });

    await expect(reader.getAccessToken('reader-nobody')).rejects.toBeInstanceOf(TenantNotFound);
    await expect(reader.getAccessToken('reader-new')).rejects.toBeInstanceOf(TokenExpired);
    await expect(reader.getAccessToken('reader-dead')).rejects.toBeInstanceOf(ReauthRequired);
    await expect(reader.getAccessToken('reader-off')).rejects.toBeInstanceOf(TenantDisabled);
  });

  it('absorbs the 401 a strict-rotation provider gives the cached token after a refresh (one re-read, one retry)', async () => {
    // Prepare: a Zendesk-like client (strict rotation); the app has the current token cached
    await h.seedOrg('reader-strict', { clientKey: 'post' });
    await h.runtime().run.refreshOrgs(['reader-strict'], h.scope());
    const reader = createTokenReader({ tableName: h.table, client: h.ddb, retryDelayMs: 50 });
    const first = await reader.getAccessToken('reader-strict');
    expect((await whoami(first)).status).toBe(200);

    // Act: the refresher rotates; the provider kills the cached access token at once
    await h.runtime().run.refreshOrgs(['reader-strict'], h.scope());
    expect((await whoami(first)).status).toBe(401);
    const used: string[] = [];
    const res = await reader.withAccessToken('reader-strict', (token) => {
      used.push(token);
      return whoami(token);
    });

    // Assess
    expect(res.status).toBe(200);
    expect(used).toHaveLength(2);
    expect(used[0]).toBe(first);
    expect(used[1]).toBe((await h.getRecord('reader-strict'))?.accessToken);
  });

  it('sees a DISABLED status at once after an operator disables the org (consistent read, cache dropped on 401)', async () => {
    await h.seedOrg('reader-later');
    await h.runtime().run.refreshOrgs(['reader-later'], h.scope());
    const reader = createTokenReader({ tableName: h.table, client: h.ddb, skewMs: 0, retryDelayMs: 0 });
    await reader.getAccessToken('reader-later');
    await h.doc.send(
      new UpdateCommand({
        TableName: h.table,
        Key: { orgId: 'reader-later' },
        UpdateExpression: 'SET #s = :d',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':d': 'DISABLED' },
      }),
    );
    await expect(
      reader.withAccessToken('reader-later', () => Promise.reject(Object.assign(new Error('401'), { status: 401 }))),
    ).rejects.toBeInstanceOf(TenantDisabled);
  });
});
