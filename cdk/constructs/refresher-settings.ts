// The refresher's settings as one typed object, turned into its environment and checked at synth by the rules the
// handler applies at cold start (lambdas/config.ts): a deployment the handler would refuse never gets deployed.
import { Token } from 'aws-cdk-lib';
import { ConfigError, configSchema, loadConfig, type RawConfig, type TimingSettings } from '../../lambdas/config.js';
import { DEFAULT_SERVICE_NAME } from '../../lambdas/metrics.js';
import { InvalidDeploymentError } from '../invalid-deployment-error.js';

/**
 * The timing fields are the handler's own (TimingSettings: refresh window, schedule period — EventBridge rates are
 * whole minutes —, the function's timeout, lease, HTTP timeout, attempts), so synth and cold start check one shape.
 */
export interface RefresherSettings extends TimingSettings {
  concurrency: number;
  shardCount: number;
  jitterSeconds: number;
  secretCacheSeconds: number;
  /** Hosts the `generic` profile may send client secrets to. */
  allowedTokenHosts: readonly string[];
  /** POWERTOOLS_SERVICE_NAME: the `service` dimension of every metric, so also what the alarms watch. */
  serviceName: string;
}

/** The environment the stack sets. Keyed by the config schema, so a renamed variable fails the typecheck here. */
type DeployedVariable = Exclude<keyof RawConfig, 'ALLOW_LOOPBACK_HTTP' | 'TOKEN_ENDPOINT_OVERRIDE'>;
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
    allowedTokenHosts: d.ALLOWED_TOKEN_HOSTS,
    serviceName: DEFAULT_SERVICE_NAME,
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
    ALLOWED_TOKEN_HOSTS: s.allowedTokenHosts.join(','),
    // Org events (re-auth needed, rotation lost, recovered) go to the account's default bus.
    EVENT_BUS_NAME: 'default',
    POWERTOOLS_SERVICE_NAME: s.serviceName,
    // The bundle ships a source map; without this flag stack traces point into minified code.
    NODE_OPTIONS: '--enable-source-maps',
  };
}

export class RefresherSettingsError extends InvalidDeploymentError {
  override readonly name = 'RefresherSettingsError';
  constructor(problems: string[]) {
    super(
      'Refresher settings rejected at synth (the handler would refuse them at cold start; context key ' +
        'refreshWindowSeconds sets REFRESH_WINDOW_SECONDS, and so on)',
      problems,
    );
  }
}

/**
 * Runs the handler's own configuration check (zod schema + timingProblems) on the environment the stack would set.
 * The table name is a deploy-time token here, so a stand-in that passes the name rule is checked instead.
 */
export function refresherEnvironmentProblems(env: Record<string, string>, serviceName: string): string[] {
  const problems: string[] = [];
  for (const name of LOCAL_ONLY_VARIABLES) {
    if (name in env) problems.push(`${name} is for local mode only and is never set in a deployed stack`);
  }
  if (!/^[A-Za-z0-9_.-]{1,255}$/.test(serviceName)) {
    problems.push(`serviceName (${serviceName}) must be 1-255 of A-Z a-z 0-9 _ . - (it becomes a metric dimension)`);
  }
  const tableName = env.TABLE_NAME;
  const checked = {
    ...env,
    TABLE_NAME: tableName === undefined || Token.isUnresolved(tableName) ? 'synth-check' : tableName,
  };
  try {
    loadConfig(checked);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    problems.push(...err.problems);
  }
  return problems;
}
