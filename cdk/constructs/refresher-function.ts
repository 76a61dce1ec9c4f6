// The refresher Lambda — the sweep worker the planner starts (cdk/constructs/sweep-planner.ts holds the schedule) —
// and everything that makes it run safely on its own: no async retries (the next tick is the retry), a failure queue,
// a log group with retention, and least-privilege access to the table, one secret prefix and the default event bus.
import path from 'node:path';
import { Duration, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  defaultRefresherSettings,
  type RefresherSettings,
  refresherEnvironment,
} from '../../lambdas/refresher-settings.js';
import { PROJECT_ROOT, REFRESHER_BUNDLING, REFRESHER_ENTRY } from '../bundling.js';
import { grantOrgClientSecrets, grantOrgEvents } from './org-access-grants.js';
import { RefresherSettingsError, refresherEnvironmentProblems } from './refresher-settings.js';
import type { TokenTable } from './token-table.js';

/**
 * 512 MB: the work is I/O (DynamoDB and up to CONCURRENCY token requests in flight), but Lambda's CPU share grows
 * with memory and every refresh opens a TLS connection to a provider; at 512 MB on arm64 handshakes and the cold
 * start's module parse stay in the low milliseconds, and a tick a minute costs cents a month either way.
 */
export const DEFAULT_MEMORY_MB = 512;

export interface RefresherFunctionProps {
  table: TokenTable;
  /** Anything left out takes the handler's own default (lambdas/config.ts). */
  settings?: Partial<RefresherSettings>;
  /** Secrets Manager name prefix holding the orgs' OAuth clients; read access covers `<prefix>*` only. */
  secretPrefix: string;
  /** Customer-managed KMS keys encrypting those secrets (none needed with the default aws/secretsmanager key). */
  secretsKeyArns?: readonly string[];
  memoryMb?: number;
  /** Default: MAX_SWEEPS sweeps plus two direct invocations (the fan-out's hard cap); `false` reserves none. */
  reservedConcurrency?: number | false;
  logRetention?: logs.RetentionDays;
  /** Lambda console and alarm names; default: generated. */
  functionName?: string;
}

export class RefresherFunction extends Construct {
  readonly fn: NodejsFunction;
  readonly failureQueue: sqs.Queue;
  readonly logGroup: logs.LogGroup;
  readonly settings: RefresherSettings;
  readonly role: iam.Role;
  readonly schedulePeriod: Duration;

  constructor(scope: Construct, id: string, props: RefresherFunctionProps) {
    super(scope, id);
    const settings: RefresherSettings = { ...defaultRefresherSettings(), ...props.settings };
    this.settings = settings;
    const environment = refresherEnvironment(settings, props.table.tableName);
    // Every problem at once, so one failed synth tells the whole story.
    const problems = [
      ...refresherEnvironmentProblems(environment, settings.serviceName),
      ...scheduleProblems(settings.schedulePeriodSeconds),
      ...secretPrefixProblems(props.secretPrefix),
      ...reservedConcurrencyProblems(props.reservedConcurrency),
    ];
    if (problems.length > 0) throw new RefresherSettingsError(problems);
    // Whole minutes (checked above), so also a valid maximum event age (60 s to 6 h) below.
    const schedulePeriod = Duration.seconds(settings.schedulePeriodSeconds);
    this.schedulePeriod = schedulePeriod;
    const secretPrefix = props.secretPrefix;

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      // Logs carry org ids and scrubbed error messages, never tokens; a month covers an incident's investigation.
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
    });

    // An own role instead of AWSLambdaBasicExecutionRole: that managed policy may write to any log group.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'tenant-token-refresher: the token table, one secret prefix, its log group, org events',
    });
    this.logGroup.grantWrite(this.role);

    this.failureQueue = new sqs.Queue(this, 'FailureQueue', {
      // Holds the events of invocations that failed as a whole (crash, timeout, invalid config): no tokens inside.
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.failureQueue).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SQS3',
      reason:
        "This queue is itself the dead end: it is the refresher's on-failure destination, read by on-call (alarm FailureQueueMessages), not consumed by code that could fail again",
    });

    const timeout = Duration.seconds(settings.lambdaTimeoutSeconds);
    this.fn = new NodejsFunction(this, 'Function', {
      ...(props.functionName ? { functionName: props.functionName } : {}),
      description: 'Refreshes the OAuth tokens of every due tenant org (tenant-token-refresher)',
      entry: REFRESHER_ENTRY,
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      runtime: lambda.Runtime.NODEJS_24_X,
      // Graviton: cheaper per GB-second and the bundle is pure JavaScript.
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memoryMb ?? DEFAULT_MEMORY_MB,
      // The handler stops claiming when less than one lease hold remains (2 × lease + 5 s: sending, then committing
      // through a store brownout), so the end of the timeout is for finishing in-flight refreshes; the timing rules
      // (window >= period + timeout + margin, timeout > a hold) are checked above.
      timeout,
      reservedConcurrentExecutions: reservedConcurrency(props.reservedConcurrency, settings),
      role: this.role,
      logGroup: this.logGroup,
      environment,
      bundling: refresherBundling(),
    });

    // No Lambda retries: a failed sweep is retried by the next tick a period later (its shards' sweep leases lapse at
    // its deadline), and a retry of a crashed run could only repeat the crash. Events Lambda gives up on land in the
    // failure queue (an alarm watches it).
    this.fn.configureAsyncInvoke({
      retryAttempts: 0,
      // A tick still queued (e.g. throttled) when the next one fires is superseded by it.
      maxEventAge: schedulePeriod,
      onFailure: new destinations.SqsDestination(this.failureQueue),
    });

    props.table.grantRefresher(this.role);
    grantOrgClientSecrets(
      this.role,
      secretPrefix,
      props.secretsKeyArns ?? [],
      "Each org's OAuth client secret is named in its record and added by operators at run time, so no fixed list exists",
    );
    grantOrgEvents(this.role);
  }
}

/**
 * The fan-out's hard cap: the planner never has more than MAX_SWEEPS sweeps running at once (the ones still running
 * from earlier ticks included, docs/fleet.md#sizing), so that many plus two direct invocations (`{"orgIds": [...]}`).
 * Each sweep's share of a token host's budget assumes at most MAX_SWEEPS sweeps, and the cap keeps a runaway from
 * eating the account's concurrency or hammering token endpoints.
 */
function reservedConcurrency(requested: number | false | undefined, s: RefresherSettings): number | undefined {
  if (requested === false) return undefined;
  return requested ?? Math.min(s.maxSweeps, s.shardCount) + 2;
}

/** The handler bundle, as cdk/bundling.ts defines it: the planner and the sweep worker deploy the same one. */
export function refresherBundling() {
  return {
    target: REFRESHER_BUNDLING.target,
    format: OutputFormat.ESM,
    minify: REFRESHER_BUNDLING.minify,
    sourceMap: REFRESHER_BUNDLING.sourceMap,
    sourcesContent: REFRESHER_BUNDLING.sourcesContent,
    mainFields: [...REFRESHER_BUNDLING.mainFields],
    banner: REFRESHER_BUNDLING.banner,
    externalModules: [...REFRESHER_BUNDLING.externalModules],
    // The project's own esbuild (a devDependency): no Docker, works offline.
    forceDockerBundling: false,
  };
}

function reservedConcurrencyProblems(requested: number | false | undefined): string[] {
  if (requested === undefined || requested === false || (Number.isInteger(requested) && requested >= 1)) return [];
  return [`reservedConcurrency (${requested}) must be a whole number of at least 1, or none`];
}

function scheduleProblems(periodSeconds: number): string[] {
  if (periodSeconds % 60 === 0) return [];
  return [
    `schedulePeriodSeconds (${periodSeconds}) must be whole minutes: EventBridge schedules run at most once a minute`,
  ];
}

function secretPrefixProblems(prefix: string): string[] {
  // Ending in "/" keeps "tenant-tokens/" from also matching "tenant-tokens-admin"; an empty prefix would be every secret.
  if (/^[A-Za-z0-9_+=.@-]+(\/[A-Za-z0-9_+=.@-]+)*\/$/.test(prefix)) return [];
  return [
    `secretPrefix (${JSON.stringify(prefix)}) must be a secret name path ending in "/", like "tenant-tokens/": read access is limited to names under it`,
  ];
}
