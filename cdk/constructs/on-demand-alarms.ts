// On-call's view of the on-demand refresh: one alarm for a hosted app stuck in a 401 loop, on the refresher's alarm
// topic with its runbook section, and a dashboard row with the outcomes and the function's health. LIMITED, BUSY or a
// dead grant are answers the app acts on; they are counted, not alarmed (a dead grant still reaches OrgsNeedingReauth).
import { Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Construct } from 'constructs';
import { MetricName } from '../../lambdas/metrics.js';
import type { OnDemandRefreshFunction } from './on-demand-refresh-function.js';
import { type RefresherAlarms, runbookAnchor } from './refresher-alarms.js';

export interface OnDemandAlarmsProps {
  /** The refresher's alarms: this one joins them (same topic, naming and runbook). */
  alarms: RefresherAlarms;
  onDemand: OnDemandRefreshFunction;
}

export const ON_DEMAND_LOOP_ALARM_ID = 'OnDemandLoop';

/**
 * Repeated forced refreshes per window (5 ticks) in each of two windows. A repeat is a refreshNow that refreshed an org
 * whose previous on-demand refresh was under 15 minutes ago: the token it issued was rejected too. One org looping at
 * the per-org limit (30 s) makes up to 10 a window, an app retrying once a minute 5; a healthy fleet makes none (a
 * revoked and re-granted org needs one refresh). Counted per refresh, not per caller, so a herd of callers is one.
 */
export const ON_DEMAND_LOOP_THRESHOLD = 3;

export class OnDemandAlarms extends Construct {
  readonly alarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: OnDemandAlarmsProps) {
    super(scope, id);
    const { alarms } = props;
    // No org dimension (a metric per org: docs/cost.md); the `on-demand refresh repeated` log line names the org and
    // its token host. The metric exists only while apps call, so FILL makes a quiet window a 0 and the alarm clears
    // after the first one (the grant intake's lesson, docs/alarm-simulation.md).
    this.alarm = new cloudwatch.Alarm(this, ON_DEMAND_LOOP_ALARM_ID, {
      alarmName: `${Stack.of(this).stackName}-${ON_DEMAND_LOOP_ALARM_ID}`,
      alarmDescription:
        'A hosted app is stuck in a 401 loop: orgs are force-refreshed again and again and the fresh tokens are ' +
        `rejected too. Runbook: docs/runbook.md#${runbookAnchor(ON_DEMAND_LOOP_ALARM_ID)}`,
      metric: new cloudwatch.MathExpression({
        expression: 'FILL(repeated, 0)',
        usingMetrics: { repeated: alarms.serviceMetric(MetricName.OnDemandRepeated, 'Sum') },
        label: 'Repeated forced refreshes',
        period: alarms.window,
      }),
      threshold: ON_DEMAND_LOOP_THRESHOLD,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 2,
      datapointsToAlarm: 2,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.alarm.addAlarmAction(new actions.SnsAction(alarms.topic));
    this.alarm.addOkAction(new actions.SnsAction(alarms.topic));
    alarms.alarms[ON_DEMAND_LOOP_ALARM_ID] = this.alarm;
  }

  /** The dashboard row: on-demand outcomes, the loop signal, and the function's invocations, errors and duration. */
  widgets(alarms: RefresherAlarms, onDemand: OnDemandRefreshFunction): cloudwatch.IWidget[] {
    const m = alarms.serviceMetric;
    return [
      new cloudwatch.GraphWidget({
        title: 'On-demand refresh: outcomes',
        left: [
          m(MetricName.OnDemandRefreshed, 'Sum'),
          m(MetricName.OnDemandServed, 'Sum'),
          m(MetricName.OnDemandLimited, 'Sum'),
          m(MetricName.OnDemandFailed, 'Sum'),
          m(MetricName.OnDemandRepeated, 'Sum'),
        ],
        width: 12,
        height: 6,
      }),
      new cloudwatch.GraphWidget({
        title: 'On-demand refresh: Lambda',
        left: [
          onDemand.fn.metricInvocations({ period: alarms.window }),
          onDemand.fn.metricErrors({ period: alarms.window }),
          onDemand.fn.metricThrottles({ period: alarms.window }),
        ],
        right: [onDemand.fn.metricDuration({ statistic: 'Maximum', period: alarms.window })],
        width: 12,
        height: 6,
      }),
    ];
  }
}
