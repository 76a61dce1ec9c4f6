// The one stack a platform engineer deploys: the token table, the scheduled refresher, its alarms and dashboard, and
// the managed policy hosted apps attach to read access tokens.
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { RefresherSettings } from '../lambdas/refresher-settings.js';
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
      table: this.table,
      ...(props.alarmEmail ? { alarmEmail: props.alarmEmail } : {}),
    });
    const dashboard = new RefresherDashboard(this, 'Dashboard', { alarms: this.alarms, refresher: this.refresher });
    const readerPolicy = this.table.accessTokenReaderPolicy(this, 'AccessTokenReaderPolicy');

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
  }
}
