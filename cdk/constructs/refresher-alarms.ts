// What wakes on-call, and why. Every alarm watches a metric the handler really emits (names and namespace from
// lambdas/metrics.ts), publishes to one encrypted SNS topic, and links its runbook section in docs/runbook.md.
//
// Periods follow the schedule period P (60 s by default): per-sweep gauges are judged per tick, counters over a
// window W = 5 × P (five ticks; also SQS's 5-minute metric granularity). A refresh window is 10 ticks by default,
// so an alarm that needs two windows W still fires before most tokens of a failing org expire.
import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { METRIC_NAMESPACE, MetricName, type MetricNameValue } from '../../lambdas/metrics.js';
import { TABLE_SCHEMA } from '../../lambdas/table-schema.js';
import type { RefresherFunction } from './refresher-function.js';
import type { TokenTable } from './token-table.js';

export interface RefresherAlarmsProps {
  refresher: RefresherFunction;
  /** The schedule's target (cdk/constructs/sweep-planner.ts): its failures stop every sweep, so the Lambda alarms
   * watch it with the workers. */
  planner: lambda.Function;
  table: TokenTable;
  /** Subscribed to the alarm topic (SNS asks the address to confirm). */
  alarmEmail?: string;
}

/** The runbook on-call reads, relative to the repository root; one section per alarm. */
const RUNBOOK_PATH = 'docs/runbook.md';

/** An alarm's runbook section is headed by its id (`## RefreshFailed`); this is GitHub's anchor for that heading. */
export function runbookAnchor(alarmId: string): string {
  return alarmId.toLowerCase();
}

export class RefresherAlarms extends Construct {
  readonly topic: sns.Topic;
  readonly topicKey: kms.Key;
  /** By alarm id (also the runbook section name). */
  readonly alarms: Record<string, cloudwatch.Alarm> = {};
  /** The refresher's own metrics, for the dashboard. */
  readonly serviceMetric: (name: MetricNameValue, statistic: string, period?: Duration) => cloudwatch.Metric;
  readonly tick: Duration;
  readonly window: Duration;
  readonly tableThrottles: cloudwatch.MathExpression;

  constructor(scope: Construct, id: string, props: RefresherAlarmsProps) {
    super(scope, id);
    const { refresher, planner, table } = props;
    const settings = refresher.settings;
    const stackName = Stack.of(this).stackName;
    this.tick = Duration.seconds(settings.schedulePeriodSeconds);
    this.window = Duration.seconds(5 * settings.schedulePeriodSeconds);
    const tick = this.tick;
    const window = this.window;

    // AWS-managed SNS keys do not let CloudWatch encrypt into the topic, so alarms need a key of our own.
    this.topicKey = new kms.Key(this, 'TopicKey', {
      description: 'Encrypts the tenant-token-refresher alarm topic',
      enableKeyRotation: true,
    });
    this.topicKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
      }),
    );
    this.topic = new sns.Topic(this, 'Topic', {
      displayName: 'tenant-token-refresher alarms',
      masterKey: this.topicKey,
      enforceSSL: true,
    });
    if (props.alarmEmail) this.topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));

    // Powertools adds `service` (POWERTOOLS_SERVICE_NAME) to every metric; two stacks with different service names
    // in one account therefore never see each other's numbers.
    this.serviceMetric = (name, statistic, period = window) =>
      new cloudwatch.Metric({
        namespace: METRIC_NAMESPACE,
        metricName: name,
        dimensionsMap: { service: settings.serviceName },
        statistic,
        period,
      });
    const metric = this.serviceMetric;

    const add = (alarmId: string, meaning: string, alarmProps: Omit<cloudwatch.AlarmProps, 'alarmDescription'>) => {
      const alarm = new cloudwatch.Alarm(this, alarmId, {
        alarmName: `${stackName}-${alarmId}`,
        alarmDescription: `${meaning} Runbook: ${RUNBOOK_PATH}#${runbookAnchor(alarmId)}`,
        ...alarmProps,
      });
      alarm.addAlarmAction(new actions.SnsAction(this.topic));
      alarm.addOkAction(new actions.SnsAction(this.topic));
      this.alarms[alarmId] = alarm;
    };
    const atLeast = cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD;
    const notBreaching = cloudwatch.TreatMissingData.NOT_BREACHING;

    // Transient failures are retried by design; page only when refreshes keep failing for a reason the refresher
    // retries (5xx, timeouts, the network, the store, unusable answers). Dead grants and broken clients are left out:
    // they page once, through OrgsNeedingReauth / RotationLost / OrgsMisconfigured, whose runbooks fix them. So are
    // 429s: the host is backed off as a whole and ProviderDegraded pages for it (the alarm simulation's
    // provider-throttling paged both for one throttled host in a sparse fleet).
    // Judged as a share of the refreshes attempted, not a count: the alarm simulation (npm run ops:simulate,
    // docs/alarm-simulation.md) showed the former count (5 per window in two windows) blind to a 10-minute provider
    // outage of a small fleet — a few due orgs retried with backoff fail fewer than 5 times a window — while a large
    // fleet's everyday blips would reach it. At least 2 such failures and half of the attempts, in 2 of 3 windows,
    // pages for an outage in a fleet of any size; one failed refresh never does. Runs emit every count each time (0
    // included), so a window without runs is missing (not breaching: Heartbeat covers it).
    const retryable = 'failed - misconfigured - reauth - throttled';
    add('RefreshFailed', 'Refreshes keep failing: half or more of them, for reasons that retry, in 2 of 3 windows.', {
      metric: new cloudwatch.MathExpression({
        expression: `IF(${retryable} >= 2, 100 * (${retryable}) / (failed + succeeded), 0)`,
        usingMetrics: {
          failed: metric(MetricName.RefreshFailed, 'Sum'),
          succeeded: metric(MetricName.RefreshSucceeded, 'Sum'),
          misconfigured: metric(MetricName.ClientMisconfigured, 'Sum'),
          reauth: metric(MetricName.ReauthRequired, 'Sum'),
          throttled: metric(MetricName.RateLimited, 'Sum'),
        },
        label: 'Failed refreshes that retry (% of attempted)',
        period: window,
      }),
      threshold: 50,
      comparisonOperator: atLeast,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      treatMissingData: notBreaching,
    });

    // A dead grant is an outage for that org until its customer re-authorises: one is enough.
    add('OrgsNeedingReauth', 'At least one org needs its customer to re-authorise (status REAUTH_REQUIRED).', {
      metric: metric(MetricName.OrgsNeedingReauth, 'Maximum'),
      threshold: 1,
      comparisonOperator: atLeast,
      evaluationPeriods: 1,
      // A gauge: no datapoint means no sweep ran, which the heartbeat alarm reports.
      treatMissingData: cloudwatch.TreatMissingData.IGNORE,
    });

    // The customer-facing one: hosted apps are getting 401s. Two consecutive sweeps so a token refreshed on the very
    // next tick (e.g. a late first refresh) does not page; both sweeps seeing expired tokens means they stay expired.
    add('ExpiredAccessTokens', 'Active orgs have an expired access token: hosted apps are getting 401s.', {
      metric: metric(MetricName.ExpiredAccessTokens, 'Maximum', tick),
      threshold: 1,
      comparisonOperator: atLeast,
      evaluationPeriods: 2,
      datapointsToAlarm: 2,
      treatMissingData: notBreaching,
    });

    // A received token response that could not be stored may have consumed the only refresh token: always page.
    add('TokenNotCommitted', 'A token response was received but could not be committed: a rotated grant may be lost.', {
      metric: metric(MetricName.TokenNotCommitted, 'Sum'),
      threshold: 1,
      comparisonOperator: atLeast,
      evaluationPeriods: 1,
      treatMissingData: notBreaching,
    });

    add('RotationLost', 'A rotated refresh token was lost after an ambiguous outcome; the org needs re-authorising.', {
      metric: metric(MetricName.RotationLost, 'Sum'),
      threshold: 1,
      comparisonOperator: atLeast,
      evaluationPeriods: 1,
      treatMissingData: notBreaching,
    });

    // Misconfigured orgs back off ~30 minutes between attempts, so the per-run ClientMisconfigured count is sparse; the
    // gauge from the attention index is steady while the problem lasts and clears when it is fixed.
    add('OrgsMisconfigured', 'Orgs are backing off because their OAuth client or record is misconfigured.', {
      metric: metric(MetricName.OrgsMisconfigured, 'Maximum'),
      threshold: 1,
      comparisonOperator: atLeast,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.IGNORE,
    });

    // A warning, days ahead (REFRESH_TOKEN_WARNING_SECONDS, default 7): an org's refresh token runs out on a date
    // refreshing cannot move, so it will need its customer to re-authorise. A gauge from the attention index, steady
    // while it lasts; one org is enough to tell someone, and there is time to do it in office hours.
    add(
      'OrgsRefreshTokenExpiring',
      "Orgs' refresh tokens run out within the warning period and refreshing cannot extend them: re-authorise.",
      {
        metric: metric(MetricName.OrgsRefreshTokenExpiring, 'Maximum'),
        threshold: 1,
        comparisonOperator: atLeast,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.IGNORE,
      },
    );

    // No RunCompleted for 3 ticks: the schedule, the function or its configuration is broken. On the raw metric,
    // missing data as breaching was late: CloudWatch evaluates more periods than the 3 (its evaluation range), and
    // the good datapoints still in that range keep the alarm OK until they leave it — 6 minutes instead of 3 in the
    // alarm simulation (docs/alarm-simulation.md). FILL gives every tick a value (0 when no sweep completed), so the
    // last 3 ticks decide alone; breaching still covers a metric with no data at all.
    add('Heartbeat', 'No sweep completed for 3 schedule periods: the refresher is not running.', {
      metric: new cloudwatch.MathExpression({
        expression: 'FILL(runs, 0)',
        usingMetrics: { runs: metric(MetricName.RunCompleted, 'Sum', tick) },
        label: 'Completed sweeps',
        period: tick,
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });

    // The Lambda alarms watch both functions: the planner (the schedule's target) and the sweep workers it starts.
    // A planner that fails stops every sweep, and the alarm simulation showed LambdaErrors blind to it while it
    // watched the workers alone (a bad configuration fails the planner's cold start; no worker is ever started).
    const functions = { worker: refresher.fn, planner };
    const bothSummed = (label: string, of: (fn: lambda.Function) => cloudwatch.Metric): cloudwatch.MathExpression =>
      new cloudwatch.MathExpression({
        expression: 'FILL(worker, 0) + FILL(planner, 0)',
        usingMetrics: { worker: of(functions.worker), planner: of(functions.planner) },
        label,
        period: window,
      });

    // Per-org failures never fail the invocation, so an Error is a whole tick lost (crash, timeout, invalid config),
    // or a whole sweep. One is retried by the next tick; two within five ticks means it keeps happening.
    add('LambdaErrors', 'Planner or sweep invocations failed as a whole (crash, timeout or invalid configuration).', {
      metric: bothSummed('Failed invocations (planner and sweeps)', (fn) =>
        fn.metricErrors({ statistic: 'Sum', period: window }),
      ),
      threshold: 2,
      comparisonOperator: atLeast,
      evaluationPeriods: 1,
      treatMissingData: notBreaching,
    });

    // Reserved concurrency covers every overlapping tick plus two direct invocations: any throttle is unexpected.
    add('LambdaThrottles', 'Planner or sweep invocations were throttled (reserved concurrency exhausted).', {
      metric: bothSummed('Throttled invocations (planner and sweeps)', (fn) =>
        fn.metricThrottles({ statistic: 'Sum', period: window }),
      ),
      threshold: 1,
      comparisonOperator: atLeast,
      evaluationPeriods: 1,
      treatMissingData: notBreaching,
    });

    // By design a sweep stops claiming one lease hold before its timeout and in-flight work ends within that hold
    // (usually within its send part; only commits retried through a store brownout use the rest), and a plan takes a
    // few queries, so a run past 90 % of its function's timeout is a store brownout or outside the design and close
    // to being killed (mid-commit, for a sweep). The two functions have different timeouts: the alarm judges the longer share.
    const workerTimeoutMs = settings.lambdaTimeoutSeconds * 1000;
    const plannerTimeoutMs = planner.timeout?.toMilliseconds() ?? 3000;
    const w = `FILL(worker, 0) / ${workerTimeoutMs}`;
    const p = `FILL(planner, 0) / ${plannerTimeoutMs}`;
    add('DurationNearTimeout', 'A planner or sweep run came within 10 % of its timeout: it risks being killed.', {
      metric: new cloudwatch.MathExpression({
        expression: `100 * IF(${w} >= ${p}, ${w}, ${p})`,
        usingMetrics: {
          worker: functions.worker.metricDuration({ statistic: 'Maximum', period: window }),
          planner: functions.planner.metricDuration({ statistic: 'Maximum', period: window }),
        },
        label: 'Longest run (% of its function timeout)',
        period: window,
      }),
      threshold: 90,
      comparisonOperator: atLeast,
      evaluationPeriods: 1,
      treatMissingData: notBreaching,
    });

    // Async invocations are not retried: every failed or expired tick lands here.
    add('FailureQueueMessages', 'Failed or expired refresher invocations are waiting in the failure queue.', {
      metric: refresher.failureQueue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', period: window }),
      threshold: 1,
      comparisonOperator: atLeast,
      evaluationPeriods: 1,
      treatMissingData: notBreaching,
    });

    // The fan-out (docs/fleet.md). Orgs due since before the previous tick and still unclaimed: one tick's backlog is
    // a hiccup (a slow provider, a cold start), three in a row means the sweeps cannot keep up with the fleet. The
    // planner emits it every tick, so missing data is the heartbeat's business.
    add('RefreshBacklog', 'Due orgs were left unclaimed at the end of 3 ticks in a row: the sweeps cannot keep up.', {
      metric: metric(MetricName.RefreshBacklog, 'Maximum', tick),
      threshold: 1,
      comparisonOperator: atLeast,
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      treatMissingData: cloudwatch.TreatMissingData.IGNORE,
    });

    // One datapoint per host per backoff episode (never one per org). One episode is routine — a 429 whose
    // Retry-After is honoured, after which the host answers — and the alarm simulation's healthy day (one 429 in 24
    // hours) showed a page for it; a host that is backed off again after its backoff ended is degraded. Episodes in 2
    // of 4 windows (20 minutes) catch that even with the longest backoff (15 minutes, Retry-After included), and clear
    // by themselves once the host answers for two windows.
    add(
      'ProviderDegraded',
      'A token host was backed off as a whole again and again (429 or runs of 5xx): its orgs wait.',
      {
        metric: metric(MetricName.ProviderDegraded, 'Sum'),
        threshold: 1,
        comparisonOperator: atLeast,
        evaluationPeriods: 4,
        datapointsToAlarm: 2,
        treatMissingData: notBreaching,
      },
    );

    // DynamoDB publishes throttle events only when they happen, per table and per index; FILL makes the sum defined.
    // The SDK retries a throttled call, so only throttling that lasts two windows pages.
    this.tableThrottles = tableThrottleExpression(table, window);
    add('DynamoDbThrottles', 'The token table or its indexes are throttling reads or writes.', {
      metric: this.tableThrottles,
      threshold: 1,
      comparisonOperator: atLeast,
      evaluationPeriods: 2,
      datapointsToAlarm: 2,
      treatMissingData: notBreaching,
    });
  }
}

function tableThrottleExpression(table: TokenTable, period: Duration): cloudwatch.MathExpression {
  const usingMetrics: Record<string, cloudwatch.IMetric> = {};
  const scopes: Array<{ key: string; dimensions: Record<string, string> }> = [
    { key: 'table', dimensions: { TableName: table.tableName } },
    ...[TABLE_SCHEMA.dueIndex.name, TABLE_SCHEMA.attentionIndex.name].map((indexName) => ({
      key: indexName,
      dimensions: { TableName: table.tableName, GlobalSecondaryIndexName: indexName },
    })),
  ];
  for (const { key, dimensions } of scopes) {
    for (const [kind, metricName] of [
      ['r', 'ReadThrottleEvents'],
      ['w', 'WriteThrottleEvents'],
    ] as const) {
      usingMetrics[`${kind}_${key}`] = new cloudwatch.Metric({
        namespace: 'AWS/DynamoDB',
        metricName,
        dimensionsMap: dimensions,
        statistic: 'Sum',
        period,
      });
    }
  }
  return new cloudwatch.MathExpression({
    expression: Object.keys(usingMetrics)
      .map((m) => `FILL(${m}, 0)`)
      .join(' + '),
    usingMetrics,
    label: 'DynamoDB throttle events (table and indexes)',
    period,
  });
}
