// Storing what the provider answered: the commit (new tokens, next refreshAt, lease cleared, version+1), and the
// write retries any received token gets (invariant 2: a received token is stored, or its loss is reported).
import { lacksOfflineAccess, type TokenSet } from '../core/classify.js';
import { announcesRecovery, unstoredTokensVerdict } from '../core/commit-verdict.js';
import { commitAttemptTimeoutMs, commitDeadline, nextCommitStep } from '../core/commit-window.js';
import { ConditionFailedError } from '../core/errors.js';
import { Attention, RecordStatus } from '../core/record.js';
import { scrub } from '../core/redact.js';
import { expiringVerdict, refreshTokenOutlook } from '../core/refresh-token-outlook.js';
import { firstRefreshAt, isShortLifetime, nextRefreshAt } from '../core/schedule.js';
import { dueShardFor } from '../core/shard.js';
import { revokeTokens } from '../offboarding/revoke-tokens.js';
import type { Claimed, RefreshDeps, RunScope } from './refresh-deps.js';
import type { RefreshOutcome } from './refresh-outcome.js';

/** The RefreshTokenExpiring event's message: what the hosted app should do about it. */
export const REFRESH_TOKEN_EXPIRING_MESSAGE =
  "the org's refresh token runs out soon and refreshing does not extend it: ask the customer to re-authorise the app";

export interface Received {
  tokens: TokenSet;
  /** When the request went out: the expiry counts from here, never later than the provider's own clock says. */
  sentAt: number;
  ambiguous: boolean;
}

export async function commitTokens(
  deps: RefreshDeps,
  claimed: Claimed,
  scope: RunScope,
  received: Received,
  secrets: (string | undefined)[],
): Promise<RefreshOutcome> {
  const { store, clock, settings, random, log, notifier } = deps;
  const { record, claimedVersion } = claimed;
  const { tokens, sentAt, ambiguous } = received;
  const orgId = record.orgId;
  const expiresAt = sentAt + tokens.expiresInMs;
  const warnings = lifetimeWarnings(deps, orgId, record.requiresOfflineAccess, tokens);
  const now = clock.now();
  // A provider that does not rotate sends no refresh token; client credentials have none.
  const refreshToken = record.grantType === 'refresh_token' ? tokens.refreshToken : undefined;
  const outlook = refreshTokenOutlook({
    previousExpiresAt: record.grantType === 'refresh_token' ? record.refreshTokenExpiresAt : undefined,
    previousRefreshedAt: record.lastRefreshedAt,
    previouslyExpiring: record.attention === Attention.RefreshTokenExpiring,
    rotated: refreshToken !== undefined,
    reported: tokens.refreshTokenExpiry,
    sentAt,
  });
  const refreshTokenDeadline =
    outlook.expiresAt === undefined ? undefined : { expiresAt: outlook.expiresAt, extended: outlook.extended };
  // An org's first refresh since onboarding spreads its next one over the lifetime, so orgs imported together do not
  // stay together (docs/fleet.md#onboarding-herds); after that, each keeps its own phase.
  const refreshAt =
    record.lastRefreshedAt === undefined
      ? firstRefreshAt(sentAt, expiresAt, settings, random(), refreshTokenDeadline)
      : nextRefreshAt(sentAt, expiresAt, settings, random(), refreshTokenDeadline);
  const expiring = expiringVerdict({
    outlook,
    now,
    nextRefreshAt: refreshAt,
    warningMs: settings.refreshTokenWarningMs,
    previousAttention: record.attention,
  });
  const failure = await writeReceivedTokens(deps, claimed, scope, (timeoutMs) =>
    store.commit(
      {
        orgId,
        claimedVersion,
        owner: scope.owner,
        accessToken: tokens.accessToken,
        refreshToken,
        tokenType: tokens.tokenType,
        grantedScope: tokens.scope,
        ...(claimed.removeInvalidScope ? { removeInvalidScope: true } : {}),
        expiresAt,
        refreshAt,
        dueShard: dueShardFor(orgId, settings.shardCount),
        refreshedAt: clock.now(),
        refreshTokenExpiresAt: outlook.expiresAt,
        attention: expiring.attention,
      },
      { timeoutMs },
    ),
  );
  if (failure === undefined) {
    if (announcesRecovery(record)) {
      await notifier.orgEvent('Recovered', { orgId, reason: record.lastError?.code ?? 'RECOVERED', at: now });
    }
    if (expiring.announce) {
      log.warn('refresh token expires soon and refreshing does not extend it: the org will need re-authorisation', {
        orgId,
        refreshTokenExpiresAt: outlook.expiresAt,
      });
      await notifier.orgEvent('RefreshTokenExpiring', {
        orgId,
        reason: 'REFRESH_TOKEN_EXPIRING',
        at: now,
        message: REFRESH_TOKEN_EXPIRING_MESSAGE,
        refreshTokenExpiresAt: outlook.expiresAt,
      });
    }
    log.debug('refreshed', { orgId, expiresAt });
    return { orgId, result: 'refreshed', warnings, ambiguous };
  }
  if (failure instanceof ConditionFailedError && failure.current?.status === RecordStatus.Removed) {
    return revokeForRemovedOrg(deps, claimed, scope, tokens);
  }
  const verdict = unstoredTokensVerdict(failure instanceof ConditionFailedError, record.grantType);
  log.error('token response received but not committed', {
    orgId,
    code: verdict.code,
    error: scrub(String((failure as Error)?.message ?? failure), [...secrets, tokens.accessToken, tokens.refreshToken]),
  });
  if (verdict.rotationLost) await notifier.orgEvent('RotationLost', { orgId, reason: verdict.code, at: clock.now() });
  return {
    orgId,
    result: 'failed',
    code: verdict.code,
    failureClass: 'store',
    notCommitted: true,
    rotationLost: verdict.rotationLost,
    ambiguous,
  };
}

/**
 * The org was removed while this refresh stalled past its lease (the removal waits out a live lease, never an expired
 * one): its tombstone fenced the commit. The customer left, so this is no lost rotation to report to the app: the
 * tokens just received are revoked where the provider allows, like the removal's own, and the org is skipped.
 */
async function revokeForRemovedOrg(
  deps: RefreshDeps,
  claimed: Claimed,
  scope: RunScope,
  tokens: TokenSet,
): Promise<RefreshOutcome> {
  const { record } = claimed;
  // The new tokens only: the removal revoked what the record held (its write's ALL_OLD).
  const received = {
    ...record,
    refreshToken: tokens.refreshToken,
    accessToken: tokens.accessToken,
    expiresAt: deps.clock.now() + tokens.expiresInMs,
  };
  const { summary } = await revokeTokens(deps, received, () => scope.remainingMs());
  deps.log.warn('token response for an org removed meanwhile: not stored, revoked where the provider allows', {
    orgId: record.orgId,
    refreshToken: summary.refreshToken.result,
    accessToken: summary.accessToken.result,
  });
  return { orgId: record.orgId, result: 'skipped', reason: 'NOT_ACTIVE' };
}

/** Warnings about the answer that do not stop the commit, each logged once here and counted by the run. */
function lifetimeWarnings(
  deps: RefreshDeps,
  orgId: string,
  requiresOfflineAccess: boolean | undefined,
  tokens: TokenSet,
): string[] {
  const warnings: string[] = [];
  if (lacksOfflineAccess(requiresOfflineAccess, tokens.scope)) {
    warnings.push('SCOPE_MISSING_OFFLINE_ACCESS');
    deps.log.warn('token response scope lacks offline_access', { orgId, grantedScope: tokens.scope });
  }
  if (isShortLifetime(tokens.expiresInMs, deps.settings.schedulePeriodMs)) {
    warnings.push('SHORT_LIFETIME');
    deps.log.warn('token lifetime is shorter than two schedule periods', {
      orgId,
      lifetimeMs: tokens.expiresInMs,
      schedulePeriodMs: deps.settings.schedulePeriodMs,
    });
  }
  return warnings;
}

/**
 * Stores what the provider just gave us, retrying store errors through the commit part of the lease
 * (core/commit-window.ts): until a margin before the hold the claim took ends (no other refresher can claim the org
 * before then, so none can send its spent refresh token), and before the invocation ends. Each attempt is abandoned
 * at its own timeout, so a stalled store cannot hold the loop past that bound. Returns undefined on success, or the
 * last error. A ConditionFailedError means fenced: the lease was taken over and the version moved, so writing would
 * overwrite the new holder's state; that is reported, never retried.
 */
export async function writeReceivedTokens(
  deps: Pick<RefreshDeps, 'clock' | 'random'>,
  claimed: Pick<Claimed, 'heldUntil'>,
  scope: RunScope,
  write: (timeoutMs: number) => Promise<void>,
): Promise<unknown> {
  const { clock } = deps;
  const deadline = commitDeadline(claimed.heldUntil, clock.now() + scope.remainingMs());
  for (let attempts = 1; ; attempts++) {
    try {
      await write(commitAttemptTimeoutMs(attempts, clock.now(), deadline));
      return undefined;
    } catch (err) {
      const step = nextCommitStep({
        fenced: err instanceof ConditionFailedError,
        attempts,
        now: clock.now(),
        deadline,
        random: deps.random(),
      });
      if (step.decision === 'stop') return err ?? new Error('store write failed');
      await clock.sleep(step.delayMs);
    }
  }
}
