// The on-demand refresh: a small function beside the refresher that hosted apps invoke (RequestResponse) after a 401,
// or for a token that stays valid long enough. Its own function so that `grantRefreshNow(role)` allows exactly that:
// InvokeFunction on the refresher would also let an app start sweeps or refresh any org. It runs the refresher's own
// claim, exchange and commit for one org, so it gets the refresher's environment and, for that org, the refresher's
// access (the table without the due index, the host-backoff listing, one secret prefix, org events on the default bus);
// a short timeout and a reserved concurrency of its own, so a herd of apps can neither run up the account's
// concurrency nor wait minutes.
import path from 'node:path';
import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { leaseHoldMs } from '../../lambdas/core/commit-window.js';
import type { HostedApp } from '../../lambdas/core/hosted-apps.js';
import { type RefresherSettings, refresherEnvironment } from '../../lambdas/refresher-settings.js';
import { ON_DEMAND_ENTRY, PROJECT_ROOT } from '../bundling.js';
import { HostedAppAliases, hostedAppsEnvironment } from './hosted-app-aliases.js';
import { grantOrgClientSecrets, grantOrgEvents } from './org-access-grants.js';
import { refresherBundling } from './refresher-function.js';
import type { TokenTable } from './token-table.js';

/** One org per invocation: the refresher's 512 MB keeps its TLS handshake and cold start as short. */
export const ON_DEMAND_MEMORY_MB = 512;

/**
 * Invocations at once: ON_DEMAND_CONCURRENCY (default 10), which also gives each instance its share of every token
 * host's budget (core/host-limits.ts fleetHostShare). Most answer within one token request (~0.1-1 s), so 10 serve
 * tens of calls a second; beyond that Lambda throttles (the SDK retries, then the reader says OnDemandUnavailable)
 * instead of the provider being asked more: one refresh per org is all a herd needs, and the rest wait on DynamoDB.
 */
/** What a hosted app's role may do with the function: invoke it, nothing else. */
export const ON_DEMAND_INVOKE_ACTIONS = ['lambda:InvokeFunction'] as const;

/** Beyond one lease hold (what a claim must have left, and the longest a caller waits): the answer, a cold start. */
export const ON_DEMAND_TIMEOUT_MARGIN_SECONDS = 20;

/**
 * The function's timeout: a lease hold (the send part and the commit part, core/commit-window.ts: a claim needs a
 * whole one of time left) and the margin, never more than the refresher's (whose rules hold for it).
 */
export function onDemandTimeoutSeconds(s: Pick<RefresherSettings, 'leaseSeconds' | 'lambdaTimeoutSeconds'>): number {
  return Math.min(s.lambdaTimeoutSeconds, leaseHoldMs(s.leaseSeconds * 1000) / 1000 + ON_DEMAND_TIMEOUT_MARGIN_SECONDS);
}

export interface OnDemandRefreshFunctionProps {
  table: TokenTable;
  /** The refresher's settings (its timing rules are already checked): this runs the same refresh. */
  settings: RefresherSettings;
  secretPrefix: string;
  secretsKeyArns?: readonly string[];
  /** `false` reserves none; otherwise the settings' ON_DEMAND_CONCURRENCY is reserved. */
  reservedConcurrency?: false;
  /** Declared hosted apps (validated by the stack): an alias each, and HOSTED_APPS in the environment. */
  apps?: readonly HostedApp[];
  memoryMb?: number;
  logRetention?: logs.RetentionDays;
}

export class OnDemandRefreshFunction extends Construct {
  readonly fn: NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  /** One alias per declared hosted app (undefined when none is declared: apps invoke the function itself). */
  readonly appAliases: HostedAppAliases | undefined;

  constructor(scope: Construct, id: string, props: OnDemandRefreshFunctionProps) {
    super(scope, id);
    const timeoutSeconds = onDemandTimeoutSeconds(props.settings);
    const apps = props.apps ?? [];
    // The handler's own view of its timeout (LAMBDA_TIMEOUT_SECONDS); the refresher's timing rules still hold: it is
    // above the lease and no longer than the refresher's.
    const settings: RefresherSettings = { ...props.settings, lambdaTimeoutSeconds: timeoutSeconds };
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      // Org ids, codes and sources, never a token (the answer carries one and is never logged).
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description:
        'tenant-token-refresher on-demand refresh: the token table, one secret prefix, its log group, events',
    });
    this.logGroup.grantWrite(this.role);

    this.fn = new NodejsFunction(this, 'Function', {
      description: 'Hosted apps ask for a fresh token after a 401, or a long-lived one (tenant-token-refresher)',
      entry: ON_DEMAND_ENTRY,
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memoryMb ?? ON_DEMAND_MEMORY_MB,
      timeout: Duration.seconds(timeoutSeconds),
      reservedConcurrentExecutions: props.reservedConcurrency === false ? undefined : settings.onDemandConcurrency,
      role: this.role,
      logGroup: this.logGroup,
      environment: { ...refresherEnvironment(settings, props.table.tableName), ...hostedAppsEnvironment(apps) },
      bundling: refresherBundling(),
    });
    // An asynchronous invocation has nobody to answer: a retry would only refresh for no one.
    this.fn.configureAsyncInvoke({ retryAttempts: 0 });

    props.table.grantOnDemandRefresh(this.role);
    grantOrgClientSecrets(
      this.role,
      props.secretPrefix,
      props.secretsKeyArns ?? [],
      "An on-demand refresh uses the org's OAuth client secret, named in its record and added by operators at run time, so no fixed list exists",
    );
    grantOrgEvents(this.role);
    // With apps declared, each refreshes only its own orgs, through its own alias (lambdas/on-demand/org-access.ts).
    this.appAliases = apps.length > 0 ? new HostedAppAliases(this, 'Apps', { fn: this.fn, apps }) : undefined;
  }

  /** Lets a hosted app's role invoke the on-demand refresh and nothing else: not the refresher, not the intake. */
  grantRefreshNow(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: [...ON_DEMAND_INVOKE_ACTIONS],
      resourceArns: [this.fn.functionArn],
    });
  }

  /** The same grant as a managed policy a hosted app's role (possibly deployed elsewhere) can attach. */
  refreshNowPolicy(scope: Construct, id: string): iam.ManagedPolicy {
    return new iam.ManagedPolicy(scope, id, {
      description: 'Ask the tenant-token-refresher for a fresh access token on demand (invoke it, nothing else)',
      statements: [
        new iam.PolicyStatement({ actions: [...ON_DEMAND_INVOKE_ACTIONS], resources: [this.fn.functionArn] }),
      ],
    });
  }
}
