// An org whose token host is backed off is handed back without an attempt: due again when the host's backoff ends
// (core/host-limits.ts, deferredRefreshAt). Nothing was sent, so it is not the org's failure: no lastError, no
// failure count, the same rotationAtRisk as before. Counted as skipped HOST_DEGRADED (metric HostDeferred).
import { deferredRefreshAt } from '../core/host-limits.js';
import { Attention } from '../core/record.js';
import type { Claimed, RefreshDeps, RunScope } from './refresh-deps.js';
import type { RefreshOutcome } from './refresh-outcome.js';

export async function deferOrg(
  deps: RefreshDeps,
  claimed: Claimed,
  scope: RunScope,
  degradedUntil: number,
): Promise<RefreshOutcome> {
  const { record, claimedVersion } = claimed;
  const { refreshAt, pastExpiry } = deferredRefreshAt({
    degradedUntil,
    expiresAt: record.expiresAt,
    now: deps.clock.now(),
    schedulePeriodMs: deps.settings.schedulePeriodMs,
    random: deps.random(),
  });
  try {
    await deps.store.release({
      orgId: record.orgId,
      claimedVersion,
      owner: scope.owner,
      refreshAt,
      error: undefined,
      // Held out past its expiry: listed as EXPIRED so the expired-token gauge keeps counting it. Otherwise it keeps
      // the attention it had (MISCONFIGURED stays until a refresh succeeds), EXPIRED excepted: that is recomputed.
      attention: pastExpiry ? Attention.Expired : record.attention === Attention.Expired ? undefined : record.attention,
      rotationAtRisk: claimed.ambiguous,
    });
  } catch (err) {
    // The lease lapses by itself; the next claimer treats the org as ambiguous, which is safe.
    deps.log.warn('could not release a deferred org', { orgId: record.orgId, error: (err as Error)?.name });
  }
  return { orgId: record.orgId, result: 'skipped', reason: 'HOST_DEGRADED' };
}
