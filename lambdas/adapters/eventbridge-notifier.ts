// Org state changes as EventBridge events, so hosted apps can tell their customers to re-authorise. The detail holds
// the org id, the reason code and the time: never a token.
import type { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { HostDegradation, HostNotifier } from '../core/fleet-ports.js';
import type { Log, Notifier, OrgEventDetail, OrgEventType } from '../core/ports.js';
import { EVENT_DETAIL_TYPES, EVENT_SOURCE, HOST_EVENT_DETAIL_TYPES } from '../events.js';

type EventBridgeSdk = { client: EventBridgeClient; PutEventsCommand: typeof PutEventsCommand };

export class EventBridgeNotifier implements Notifier, HostNotifier {
  #sdk: Promise<EventBridgeSdk> | undefined;

  constructor(private readonly options: { eventBusName: string; log: Log; client?: EventBridgeClient }) {}

  /**
   * The SDK client is loaded on the first event, not at cold start: most runs publish nothing, and loading and
   * building the client cost ~20 ms of every cold start (bench/ "cold start", docs/performance.md).
   */
  #load(): Promise<EventBridgeSdk> {
    this.#sdk ??= import('@aws-sdk/client-eventbridge').then((sdk) => ({
      client: this.options.client ?? new sdk.EventBridgeClient({}),
      PutEventsCommand: sdk.PutEventsCommand,
    }));
    return this.#sdk;
  }

  async orgEvent(type: OrgEventType, detail: OrgEventDetail): Promise<void> {
    try {
      await this.#put(EVENT_DETAIL_TYPES[type], eventDetail(detail));
    } catch (err) {
      // A lost notification must not undo or delay the refresh; the record and the metrics still tell the story.
      this.options.log.warn('could not publish org event', { orgId: detail.orgId, type, error: (err as Error)?.name });
    }
  }

  /** One event per host per backoff episode (the sweep whose write started the episode sends it). */
  async hostDegraded(detail: HostDegradation & { at: number }): Promise<void> {
    try {
      await this.#put(HOST_EVENT_DETAIL_TYPES.ProviderDegraded, {
        host: detail.host,
        reason: detail.reason,
        until: new Date(detail.until).toISOString(),
        at: new Date(detail.at).toISOString(),
      });
    } catch (err) {
      this.options.log.warn('could not publish host event', { host: detail.host, error: (err as Error)?.name });
    }
  }

  /** One entry on the bus; throws when it was not accepted (the callers log and go on). */
  async #put(detailType: string, detail: Record<string, string>): Promise<void> {
    const { client, PutEventsCommand } = await this.#load();
    const out = await client.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: this.options.eventBusName,
            Source: EVENT_SOURCE,
            DetailType: detailType,
            Detail: JSON.stringify(detail),
          },
        ],
      }),
    );
    if ((out.FailedEntryCount ?? 0) > 0) throw new Error(out.Entries?.[0]?.ErrorCode ?? 'PutEvents entry failed');
  }
}

/** The event's detail as hosted apps receive it: times as ISO strings, optional fields only when set. */
export function eventDetail(detail: OrgEventDetail): Record<string, string> {
  return {
    orgId: detail.orgId,
    reason: detail.reason,
    at: new Date(detail.at).toISOString(),
    ...(detail.message ? { message: detail.message } : {}),
    ...(detail.refreshTokenExpiresAt !== undefined
      ? { refreshTokenExpiresAt: new Date(detail.refreshTokenExpiresAt).toISOString() }
      : {}),
    ...(detail.revocation ? revocationDetail(detail.revocation) : {}),
  };
}

/** An `Org Removed` event's account of the org's tokens: codes and a time, never a token. */
function revocationDetail(r: NonNullable<OrgEventDetail['revocation']>): Record<string, string> {
  return {
    refreshToken: r.refreshToken,
    ...(r.refreshTokenReason ? { refreshTokenReason: r.refreshTokenReason } : {}),
    accessToken: r.accessToken,
    ...(r.accessTokenReason ? { accessTokenReason: r.accessTokenReason } : {}),
    ...(r.accessTokenExpiresAt !== undefined
      ? { accessTokenExpiresAt: new Date(r.accessTokenExpiresAt).toISOString() }
      : {}),
  };
}

/** Local mode and deployments without a bus: the event is logged, nothing else. */
export class LogNotifier implements Notifier, HostNotifier {
  constructor(private readonly log: Log) {}
  async orgEvent(type: OrgEventType, detail: OrgEventDetail): Promise<void> {
    const { orgId, reason, message, at: _at, ...rest } = eventDetail(detail);
    this.log.info('org event', {
      type,
      detailType: EVENT_DETAIL_TYPES[type],
      orgId,
      reason,
      ...(message ? { eventMessage: message } : {}),
      ...rest,
    });
  }

  async hostDegraded(detail: HostDegradation & { at: number }): Promise<void> {
    this.log.warn('host event', {
      detailType: HOST_EVENT_DETAIL_TYPES.ProviderDegraded,
      host: detail.host,
      reason: detail.reason,
      until: detail.until,
    });
  }
}
