// The one stack a platform engineer deploys in one Region: the token table, the scheduled refresher, its alarms,
// freshness objective and dashboard, the grant intake hosted apps hand grants to, the on-demand refresh they call
// after a 401, and the managed policies hosted apps attach (read access tokens; hand grants over; refresh on demand):
// one set for all orgs, or, with hosted apps declared, one set per app covering its own orgs only. A multi-Region
// deployment builds the same around a global table (multi-region.ts).
import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { HostedApp } from '../lambdas/core/hosted-apps.js';
import type { FreshnessSloAlarms } from './constructs/freshness-slo-alarms.js';
import type { GrantIntakeFunction } from './constructs/grant-intake-function.js';
import type { OnDemandRefreshFunction } from './constructs/on-demand-refresh-function.js';
import type { RefresherAlarms } from './constructs/refresher-alarms.js';
import type { RefresherFunction } from './constructs/refresher-function.js';
import type { SweepPlanner } from './constructs/sweep-planner.js';
import { TokenTable } from './constructs/token-table.js';
import { addRefresherResources, type HostedAppPolicies, type RefresherResourceProps } from './refresher-resources.js';

export type { HostedAppPolicies, HostedAppProps } from './refresher-resources.js';

export interface TenantTokenRefresherStackProps extends StackProps, RefresherResourceProps {
  tableName?: string;
}

export class TenantTokenRefresherStack extends Stack {
  readonly table: TokenTable;
  readonly refresher: RefresherFunction;
  readonly planner: SweepPlanner;
  readonly alarms: RefresherAlarms;
  readonly freshness: FreshnessSloAlarms;
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
    this.table = new TokenTable(this, 'Tokens', props.tableName ? { tableName: props.tableName } : {});
    const built = addRefresherResources(this, this.table, props);
    this.refresher = built.refresher;
    this.planner = built.planner;
    this.alarms = built.alarms;
    this.freshness = built.freshness;
    this.intake = built.intake;
    this.onDemand = built.onDemand;
    this.apps = built.apps;
    this.appPolicies = built.appPolicies;
  }
}
