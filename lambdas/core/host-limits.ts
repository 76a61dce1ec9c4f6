// Per-token-host limits and backoff, as pure decisions (docs/fleet.md#per-host-limits). A token host is the URL's
// host: a Genesys region's login host, one Zendesk subdomain, a generic provider's host. Every sweep gets an equal
// share of each host's budget (no coordination needed); a host that rate-limits or keeps failing is backed off as a
// whole, for every sweep, instead of every org retrying alone. Table tests: test/unit/host-limits.test.ts.
import type { HttpOutcome } from './ports.js';
import { parseRetryAfterMs } from './schedule.js';

export interface HostBudget {
  /** HOST_MAX_IN_FLIGHT: token requests in flight to one host, across every sweep (0: no cap). */
  maxInFlight: number;
  /** HOST_MAX_PER_SECOND: token requests started per second to one host, across every sweep (0: no cap). */
  maxPerSecond: number;
}

export interface HostLimits {
  inFlight: number;
  /** Minimum gap between two requests this sweep sends to one host. */
  intervalMs: number;
}

/**
 * One sweep's share of a host's budget: 1/share of it, never below one request in flight (a sweep must make
 * progress). With share = MAX_SWEEPS and at most MAX_SWEEPS sweeps at once, the sum never exceeds the budget as long
 * as the budget allows one request in flight per sweep.
 */
export function hostLimitsFor(budget: HostBudget, share: number): HostLimits {
  const s = Math.max(1, Math.floor(share));
  return {
    inFlight: budget.maxInFlight > 0 ? Math.max(1, Math.floor(budget.maxInFlight / s)) : Number.POSITIVE_INFINITY,
    intervalMs: budget.maxPerSecond > 0 ? (1000 * s) / budget.maxPerSecond : 0,
  };
}

/**
 * How many shares every token host's budget is split into, fleet-wide: the most sweeps that can run at once (each
 * walks at least one shard) plus the grant intake's and the on-demand function's reserved concurrency (each of their
 * instances refreshes one org at a time, through its own gate). Every sweep, direct run, intake and on-demand instance
 * takes one share, so together they never exceed the budget as long as it allows one request in flight per share.
 */
export function fleetHostShare(s: {
  maxSweeps: number;
  shardCount: number;
  intakeConcurrency: number;
  onDemandConcurrency: number;
}): number {
  return Math.min(s.maxSweeps, s.shardCount) + s.intakeConcurrency + s.onDemandConcurrency;
}

/**
 * Pacing: when the next request to a host may start, given when the previous one was allowed to. No bursts: requests
 * are spaced by `intervalMs` (a leaky bucket), so a herd of due orgs reaches the host at the configured rate.
 */
export function paceRequest(
  nextFreeAt: number,
  now: number,
  intervalMs: number,
): { startAt: number; nextFreeAt: number } {
  const startAt = Math.max(now, nextFreeAt);
  return { startAt, nextFreeAt: startAt + intervalMs };
}

/** What one token request told us about its host. */
export type HostSignal =
  /** An answer that says the host works (a token, or an OAuth error about this org's grant or client). */
  | { kind: 'answered' }
  /** 429: the host asks us to slow down, maybe with Retry-After. */
  | { kind: 'rate-limited'; retryAfterMs: number | undefined }
  /** 5xx, 408, a timeout or a network error: one more in a run of failures. */
  | { kind: 'failed'; retryAfterMs: number | undefined }
  /** Nothing learned about the host (e.g. a reset after sending on a stale socket). */
  | { kind: 'neutral' };

/**
 * What an exchange says about its host. A reset after the request was sent is neutral: it is typically one stale
 * keep-alive socket, not the host (a burst of them after an idle period must not back a healthy host off).
 */
export function hostSignalOf(outcome: HttpOutcome, now: number): HostSignal {
  if (outcome.kind === 'no-response') {
    return outcome.reason === 'network' && outcome.sent
      ? { kind: 'neutral' }
      : { kind: 'failed', retryAfterMs: undefined };
  }
  const retryAfterMs = parseRetryAfterMs(outcome.retryAfter, now);
  if (outcome.status === 429) return { kind: 'rate-limited', retryAfterMs };
  if (outcome.status >= 500 || outcome.status === 408) return { kind: 'failed', retryAfterMs };
  return { kind: 'answered' };
}

export interface HostBackoffSettings {
  /** HOST_FAILURE_RUN: failures in a row (5xx, timeouts) that back the host off. */
  failuresToDegrade: number;
  /**
   * HOST_BACKOFF_SECONDS: the first pause after such a run, or after a 429 that names no Retry-After; it doubles with
   * each episode that follows without an answer in between (a real outage), up to MAX_HOST_BACKOFF_MS.
   */
  backoffMs: number;
}

/** Longest host backoff honoured, whatever Retry-After says: a typo in a provider's header must not stop us for a day. */
export const MAX_HOST_BACKOFF_MS = 15 * 60_000;
/** Shortest host backoff: a Retry-After of 0 still means "not this instant". */
export const MIN_HOST_BACKOFF_MS = 1_000;

/** A host's backoff state as one sweep sees it: failures in a row, and backoff episodes since its last answer. */
export interface HostHealth {
  failuresInRow: number;
  episodes: number;
}

export type HostVerdict =
  | { degrade: false; health: HostHealth }
  | { degrade: true; health: HostHealth; until: number; reason: 'RATE_LIMITED' | 'PROVIDER_UNAVAILABLE' };

const clampBackoff = (ms: number) => Math.min(MAX_HOST_BACKOFF_MS, Math.max(MIN_HOST_BACKOFF_MS, ms));

/**
 * After one request: a 429 backs the host off at once, until its Retry-After (or the escalating backoff when it names
 * none); a run of HOST_FAILURE_RUN failures backs it off for the escalating backoff (or a longer
 * Retry-After). The backoff starts at HOST_BACKOFF_SECONDS and doubles with each episode until the host answers again:
 * a chance run of failures costs a short pause, an outage quickly a long one. An answer resets both counts.
 */
export function hostVerdict(health: HostHealth, signal: HostSignal, now: number, s: HostBackoffSettings): HostVerdict {
  const escalated = s.backoffMs * 2 ** Math.min(health.episodes, 20);
  const episode = { failuresInRow: 0, episodes: health.episodes + 1 };
  switch (signal.kind) {
    case 'answered':
      return { degrade: false, health: { failuresInRow: 0, episodes: 0 } };
    case 'neutral':
      return { degrade: false, health };
    case 'rate-limited':
      return {
        degrade: true,
        health: episode,
        until: now + clampBackoff(signal.retryAfterMs ?? escalated),
        reason: 'RATE_LIMITED',
      };
    case 'failed': {
      const run = health.failuresInRow + 1;
      if (run < Math.max(1, s.failuresToDegrade)) return { degrade: false, health: { ...health, failuresInRow: run } };
      return {
        degrade: true,
        health: episode,
        until: now + clampBackoff(Math.max(escalated, signal.retryAfterMs ?? 0)),
        reason: 'PROVIDER_UNAVAILABLE',
      };
    }
  }
}

export function isDegraded(degradedUntil: number | undefined, now: number): boolean {
  return degradedUntil !== undefined && degradedUntil > now;
}

/**
 * An org whose token expires within two schedule periods may still send through a backed-off host (within the host's
 * limits): the backoff holds the fleet back, never an org's last chance before its hosted app gets 401s. Against a
 * host that is really down those few requests fail and back off as the org's own failures; against a host that
 * rate-limits they are a trickle. An org with no token, or one already expired, has no last chance to lose: it waits.
 */
export function mayPassBackoff(expiresAt: number | undefined, now: number, schedulePeriodMs: number): boolean {
  return expiresAt !== undefined && expiresAt > now && expiresAt - now <= 2 * schedulePeriodMs;
}

export interface DeferInput {
  degradedUntil: number;
  /** When the org's stored access token expires (undefined: it has none). */
  expiresAt: number | undefined;
  now: number;
  schedulePeriodMs: number;
  /** Uniform in [0, 1). */
  random: number;
}

/**
 * An org of a degraded host is released without an attempt: due again when the host's backoff ends, spread over one
 * schedule period so the host is not met by every deferred org at the same instant — but, while its token is still
 * valid, never later than halfway to its expiry (at least a period from now), the same bound as an org's own backoff:
 * back then, a host still backed off defers it again without a request, and a host that has recovered refreshes it
 * before its token lapses. It is not the org's own failure (no lastError, no failure count); like any release past
 * the token's expiry it is listed as EXPIRED, so the expired-token gauge keeps counting it.
 */
export function deferredRefreshAt(i: DeferInput): { refreshAt: number; pastExpiry: boolean } {
  let refreshAt = Math.round(i.degradedUntil + i.random * i.schedulePeriodMs);
  if (i.expiresAt !== undefined && i.expiresAt > i.now) {
    refreshAt = Math.min(refreshAt, Math.round(i.now + Math.max(i.schedulePeriodMs, (i.expiresAt - i.now) / 2)));
  }
  return { refreshAt, pastExpiry: i.expiresAt === undefined || refreshAt >= i.expiresAt };
}

/** The host a token request goes to (lower case, with a port when the URL names one). */
export function tokenHostOf(url: string): string {
  try {
    return new URL(url).host.toLowerCase();
  } catch {
    return 'invalid-url';
  }
}
