// Acting on a failed refresh: perform the transition core/failure-transition.ts decides (salvage, re-auth, release)
// with the store's fenced writes, then log, notify and report the outcome.

import { clientRejectedHint } from '../core/classify.js';
import { ConditionFailedError, ErrorCode, FailureClass, RefreshError, toLastError } from '../core/errors.js';
import { failureTransition, lostTheRecord } from '../core/failure-transition.js';
import { scrub } from '../core/redact.js';
import { writeReceivedTokens } from './commit.js';
import type { Claimed, RefreshDeps, RunScope } from './refresh-deps.js';
import { failedOutcome, type RefreshOutcome } from './refresh-outcome.js';

export interface FailureContext {
  /** The refresh token may have been consumed without our seeing the answer. */
  rotationAtRisk: boolean;
  /** This attempt met an ambiguous outcome; defaults to the claim's own ambiguity. */
  ambiguous?: boolean;
  /** A rotated refresh token found in an otherwise unusable 2xx: must be stored, never dropped. */
  salvageRefreshToken?: string | undefined;
  /** Every secret this refresh handled, scrubbed from whatever text leaves the process. */
  secrets?: (string | undefined)[];
}

export async function handleFailure(
  deps: RefreshDeps,
  claimed: Claimed,
  scope: RunScope,
  error: RefreshError,
  context: FailureContext,
): Promise<RefreshOutcome> {
  const { store, clock, log, notifier, settings, random } = deps;
  const { record, claimedVersion } = claimed;
  const orgId = record.orgId;
  const secrets = [...(context.secrets ?? []), context.salvageRefreshToken];
  const ambiguous = context.ambiguous ?? claimed.ambiguous;
  const transition = failureTransition({
    code: error.code,
    failureClass: error.failureClass,
    retryAfterMs: error.retryAfterMs,
    salvage: context.salvageRefreshToken !== undefined,
    rotationAtRisk: context.rotationAtRisk,
    ambiguous: context.ambiguous === true,
    consecutiveFailures: record.consecutiveFailures,
    expiresAt: record.expiresAt,
    refreshTokenExpiresAt: record.grantType === 'refresh_token' ? record.refreshTokenExpiresAt : undefined,
    currentAttention: record.attention,
    previousErrorCode: record.lastError?.code,
    now: clock.now(),
    schedulePeriodMs: settings.schedulePeriodMs,
    random: random(),
  });
  const lastError = toLastError(error, secrets, clock.now());

  switch (transition.action) {
    case 'salvage': {
      const salvageError = await writeReceivedTokens(deps, claimed, scope, (timeoutMs) =>
        store.salvage(
          {
            orgId,
            claimedVersion,
            owner: scope.owner,
            refreshToken: context.salvageRefreshToken as string,
            refreshAt: transition.refreshAt,
            error: lastError,
          },
          { timeoutMs },
        ),
      );
      if (salvageError !== undefined) {
        const code = salvageError instanceof ConditionFailedError ? ErrorCode.LeaseLost : ErrorCode.CommitFailed;
        log.error('rotated refresh token could not be stored', {
          orgId,
          code,
          error: scrub(String((salvageError as Error)?.message), secrets),
        });
        await notifier.orgEvent('RotationLost', { orgId, reason: code, at: clock.now() });
        return { orgId, result: 'failed', code, failureClass: 'store', notCommitted: true, rotationLost: true };
      }
      log.warn('unusable token response; rotated refresh token kept', {
        orgId,
        code: error.code,
        message: lastError.message,
        reason: transition.reason,
      });
      return failedOutcome(orgId, error, context.ambiguous);
    }

    case 'reauth': {
      if (lostTheRecord(await store.get(orgId), claimedVersion, scope.owner)) {
        log.error('invalid_grant after losing the record to another refresher', { orgId, code: error.code });
        return { orgId, result: 'failed', code: error.code, failureClass: error.failureClass, race: true };
      }
      const reauthError =
        transition.code === error.code
          ? error
          : new RefreshError(
              transition.code,
              FailureClass.GrantDead,
              `invalid_grant after an ambiguous outcome: a rotated refresh token was lost (${lastError.message})`,
            );
      const reauthLastError = toLastError(reauthError, secrets, clock.now());
      try {
        await store.markReauth({ orgId, claimedVersion, owner: scope.owner, error: reauthLastError });
      } catch (err) {
        if (!(err instanceof ConditionFailedError)) throw err;
        return { orgId, result: 'failed', code: ErrorCode.LeaseLost, failureClass: 'store' };
      }
      log.error(
        transition.rotationLost
          ? 'rotation lost: org needs re-authorisation'
          : 'grant is dead: org needs re-authorisation',
        { orgId, code: reauthError.code, message: reauthLastError.message, reason: transition.reason },
      );
      await notifier.orgEvent(transition.event, { orgId, reason: reauthError.code, at: clock.now() });
      return {
        orgId,
        result: 'failed',
        code: reauthError.code,
        failureClass: FailureClass.GrantDead,
        rotationLost: transition.rotationLost,
        ambiguous: context.ambiguous,
      };
    }

    case 'release': {
      await releaseLease(deps, claimedVersion, scope, {
        orgId,
        refreshAt: transition.refreshAt,
        attention: transition.attention,
        error: lastError,
        rotationAtRisk: context.rotationAtRisk,
        secrets,
      });
      log[transition.level]('refresh failed', {
        orgId,
        code: error.code,
        failureClass: error.failureClass,
        message: lastError.message,
        provider: record.provider,
        reason: transition.reason,
      });
      if (transition.event) {
        // A fixed sentence, never the provider's text: the hosted app learns what to do, not what the provider said.
        const message = clientRejectedHint(record.grantType);
        await notifier.orgEvent(transition.event, { orgId, reason: error.code, at: clock.now(), message });
      }
      return failedOutcome(orgId, error, ambiguous);
    }
  }
}

export interface Release {
  orgId: string;
  refreshAt: number;
  attention: string | undefined;
  error: ReturnType<typeof toLastError>;
  rotationAtRisk: boolean;
  secrets: readonly (string | undefined)[];
}

/** Hands the org back with its next attempt scheduled. A failed release is logged, never thrown: the lease expires. */
export async function releaseLease(
  deps: RefreshDeps,
  claimedVersion: number,
  scope: RunScope,
  release: Release,
): Promise<void> {
  const { orgId, refreshAt, attention, error, rotationAtRisk } = release;
  try {
    await deps.store.release({
      orgId,
      claimedVersion,
      owner: scope.owner,
      refreshAt,
      error,
      attention,
      rotationAtRisk,
    });
  } catch (err) {
    // The lease expires by itself; the next claimer sees an abandoned lease and treats it as ambiguous. Safe.
    deps.log.warn('could not release the lease', {
      orgId,
      error: scrub(String((err as Error)?.message), release.secrets),
    });
  }
}
