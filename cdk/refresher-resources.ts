// Everything a Region runs around its token table: the refresher (the sweep worker), the planner and its schedule,
// the alarms and the freshness objective, the grant intake, the on-demand refresh, the dashboard, the managed policies
// hosted apps attach (one set for all orgs, or one per declared app: hosted-app-resources.ts), and the stack outputs.
// The one-Region stack (tenant-token-refresher-stack.ts) builds it around its own table; each Region of a
// multi-Region deployment (multi-region.ts) around its replica of the global table. Built directly in the stack, with
// the ids it always had, so the one-Region template keeps its logical ids.
import { CfnOutput, type Stack } from 'aws-cdk-lib';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { HostedApp } from '../lambdas/core/hosted-apps.js';
import type { RefresherSettings } from '../lambdas/refresher-settings.js';
import { FreshnessSloAlarms } from './constructs/freshness-slo-alarms.js';
import { GrantIntakeAlarms } from './constructs/grant-intake-alarms.js';
import { GrantIntakeFunction } from './constructs/grant-intake-function.js';
import { OnDemandAlarms } from './constructs/on-demand-alarms.js';
import { OnDemandRefreshFunction } from './constructs/on-demand-refresh-function.js';
import { PeerRegionAlarm } from './constructs/peer-region-alarm.js';
import { RefresherAlarms } from './constructs/refresher-alarms.js';
import { RefresherDashboard } from './constructs/refresher-dashboard.js';
import { RefresherFunction } from './constructs/refresher-function.js';
import { SweepPlanner } from './constructs/sweep-planner.js';
import type { TokenTableAccess } from './constructs/token-table-access.js';
import { DEFAULT_SECRET_PREFIX } from './deploy-context.js';
import {
  declaredApps,
  type HostedAppPolicies,
  type HostedAppProps,
  hostedAppAccess,
  implicitAppAccess,
} from './hosted-app-resources.js';

export type { HostedAppPolicies, HostedAppProps } from './hosted-app-resources.js';

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
  /**
   * Hosted apps, each acting only on its own orgs (docs/hosted-apps.md#several-apps). None: one implicit app that
   * may do everything, today's deployment (the outputs AccessTokenReaderPolicyArn and GrantIntakePolicyArn).
   */
  apps?: readonly HostedAppProps[];
}

/** How this Region takes part in a multi-Region deployment (docs/regions.md); absent: one Region. */
export interface RegionRole {
  /** This stack's Region. */
  region: string;
  /** Every Region running the refresher, in the deployment's order (REGIONS). */
  regions: readonly string[];
}

export interface RefresherResources {
  refresher: RefresherFunction;
  planner: SweepPlanner;
  alarms: RefresherAlarms;
  freshness: FreshnessSloAlarms;
  intake: GrantIntakeFunction;
  onDemand: OnDemandRefreshFunction;
  dashboard: RefresherDashboard;
  /** Multi-Region only. */
  peers: PeerRegionAlarm | undefined;
  /** The declared hosted apps (empty: the implicit app of a deployment that declares none). */
  apps: readonly HostedApp[];
  /** Each declared app's managed policies, by app name. */
  appPolicies: ReadonlyMap<string, HostedAppPolicies>;
}

export function addRefresherResources(
  stack: Stack,
  table: TokenTableAccess,
  props: RefresherResourceProps,
  regionRole?: RegionRole,
): RefresherResources {
  const logRetention =
    props.logRetentionDays !== undefined ? { logRetention: props.logRetentionDays as logs.RetentionDays } : {};
  const secretPrefix = props.secretPrefix ?? DEFAULT_SECRET_PREFIX;
  const secretsKeyArns = props.secretsKeyArns ? { secretsKeyArns: props.secretsKeyArns } : {};
  const noReservation = props.reservedConcurrency === false ? { reservedConcurrency: false as const } : {};
  const refresher = new RefresherFunction(stack, 'Refresher', {
    table,
    ...(props.refresher ? { settings: props.refresher } : {}),
    secretPrefix,
    ...secretsKeyArns,
    ...(props.memoryMb !== undefined ? { memoryMb: props.memoryMb } : {}),
    ...(props.reservedConcurrency !== undefined ? { reservedConcurrency: props.reservedConcurrency } : {}),
    ...logRetention,
  });
  const apps = declaredApps(props.apps, { secretPrefix, allowedTokenHosts: refresher.settings.allowedTokenHosts });
  // The schedule's target: plans each tick and starts the sweep workers (the refresher function above); it
  // publishes the deployment descriptor, the declared apps included, for the operator CLI — with several Regions,
  // the first Region's planner only, naming its worker by ARN (docs/regions.md#the-operator-cli).
  const publishes = regionRole === undefined || regionRole.regions[0] === regionRole.region;
  const planner = new SweepPlanner(stack, 'Planner', {
    table,
    worker: refresher,
    apps,
    ...(publishes ? {} : { publishesDeployment: false }),
    ...(regionRole ? { workerByArn: true } : {}),
    ...noReservation,
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
    apps,
    ...noReservation,
    secretPrefix,
    ...secretsKeyArns,
    ...logRetention,
  });
  const onDemand = new OnDemandRefreshFunction(stack, 'OnDemandRefresh', {
    table,
    settings: refresher.settings,
    apps,
    secretPrefix,
    ...secretsKeyArns,
    ...noReservation,
    ...logRetention,
  });
  // Before the dashboard: its alarm-state widget lists every alarm registered by then.
  const intakeAlarms = new GrantIntakeAlarms(stack, 'IntakeAlarms', { alarms, intake });
  const onDemandAlarms = new OnDemandAlarms(stack, 'OnDemandAlarms', { alarms, onDemand });
  // Several Regions on one global table (docs/regions.md): each planner writes its heartbeat and pages for silent peers.
  const peers = regionRole ? new PeerRegionAlarm(stack, 'PeerRegions', alarms) : undefined;
  if (regionRole) table.grantRegionHeartbeats(planner.role, regionRole.region);
  const dashboard = new RefresherDashboard(stack, 'Dashboard', {
    alarms,
    refresher,
    planner: planner.fn,
    moreAlarms: [...Object.values(freshness.composites), ...Object.values(freshness.windows)],
  });
  dashboard.dashboard.addWidgets(...freshness.widgets(alarms));
  if (peers) dashboard.dashboard.addWidgets(...peers.widgets(alarms));
  dashboard.dashboard.addWidgets(...intakeAlarms.widgets(alarms, intake));
  dashboard.dashboard.addWidgets(...onDemandAlarms.widgets(alarms, onDemand));

  new CfnOutput(stack, 'TableName', {
    value: table.tableName,
    description: 'The token table (operator CLI: --table)',
  });
  new CfnOutput(stack, 'RefresherFunctionName', { value: refresher.fn.functionName });
  new CfnOutput(stack, 'PlannerFunctionName', { value: planner.fn.functionName });
  new CfnOutput(stack, 'AlarmTopicArn', { value: alarms.topic.topicArn });
  new CfnOutput(stack, 'FailureQueueUrl', { value: refresher.failureQueue.queueUrl });
  new CfnOutput(stack, 'DashboardName', { value: dashboard.dashboard.dashboardName });
  new CfnOutput(stack, 'GrantIntakeFunctionName', {
    value: intake.fn.functionName,
    description: 'Hosted apps hand org grants over to this function (reader createGrantIntake, grant_intake.py)',
  });
  new CfnOutput(stack, 'OnDemandRefreshFunctionName', {
    value: onDemand.fn.functionName,
    description: 'Hosted apps ask for a fresh token after a 401 (reader refreshNow, read_token.py refresh_now)',
  });
  const access = { stack, table, intake, onDemand, apps };
  const appPolicies = apps.length > 0 ? hostedAppAccess(access, props.apps ?? []) : new Map();
  // No apps declared: one implicit app, every org (today's deployment, unchanged).
  if (apps.length === 0) implicitAppAccess(access);
  return { refresher, planner, alarms, freshness, intake, onDemand, dashboard, peers, apps, appPolicies };
}
