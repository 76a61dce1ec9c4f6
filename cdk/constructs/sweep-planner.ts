// The sweep planner: the schedule's target. Every tick it counts the due index per shard, decides how many sweep
// workers to start and which shards each walks, and starts them with Lambda's asynchronous Invoke (docs/fleet.md).
// A second function from the same bundle and handler as the worker: its own role may invoke the worker, and no
// function needs permission to invoke itself (a self-grant is a CloudFormation dependency cycle: the function
// depends on its role's policy, which would name the function's ARN).
import path from 'node:path';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { HostedApp } from '../../lambdas/core/hosted-apps.js';
import { refresherEnvironment } from '../../lambdas/refresher-settings.js';
import { PROJECT_ROOT, REFRESHER_ENTRY } from '../bundling.js';
import { hostedAppsEnvironment } from './hosted-app-aliases.js';
import { type RefresherFunction, refresherBundling } from './refresher-function.js';
import type { TokenTable } from './token-table.js';

/** The planner only counts and invokes: a small function. */
export const PLANNER_MEMORY_MB = 256;

/** The constant input the schedule sends: one tick to plan. */
export const PLAN_EVENT = { plan: {} } as const;

export interface SweepPlannerProps {
  table: TokenTable;
  /** The sweep worker it starts (and whose settings, failure queue and log retention it shares). */
  worker: RefresherFunction;
  /** `false` reserves none (accounts at the default concurrency limit cannot reserve any). */
  reservedConcurrency?: number | false;
  logRetention?: logs.RetentionDays;
  /** Declared hosted apps: the planner publishes them in the deployment descriptor for the operator CLI. */
  apps?: readonly HostedApp[];
}

export class SweepPlanner extends Construct {
  readonly fn: NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  readonly schedule: events.Rule;

  constructor(scope: Construct, id: string, props: SweepPlannerProps) {
    super(scope, id);
    const { worker, table } = props;
    const settings = worker.settings;
    const period = worker.schedulePeriod;

    this.logGroup = new logs.LogGroup(this, 'Logs', { retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'tenant-token-refresher planner: counts the due index, starts sweep workers',
    });
    this.logGroup.grantWrite(this.role);

    this.fn = new NodejsFunction(this, 'Function', {
      description: 'Plans each tick: counts due orgs per shard and starts sweep workers (tenant-token-refresher)',
      entry: REFRESHER_ENTRY,
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: PLANNER_MEMORY_MB,
      // A plan that outlived a period would overlap the next one; it takes a few COUNT queries and invokes.
      timeout: period,
      // Two: a tick may start while a slow previous one finishes; never more (each plan starts workers).
      reservedConcurrentExecutions: props.reservedConcurrency === false ? undefined : (props.reservedConcurrency ?? 2),
      role: this.role,
      logGroup: this.logGroup,
      // The worker's own settings (one source), plus the worker to start. LAMBDA_TIMEOUT_SECONDS stays the worker's:
      // the configuration describes the sweeps, and the planner checks the same timing rules.
      environment: {
        ...refresherEnvironment(settings, table.tableName),
        WORKER_FUNCTION_NAME: worker.fn.functionName,
        ...hostedAppsEnvironment(props.apps ?? []),
      },
      bundling: refresherBundling(),
    });
    this.fn.configureAsyncInvoke({
      // The next tick re-plans from the table; a failed plan lands in the same failure queue as a failed sweep.
      retryAttempts: 0,
      maxEventAge: period,
      onFailure: new destinations.SqsDestination(worker.failureQueue),
    });

    table.grantPlanner(this.role);
    // What this deployment is, for the operator CLI (docs/design.md): the `#deployment` item, nothing else.
    table.grantDeploymentDescriptor(this.role);
    // Invoke by the unqualified name: the function's ARN alone, no `:*` (no version or alias needed).
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [worker.fn.functionArn] }),
    );

    this.schedule = new events.Rule(this, 'Schedule', {
      description: 'Plans a sweep of the due index of the tenant token table',
      schedule: events.Schedule.rate(period),
      targets: [
        new targets.LambdaFunction(this.fn, {
          event: events.RuleTargetInput.fromObject(PLAN_EVENT),
          // Delivery failures only (the invoke API unavailable); a tick older than one period is superseded.
          retryAttempts: 2,
          maxEventAge: period,
        }),
      ],
    });
  }
}
