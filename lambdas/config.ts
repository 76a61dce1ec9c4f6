// The refresher's configuration: one zod schema for the environment (checked at cold start) and one timing rule
// (checked here and at synth time by the CDK construct), so the two can never disagree.
import * as z from 'zod/mini';
import { COMMIT_SLACK_MS, leaseHoldMs } from './core/commit-window.js';
import { PLAIN } from './core/validation-messages.js';

/** Slack added to the refresh window so one failed tick can be retried before the token expires. */
export const TIMING_MARGIN_SECONDS = 60;
/** Room in the lease's send part for the pauses between attempts (a retry that would not fit is not sent). */
export const IN_RUN_PAUSES_SECONDS = 5;

export interface TimingSettings {
  refreshWindowSeconds: number;
  schedulePeriodSeconds: number;
  lambdaTimeoutSeconds: number;
  leaseSeconds: number;
  httpTimeoutMs: number;
  maxAttempts: number;
}

/**
 * The timing rules (docs/design.md, "Timing rules"). Returns one message per broken rule, naming the settings involved, so both the handler
 * and `cdk synth` can refuse a configuration that would let tokens expire or two refreshers share a refresh token.
 */
export function timingProblems(t: TimingSettings): string[] {
  const problems: string[] = [];
  const needWindow = t.schedulePeriodSeconds + t.lambdaTimeoutSeconds + TIMING_MARGIN_SECONDS;
  if (t.refreshWindowSeconds < needWindow) {
    problems.push(
      `REFRESH_WINDOW_SECONDS (${t.refreshWindowSeconds}) must be at least SCHEDULE_PERIOD_SECONDS (${t.schedulePeriodSeconds}) + LAMBDA_TIMEOUT_SECONDS (${t.lambdaTimeoutSeconds}) + ${TIMING_MARGIN_SECONDS} s margin = ${needWindow}: otherwise a token can expire between two ticks`,
    );
  }
  const httpTimeoutSeconds = t.httpTimeoutMs / 1000;
  if (httpTimeoutSeconds * 3 > t.leaseSeconds) {
    problems.push(
      `HTTP_TIMEOUT_MS (${t.httpTimeoutMs}) must be at most a third of LEASE_SECONDS (${t.leaseSeconds}): a request still in flight when its lease runs out could share a refresh token`,
    );
  }
  // Every attempt may take the full HTTP timeout, with pauses between them, in the lease's send part. The commit has
  // a part of the lease of its own after it (core/commit-window.ts).
  const needLease = httpTimeoutSeconds * t.maxAttempts + IN_RUN_PAUSES_SECONDS;
  if (t.leaseSeconds <= needLease) {
    problems.push(
      `LEASE_SECONDS (${t.leaseSeconds}) must exceed HTTP_TIMEOUT_MS × MAX_ATTEMPTS + ${IN_RUN_PAUSES_SECONDS} s for the pauses between attempts (${needLease} s)`,
    );
  }
  // A claim holds the org for the send part and the commit part (2 × LEASE_SECONDS + COMMIT_SLACK_MS).
  const holdSeconds = leaseHoldMs(t.leaseSeconds * 1000) / 1000;
  if (t.lambdaTimeoutSeconds <= holdSeconds) {
    problems.push(
      `LAMBDA_TIMEOUT_SECONDS (${t.lambdaTimeoutSeconds}) must exceed a lease hold, 2 × LEASE_SECONDS + ${COMMIT_SLACK_MS / 1000} s (${holdSeconds} s): the handler stops claiming when less than one hold of time remains (sending, then committing through a store brownout), so it would never claim`,
    );
  }
  return problems;
}

const boundedInt = (name: string, unit: string, def: number, min: number, max: number) =>
  z._default(
    z.pipe(
      z.coerce.number({ error: `${name} must be a number${unit}` }),
      z
        .int({ error: `${name} must be a whole number${unit}` })
        .check(z.minimum(min, `${name} must be at least ${min}`), z.maximum(max, `${name} must be at most ${max}`)),
    ),
    def,
  );
const seconds = (name: string, def: number, min: number, max: number) => boundedInt(name, ' of seconds', def, min, max);
const integer = (name: string, def: number, min: number, max: number) => boundedInt(name, '', def, min, max);

/** A host name or a `*.suffix` wildcard; ports allowed for loopback use. */
const HOST_PATTERN =
  /^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:\d{1,5})?$|^\[::1\](:\d{1,5})?$/;

const hostList = z.pipe(
  z._default(z.string(), ''),
  z.pipe(
    z.transform((raw: string) =>
      raw
        .split(',')
        .map((h) => h.trim().toLowerCase())
        .filter((h) => h.length > 0),
    ),
    z.array(
      z
        .string()
        .check(
          z.regex(
            HOST_PATTERN,
            'ALLOWED_TOKEN_HOSTS entries must be host names like "idp.example.com" or "*.example.com"',
          ),
        ),
    ),
  ),
);

const booleanFlag = (def: boolean) =>
  z.pipe(
    z._default(z.enum(['true', 'false', '1', '0'], { error: 'must be "true" or "false"' }), def ? 'true' : 'false'),
    z.transform((v: 'true' | 'false' | '1' | '0') => v === 'true' || v === '1'),
  );

const LOOPBACK_ORIGIN = /^http:\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\]):\d{1,5}$/;

export const configSchema = z.object({
  TABLE_NAME: z
    .string({ error: 'TABLE_NAME is required: the DynamoDB table holding one token record per org' })
    .check(z.regex(/^[A-Za-z0-9_.-]{3,255}$/, 'TABLE_NAME must be a DynamoDB table name (3-255 of A-Z a-z 0-9 _ . -)')),
  REFRESH_WINDOW_SECONDS: seconds('REFRESH_WINDOW_SECONDS', 600, 10, 86_400),
  SCHEDULE_PERIOD_SECONDS: seconds('SCHEDULE_PERIOD_SECONDS', 60, 1, 3_600),
  LAMBDA_TIMEOUT_SECONDS: seconds('LAMBDA_TIMEOUT_SECONDS', 180, 5, 900),
  LEASE_SECONDS: seconds('LEASE_SECONDS', 60, 3, 900),
  HTTP_TIMEOUT_MS: integer('HTTP_TIMEOUT_MS', 10_000, 100, 60_000),
  MAX_ATTEMPTS: integer('MAX_ATTEMPTS', 3, 1, 10),
  CONCURRENCY: integer('CONCURRENCY', 16, 1, 256),
  SHARD_COUNT: integer('SHARD_COUNT', 4, 1, 64),
  JITTER_SECONDS: seconds('JITTER_SECONDS', 60, 0, 3_600),
  SECRET_CACHE_SECONDS: seconds('SECRET_CACHE_SECONDS', 300, 0, 3_600),
  /** Warn (gauge, alarm, org event) this long before a refresh token that refreshing cannot extend runs out. */
  REFRESH_TOKEN_WARNING_SECONDS: seconds('REFRESH_TOKEN_WARNING_SECONDS', 604_800, 3_600, 7_776_000),
  ALLOWED_TOKEN_HOSTS: hostList,
  /** Local mode only: lets `http://` reach loopback token endpoints. Never set in AWS (synth refuses it). */
  ALLOW_LOOPBACK_HTTP: booleanFlag(false),
  /** Local mode only: sends every profile's request to this loopback origin instead of the provider's host. */
  TOKEN_ENDPOINT_OVERRIDE: z.pipe(
    z.optional(
      z
        .string()
        .check(
          z.refine(
            (v) => v === '' || LOOPBACK_ORIGIN.test(v),
            'TOKEN_ENDPOINT_OVERRIDE must be a loopback origin like http://127.0.0.1:4000 (local mode only)',
          ),
        ),
    ),
    z.transform((v: string | undefined) => (v ? v : undefined)),
  ),
  EVENT_BUS_NAME: z.optional(z.string()),
  // Fleet scale (docs/fleet.md): parallel sweeps and per-token-host limits.
  MAX_SWEEPS: integer('MAX_SWEEPS', 4, 1, 64),
  ORGS_PER_SWEEP: integer('ORGS_PER_SWEEP', 3000, 1, 1_000_000),
  // 0: no cap beyond the sweeps' own CONCURRENCY × MAX_SWEEPS; set to a provider's documented limit.
  HOST_MAX_IN_FLIGHT: integer('HOST_MAX_IN_FLIGHT', 0, 0, 10_000),
  HOST_MAX_PER_SECOND: integer('HOST_MAX_PER_SECOND', 0, 0, 100_000),
  HOST_FAILURE_RUN: integer('HOST_FAILURE_RUN', 5, 1, 100),
  HOST_BACKOFF_SECONDS: seconds('HOST_BACKOFF_SECONDS', 10, 1, 900),
  /** On-demand refresh (a hosted app's refreshNow / minValidityMs): at most one per org per this many seconds. */
  ON_DEMAND_INTERVAL_SECONDS: seconds('ON_DEMAND_INTERVAL_SECONDS', 30, 1, 3_600),
  // The grant intake's reserved concurrency: its instances count in every token host's budget like sweeps do.
  INTAKE_CONCURRENCY: integer('INTAKE_CONCURRENCY', 4, 1, 1_000),
  // The on-demand function's reserved concurrency: its instances count in every token host's budget like sweeps do.
  ON_DEMAND_CONCURRENCY: integer('ON_DEMAND_CONCURRENCY', 10, 1, 1_000),
});

export type RawConfig = z.input<typeof configSchema>;

export interface RefresherConfig {
  tableName: string;
  refreshWindowMs: number;
  schedulePeriodMs: number;
  lambdaTimeoutMs: number;
  leaseMs: number;
  httpTimeoutMs: number;
  maxAttempts: number;
  concurrency: number;
  shardCount: number;
  jitterMs: number;
  secretCacheSeconds: number;
  refreshTokenWarningMs: number;
  allowedTokenHosts: string[];
  allowLoopbackHttp: boolean;
  tokenEndpointOverride: string | undefined;
  eventBusName: string | undefined;
  /** Most sweeps running at once (a planner's workers and older ticks' still running). */
  maxSweeps: number;
  /** Due orgs one sweep is expected to refresh within one schedule period: the planner's sizing unit. */
  orgsPerSweep: number;
  hostMaxInFlight: number;
  hostMaxPerSecond: number;
  hostFailureRun: number;
  hostBackoffMs: number;
  /** The per-org limit on on-demand refreshes (lambdas/on-demand/), held by the claim's condition. */
  onDemandIntervalMs: number;
  /** The grant intake's reserved concurrency: at most that many intake refreshes run at once, fleet-wide. */
  intakeConcurrency: number;
  /** The on-demand function's reserved concurrency: at most that many on-demand refreshes run at once, fleet-wide. */
  onDemandConcurrency: number;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'CONFIG_INVALID';
  constructor(readonly problems: string[]) {
    super(`invalid refresher configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

/** Parses the environment (or any string map) into a config, or throws one ConfigError listing every problem. */
export function loadConfig(env: Record<string, string | undefined> = process.env): RefresherConfig {
  const parsed = configSchema.safeParse(env, PLAIN);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const variable = issue.path.join('.');
        return issue.message.includes(variable) ? issue.message : `${variable}: ${issue.message}`;
      }),
    );
  }
  const e = parsed.data;
  const problems = timingProblems({
    refreshWindowSeconds: e.REFRESH_WINDOW_SECONDS,
    schedulePeriodSeconds: e.SCHEDULE_PERIOD_SECONDS,
    lambdaTimeoutSeconds: e.LAMBDA_TIMEOUT_SECONDS,
    leaseSeconds: e.LEASE_SECONDS,
    httpTimeoutMs: e.HTTP_TIMEOUT_MS,
    maxAttempts: e.MAX_ATTEMPTS,
  });
  if (e.TOKEN_ENDPOINT_OVERRIDE && !e.ALLOW_LOOPBACK_HTTP) {
    problems.push('TOKEN_ENDPOINT_OVERRIDE needs ALLOW_LOOPBACK_HTTP=true: it is for local mode only');
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    tableName: e.TABLE_NAME,
    refreshWindowMs: e.REFRESH_WINDOW_SECONDS * 1000,
    schedulePeriodMs: e.SCHEDULE_PERIOD_SECONDS * 1000,
    lambdaTimeoutMs: e.LAMBDA_TIMEOUT_SECONDS * 1000,
    leaseMs: e.LEASE_SECONDS * 1000,
    httpTimeoutMs: e.HTTP_TIMEOUT_MS,
    maxAttempts: e.MAX_ATTEMPTS,
    concurrency: e.CONCURRENCY,
    shardCount: e.SHARD_COUNT,
    jitterMs: e.JITTER_SECONDS * 1000,
    secretCacheSeconds: e.SECRET_CACHE_SECONDS,
    refreshTokenWarningMs: e.REFRESH_TOKEN_WARNING_SECONDS * 1000,
    allowedTokenHosts: e.ALLOWED_TOKEN_HOSTS,
    allowLoopbackHttp: e.ALLOW_LOOPBACK_HTTP,
    tokenEndpointOverride: e.TOKEN_ENDPOINT_OVERRIDE,
    eventBusName: e.EVENT_BUS_NAME || undefined,
    maxSweeps: e.MAX_SWEEPS,
    orgsPerSweep: e.ORGS_PER_SWEEP,
    hostMaxInFlight: e.HOST_MAX_IN_FLIGHT,
    hostMaxPerSecond: e.HOST_MAX_PER_SECOND,
    hostFailureRun: e.HOST_FAILURE_RUN,
    hostBackoffMs: e.HOST_BACKOFF_SECONDS * 1000,
    onDemandIntervalMs: e.ON_DEMAND_INTERVAL_SECONDS * 1000,
    intakeConcurrency: e.INTAKE_CONCURRENCY,
    onDemandConcurrency: e.ON_DEMAND_CONCURRENCY,
  };
}
