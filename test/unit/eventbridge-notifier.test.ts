// The notifier loads the EventBridge SDK on its first event (not at cold start); the event it sends must not change.
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { EventBridgeNotifier } from '../../lambdas/adapters/eventbridge-notifier.js';
import type { Log } from '../../lambdas/core/ports.js';
import { EVENT_SOURCE } from '../../lambdas/events.js';

function captureLog(): Log & { warnings: unknown[] } {
  const warnings: unknown[] = [];
  return { warnings, debug: () => {}, info: () => {}, warn: (m, f) => warnings.push({ m, f }), error: () => {} };
}

describe('Class: EventBridgeNotifier', () => {
  describe('Method: orgEvent', () => {
    it('publishes Org Removed with what became of each token: codes and times only', async () => {
      const client = new EventBridgeClient({ region: 'us-east-1' });
      const mock = mockClient(client);
      mock.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: '1' }] });
      const notifier = new EventBridgeNotifier({ eventBusName: 'org-events', log: captureLog(), client });

      await notifier.orgEvent('Removed', {
        orgId: 'org-3',
        reason: 'REMOVED_BY_APP',
        at: Date.UTC(2030, 0, 3),
        revocation: {
          refreshToken: 'NOT_REVOKED',
          refreshTokenReason: 'NO_REVOCATION_ENDPOINT',
          accessToken: 'LEFT_TO_EXPIRE',
          accessTokenReason: 'NO_REVOCATION_ENDPOINT',
          accessTokenExpiresAt: Date.UTC(2030, 0, 3, 1),
        },
      });

      const entry = mock.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries?.[0];
      expect(entry?.DetailType).toBe('Org Removed');
      expect(JSON.parse(entry?.Detail as string)).toEqual({
        orgId: 'org-3',
        reason: 'REMOVED_BY_APP',
        at: '2030-01-03T00:00:00.000Z',
        refreshToken: 'NOT_REVOKED',
        refreshTokenReason: 'NO_REVOCATION_ENDPOINT',
        accessToken: 'LEFT_TO_EXPIRE',
        accessTokenReason: 'NO_REVOCATION_ENDPOINT',
        accessTokenExpiresAt: '2030-01-03T01:00:00.000Z',
      });
    });

    it('publishes org id, reason and time to the configured bus, with the lazily loaded SDK', async () => {
      const client = new EventBridgeClient({ region: 'us-east-1' });
      const mock = mockClient(client);
      mock.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: '1' }] });
      const log = captureLog();
      const notifier = new EventBridgeNotifier({ eventBusName: 'org-events', log, client });

      await notifier.orgEvent('ReauthRequired', { orgId: 'org-1', reason: 'INVALID_GRANT', at: Date.UTC(2030, 0, 1) });
      await notifier.orgEvent('Recovered', { orgId: 'org-2', reason: 'RECOVERED', at: Date.UTC(2030, 0, 2) });

      const sent = mock.commandCalls(PutEventsCommand).map((call) => call.args[0].input.Entries?.[0]);
      expect(sent).toEqual([
        {
          EventBusName: 'org-events',
          Source: EVENT_SOURCE,
          DetailType: 'Org Reauth Required',
          Detail: JSON.stringify({ orgId: 'org-1', reason: 'INVALID_GRANT', at: '2030-01-01T00:00:00.000Z' }),
        },
        {
          EventBusName: 'org-events',
          Source: EVENT_SOURCE,
          DetailType: 'Org Recovered',
          Detail: JSON.stringify({ orgId: 'org-2', reason: 'RECOVERED', at: '2030-01-02T00:00:00.000Z' }),
        },
      ]);
      expect(log.warnings).toEqual([]);
    });

    it('adds the fixed message and the refresh-token expiry to the events that carry them', async () => {
      const client = new EventBridgeClient({ region: 'us-east-1' });
      const mock = mockClient(client);
      mock.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: '1' }] });
      const notifier = new EventBridgeNotifier({ eventBusName: 'org-events', log: captureLog(), client });

      await notifier.orgEvent('RefreshTokenExpiring', {
        orgId: 'org-4',
        reason: 'REFRESH_TOKEN_EXPIRING',
        at: Date.UTC(2030, 0, 1),
        message: 'ask the customer to re-authorise',
        refreshTokenExpiresAt: Date.UTC(2030, 0, 4),
      });
      await notifier.orgEvent('ClientRejected', {
        orgId: 'org-5',
        reason: 'INVALID_CLIENT',
        at: Date.UTC(2030, 0, 1),
        message: "the org's OAuth client may have been deleted (app uninstalled) or disabled",
      });

      const sent = mock.commandCalls(PutEventsCommand).map((call) => call.args[0].input.Entries?.[0]);
      expect(sent.map((e) => e?.DetailType)).toEqual(['Org Refresh Token Expiring', 'Org Client Rejected']);
      expect(JSON.parse(sent[0]?.Detail ?? '')).toEqual({
        orgId: 'org-4',
        reason: 'REFRESH_TOKEN_EXPIRING',
        at: '2030-01-01T00:00:00.000Z',
        message: 'ask the customer to re-authorise',
        refreshTokenExpiresAt: '2030-01-04T00:00:00.000Z',
      });
      expect(JSON.parse(sent[1]?.Detail ?? '')).toMatchObject({ reason: 'INVALID_CLIENT', message: /uninstalled/ });
    });

    it('never throws into the refresh: a failed PutEvents is a warning', async () => {
      const client = new EventBridgeClient({ region: 'us-east-1' });
      mockClient(client).on(PutEventsCommand).rejects(new Error('boom'));
      const log = captureLog();

      await new EventBridgeNotifier({ eventBusName: 'b', log, client }).orgEvent('RotationLost', {
        orgId: 'org-3',
        reason: 'LEASE_LOST',
        at: 0,
      });

      expect(log.warnings).toHaveLength(1);
    });
  });
});
