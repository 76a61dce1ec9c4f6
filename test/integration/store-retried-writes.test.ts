// A conditional write whose answer is lost after DynamoDB applied it (a 500, a timeout, a reset) is retried by the
// SDK, and the retry fails its own condition. The store must recognise its own write in the returned item, or a
// stored token is reported lost and a dead grant's event is skipped.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDocumentClient } from '../../lambdas/adapters/dynamodb-token-store.js';
import { localDynamoDbClient } from '../../local/dynamodb-local.js';
import { createHarness, type Harness } from '../support/harness.js';

/** Lets the next UpdateItem whose expression contains `marker` reach DynamoDB, then answers it with a 500. */
function loseAnswerOnce(client: DynamoDBClient) {
  const state = { marker: undefined as string | undefined, lost: 0 };
  client.middlewareStack.add(
    (next) => async (args) => {
      const expression = String((args.input as { UpdateExpression?: string }).UpdateExpression ?? '');
      if (!state.marker || !expression.includes(state.marker)) return next(args);
      state.marker = undefined;
      await next(args);
      state.lost++;
      const body = JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: 'lost' });
      return {
        response: {
          statusCode: 500,
          headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-errortype': 'InternalServerError' },
          body: new TextEncoder().encode(body),
        },
      } as never;
    },
    { step: 'deserialize', priority: 'low', name: 'loseAnswerOnce' },
  );
  return state;
}

describe('Class: DynamoDbTokenStore › a write retried after it had applied', () => {
  let h: Harness;
  let client: DynamoDBClient;
  let fault: ReturnType<typeof loseAnswerOnce>;

  beforeAll(async () => {
    h = await createHarness(inject('dynamoDbEndpoint'), { oauth: { accessTokenTtlSeconds: 3600 } });
    client = localDynamoDbClient(inject('dynamoDbEndpoint'));
    fault = loseAnswerOnce(client);
  });
  afterAll(async () => {
    client.destroy();
    await h.close();
  });
  afterEach(() => {
    h.oauth.faultHook = undefined;
    expect(fault.lost, 'the fault was injected').toBe(1);
    fault.lost = 0;
  });

  const runtime = () => h.runtime({ documentClient: createDocumentClient(client) });
  const events = (orgId: string) =>
    h.log.lines.filter((l) => l.message === 'org event' && l.fields?.orgId === orgId).map((l) => l.fields?.type);

  it('commit: reported refreshed, with no TokenNotCommitted and no RotationLost event', async () => {
    await h.seedOrg('lost-commit-answer');
    fault.marker = '#accessToken = :accessToken';

    const summary = await runtime().run.refreshOrgs(['lost-commit-answer'], h.scope());

    expect(summary).toMatchObject({ refreshed: 1, notCommitted: 0, rotationLost: 0 });
    expect(events('lost-commit-answer')).toEqual([]);
    const rec = await h.getRecord('lost-commit-answer');
    expect(await h.oauth.refreshTokenUsable(rec?.refreshToken as string)).toBe(true);
  });

  it('claim: the org is refreshed in the same run, its refresh token sent once', async () => {
    const seeded = await h.seedOrg('lost-claim-answer');
    let sent = 0;
    h.oauth.faultHook = (info) => {
      if (info.params.get('refresh_token') === seeded.refreshToken) sent++;
      return undefined;
    };
    fault.marker = 'SET #leaseOwner = :owner';

    const summary = await runtime().run.refreshOrgs(['lost-claim-answer'], h.scope());

    expect(summary.refreshed).toBe(1);
    expect(sent).toBe(1);
  });

  it('markReauth: reported as INVALID_GRANT with its ReauthRequired event, not as a lost lease', async () => {
    const seeded = await h.seedOrg('lost-reauth-answer');
    await h.oauth.revokeGrant(seeded.refreshToken as string);
    fault.marker = '#status = :reauth';

    const summary = await runtime().run.refreshOrgs(['lost-reauth-answer'], h.scope());

    expect(summary.failed).toEqual({ INVALID_GRANT: 1 });
    expect(events('lost-reauth-answer')).toEqual(['ReauthRequired']);
  });

  it('release: no warning that the lease could not be released', async () => {
    await h.seedOrg('lost-release-answer');
    h.oauth.faultHook = () => ({ kind: 'status', status: 503 });
    fault.marker = 'SET #refreshAt = :refreshAt';

    const summary = await runtime().run.refreshOrgs(['lost-release-answer'], h.scope());

    expect(summary.failed).toEqual({ PROVIDER_UNAVAILABLE: 1 });
    expect(h.log.lines.filter((l) => l.message === 'could not release the lease')).toEqual([]);
    expect((await h.getRecord('lost-release-answer'))?.leaseOwner).toBeUndefined();
  });
});
