// Offboarding an org (a hosted app's `removeOrg` on uninstall, an operator's `tenants remove`): what the removal
// does to the record, and what a later hand-over does to what is left. Pure: the caller reads the record, passes
// the time, and performs what these return with one conditional write (docs/design.md "Removal").
//
// The record is not deleted: it becomes a tombstone. Status REMOVED, out of both indexes, no token and no client
// secret — and a grant watermark (`grantIssuedAt` = the removal time), so a queue re-delivering the grant the org
// was installed with is refused as stale while a newer grant onboards the org again. No TTL: a tombstone that
// vanished would let that old grant in again (and the multi-region work forbids TTL on the table).
import { replacedGrantsAfter, replacedGrantsOf } from './grant-decision.js';
import { RecordStatus } from './record.js';
import { statusSince } from './status-since.js';

/** Who removed the org: the tombstone's `statusReason` and the `Org Removed` event's reason. */
export const RemovedBy = { App: 'REMOVED_BY_APP', Operator: 'REMOVED_BY_OPERATOR' } as const;
export type RemovedByValue = (typeof RemovedBy)[keyof typeof RemovedBy];

/**
 * What a tombstone no longer holds: every token and its expiry, the org's own OAuth client (both halves: the secret,
 * and the id that is useless without it), its schedule and index keys (out of the due and attention indexes), a
 * lease, failures. Settings stay (an operator can see what the org was), as does a shared client's reference
 * (`clientSecretId`, a name, no secret) and the fingerprint of the last handed-over grant (a hash, no secret).
 */
export const REMOVED_BY_A_TOMBSTONE: readonly string[] = [
  'accessToken',
  'tokenType',
  'expiresAt',
  'refreshToken',
  'refreshTokenExpiresAt',
  'clientSecret',
  'clientId',
  'refreshAt',
  'dueShard',
  'attention',
  'leaseOwner',
  'leaseUntil',
  'lastError',
  'rotationAtRisk',
];

/** The conditional write that turns a record into a tombstone: on the version read, with no live lease. */
export interface TombstoneWrite {
  orgId: string;
  expectedVersion: number;
  removedAt: number;
  set: Record<string, unknown>;
  remove: readonly string[];
}

export type RemovalDecision =
  | { decision: 'not_found'; reason: 'ORG_NOT_FOUND' }
  /** Removed before: nothing is written, nothing revoked again (the first removal said what it revoked). */
  | { decision: 'already_removed'; reason: 'ALREADY_REMOVED'; removedAt: number | undefined }
  /** A refresher holds the org until `until`: removing under it would race its request and its commit. */
  | { decision: 'wait'; reason: 'LEASED'; until: number }
  | { decision: 'reject'; reason: 'RECORD_INVALID'; message: string }
  | { decision: 'write'; reason: 'REMOVE'; write: TombstoneWrite };

export function removalDecision(
  orgId: string,
  current: Record<string, unknown> | undefined,
  now: number,
  by: RemovedByValue,
): RemovalDecision {
  if (current === undefined) return { decision: 'not_found', reason: 'ORG_NOT_FOUND' };
  if (current.status === RecordStatus.Removed) {
    const removedAt = typeof current.removedAt === 'number' ? current.removedAt : undefined;
    return { decision: 'already_removed', reason: 'ALREADY_REMOVED', removedAt };
  }
  if (typeof current.leaseUntil === 'number' && current.leaseUntil >= now) {
    return { decision: 'wait', reason: 'LEASED', until: current.leaseUntil };
  }
  if (typeof current.version !== 'number') {
    return { decision: 'reject', reason: 'RECORD_INVALID', message: `org ${orgId} has no valid version` };
  }
  // The watermark never moves back: a stored grant issued up to the intake's clock skew ahead stays the floor.
  const grantIssuedAt = Math.max(now, typeof current.grantIssuedAt === 'number' ? current.grantIssuedAt : 0);
  return {
    decision: 'write',
    reason: 'REMOVE',
    write: {
      orgId,
      expectedVersion: current.version,
      removedAt: now,
      set: {
        status: RecordStatus.Removed,
        ...statusSince(current.status as string | undefined, RecordStatus.Removed, now),
        statusReason: by,
        removedAt: now,
        grantIssuedAt,
        consecutiveFailures: 0,
        version: current.version + 1,
      },
      remove: REMOVED_BY_A_TOMBSTONE,
    },
  };
}

/** A hand-over of a new org's first grant (`submitGrant`) that found a record with the org's id. */
export type ResubmitDecision =
  /** The record is a tombstone and the grant is newer: replace it (a conditional Put on its version). */
  | {
      decision: 'replace';
      reason: 'ONBOARD_AGAIN';
      expectedVersion: number;
      /** What the new item keeps of the tombstone: the grant the org was removed with joins the replaced ones. */
      carried: { replacedGrants?: string[] };
    }
  | { decision: 'reject'; reason: 'ORG_EXISTS' | 'STALE_GRANT' | 'RECORD_INVALID'; message: string };

/**
 * A removed org is onboarded again by a grant issued after its removal, never by the grant it was removed with (its
 * fingerprint) or one issued before (a queue's re-delivery of the install's grant, a replay): those are stale.
 */
export function resubmitDecision(
  orgId: string,
  current: Record<string, unknown>,
  grant: { issuedAt: number; fingerprint: string | undefined },
): ResubmitDecision {
  if (current.status !== RecordStatus.Removed) {
    return { decision: 'reject', reason: 'ORG_EXISTS', message: `org ${orgId} exists` };
  }
  const removed = typeof current.removedAt === 'number' ? new Date(current.removedAt).toISOString() : 'earlier';
  if (grant.fingerprint !== undefined && current.grantFingerprint === grant.fingerprint) {
    return {
      decision: 'reject',
      reason: 'STALE_GRANT',
      message: `org ${orgId} was removed (${removed}) holding this very grant: only a new grant onboards it again`,
    };
  }
  if (grant.fingerprint !== undefined && replacedGrantsOf(current).includes(grant.fingerprint)) {
    return {
      decision: 'reject',
      reason: 'STALE_GRANT',
      message: `org ${orgId} held this grant before a newer one replaced it, then was removed: only a new grant onboards it`,
    };
  }
  if (typeof current.grantIssuedAt === 'number' && current.grantIssuedAt >= grant.issuedAt) {
    return {
      decision: 'reject',
      reason: 'STALE_GRANT',
      message:
        `org ${orgId} was removed at ${removed}; this grant was issued at ${new Date(grant.issuedAt).toISOString()}, ` +
        'not after: only a grant issued after the removal onboards it again',
    };
  }
  if (typeof current.version !== 'number') {
    return { decision: 'reject', reason: 'RECORD_INVALID', message: `org ${orgId} has no valid version` };
  }
  return {
    decision: 'replace',
    reason: 'ONBOARD_AGAIN',
    expectedVersion: current.version,
    carried: replacedGrantsAfter(current, grant.fingerprint),
  };
}
