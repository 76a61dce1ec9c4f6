// Org events on EventBridge, so hosted apps can tell their customers: re-auth needed, rotation lost, recovered, client
// rejected (refresh-token expiry is in test/integration/refresh-token-expiry.test.ts). The
// refresher runs for real (DynamoDB Local, oidc-provider); only EventBridge, which has no local engine, is mocked.
import { EventBridgeClient, PutEventsCommand, type PutEventsCommandInput } from '@aws-sdk/client-eventbridge';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { HttpTokenEndpoint } from '../../lambdas/adapters/http-token-endpoint.js';
import type { TokenEndpoint } from '../../lambdas/core/ports.js';
import { EVENT_DETAIL_TYPES, EVENT_SOURCE } from '../../lambdas/events.js';
import { createHarness, type Harness } from '../support/harness.js';
import { recordFigure } from './support/figures.js';
import { fileLedger } from './support/file-ledger.js';

const eventBridge = mockClient(EventBridgeClient);
let cases = 0;

describe('Notifications: org events on the default EventBridge bus', () => {
  let h: Harness;
  const client = new EventBridgeClient({ region: 'us-east-1' });

  beforeAll(async () => {
    h = await createHarness(inject('dynamoDbEndpoint'), {
      settings: { httpTimeoutMs: 2000, leaseSeconds: 12 },
      env: { EVENT_BUS_NAME: 'default' },
      oauth: { accessTokenTtlSeconds: 3600 },
    });
  });
  beforeEach(() => {
    eventBridge.reset();
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
    h.oauth.faultHook = undefined;
  });
  afterAll(async () => {
    recordFigure('notification cases', cases);
    eventBridge.restore();
    await h.close();
  });

  const runtime = (overrides: { endpoint?: TokenEndpoint } = {}) =>
    h.runtime({ eventBridgeClient: client, ...overrides });

  /** Every entry published since the last reset, checked for shape; the whole input goes to the leak scan. */
  function published() {
    return eventBridge.commandCalls(PutEventsCommand).flatMap((call) => {
      const input = call.args[0].input as PutEventsCommandInput;
      fileLedger.addText('PutEvents input', input);
      return (input.Entries ?? []).map((e) => {
        expect(e.EventBusName).toBe('default');
        expect(e.Source).toBe(EVENT_SOURCE);
        const detail = JSON.parse(e.Detail ?? '{}');
        // A fixed message only where the event has one to give; never anything else.
        const withMessage = e.DetailType === EVENT_DETAIL_TYPES.ClientRejected;
        expect(Object.keys(detail).sort()).toEqual(['at', ...(withMessage ? ['message'] : []), 'orgId', 'reason']);
        expect(Number.isNaN(Date.parse(detail.at))).toBe(false);
        return {
          detailType: e.DetailType,
          orgId: detail.orgId,
          reason: detail.reason,
          ...(withMessage ? { message: detail.message } : {}),
        };
      });
    });
  }

  it('a dead grant: "Org Reauth Required" with the org id and INVALID_GRANT', async () => {
    const seeded = await h.seedOrg('ev-revoked');
    await h.oauth.revokeGrant(seeded.refreshToken as string);
    await runtime().run.refreshOrgs(['ev-revoked'], h.scope());
    expect(published()).toEqual([
      { detailType: EVENT_DETAIL_TYPES.ReauthRequired, orgId: 'ev-revoked', reason: 'INVALID_GRANT' },
    ]);
    cases++;
  });

  it('a lost rotation: nothing while the outcome is only ambiguous, then "Org Rotation Lost" with ROTATION_LOST', async () => {
    await h.seedOrg('ev-rotation-lost');
    h.oauth.faultHook = () => ({ kind: 'hang-after' });
    await runtime().run.refreshOrgs(['ev-rotation-lost'], h.scope());
    expect(published()).toEqual([]);
    h.oauth.faultHook = undefined;
    await runtime().run.refreshOrgs(['ev-rotation-lost'], h.scope());
    expect(published()).toEqual([
      { detailType: EVENT_DETAIL_TYPES.RotationLost, orgId: 'ev-rotation-lost', reason: 'ROTATION_LOST' },
    ]);
    cases++;
  });

  it('a token received but fenced off at commit: "Org Rotation Lost" with LEASE_LOST', async () => {
    await h.seedOrg('ev-fenced');
    const real = new HttpTokenEndpoint();
    // Between the provider's answer and the commit, another writer moves the record on.
    const endpoint: TokenEndpoint = {
      async send(request, timeoutMs) {
        const outcome = await real.send(request, timeoutMs);
        await h.doc.send(
          new UpdateCommand({
            TableName: h.table,
            Key: { orgId: 'ev-fenced' },
            UpdateExpression: 'SET #v = #v + :one REMOVE leaseOwner, leaseUntil',
            ExpressionAttributeNames: { '#v': 'version' },
            ExpressionAttributeValues: { ':one': 1 },
          }),
        );
        return outcome;
      },
    };
    const summary = await runtime({ endpoint }).run.refreshOrgs(['ev-fenced'], h.scope());
    expect(summary.failed).toEqual({ LEASE_LOST: 1 });
    expect(published()).toEqual([
      { detailType: EVENT_DETAIL_TYPES.RotationLost, orgId: 'ev-fenced', reason: 'LEASE_LOST' },
    ]);
    cases++;
  });

  it('recovery after repeated failures and after a misconfiguration: "Org Recovered" with the last error', async () => {
    await h.seedOrg('ev-recovered-failures', {
      extra: { consecutiveFailures: 4, lastError: { code: 'PROVIDER_UNAVAILABLE', message: 'x', at: 1 } },
    });
    await h.seedOrg('ev-recovered-client', {
      extra: { attention: 'MISCONFIGURED', lastError: { code: 'INVALID_CLIENT', message: 'x', at: 1 } },
    });
    await runtime().run.refreshOrgs(['ev-recovered-failures', 'ev-recovered-client'], h.scope());
    expect(published().sort((a, b) => a.orgId.localeCompare(b.orgId))).toEqual([
      { detailType: EVENT_DETAIL_TYPES.Recovered, orgId: 'ev-recovered-client', reason: 'INVALID_CLIENT' },
      { detailType: EVENT_DETAIL_TYPES.Recovered, orgId: 'ev-recovered-failures', reason: 'PROVIDER_UNAVAILABLE' },
    ]);
    cases++;
  });

  it('a client_credentials org\'s own client refused: one "Org Client Rejected", saying it may be gone', async () => {
    await h.seedOrg('ev-client-gone', { clientKey: 'own', ownClient: true, grantType: 'client_credentials' });
    h.oauth.faultHook = (info) =>
      info.params.get('organization_id') === 'ev-client-gone'
        ? { kind: 'status', status: 401, body: JSON.stringify({ error: 'invalid_client' }) }
        : undefined;
    await runtime().run.refreshOrgs(['ev-client-gone'], h.scope());
    await runtime().run.refreshOrgs(['ev-client-gone'], h.scope());
    expect(published()).toEqual([
      {
        detailType: EVENT_DETAIL_TYPES.ClientRejected,
        orgId: 'ev-client-gone',
        reason: 'INVALID_CLIENT',
        message: "the org's OAuth client may have been deleted (app uninstalled) or disabled",
      },
    ]);
    expect((await h.getRecord('ev-client-gone'))?.lastError).toMatchObject({
      code: 'INVALID_CLIENT',
      message: expect.stringContaining('may have been deleted (app uninstalled) or disabled'),
    });
    cases++;
  });

  it('an ordinary refresh or a transient failure publishes nothing', async () => {
    await h.seedOrg('ev-quiet-ok');
    await h.seedOrg('ev-quiet-503');
    const failing = (await h.getRecord('ev-quiet-503'))?.refreshToken;
    h.oauth.faultHook = (info) =>
      info.params.get('refresh_token') === failing ? { kind: 'status', status: 503 } : undefined;
    const summary = await runtime().run.refreshOrgs(['ev-quiet-ok', 'ev-quiet-503'], h.scope());
    expect(summary).toMatchObject({ refreshed: 1, failed: { PROVIDER_UNAVAILABLE: 1 } });
    expect(published()).toEqual([]);
    cases++;
  });

  it('EventBridge failing does not undo or delay the refresh: the record is updated and a warning is logged', async () => {
    eventBridge.reset();
    eventBridge.on(PutEventsCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    const seeded = await h.seedOrg('ev-bus-down');
    await h.oauth.revokeGrant(seeded.refreshToken as string);
    const summary = await runtime().run.refreshOrgs(['ev-bus-down'], h.scope());
    expect(summary.failed).toEqual({ INVALID_GRANT: 1 });
    expect(await h.getRecord('ev-bus-down')).toMatchObject({ status: 'REAUTH_REQUIRED' });
    expect(
      h.log.lines.some((l) => l.message === 'could not publish org event' && l.fields?.orgId === 'ev-bus-down'),
    ).toBe(true);
    cases++;
  });
});
