// When an org is next due, and how long to back off. Pure functions of time and a random number in [0, 1), so the
// properties (never due at issue time, never past expiry, spread by jitter) can be checked exhaustively.

export interface ScheduleSettings {
  refreshWindowMs: number;
  jitterMs: number;
  schedulePeriodMs: number;
}

/**
 * How long before expiry an org becomes due: the configured window, but never more than half the token's lifetime,
 * so a short-lived token (Genesys allows 300 s) is not due the moment it is issued.
 */
export function leadTimeMs(lifetimeMs: number, refreshWindowMs: number): number {
  return Math.max(0, Math.min(refreshWindowMs, lifetimeMs / 2));
}

/** A refresh token that runs out is fatal (re-authorisation), an access token only until the next refresh: a day. */
export const REFRESH_TOKEN_LEAD_MS = 86_400_000;

/**
 * How long before a refresh token's expiry its org is refreshed (when refreshing extends it): a day, but never less
 * than the refresh window nor more than half the refresh token's lifetime.
 */
export function refreshTokenLeadMs(lifetimeMs: number, refreshWindowMs: number): number {
  return Math.max(0, Math.min(Math.max(REFRESH_TOKEN_LEAD_MS, refreshWindowMs), lifetimeMs / 2));
}

/** The refresh token's expiry as the schedule sees it (core/refresh-token-outlook.ts decides `extended`). */
export interface RefreshTokenDeadline {
  expiresAt: number;
  /** This refresh moved the expiry later: refreshing again before it runs out extends it again. */
  extended: boolean;
}

/**
 * The next refreshAt: expiresAt − lead − jitter, where jitter is at most half the lead. Tenants onboarded together
 * thus spread out, and refreshAt always lies in (issuedAt, expiresAt − lead/2].
 *
 * With a refresh token that expires (`refreshToken`), the org is refreshed before it runs out whatever the access
 * token's lifetime: by its own lead when refreshing extends it; when it does not (an absolute expiry), one last time
 * a lead before it runs out, for the longest-lived access token it can still buy, and then on the access token's
 * schedule (that refresh meets invalid_grant and asks for re-authorisation, which the warning announced days ago).
 */
export function nextRefreshAt(
  issuedAt: number,
  expiresAt: number,
  s: ScheduleSettings,
  random: number,
  refreshToken?: RefreshTokenDeadline,
): number {
  const lifetime = Math.max(0, expiresAt - issuedAt);
  const lead = leadTimeMs(lifetime, s.refreshWindowMs);
  const jitter = Math.floor(random * Math.min(s.jitterMs, lead / 2));
  const byAccessToken = Math.round(expiresAt - lead - jitter);
  if (refreshToken === undefined) return byAccessToken;
  if (refreshToken.extended) {
    const rtLead = refreshTokenLeadMs(Math.max(0, refreshToken.expiresAt - issuedAt), s.refreshWindowMs);
    const rtJitter = Math.floor(random * Math.min(s.jitterMs, rtLead / 2));
    return Math.min(byAccessToken, Math.round(refreshToken.expiresAt - rtLead - rtJitter));
  }
  // Not extendable: one last refresh a full lead before the end, if that is still ahead. Its lead is not cut to half
  // the remaining lifetime: that would chase the expiry with ever shorter steps, refresh after refresh.
  const lastRefresh = Math.round(refreshToken.expiresAt - Math.max(REFRESH_TOKEN_LEAD_MS, s.refreshWindowMs));
  return lastRefresh > issuedAt ? Math.min(byAccessToken, lastRefresh) : byAccessToken;
}

/**
 * A lifetime too short for this schedule: report it (it is still refreshed). Its lead time is half of it, and a refresh
 * may find the org held by a crashed refresher's claim for a whole lease hold and then wait for the next tick
 * (docs/design.md "Timing rules"): a lifetime under twice that can lapse. With no hold, two schedule periods.
 */
export function isShortLifetime(lifetimeMs: number, schedulePeriodMs: number, leaseHoldMs = 0): boolean {
  return lifetimeMs < 2 * (schedulePeriodMs + leaseHoldMs);
}

/** Exponential backoff with full jitter: uniform in [0, min(cap, base · 2^attempt)). */
export function fullJitterBackoffMs(attempt: number, baseMs: number, capMs: number, random: number): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random * ceiling);
}

export interface RetryAtInput {
  now: number;
  consecutiveFailures: number;
  /** The first deadline: the access token's expiry, or the refresh token's when that comes first. */
  expiresAt: number | undefined;
  retryAfterMs: number | undefined;
  schedulePeriodMs: number;
  random: number;
}

/** Longest pause after transient failures while the provider is merely unwell. */
export const TRANSIENT_BACKOFF_CAP_MS = 15 * 60_000;
/** Pause for a misconfigured client or a bad record: an operator has to act, retrying sooner only adds load. */
export const MISCONFIGURED_BACKOFF_MS = 30 * 60_000;

/**
 * refreshAt after a transient failure: full-jitter backoff on the number of failures, at least the provider's
 * Retry-After, and — while the stored token is still valid — never later than halfway to its expiry, so a short
 * outage does not make us miss the last chance before hosted apps see 401s.
 */
export function transientRetryAt(i: RetryAtInput): number {
  let delay = fullJitterBackoffMs(i.consecutiveFailures, i.schedulePeriodMs, TRANSIENT_BACKOFF_CAP_MS, i.random);
  if (i.expiresAt !== undefined && i.expiresAt > i.now) {
    delay = Math.min(delay, Math.max(i.schedulePeriodMs, (i.expiresAt - i.now) / 2));
  }
  if (i.retryAfterMs !== undefined) delay = Math.max(delay, i.retryAfterMs);
  return Math.round(i.now + delay);
}

/** refreshAt after a misconfiguration: long, jittered so a fleet of orgs sharing a broken client does not stampede. */
export function misconfiguredRetryAt(now: number, random: number): number {
  return Math.round(now + MISCONFIGURED_BACKOFF_MS * (0.75 + random * 0.5));
}

/** Parses Retry-After (delta-seconds or HTTP-date) into milliseconds; undefined when absent or unreadable. */
export function parseRetryAfterMs(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Math.min(Number(trimmed), 86_400) * 1000;
  // An HTTP-date always names a day and a month; without letters, Date.parse would accept "-5" as a year.
  const date = /[A-Za-z]/.test(trimmed) ? Date.parse(trimmed) : Number.NaN;
  if (Number.isNaN(date)) return undefined;
  return Math.min(Math.max(0, date - now), 86_400_000);
}

/**
 * refreshAt after an org's first refresh since onboarding (no lastRefreshedAt yet): uniform over the usable part of
 * the lifetime, from one schedule period after issue to `expiresAt − lead`, instead of just before expiry. Orgs
 * imported together are refreshed together the first time (they were all due at once); without this they would stay
 * together every lifetime after, a refresh spike each time. Spread once, each org then keeps its own phase, so due
 * load per minute settles within one lifetime (bench: `fleet.herdPeakToMean`, docs/fleet.md#onboarding-herds).
 * Always in (issuedAt, expiresAt − lead/2]; a lifetime too short to spread falls back to nextRefreshAt.
 */
export function firstRefreshAt(
  issuedAt: number,
  expiresAt: number,
  s: ScheduleSettings,
  random: number,
  refreshToken?: RefreshTokenDeadline,
): number {
  const lifetime = Math.max(0, expiresAt - issuedAt);
  const lead = leadTimeMs(lifetime, s.refreshWindowMs);
  const earliest = issuedAt + s.schedulePeriodMs;
  const latest = expiresAt - lead;
  if (latest <= earliest) return nextRefreshAt(issuedAt, expiresAt, s, random, refreshToken);
  const spread = Math.round(earliest + random * (latest - earliest));
  // A refresh token that runs out first still decides: spread, but never past its own deadline.
  return refreshToken === undefined
    ? spread
    : Math.min(spread, nextRefreshAt(issuedAt, expiresAt, s, random, refreshToken));
}
