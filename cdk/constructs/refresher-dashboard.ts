// One screen for on-call: the alarms' state on top, then the same metrics the alarms watch, grouped by the question
// they answer (are tokens fresh? are refreshes failing? is the function healthy? is the table?).
import { Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { MetricName } from '../../lambdas/metrics.js';
import type { RefresherAlarms } from './refresher-alarms.js';
import type { RefresherFunction } from './refresher-function.js';

export interface RefresherDashboardProps {
  alarms: RefresherAlarms;
  refresher: RefresherFunction;
  /** The schedule's target; its Lambda metrics sit beside the sweep worker's. */
  planner: lambda.Function;
  /** Alarms shown in the state widget beside the refresher's own (the freshness objective's composite alarms). */
  moreAlarms?: cloudwatch.IAlarm[];
}

export class RefresherDashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: RefresherDashboardProps) {
    super(scope, id);
    const { alarms, refresher, planner } = props;
    const m = alarms.serviceMetric;
    const tick = alarms.tick;
    const fn = refresher.fn;
    const graph = (title: string, left: cloudwatch.IMetric[], width = 12) =>
      new cloudwatch.GraphWidget({ title, left, width, height: 6 });

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: Stack.of(this).stackName,
      widgets: [
        [
          new cloudwatch.AlarmStatusWidget({
            title: 'Alarms (runbook: docs/runbook.md)',
            alarms: [...Object.values(alarms.alarms), ...(props.moreAlarms ?? [])],
            width: 24,
            height: 4,
          }),
        ],
        [
          graph('Orgs that need a person (per sweep)', [
            m(MetricName.ExpiredAccessTokens, 'Maximum', tick),
            m(MetricName.OrgsNeedingReauth, 'Maximum', tick),
            m(MetricName.OrgsMisconfigured, 'Maximum', tick),
            m(MetricName.OrgsRefreshTokenExpiring, 'Maximum', tick),
            m(MetricName.DueOrgs, 'Maximum', tick),
          ]),
          graph('Refresh outcomes', [
            m(MetricName.RefreshSucceeded, 'Sum'),
            m(MetricName.RefreshFailed, 'Sum'),
            m(MetricName.TransientFailures, 'Sum'),
            m(MetricName.RateLimited, 'Sum'),
            m(MetricName.ClaimConflicts, 'Sum'),
          ]),
        ],
        [
          graph('Failures that need attention', [
            m(MetricName.TokenNotCommitted, 'Sum'),
            m(MetricName.RotationLost, 'Sum'),
            m(MetricName.ReauthRequired, 'Sum'),
            m(MetricName.ClientMisconfigured, 'Sum'),
            m(MetricName.BadData, 'Sum'),
            m(MetricName.AmbiguousOutcomes, 'Sum'),
            m(MetricName.ScopeMissingOfflineAccess, 'Sum'),
            m(MetricName.ShortLifetimeOrgs, 'Maximum'),
          ]),
          graph('Heartbeat and run duration', [
            m(MetricName.RunCompleted, 'Sum', tick),
            m(MetricName.RunDurationMs, 'Maximum', tick),
          ]),
        ],
        [
          graph('Fan-out: backlog and sweeps (per tick)', [
            m(MetricName.RefreshBacklog, 'Maximum', tick),
            m(MetricName.SweepsStarted, 'Sum', tick),
            m(MetricName.ShardsBusy, 'Sum', tick),
          ]),
          graph('Token hosts backed off', [m(MetricName.ProviderDegraded, 'Sum'), m(MetricName.HostDeferred, 'Sum')]),
        ],
        [
          graph(
            'Lambda: sweep workers and planner',
            [
              fn.metricInvocations({ period: alarms.window, label: 'Worker invocations' }),
              fn.metricErrors({ period: alarms.window, label: 'Worker errors' }),
              fn.metricThrottles({ period: alarms.window, label: 'Worker throttles' }),
              planner.metricErrors({ period: alarms.window, label: 'Planner errors' }),
              planner.metricThrottles({ period: alarms.window, label: 'Planner throttles' }),
            ],
            8,
          ),
          new cloudwatch.GraphWidget({
            title: 'Lambda duration vs timeout',
            left: [
              fn.metricDuration({ statistic: 'Maximum', period: alarms.window, label: 'Worker' }),
              planner.metricDuration({ statistic: 'Maximum', period: alarms.window, label: 'Planner' }),
            ],
            leftAnnotations: [
              {
                value: refresher.settings.lambdaTimeoutSeconds * 1000,
                label: 'worker timeout',
                color: cloudwatch.Color.RED,
              },
              {
                value: planner.timeout?.toMilliseconds() ?? 3000,
                label: 'planner timeout',
                color: cloudwatch.Color.ORANGE,
              },
            ],
            width: 8,
            height: 6,
          }),
          graph(
            'Failure queue and DynamoDB throttling',
            [
              refresher.failureQueue.metricApproximateNumberOfMessagesVisible({
                statistic: 'Maximum',
                period: alarms.window,
              }),
              alarms.tableThrottles,
            ],
            8,
          ),
        ],
      ],
    });
  }
}
