// The one stack a platform engineer deploys: the token table, the scheduled refresher, its alarms and dashboard, the
// grant intake hosted apps hand grants to, the on-demand refresh they call after a 401, and the managed policies
// hosted apps attach (read access tokens; hand grants over; refresh on demand): one set for all orgs, or, with hosted
// apps declared, one set per app covering its own orgs only.
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import {
  appGrantProblems,
  type HostedApp,
  type HostedAppInput,
  parseHostedApps,
  readerKeyPatterns,
} from '../lambdas/core/hosted-apps.js';
import type { RefresherSettings } from '../lambdas/refresher-settings.js';
import { GrantIntakeAlarms } from './constructs/grant-intake-alarms.js';
import { GrantIntakeFunction } from './constructs/grant-intake-function.js';
import { HostedAppsError, pascalOf } from './constructs/hosted-app-aliases.js';
import { OnDemandAlarms } from './constructs/on-demand-alarms.js';
import { OnDemandRefreshFunction } from './constructs/on-demand-refresh-function.js';
import { RefresherAlarms } from './constructs/refresher-alarms.js';
import { RefresherDashboard } from './constructs/refresher-dashboard.js';
import { RefresherFunction } from './constructs/refresher-function.js';
import { SweepPlanner } from './constructs/sweep-planner.js';
import { TokenTable } from './constructs/token-table.js';
import { DEFAULT_SECRET_PREFIX } from './deploy-context.js';

export interface TenantTokenRefresherStackProps extends StackProps {
  /** The refresher's settings; anything left out takes the handler's default. */
  refresher?: Partial<RefresherSettings>;
  /** Secrets Manager name prefix of the orgs' OAuth clients (default `tenant-tokens/`). */
  secretPrefix?: string;
  /** Customer-managed KMS keys of those secrets, if any. */
  secretsKeyArns?: readonly string[];
  alarmEmail?: string;
  tableName?: string;
  memoryMb?: number;
  reservedConcurrency?: number | false;
  logRetentionDays?: number;
  /**
   * Hosted apps, each acting only on its own orgs (docs/hosted-apps.md#several-apps). None: one implicit app that
   * may do everything, today's deployment (the outputs AccessTokenReaderPolicyArn and GrantIntakePolicyArn).
   */
  apps?: readonly HostedAppProps[];
}

/** A hosted app as the stack declares it: the core's declaration, and optionally its role. */
export interface HostedAppProps extends HostedAppInput {
  /** The app's IAM role (in this account): its reader and intake policies are attached to it. */
  role?: iam.IRole;
  /** The same by ARN (deploy context). */
  roleArn?: string;
}

/** One declared app's managed policies (attach them to its role, or let the stack do it). */
export interface HostedAppPolicies {
  reader: iam.ManagedPolicy;
  intake: iam.ManagedPolicy;
  onDemand: iam.ManagedPolicy;
}

const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;

/** Validates the declarations (each app, across apps, against the deployment's grants); every problem at once. */
function declaredApps(
  props: readonly HostedAppProps[] | undefined,
  deployment: { secretPrefix: string; allowedTokenHosts: readonly string[] },
): HostedApp[] {
  if (props === undefined) return [];
  if (!Array.isArray(props)) throw new HostedAppsError(['apps must be a list of apps']);
  const problems: string[] = [];
  if (props.length === 0) problems.push('apps is empty: leave it out for one implicit app, or declare at least one');
  for (const p of props) {
    if (p.roleArn !== undefined && !ROLE_ARN.test(p.roleArn)) {
      problems.push(`app ${String(p.name)} roleArn must be an IAM role ARN`);
    }
    if (p.roleArn !== undefined && p.role !== undefined) problems.push(`app ${p.name}: give role or roleArn, not both`);
  }
  const parsed = parseHostedApps(props.map(({ role: _role, roleArn: _arn, ...declaration }) => declaration));
  if (!parsed.ok) problems.push(...parsed.problems);
  else problems.push(...appGrantProblems(parsed.apps, deployment));
  if (problems.length > 0 || !parsed.ok) throw new HostedAppsError(problems);
  return parsed.apps;
}

export class TenantTokenRefresherStack extends Stack {
  readonly table: TokenTable;
  readonly refresher: RefresherFunction;
  readonly planner: SweepPlanner;
  readonly alarms: RefresherAlarms;
  readonly intake: GrantIntakeFunction;
  readonly onDemand: OnDemandRefreshFunction;
  /** The declared hosted apps (empty: the implicit app of a deployment that declares none). */
  readonly apps: readonly HostedApp[];
  /** Each declared app's managed policies, by app name. */
  readonly appPolicies: ReadonlyMap<string, HostedAppPolicies>;

  constructor(scope: Construct, id: string, props: TenantTokenRefresherStackProps = {}) {
    super(scope, id, {
      description: 'tenant-token-refresher: keeps every tenant org OAuth token fresh',
      ...props,
    });

    const secretPrefix = props.secretPrefix ?? DEFAULT_SECRET_PREFIX;
    this.table = new TokenTable(this, 'Tokens', props.tableName ? { tableName: props.tableName } : {});
    this.refresher = new RefresherFunction(this, 'Refresher', {
      table: this.table,
      ...(props.refresher ? { settings: props.refresher } : {}),
      secretPrefix,
      ...(props.secretsKeyArns ? { secretsKeyArns: props.secretsKeyArns } : {}),
      ...(props.memoryMb !== undefined ? { memoryMb: props.memoryMb } : {}),
      ...(props.reservedConcurrency !== undefined ? { reservedConcurrency: props.reservedConcurrency } : {}),
      ...(props.logRetentionDays !== undefined ? { logRetention: props.logRetentionDays as logs.RetentionDays } : {}),
    });
    this.apps = declaredApps(props.apps, {
      secretPrefix,
      allowedTokenHosts: this.refresher.settings.allowedTokenHosts,
    });
    // The schedule's target: plans each tick and starts the sweep workers (the refresher function above); it
    // publishes the deployment descriptor, the declared apps included, for the operator CLI.
    this.planner = new SweepPlanner(this, 'Planner', {
      table: this.table,
      worker: this.refresher,
      apps: this.apps,
      ...(props.reservedConcurrency === false ? { reservedConcurrency: false } : {}),
      ...(props.logRetentionDays !== undefined ? { logRetention: props.logRetentionDays as logs.RetentionDays } : {}),
    });
    this.alarms = new RefresherAlarms(this, 'Alarms', {
      refresher: this.refresher,
      planner: this.planner.fn,
      table: this.table,
      ...(props.alarmEmail ? { alarmEmail: props.alarmEmail } : {}),
    });
    this.intake = new GrantIntakeFunction(this, 'GrantIntake', {
      table: this.table,
      settings: this.refresher.settings,
      apps: this.apps,
      ...(props.reservedConcurrency === false ? { reservedConcurrency: false as const } : {}),
      secretPrefix,
      ...(props.secretsKeyArns ? { secretsKeyArns: props.secretsKeyArns } : {}),
      ...(props.logRetentionDays !== undefined ? { logRetention: props.logRetentionDays as logs.RetentionDays } : {}),
    });
    this.onDemand = new OnDemandRefreshFunction(this, 'OnDemandRefresh', {
      table: this.table,
      settings: this.refresher.settings,
      apps: this.apps,
      secretPrefix,
      ...(props.secretsKeyArns ? { secretsKeyArns: props.secretsKeyArns } : {}),
      ...(props.reservedConcurrency === false ? { reservedConcurrency: false as const } : {}),
      ...(props.logRetentionDays !== undefined ? { logRetention: props.logRetentionDays as logs.RetentionDays } : {}),
    });
    // Before the dashboard: its alarm-state widget lists every alarm registered by then.
    const intakeAlarms = new GrantIntakeAlarms(this, 'IntakeAlarms', { alarms: this.alarms, intake: this.intake });
    const onDemandAlarms = new OnDemandAlarms(this, 'OnDemandAlarms', { alarms: this.alarms, onDemand: this.onDemand });
    const dashboard = new RefresherDashboard(this, 'Dashboard', {
      alarms: this.alarms,
      refresher: this.refresher,
      planner: this.planner.fn,
    });
    dashboard.dashboard.addWidgets(...intakeAlarms.widgets(this.alarms, this.intake));
    dashboard.dashboard.addWidgets(...onDemandAlarms.widgets(this.alarms, this.onDemand));

    new CfnOutput(this, 'TableName', {
      value: this.table.tableName,
      description: 'The token table (operator CLI: --table)',
    });
    new CfnOutput(this, 'RefresherFunctionName', { value: this.refresher.fn.functionName });
    new CfnOutput(this, 'PlannerFunctionName', { value: this.planner.fn.functionName });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.alarms.topic.topicArn });
    new CfnOutput(this, 'FailureQueueUrl', { value: this.refresher.failureQueue.queueUrl });
    new CfnOutput(this, 'DashboardName', { value: dashboard.dashboard.dashboardName });
    new CfnOutput(this, 'GrantIntakeFunctionName', {
      value: this.intake.fn.functionName,
      description: 'Hosted apps hand org grants over to this function (reader createGrantIntake, grant_intake.py)',
    });
    new CfnOutput(this, 'OnDemandRefreshFunctionName', {
      value: this.onDemand.fn.functionName,
      description: 'Hosted apps ask for a fresh token after a 401 (reader refreshNow, read_token.py refresh_now)',
    });
    this.appPolicies = this.apps.length > 0 ? this.#hostedAppAccess(props.apps ?? []) : new Map();
    if (this.apps.length > 0) return;
    // No apps declared: one implicit app, every org (today's deployment, unchanged).
    const readerPolicy = this.table.accessTokenReaderPolicy(this, 'AccessTokenReaderPolicy');
    const intakePolicy = this.intake.intakePolicy(this, 'GrantIntakePolicy');
    const onDemandPolicy = this.onDemand.refreshNowPolicy(this, 'OnDemandRefreshPolicy');
    new CfnOutput(this, 'AccessTokenReaderPolicyArn', {
      value: readerPolicy.managedPolicyArn,
      description: 'Attach to a hosted app role: reads access tokens, never refresh tokens',
    });
    new CfnOutput(this, 'GrantIntakePolicyArn', {
      value: intakePolicy.managedPolicyArn,
      description: 'Attach to a hosted app role: invoke the grant intake, nothing else',
    });
    new CfnOutput(this, 'OnDemandRefreshPolicyArn', {
      value: onDemandPolicy.managedPolicyArn,
      description: 'Attach to a hosted app role: invoke the on-demand refresh, nothing else',
    });
  }

  /**
   * Per declared app: a reader policy over its namespace only, intake and on-demand policies on its aliases only, all
   * attached to its role when one is given, and its outputs. No policy covering every org is made: nothing to attach by mistake.
   */
  #hostedAppAccess(props: readonly HostedAppProps[]): Map<string, HostedAppPolicies> {
    const aliases = this.intake.appAliases;
    const onDemandAliases = this.onDemand.appAliases;
    if (!aliases || !onDemandAliases) throw new Error('hosted apps declared but a function has no aliases');
    const policies = new Map<string, HostedAppPolicies>();
    for (const app of this.apps) {
      const p = pascalOf(app.name);
      const patterns = readerKeyPatterns(this.apps, app);
      const reader = this.table.accessTokenReaderPolicy(this, `App${p}ReaderPolicy`, {
        ...(patterns ? { orgIdPatterns: patterns } : {}),
      });
      const intake = new iam.ManagedPolicy(this, `App${p}IntakePolicy`, {
        description: `Hosted app ${app.name}: hand grants over to the grant intake through its own alias, nothing else`,
        statements: [aliases.invokeStatement(app.name)],
      });
      const onDemand = new iam.ManagedPolicy(this, `App${p}OnDemandPolicy`, {
        description: `Hosted app ${app.name}: refresh its own orgs on demand through its own alias, nothing else`,
        statements: [onDemandAliases.invokeStatement(app.name)],
      });
      const declared = props.find((d) => d.name === app.name);
      const role =
        declared?.role ??
        (declared?.roleArn
          ? iam.Role.fromRoleArn(this, `App${p}Role`, declared.roleArn, { mutable: false })
          : undefined);
      if (role) {
        reader.attachToRole(role);
        intake.attachToRole(role);
        onDemand.attachToRole(role);
      }
      new CfnOutput(this, `App${p}IntakeFunctionName`, {
        value: aliases.functionNameOf(app.name),
        description: `Hosted app ${app.name} hands grants over to this (its alias: its identity)`,
      });
      new CfnOutput(this, `App${p}ReaderPolicyArn`, {
        value: reader.managedPolicyArn,
        description: `Hosted app ${app.name}: read access tokens and status of its own orgs only`,
      });
      new CfnOutput(this, `App${p}IntakePolicyArn`, {
        value: intake.managedPolicyArn,
        description: `Hosted app ${app.name}: invoke the grant intake through its alias only`,
      });
      new CfnOutput(this, `App${p}OnDemandFunctionName`, {
        value: onDemandAliases.functionNameOf(app.name),
        description: `Hosted app ${app.name} asks for fresh tokens of its own orgs here (its alias: its identity)`,
      });
      new CfnOutput(this, `App${p}OnDemandPolicyArn`, {
        value: onDemand.managedPolicyArn,
        description: `Hosted app ${app.name}: invoke the on-demand refresh through its alias only`,
      });
      policies.set(app.name, { reader, intake, onDemand });
    }
    return policies;
  }
}
