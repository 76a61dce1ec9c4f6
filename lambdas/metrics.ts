// The one definition of what the refresher emits. The handler publishes these names through Powertools (EMF); the
// CDK alarms and dashboard read the same constants, so a renamed metric cannot leave an alarm watching nothing.

export const METRIC_NAMESPACE = 'TenantTokenRefresher';
/** Powertools adds a `service` dimension to every metric; alarms must use the same value. */
export const DEFAULT_SERVICE_NAME = 'tenant-token-refresher';

export const MetricName = {
  /** An org's new tokens were committed. */
  RefreshSucceeded: 'RefreshSucceeded',
  /** Any refresh that ended without new tokens committed (sum of the classes below). */
  RefreshFailed: 'RefreshFailed',
  /** Network error, timeout, 5xx, 429: released with backoff, retried on a later tick. */
  TransientFailures: 'TransientFailures',
  /** Of those, 429s: the host is backed off as a whole, and ProviderDegraded reports it (RefreshFailed leaves them). */
  RateLimited: 'RateLimited',
  /** The provider answered `invalid_grant`: the org moved to REAUTH_REQUIRED. */
  ReauthRequired: 'ReauthRequired',
  /** `invalid_grant` right after an ambiguous outcome: a rotated refresh token was lost (crash or timeout). */
  RotationLost: 'RotationLost',
  /** invalid_client, unauthorized_client, 401, missing or garbled client secret. */
  ClientMisconfigured: 'ClientMisconfigured',
  /** A record or a token response that failed validation. */
  BadData: 'BadData',
  /** A token response was received but could not be committed: the org may have lost its rotated refresh token. */
  TokenNotCommitted: 'TokenNotCommitted',
  /** A timeout or reset after the request was sent, or a claim that took over an abandoned lease. */
  AmbiguousOutcomes: 'AmbiguousOutcomes',
  /** The claim lost to another refresher (lease held or version moved): expected under concurrency. */
  ClaimConflicts: 'ClaimConflicts',
  /** A response whose scope lacks offline_access for an org that needs it. */
  ScopeMissingOfflineAccess: 'ScopeMissingOfflineAccess',
  /** Orgs whose token lifetime is shorter than two schedule periods. */
  ShortLifetimeOrgs: 'ShortLifetimeOrgs',
  /** Gauge: ACTIVE orgs due for refresh at the start of the run. */
  DueOrgs: 'DueOrgs',
  /** Gauge: ACTIVE orgs whose stored access token has expired (or that have none yet): hosted apps get 401s. */
  ExpiredAccessTokens: 'ExpiredAccessTokens',
  /** Gauge: orgs in REAUTH_REQUIRED (from the attention index). */
  OrgsNeedingReauth: 'OrgsNeedingReauth',
  /** Gauge: orgs backing off because their client or record is misconfigured (from the attention index). */
  OrgsMisconfigured: 'OrgsMisconfigured',
  /**
   * Gauge: orgs whose refresh token runs out within REFRESH_TOKEN_WARNING_SECONDS and cannot be extended by refreshing
   * (from the attention index): they are heading for re-authorisation.
   */
  OrgsRefreshTokenExpiring: 'OrgsRefreshTokenExpiring',
  /** Heartbeat: 1 for every run that completed its sweep. Missing data means the refresher is not running. */
  RunCompleted: 'RunCompleted',
  RunDurationMs: 'RunDurationMs',
  /** Grant intake: a hosted app's grant was stored and its first refresh succeeded (the org is ACTIVE). */
  GrantIntakeSucceeded: 'GrantIntakeSucceeded',
  /** Grant intake: a hand-over stored nothing (invalid payload or settings, stale grant, org exists, busy, …). */
  GrantIntakeRejected: 'GrantIntakeRejected',
  /** Grant intake: the grant was stored but is not working yet (invalid_grant, client misconfigured, pending, …). */
  GrantIntakeFailed: 'GrantIntakeFailed',
  /** Grant intake: a hosted app removed an org (removeOrg): its record is a tombstone holding no secret. */
  OrgsRemoved: 'OrgsRemoved',
  /**
   * Grant intake: tokens a removal held but could not revoke at the provider (endpoint refused, down, out of time):
   * they work until they expire. Tokens the provider offers no way to revoke are not counted (LEFT_TO_EXPIRE).
   */
  TokensNotRevoked: 'TokensNotRevoked',
  /**
   * Gauge (planner and full sweeps, per tick): orgs due at the start of the previous tick (and for longer than a lease
   * hold) and still due now, i.e. due and not claimed by the end of that tick (core/fan-out.ts, backlogCutoff). Above
   * 0 tick after tick: the fleet has outgrown its sweeps (docs/runbook.md#refreshbacklog).
   */
  RefreshBacklog: 'RefreshBacklog',
  /** Planner: sweep workers started this tick. */
  SweepsStarted: 'SweepsStarted',
  /** Sweeps: shards skipped because another sweep held their sweep lease (walking them already). */
  ShardsBusy: 'ShardsBusy',
  /** A token host was backed off as a whole (429, or a run of 5xx/timeouts): one per host per episode. */
  ProviderDegraded: 'ProviderDegraded',
  /** Orgs released without an attempt because their token host was backed off (not the org's own failure). */
  HostDeferred: 'HostDeferred',
  /** On-demand refresh (a hosted app's refreshNow / minValidityMs): this call refreshed the org and answered its token. */
  OnDemandRefreshed: 'OnDemandRefreshed',
  /** On-demand: answered a token without refreshing (the stored one was newer or long enough, or another's refresh). */
  OnDemandServed: 'OnDemandServed',
  /** On-demand: refused by the per-org limit (ON_DEMAND_INTERVAL_SECONDS): LIMITED with retryAfterSeconds. */
  OnDemandLimited: 'OnDemandLimited',
  /** On-demand: no token answered (re-auth needed, org unknown or disabled, not permitted, busy, refresh failed, …). */
  OnDemandFailed: 'OnDemandFailed',
  /**
   * On-demand: a refreshNow that refreshed an org already force-refreshed within ON_DEMAND_LOOP_WINDOW: the fresh
   * token was rejected too. Counted per refresh, not per caller, and without an org dimension (docs/cost.md): the
   * OnDemandLoop alarm's metric; the log line `on-demand refresh repeated` names the org and its token host.
   */
  OnDemandRepeated: 'OnDemandRepeated',
} as const;

export type MetricNameValue = (typeof MetricName)[keyof typeof MetricName];
