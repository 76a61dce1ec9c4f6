// The refresher's settings as one typed object and the one function that turns them into its environment. The CDK
// stack deploys this environment; local mode, the bench and the tests start the real handler with it (plus the
// local engines' endpoints, local/refresher-environment.ts), so every caller runs the configuration Lambda runs.
import { configSchema, type RawConfig, type TimingSettings } from './config.js';
import { DEFAULT_SERVICE_NAME } from './metrics.js';

/**
 * The timing fields are the handler's own (TimingSettings: refresh window, schedule period, the function's timeout,
 * lease, HTTP timeout, attempts), so synth and cold start check one shape.
 */
export interface RefresherSettings extends TimingSettings {
  concurrency: number;
  shardCount: number;
  jitterSeconds: number;
  secretCacheSeconds: number;
  /** REFRESH_TOKEN_WARNING_SECONDS: how long before an unextendable refresh token runs out on-call hears of it. */
  refreshTokenWarningSeconds: number;
  /** Hosts the `generic` profile may send client secrets to. */
  allowedTokenHosts: readonly string[];
  /** POWERTOOLS_SERVICE_NAME: the `service` dimension of every metric, so also what the alarms watch. */
  serviceName: string;
  /** Fleet scale (docs/fleet.md): MAX_SWEEPS, ORGS_PER_SWEEP and the per-token-host limits. */
  maxSweeps: number;
  orgsPerSweep: number;
  hostMaxInFlight: number;
  hostMaxPerSecond: number;
  hostFailureRun: number;
  hostBackoffSeconds: number;
  /** ON_DEMAND_INTERVAL_SECONDS: one on-demand refresh per org per this many seconds (docs/hosted-apps.md). */
  onDemandIntervalSeconds: number;
  /**
   * INTAKE_CONCURRENCY: the grant intake's reserved concurrency (the stack reserves it), and so the number of intake
   * instances that take a share of every token host's budget beside the sweeps.
   */
  intakeConcurrency: number;
  /**
   * ON_DEMAND_CONCURRENCY: the on-demand function's reserved concurrency (the stack reserves it), and so the number of
   * on-demand instances that take a share of every token host's budget beside the sweeps and the intake.
   */
  onDemandConcurrency: number;
}

/** The environment a deployed refresher gets. Keyed by the config schema, so a renamed variable fails the typecheck. */
type DeployedVariable = Exclude<keyof RawConfig, (typeof LOCAL_ONLY_VARIABLES)[number]>;
export type RefresherEnvironment = Record<DeployedVariable | 'POWERTOOLS_SERVICE_NAME' | 'NODE_OPTIONS', string>;

/** Variables that exist for local mode only (plain http to loopback); the stack refuses to set them. */
export const LOCAL_ONLY_VARIABLES = ['ALLOW_LOOPBACK_HTTP', 'TOKEN_ENDPOINT_OVERRIDE'] as const;

/** Every setting but the host list defaults to what the handler itself defaults to: one source for the numbers. */
export function defaultRefresherSettings(): RefresherSettings {
  const d = configSchema.parse({ TABLE_NAME: 'defaults-probe' });
  return {
    refreshWindowSeconds: d.REFRESH_WINDOW_SECONDS,
    schedulePeriodSeconds: d.SCHEDULE_PERIOD_SECONDS,
    lambdaTimeoutSeconds: d.LAMBDA_TIMEOUT_SECONDS,
    leaseSeconds: d.LEASE_SECONDS,
    httpTimeoutMs: d.HTTP_TIMEOUT_MS,
    maxAttempts: d.MAX_ATTEMPTS,
    concurrency: d.CONCURRENCY,
    shardCount: d.SHARD_COUNT,
    jitterSeconds: d.JITTER_SECONDS,
    secretCacheSeconds: d.SECRET_CACHE_SECONDS,
    refreshTokenWarningSeconds: d.REFRESH_TOKEN_WARNING_SECONDS,
    allowedTokenHosts: d.ALLOWED_TOKEN_HOSTS,
    serviceName: DEFAULT_SERVICE_NAME,
    maxSweeps: d.MAX_SWEEPS,
    orgsPerSweep: d.ORGS_PER_SWEEP,
    hostMaxInFlight: d.HOST_MAX_IN_FLIGHT,
    hostMaxPerSecond: d.HOST_MAX_PER_SECOND,
    hostFailureRun: d.HOST_FAILURE_RUN,
    hostBackoffSeconds: d.HOST_BACKOFF_SECONDS,
    onDemandIntervalSeconds: d.ON_DEMAND_INTERVAL_SECONDS,
    intakeConcurrency: d.INTAKE_CONCURRENCY,
    onDemandConcurrency: d.ON_DEMAND_CONCURRENCY,
  };
}

export function refresherEnvironment(s: RefresherSettings, tableName: string): RefresherEnvironment {
  return {
    TABLE_NAME: tableName,
    REFRESH_WINDOW_SECONDS: String(s.refreshWindowSeconds),
    SCHEDULE_PERIOD_SECONDS: String(s.schedulePeriodSeconds),
    LAMBDA_TIMEOUT_SECONDS: String(s.lambdaTimeoutSeconds),
    LEASE_SECONDS: String(s.leaseSeconds),
    HTTP_TIMEOUT_MS: String(s.httpTimeoutMs),
    MAX_ATTEMPTS: String(s.maxAttempts),
    CONCURRENCY: String(s.concurrency),
    SHARD_COUNT: String(s.shardCount),
    JITTER_SECONDS: String(s.jitterSeconds),
    SECRET_CACHE_SECONDS: String(s.secretCacheSeconds),
    REFRESH_TOKEN_WARNING_SECONDS: String(s.refreshTokenWarningSeconds),
    ALLOWED_TOKEN_HOSTS: s.allowedTokenHosts.join(','),
    // Org events (re-auth needed, rotation lost, recovered) go to the account's default bus.
    EVENT_BUS_NAME: 'default',
    POWERTOOLS_SERVICE_NAME: s.serviceName,
    // The bundle ships a source map; without this flag stack traces point into minified code.
    NODE_OPTIONS: '--enable-source-maps',
    MAX_SWEEPS: String(s.maxSweeps),
    ORGS_PER_SWEEP: String(s.orgsPerSweep),
    HOST_MAX_IN_FLIGHT: String(s.hostMaxInFlight),
    HOST_MAX_PER_SECOND: String(s.hostMaxPerSecond),
    HOST_FAILURE_RUN: String(s.hostFailureRun),
    HOST_BACKOFF_SECONDS: String(s.hostBackoffSeconds),
    ON_DEMAND_INTERVAL_SECONDS: String(s.onDemandIntervalSeconds),
    INTAKE_CONCURRENCY: String(s.intakeConcurrency),
    ON_DEMAND_CONCURRENCY: String(s.onDemandConcurrency),
  };
}
