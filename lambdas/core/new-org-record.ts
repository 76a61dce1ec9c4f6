// The one definition of a freshly onboarded org's record: ACTIVE, version 0, no failures, due at `refreshAt`, in its
// due shard. The CLI, local mode, the bench and the tests all build new orgs here, so a new record field or rule
// lands everywhere at once.
import type { OrgSettings } from './record.js';
import { RecordStatus } from './record.js';
import { dueShardFor } from './shard.js';

export interface NewOrgGrant {
  /** Required for refresh_token orgs; ignored (never stored) for client_credentials. */
  refreshToken?: string | undefined;
  /** When the grant was issued (epoch ms; default: `placement.since`): later hand-overs must be newer. */
  issuedAt?: number | undefined;
  /** `sha256:…` of a refresh token a hosted app handed over (grant intake), to recognise a repeated hand-over. */
  fingerprint?: string | undefined;
  /** The org's own client's secret, with settings.clientId; ignored (never stored) without it. */
  clientSecret?: string | undefined;
}

export interface NewOrgPlacement {
  /** When the first refresh is due (epoch ms): now for one org, spread out for a batch. */
  refreshAt: number;
  /** The deployment's SHARD_COUNT (1 puts the org in shard 0, which every deployment sweeps). */
  shardCount: number;
  /** When the org was onboarded (epoch ms): its `statusSince`, and its grant's issue time unless the grant says. */
  since?: number | undefined;
}

/**
 * A new org's item as it is written to the table. Undefined settings are left out (not every document client is set
 * to remove undefined values), and a client_credentials org never carries a refresh token.
 */
export function newOrgRecord(
  settings: OrgSettings,
  grant: NewOrgGrant,
  placement: NewOrgPlacement,
  owner: { app?: string | undefined } = {},
): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries({
      ...settings,
      // The hosted app it belongs to (core/hosted-apps.ts): the intake's caller, or an operator's --app.
      app: owner.app,
      refreshToken: settings.grantType === 'refresh_token' ? grant.refreshToken : undefined,
      grantIssuedAt: grant.issuedAt ?? placement.since,
      grantFingerprint: settings.grantType === 'refresh_token' ? grant.fingerprint : undefined,
      clientSecret: settings.clientId !== undefined ? grant.clientSecret : undefined,
      status: RecordStatus.Active,
      statusSince: placement.since,
      version: 0,
      consecutiveFailures: 0,
      refreshAt: placement.refreshAt,
      dueShard: dueShardFor(settings.orgId, placement.shardCount),
    }).filter(([, value]) => value !== undefined),
  );
}
