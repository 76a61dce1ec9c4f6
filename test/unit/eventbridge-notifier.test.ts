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
