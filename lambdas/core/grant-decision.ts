// What a hosted app's hand-over of a new grant does to an org that already exists (grant intake, `reauthorise`):
// answer a repeated hand-over with the org's state, refuse it (unknown, disabled, stale, wrong grant type), wait for
// a refresher's lease, or store it with a write conditional on the version read, a free lease and no newer grant.
// Pure: the caller reads the record, passes the time, and performs what this returns.
import { REPLACED_GRANTS_KEPT, RecordStatus } from './record.js';
import { dueShardFor } from './shard.js';
import { statusSince } from './status-since.js';

/** A grant as a hosted app hands it over. */
export interface HandedOverGrant {
  /** Required for refresh_token orgs, absent for client_credentials. A bearer secret: never log it. */
  refreshToken: string | undefined;
  /** When the app received the grant (epoch ms). Hand-overs are ordered by it: an older one is stale. */
  issuedAt: number;
  /** `sha256:…` of the refresh token (core/redact.ts fingerprint), to recognise the same grant handed over again. */
  fingerprint: string | undefined;
  /**
   * The org's own OAuth client, when the app hands a new one over (a premium app reinstalled creates a new client in
   * the org): it replaces the stored one, or a shared client reference. The secret: never log it.
   */
  client?: { clientId: string; clientSecret: string } | undefined;
}

export type GrantRejection = 'ORG_NOT_FOUND' | 'ORG_DISABLED' | 'STALE_GRANT' | 'INVALID_PAYLOAD' | 'RECORD_INVALID';

/** The conditional write that stores a grant: SET and REMOVE, on the version read, with no newer grant stored. */
export interface GrantWrite {
  orgId: string;
  expectedVersion: number;
  issuedAt: number;
  fingerprint: string | undefined;
  set: Record<string, unknown>;
  remove: string[];
  /**
   * The declared hosted app storing it (core/hosted-apps.ts): the write also requires the record to be that app's or
   * to name none (the caller checked the namespace). Absent for the implicit default app and for operators.
   */
  owner?: string | undefined;
}

export type GrantDecision =
  /** This very grant was handed over before (an SDK or app retry): answer with the org's state, write nothing. */
  | { decision: 'repeat' }
  | { decision: 'reject'; code: GrantRejection; message: string }
  /** A refresher holds the org until `until`: storing a grant under it would pull the token from under its request. */
  | { decision: 'wait'; until: number }
  | { decision: 'write'; write: GrantWrite };

/**
 * The same grant again: the same refresh token (its fingerprint), or for client_credentials (no token) the same
 * issue time. Sending a refresh token twice would be refused as reuse, and reuse detection revokes the whole grant,
 * so a repeated hand-over must never be stored and refreshed a second time.
 */
export function isRepeatedGrant(current: Record<string, unknown>, grant: HandedOverGrant): boolean {
  if (grant.fingerprint !== undefined) return current.grantFingerprint === grant.fingerprint;
  return current.grantFingerprint === undefined && current.grantIssuedAt === grant.issuedAt;
}

/**
 * Attributes a new grant clears, whoever stores it (the grant intake, `tenants reauth`): the old grant's access token
 * and refresh-token expiry (they belong to the grant that died), failures, attention, a lease, the status reason.
 */
export const CLEARED_BY_A_NEW_GRANT: readonly string[] = [
  'statusReason',
  'attention',
  'lastError',
  'rotationAtRisk',
  'leaseOwner',
  'leaseUntil',
  'accessToken',
  'expiresAt',
  'tokenType',
  'refreshTokenExpiresAt',
];

export function grantDecision(
  orgId: string,
  current: Record<string, unknown> | undefined,
  grant: HandedOverGrant,
  now: number,
  shardCount: number,
): GrantDecision {
  const reject = (code: GrantRejection, message: string): GrantDecision => ({ decision: 'reject', code, message });
  if (current === undefined) {
    return reject('ORG_NOT_FOUND', `no org ${orgId}: hand over its first grant with submitGrant`);
  }
  // A removed org is gone for reauthorise, even for the grant it was removed with: only submitGrant brings it back.
  if (current.status === RecordStatus.Removed) {
    return reject(
      'ORG_NOT_FOUND',
      `org ${orgId} was removed: hand a new grant over with submitGrant to onboard it again`,
    );
  }
  if (isRepeatedGrant(current, grant)) return { decision: 'repeat' };
  if (current.status === RecordStatus.Disabled) {
    return reject('ORG_DISABLED', `org ${orgId} is disabled by an operator: it must be enabled before a new grant`);
  }
  if (current.grantType === 'refresh_token' && grant.refreshToken === undefined) {
    return reject('INVALID_PAYLOAD', `grant.refreshToken is required: org ${orgId} uses refresh_token`);
  }
  if (current.grantType === 'client_credentials' && grant.refreshToken !== undefined) {
    return reject('INVALID_PAYLOAD', `grant.refreshToken must be left out: org ${orgId} uses client_credentials`);
  }
  if (grant.fingerprint !== undefined && replacedGrantsOf(current).includes(grant.fingerprint)) {
    // A grant this org held before and that a newer one replaced: a replay (whatever issue time it now claims), and
    // most likely a refresh token the provider has rotated away or revoked.
    return reject('STALE_GRANT', `org ${orgId} held this grant before and a newer one replaced it: the newer is kept`);
  }
  if (typeof current.grantIssuedAt === 'number' && current.grantIssuedAt >= grant.issuedAt) {
    return reject(
      'STALE_GRANT',
      `org ${orgId} holds a grant issued at ${new Date(current.grantIssuedAt).toISOString()}, not before this one ` +
        `(${new Date(grant.issuedAt).toISOString()}): the newer grant is kept`,
    );
  }
  if (typeof current.leaseUntil === 'number' && current.leaseUntil >= now) {
    return { decision: 'wait', until: current.leaseUntil };
  }
  if (typeof current.version !== 'number') return reject('RECORD_INVALID', `org ${orgId} has no valid version`);
  const refreshTokenGrant = current.grantType === 'refresh_token';
  return {
    decision: 'write',
    write: {
      orgId,
      expectedVersion: current.version,
      issuedAt: grant.issuedAt,
      fingerprint: grant.fingerprint,
      set: {
        status: RecordStatus.Active,
        ...statusSince(current.status as string | undefined, RecordStatus.Active, now),
        ...(refreshTokenGrant
          ? {
              refreshToken: grant.refreshToken,
              grantFingerprint: grant.fingerprint,
              ...replacedGrantsAfter(current, grant.fingerprint),
            }
          : {}),
        ...(grant.client ? { clientId: grant.client.clientId, clientSecret: grant.client.clientSecret } : {}),
        grantIssuedAt: grant.issuedAt,
        // Due now, in its shard: the intake refreshes it at once, and if that is cut short the next sweep does.
        refreshAt: now,
        dueShard: dueShardFor(orgId, shardCount),
        consecutiveFailures: 0,
        version: current.version + 1,
      },
      remove: [
        ...CLEARED_BY_A_NEW_GRANT,
        ...(refreshTokenGrant ? [] : ['grantFingerprint']),
        // The org's own client takes over from a client shared through Secrets Manager.
        ...(grant.client ? ['clientSecretId'] : []),
      ],
    },
  };
}

/** The fingerprints of the grants a newer one replaced (newest first): a replay of any of them is stale. */
export function replacedGrantsOf(current: Record<string, unknown>): string[] {
  return Array.isArray(current.replacedGrants)
    ? current.replacedGrants.filter((f): f is string => typeof f === 'string')
    : [];
}

/** The grant being replaced joins the newest-first list of replaced ones (bounded: a few fingerprints per record). */
export function replacedGrantsAfter(
  current: Record<string, unknown>,
  incoming: string | undefined,
): { replacedGrants?: string[] } {
  const outgoing = typeof current.grantFingerprint === 'string' ? current.grantFingerprint : undefined;
  if (outgoing === undefined || outgoing === incoming) return {};
  return {
    replacedGrants: [outgoing, ...replacedGrantsOf(current).filter((f) => f !== outgoing)].slice(
      0,
      REPLACED_GRANTS_KEPT,
    ),
  };
}
