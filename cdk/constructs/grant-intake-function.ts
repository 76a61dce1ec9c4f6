// The grant intake: a small function beside the refresher that hosted apps invoke (RequestResponse) to hand over a
// grant. Its own function so that `grantIntake(role)` can allow exactly that and nothing else: InvokeFunction on the
// refresher would also let an app trigger sweeps. It runs the refresher's own code for the immediate refresh, so it
// gets the refresher's environment and, for that org, the refresher's access (the table's items, the host backoff
// listing, one secret prefix, org events on the default bus). Its reserved concurrency (INTAKE_CONCURRENCY) caps an
// onboarding burst, and each instance takes one share of every token host's budget. With hosted apps declared, each
// app invokes it through its own alias (hosted-app-aliases.ts).
import path from 'node:path';
import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { HostedApp } from '../../lambdas/core/hosted-apps.js';
import { type RefresherSettings, refresherEnvironment } from '../../lambdas/refresher-settings.js';
import { INTAKE_ENTRY, PROJECT_ROOT, REFRESHER_BUNDLING } from '../bundling.js';
import {
  environmentSizeProblems,
  HostedAppAliases,
  HostedAppsError,
  hostedAppsEnvironment,
} from './hosted-app-aliases.js';
import { grantOrgClientSecrets, grantOrgEvents } from './org-access-grants.js';
import type { TokenTable } from './token-table.js';

/** One org per invocation: the refresher's 512 MB keeps its TLS handshake and cold start as short. */
export const INTAKE_MEMORY_MB = 512;

/** What a hosted app's role may do with the intake: invoke it, nothing else (no versions, no configuration). */
export const INTAKE_INVOKE_ACTIONS = ['lambda:InvokeFunction'] as const;

export interface GrantIntakeFunctionProps {
  table: TokenTable;
  /** The refresher's settings (its timing rules are already checked): the intake runs the same refresh. */
  settings: RefresherSettings;
  secretPrefix: string;
  secretsKeyArns?: readonly string[];
  memoryMb?: number;
  logRetention?: logs.RetentionDays;
  /** Declared hosted apps (validated by the stack): an alias each, and HOSTED_APPS in the environment. */
  apps?: readonly HostedApp[];
  /** `false` reserves none (accounts at the default concurrency limit); default settings.intakeConcurrency. */
  reservedConcurrency?: false;
}

export class GrantIntakeFunction extends Construct {
  readonly fn: NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  /** One alias per declared hosted app (undefined when none is declared: apps invoke the function itself). */
  readonly appAliases: HostedAppAliases | undefined;

  constructor(scope: Construct, id: string, props: GrantIntakeFunctionProps) {
    super(scope, id);
    const { settings } = props;
    const apps = props.apps ?? [];
    const environment = { ...refresherEnvironment(settings, props.table.tableName), ...hostedAppsEnvironment(apps) };
    const problems = environmentSizeProblems(environment);
    if (problems.length > 0) throw new HostedAppsError(problems);
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      // Org ids, codes and scrubbed messages, never the grants handed over (the event is never logged).
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'tenant-token-refresher grant intake: the token table, one secret prefix, its log group, org events',
    });
    this.logGroup.grantWrite(this.role);

    this.fn = new NodejsFunction(this, 'Function', {
      description: 'Hosted apps hand over an org grant: validated, stored, refreshed at once (tenant-token-refresher)',
      entry: INTAKE_ENTRY,
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memoryMb ?? INTAKE_MEMORY_MB,
      // The intake may wait for a refresher's lease, then needs a whole lease for its own refresh: the refresher's
      // timeout, which the timing rules already keep above the lease.
      timeout: Duration.seconds(settings.lambdaTimeoutSeconds),
      // A burst of hand-overs queues at the apps (throttled, retried) instead of taking the account's concurrency,
      // and the token hosts see at most this many intake refreshes at once, each within its share of their budget.
      reservedConcurrentExecutions: props.reservedConcurrency === false ? undefined : settings.intakeConcurrency,
      role: this.role,
      logGroup: this.logGroup,
      environment,
      bundling: {
        target: REFRESHER_BUNDLING.target,
        format: OutputFormat.ESM,
        minify: REFRESHER_BUNDLING.minify,
        sourceMap: REFRESHER_BUNDLING.sourceMap,
        sourcesContent: REFRESHER_BUNDLING.sourcesContent,
        mainFields: [...REFRESHER_BUNDLING.mainFields],
        banner: REFRESHER_BUNDLING.banner,
        externalModules: [...REFRESHER_BUNDLING.externalModules],
        forceDockerBundling: false,
      },
    });
    // An asynchronous invocation has nobody to answer; a retry of it would only be recognised as a repeat.
    this.fn.configureAsyncInvoke({ retryAttempts: 0 });

    props.table.grantIntakeWrites(this.role);
    // The hosts' shared backoff, which the intake's refresh obeys and extends like a sweep's.
    props.table.grantHostBackoffListing(this.role);
    grantOrgClientSecrets(
      this.role,
      props.secretPrefix,
      props.secretsKeyArns ?? [],
      "The intake refreshes a handed-over org at once with that org's OAuth client secret, named in its record and added by operators at run time, so no fixed list exists",
    );
    grantOrgEvents(this.role);
    this.appAliases = apps.length > 0 ? new HostedAppAliases(this, 'Apps', { fn: this.fn, apps }) : undefined;
  }

  /**
   * Lets a hosted app's role invoke the intake and nothing else: not the refresher, not versions or aliases. With
   * hosted apps declared an unqualified call is refused (APP_UNKNOWN): grant `appAliases.grantInvoke(app, role)`.
   */
  grantIntake(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: [...INTAKE_INVOKE_ACTIONS],
      resourceArns: [this.fn.functionArn],
    });
  }

  /** The same grant as a managed policy a hosted app's role (possibly deployed elsewhere) can attach. */
  intakePolicy(scope: Construct, id: string): iam.ManagedPolicy {
    return new iam.ManagedPolicy(scope, id, {
      description: 'Hand org grants over to the tenant-token-refresher grant intake (invoke it, nothing else)',
      statements: [new iam.PolicyStatement({ actions: [...INTAKE_INVOKE_ACTIONS], resources: [this.fn.functionArn] })],
    });
  }
}
