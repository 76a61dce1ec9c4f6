// Everything a Region runs around its token table: the refresher (the sweep worker), the planner and its schedule,
// the alarms and the freshness objective, the grant intake, the dashboard, the managed policies hosted apps attach,
// and the stack outputs. The one-Region stack (tenant-token-refresher-stack.ts) builds it around its own table;
// each Region of a multi-Region deployment (multi-region.ts) around its replica of the global table. Built directly in
// the stack, with the ids it always had, so the one-Region template keeps its logical ids.
import { CfnOutput, type Stack } from 'aws-cdk-lib';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { RefresherSettings } from '../lambdas/refresher-settings.js';
import { FreshnessSloAlarms } from './constructs/freshness-slo-alarms.js';
import { GrantIntakeAlarms } from './constructs/grant-intake-alarms.js';
import { GrantIntakeFunction } from './constructs/grant-intake-function.js';
import { PeerRegionAlarm } from './constructs/peer-region-alarm.js';
import { RefresherAlarms } from './constructs/refresher-alarms.js';
import { RefresherDashboard } from './constructs/refresher-dashboard.js';
import { RefresherFunction } from './constructs/refresher-function.js';
import { SweepPlanner } from './constructs/sweep-planner.js';
import type { TokenTableAccess } from './constructs/token-table-access.js';
import { DEFAULT_SECRET_PREFIX } from './deploy-context.js';

/** What a platform engineer sets for the refresher in each Region (the stack props, from the deploy context). */
export interface RefresherResourceProps {
  /** The refresher's settings; anything left out takes the handler's default. */
  refresher?: Partial<RefresherSettings>;
  /** Secrets Manager name prefix of the orgs' OAuth clients (default `tenant-tokens/`). */
  secretPrefix?: string;
  /** Customer-managed KMS keys of those secrets, if any. */
  secretsKeyArns?: readonly string[];
  alarmEmail?: string;
  memoryMb?: number;
  reservedConcurrency?: number | false;
  logRetentionDays?: number;
}

export interface RefresherResources {
  refresher: RefresherFunction;
  planner: SweepPlanner;
  alarms: RefresherAlarms;
  freshness: FreshnessSloAlarms;
  intake: GrantIntakeFunction;
  dashboard: RefresherDashboard;
  /** Multi-Region only. */
  peers: PeerRegionAlarm | undefined;
}

export function addRefresherResources(
  stack: Stack,
  table: TokenTableAccess,
  props: RefresherResourceProps,
): RefresherResources {
  const logRetention =
    props.logRetentionDays !== undefined ? { logRetention: props.logRetentionDays as logs.RetentionDays } : {};
  const refresher = new RefresherFunction(stack, 'Refresher', {
    table,
    ...(props.refresher ? { settings: props.refresher } : {}),
    secretPrefix: props.secretPrefix ?? DEFAULT_SECRET_PREFIX,
    ...(props.secretsKeyArns ? { secretsKeyArns: props.secretsKeyArns } : {}),
    ...(props.memoryMb !== undefined ? { memoryMb: props.memoryMb } : {}),
    ...(props.reservedConcurrency !== undefined ? { reservedConcurrency: props.reservedConcurrency } : {}),
    ...logRetention,
  });
  // The schedule's target: plans each tick and starts the sweep workers (the refresher function above).
  const planner = new SweepPlanner(stack, 'Planner', {
    table,
    worker: refresher,
    ...(props.reservedConcurrency === false ? { reservedConcurrency: false } : {}),
    ...logRetention,
  });
  const alarms = new RefresherAlarms(stack, 'Alarms', {
    refresher,
    planner: planner.fn,
    table,
    ...(props.alarmEmail ? { alarmEmail: props.alarmEmail } : {}),
  });
  const freshness = new FreshnessSloAlarms(stack, 'Freshness', alarms);
  const intake = new GrantIntakeFunction(stack, 'GrantIntake', {
    table,
    settings: refresher.settings,
    secretPrefix: props.secretPrefix ?? DEFAULT_SECRET_PREFIX,
    ...(props.secretsKeyArns ? { secretsKeyArns: props.secretsKeyArns } : {}),
    ...logRetention,
  });
  // Before the dashboard: its alarm-state widget lists every alarm registered by then.
  const intakeAlarms = new GrantIntakeAlarms(stack, 'IntakeAlarms', { alarms, intake });
  // Several Regions on one global table (docs/regions.md): each planner writes its heartbeat and pages for silent peers.
  const peers =
    (props.refresher?.regions?.length ?? 0) > 1 ? new PeerRegionAlarm(stack, 'PeerRegions', alarms) : undefined;
  if (peers) table.grantRegionHeartbeats(planner.role);
  const dashboard = new RefresherDashboard(stack, 'Dashboard', {
    alarms,
    refresher,
    planner: planner.fn,
    moreAlarms: [...Object.values(freshness.composites), ...Object.values(freshness.windows)],
  });
  dashboard.dashboard.addWidgets(...freshness.widgets(alarms));
  if (peers) dashboard.dashboard.addWidgets(...peers.widgets(alarms));
  dashboard.dashboard.addWidgets(...intakeAlarms.widgets(alarms, intake));
  const readerPolicy = table.accessTokenReaderPolicy(stack, 'AccessTokenReaderPolicy');
  const intakePolicy = intake.intakePolicy(stack, 'GrantIntakePolicy');

  new CfnOutput(stack, 'TableName', {
    value: table.tableName,
    description: 'The token table (operator CLI: --table)',
  });
  new CfnOutput(stack, 'RefresherFunctionName', { value: refresher.fn.functionName });
  new CfnOutput(stack, 'PlannerFunctionName', { value: planner.fn.functionName });
  new CfnOutput(stack, 'AccessTokenReaderPolicyArn', {
    value: readerPolicy.managedPolicyArn,
    description: 'Attach to a hosted app role: reads access tokens, never refresh tokens',
  });
  new CfnOutput(stack, 'AlarmTopicArn', { value: alarms.topic.topicArn });
  new CfnOutput(stack, 'FailureQueueUrl', { value: refresher.failureQueue.queueUrl });
  new CfnOutput(stack, 'DashboardName', { value: dashboard.dashboard.dashboardName });
  new CfnOutput(stack, 'GrantIntakeFunctionName', {
    value: intake.fn.functionName,
    description: 'Hosted apps hand org grants over to this function (reader createGrantIntake, grant_intake.py)',
  });
  new CfnOutput(stack, 'GrantIntakePolicyArn', {
    value: intakePolicy.managedPolicyArn,
    description: 'Attach to a hosted app role: invoke the grant intake, nothing else',
  });
  return { refresher, planner, alarms, freshness, intake, dashboard, peers };
}
