// The one stack a platform engineer deploys: the token table, the scheduled refresher, its alarms and dashboard, the
// grant intake hosted apps hand grants to, the on-demand refresh they call after a 401, and the managed policies hosted
// apps attach (read access tokens; hand grants over; refresh on demand).
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { RefresherSettings } from '../lambdas/refresher-settings.js';
import { GrantIntakeAlarms } from './constructs/grant-intake-alarms.js';
import { GrantIntakeFunction } from './constructs/grant-intake-function.js';
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
}

export class TenantTokenRefresherStack extends Stack {
  readonly table: TokenTable;
  readonly refresher: RefresherFunction;
  readonly planner: SweepPlanner;
  readonly alarms: RefresherAlarms;
  readonly intake: GrantIntakeFunction;
  readonly onDemand: OnDemandRefreshFunction;

  constructor(scope: Construct, id: string, props: TenantTokenRefresherStackProps = {}) {
    super(scope, id, {
      description: 'tenant-token-refresher: keeps every tenant org OAuth token fresh',
      ...props,
    });

    this.table = new TokenTable(this, 'Tokens', props.tableName ? { tableName: props.tableName } : {});
    this.refresher = new RefresherFunction(this, 'Refresher', {
      table: this.table,
      ...(props.refresher ? { settings: props.refresher } : {}),
      secretPrefix: props.secretPrefix ?? DEFAULT_SECRET_PREFIX,
      ...(props.secretsKeyArns ? { secretsKeyArns: props.secretsKeyArns } : {}),
      ...(props.memoryMb !== undefined ? { memoryMb: props.memoryMb } : {}),
      ...(props.reservedConcurrency !== undefined ? { reservedConcurrency: props.reservedConcurrency } : {}),
      ...(props.logRetentionDays !== undefined ? { logRetention: props.logRetentionDays as logs.RetentionDays } : {}),
    });
    // The schedule's target: plans each tick and starts the sweep workers (the refresher function above).
    this.planner = new SweepPlanner(this, 'Planner', {
      table: this.table,
      worker: this.refresher,
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
      secretPrefix: props.secretPrefix ?? DEFAULT_SECRET_PREFIX,
      ...(props.secretsKeyArns ? { secretsKeyArns: props.secretsKeyArns } : {}),
      ...(props.logRetentionDays !== undefined ? { logRetention: props.logRetentionDays as logs.RetentionDays } : {}),
    });
    this.onDemand = new OnDemandRefreshFunction(this, 'OnDemandRefresh', {
      table: this.table,
      settings: this.refresher.settings,
      secretPrefix: props.secretPrefix ?? DEFAULT_SECRET_PREFIX,
      ...(props.secretsKeyArns ? { secretsKeyArns: props.secretsKeyArns } : {}),
      ...(props.reservedConcurrency === false ? { reservedConcurrency: false } : {}),
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
    const readerPolicy = this.table.accessTokenReaderPolicy(this, 'AccessTokenReaderPolicy');
    const intakePolicy = this.intake.intakePolicy(this, 'GrantIntakePolicy');
    const onDemandPolicy = this.onDemand.refreshNowPolicy(this, 'OnDemandRefreshPolicy');

    new CfnOutput(this, 'TableName', {
      value: this.table.tableName,
      description: 'The token table (operator CLI: --table)',
    });
    new CfnOutput(this, 'RefresherFunctionName', { value: this.refresher.fn.functionName });
    new CfnOutput(this, 'PlannerFunctionName', { value: this.planner.fn.functionName });
    new CfnOutput(this, 'AccessTokenReaderPolicyArn', {
      value: readerPolicy.managedPolicyArn,
      description: 'Attach to a hosted app role: reads access tokens, never refresh tokens',
    });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.alarms.topic.topicArn });
    new CfnOutput(this, 'FailureQueueUrl', { value: this.refresher.failureQueue.queueUrl });
    new CfnOutput(this, 'DashboardName', { value: dashboard.dashboard.dashboardName });
    new CfnOutput(this, 'GrantIntakeFunctionName', {
      value: this.intake.fn.functionName,
      description: 'Hosted apps hand org grants over to this function (reader createGrantIntake, grant_intake.py)',
    });
    new CfnOutput(this, 'GrantIntakePolicyArn', {
      value: intakePolicy.managedPolicyArn,
      description: 'Attach to a hosted app role: invoke the grant intake, nothing else',
    });

    new CfnOutput(this, 'OnDemandRefreshFunctionName', {
      value: this.onDemand.fn.functionName,
      description: 'Hosted apps ask for a fresh token after a 401 (reader refreshNow, read_token.py refresh_now)',
    });
    new CfnOutput(this, 'OnDemandRefreshPolicyArn', {
      value: onDemandPolicy.managedPolicyArn,
      description: 'Attach to a hosted app role: invoke the on-demand refresh, nothing else',
    });
  }
}
