// Org state changes as EventBridge events, so hosted apps can tell their customers to re-authorise. The detail holds
// the org id, the reason code and the time: never a token.
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { Notifier, OrgEventType } from '../core/ports.js';
import type { Log } from '../refresher/refresh-one.js';

export const EVENT_SOURCE = 'tenant-token-refresher';

export const EVENT_DETAIL_TYPES: Readonly<Record<OrgEventType, string>> = Object.freeze({
  ReauthRequired: 'Org Reauth Required',
  RotationLost: 'Org Rotation Lost',
  Recovered: 'Org Recovered',
});

export class EventBridgeNotifier implements Notifier {
  readonly #client: EventBridgeClient;

  constructor(private readonly options: { eventBusName: string; log: Log; client?: EventBridgeClient }) {
    this.#client = options.client ?? new EventBridgeClient({});
  }

  async orgEvent(type: OrgEventType, detail: { orgId: string; reason: string; at: number }): Promise<void> {
    try {
      const out = await this.#client.send(
        new PutEventsCommand({
          Entries: [
            {
              EventBusName: this.options.eventBusName,
              Source: EVENT_SOURCE,
              DetailType: EVENT_DETAIL_TYPES[type],
              Detail: JSON.stringify({
                orgId: detail.orgId,
                reason: detail.reason,
                at: new Date(detail.at).toISOString(),
              }),
            },
          ],
        }),
      );
      if ((out.FailedEntryCount ?? 0) > 0) throw new Error(out.Entries?.[0]?.ErrorCode ?? 'PutEvents entry failed');
    } catch (err) {
      // A lost notification must not undo or delay the refresh; the record and the metrics still tell the story.
      this.options.log.warn('could not publish org event', { orgId: detail.orgId, type, error: (err as Error)?.name });
    }
  }
}

/** Local mode and deployments without a bus: the event is logged, nothing else. */
export class LogNotifier implements Notifier {
  constructor(private readonly log: Log) {}
  async orgEvent(type: OrgEventType, detail: { orgId: string; reason: string; at: number }): Promise<void> {
    this.log.info('org event', {
      type,
      detailType: EVENT_DETAIL_TYPES[type],
      orgId: detail.orgId,
      reason: detail.reason,
    });
  }
}
