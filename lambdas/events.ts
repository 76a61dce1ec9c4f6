// The one definition of the org events the refresher publishes (EventBridge): their source and detail types. The
// notifier sends these, the CDK stack scopes the function's PutEvents grant to the source, and hosted apps match
// their rules on the same strings.
import type { OrgEventType } from './core/ports.js';

export const EVENT_SOURCE = 'tenant-token-refresher';

export const EVENT_DETAIL_TYPES: Readonly<Record<OrgEventType, string>> = Object.freeze({
  ReauthRequired: 'Org Reauth Required',
  RotationLost: 'Org Rotation Lost',
  Recovered: 'Org Recovered',
  ClientRejected: 'Org Client Rejected',
  RefreshTokenExpiring: 'Org Refresh Token Expiring',
  Removed: 'Org Removed',
});

/**
 * Org-independent events about a token host (same source): one per host per backoff episode, never one per org. The
 * detail names the host, the reason and until when it is backed off; it carries no org id and no secret.
 */
export const HOST_EVENT_DETAIL_TYPES = Object.freeze({
  ProviderDegraded: 'Provider Degraded',
} as const);
