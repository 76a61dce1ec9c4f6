// Taking an org's lease: a conditional write on the version the sweep saw, with no live lease (invariant 1). A lost
// claim is explained by the item DynamoDB returns with the failure (core/claim-conflict.ts); a record that cannot be
// trusted is released at once with a long pause and an attention mark, never refreshed.
import { claimConflictVerdict } from '../core/claim-conflict.js';
import { leaseHoldMs } from '../core/commit-window.js';
import { ConditionFailedError, ErrorCode, FailureClass, RefreshError, toLastError } from '../core/errors.js';
import { failureTransition } from '../core/failure-transition.js';
import { repairLegacyScope } from '../core/legacy-scope.js';
import { parseRecord } from '../core/record.js';
import { releaseLease } from './failure.js';
import type { Candidate, Claimed, RefreshDeps, RunScope } from './refresh-deps.js';
import { failedOutcome, type RefreshOutcome } from './refresh-outcome.js';

/** At most two tries: the due index is eventually consistent, so its version can lag the table by one write. */
const CLAIM_TRIES = 2;

export async function claimOrg(
  deps: RefreshDeps,
  candidate: Candidate,
  scope: RunScope,
  force: boolean,
): Promise<Claimed | RefreshOutcome> {
  const { store, clock, settings, log } = deps;
  const { orgId } = candidate;
  let expectedVersion = candidate.version;
  for (let attempt = 0; attempt < CLAIM_TRIES; attempt++) {
    const now = clock.now();
    // One write takes both parts of the lease (core/commit-window.ts): the send part, then the commit part. The record
    // says the end of both, so no other refresher claims the org while a received answer may still be committed.
    const lease = { sendUntil: now + settings.leaseMs, heldUntil: now + leaseHoldMs(settings.leaseMs) };
    try {
      const before = await store.claim({
        orgId,
        expectedVersion,
        owner: scope.owner,
        leaseUntil: lease.heldUntil,
        now,
      });
      // The claim takes the lease and leaves the version: every later write is conditional on this owner and version.
      return await validateClaimed(deps, orgId, before, expectedVersion, lease, scope);
    } catch (err) {
      if (!(err instanceof ConditionFailedError)) throw err;
      const verdict = claimConflictVerdict(err.current, now, force);
      if (verdict.decision === 'skip') return { orgId, result: 'skipped', reason: verdict.reason };
      if (verdict.decision === 'invalid') {
        log.error('record cannot be claimed', { orgId, code: ErrorCode.RecordInvalid, message: verdict.message });
        return { orgId, result: 'failed', code: ErrorCode.RecordInvalid, failureClass: FailureClass.BadData };
      }
      expectedVersion = verdict.expectedVersion;
    }
  }
  return { orgId, result: 'skipped', reason: 'LEASED' };
}

/** The claimed record, validated; exported for the on-demand path, which claims on its own terms (lambdas/on-demand/). */
export async function validateClaimed(
  deps: RefreshDeps,
  orgId: string,
  before: Record<string, unknown>,
  claimedVersion: number,
  lease: Pick<Claimed, 'sendUntil' | 'heldUntil'>,
  scope: RunScope,
): Promise<Claimed | RefreshOutcome> {
  // A lease that was still set when we claimed was abandoned (it had expired): its holder may have crashed after the
  // provider answered, so the refresh token we are about to send may already be spent.
  const abandonedLease = typeof before.leaseOwner === 'string';
  const held = { ...before, version: claimedVersion, leaseOwner: scope.owner, leaseUntil: lease.heldUntil };
  let parsed = parseRecord(held);
  let removeInvalidScope = false;
  if (!parsed.ok) {
    // A record an older commit bricked (the provider's scope in `scope`) is repaired, not stranded: issue 16.
    const repair = repairLegacyScope(held);
    const repaired = repair.decision === 'repair' ? parseRecord(repair.record) : undefined;
    if (repaired?.ok) {
      parsed = repaired;
      removeInvalidScope = true;
      deps.log.warn('scope is not a valid setting (an older version stored the granted scope there): requesting none', {
        orgId,
        reason: repair.reason,
      });
    }
  }
  if (!parsed.ok) {
    const error = new RefreshError(ErrorCode.RecordInvalid, FailureClass.BadData, parsed.message);
    const now = deps.clock.now();
    const rotationAtRisk = before.rotationAtRisk === true || abandonedLease;
    const transition = failureTransition({
      code: error.code,
      failureClass: error.failureClass,
      retryAfterMs: undefined,
      salvage: false,
      rotationAtRisk,
      ambiguous: false,
      consecutiveFailures: Number(before.consecutiveFailures) || 0,
      // The record cannot be trusted, its expiry included.
      expiresAt: undefined,
      now,
      schedulePeriodMs: deps.settings.schedulePeriodMs,
      random: deps.random(),
    });
    if (transition.action === 'release') {
      await releaseLease(deps, claimedVersion, scope, {
        orgId,
        refreshAt: transition.refreshAt,
        attention: transition.attention,
        error: toLastError(error, [], now),
        rotationAtRisk,
        secrets: [],
      });
    }
    return failedOutcome(orgId, error);
  }
  const record = parsed.record;
  if (abandonedLease) deps.log.warn('took over an abandoned lease', { orgId, previousOwner: before.leaseOwner });
  return {
    record,
    claimedVersion,
    ...lease,
    ambiguous: abandonedLease || record.rotationAtRisk === true,
    ...(removeInvalidScope ? { removeInvalidScope } : {}),
  };
}
