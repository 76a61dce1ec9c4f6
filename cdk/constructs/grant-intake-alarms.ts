// On-call's view of the grant intake: one alarm (an invocation that failed as a whole is a customer's hand-over that
// did not happen) on the refresher's alarm topic, with its runbook section, and a dashboard row with the intake's
// outcomes and its function's health. Answers such as INVALID_GRANT or STALE_GRANT are the app's to act on, not
// on-call's: they are counted, not alarmed (a dead grant still reaches OrgsNeedingReauth).
import { Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Construct } from 'constructs';
import { MetricName } from '../../lambdas/metrics.js';
import type { GrantIntakeFunction } from './grant-intake-function.js';
import { type RefresherAlarms, runbookAnchor } from './refresher-alarms.js';

export interface GrantIntakeAlarmsProps {
  /** The refresher's alarms: the intake's alarm joins them (same topic, naming and runbook). */
  alarms: RefresherAlarms;
  intake: GrantIntakeFunction;
}

export const INTAKE_ALARM_ID = 'IntakeErrors';

export class GrantIntakeAlarms extends Construct {
  readonly alarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: GrantIntakeAlarmsProps) {
    super(scope, id);
    const { alarms, intake } = props;
    // Validation, stale and invalid grants are answers, not errors: an Error is a crash, a timeout, DynamoDB or an
    // invalid deployment, and the app's customer is left without a stored grant. One is worth a look.
    this.alarm = new cloudwatch.Alarm(this, INTAKE_ALARM_ID, {
      alarmName: `${Stack.of(this).stackName}-${INTAKE_ALARM_ID}`,
      alarmDescription:
        'Grant intake invocations failed as a whole (crash, timeout, DynamoDB or configuration): hosted apps ' +
        `could not hand grants over. Runbook: docs/runbook.md#${runbookAnchor(INTAKE_ALARM_ID)}`,
      // The intake runs only when a hosted app hands a grant over, so its Errors metric is sparse: on the raw metric
      // the alarm kept re-evaluating the last failed period (CloudWatch's evaluation range) and stayed in ALARM 15
      // minutes after the fix, in the alarm simulation (docs/alarm-simulation.md). FILL makes a quiet period a 0.
      metric: new cloudwatch.MathExpression({
        expression: 'FILL(errors, 0)',
        usingMetrics: { errors: intake.fn.metricErrors({ statistic: 'Sum', period: alarms.window }) },
        label: 'Failed intake invocations',
        period: alarms.window,
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.alarm.addAlarmAction(new actions.SnsAction(alarms.topic));
    this.alarm.addOkAction(new actions.SnsAction(alarms.topic));
    alarms.alarms[INTAKE_ALARM_ID] = this.alarm;
  }

  /** The dashboard row: hand-over outcomes and the intake function's invocations, errors and duration. */
  widgets(alarms: RefresherAlarms, intake: GrantIntakeFunction): cloudwatch.IWidget[] {
    const m = alarms.serviceMetric;
    return [
      new cloudwatch.GraphWidget({
        title: 'Grant intake: hand-overs',
        left: [
          m(MetricName.GrantIntakeSucceeded, 'Sum'),
          m(MetricName.GrantIntakeFailed, 'Sum'),
          m(MetricName.GrantIntakeRejected, 'Sum'),
        ],
        width: 12,
        height: 6,
      }),
      new cloudwatch.GraphWidget({
        title: 'Grant intake: Lambda',
        left: [
          intake.fn.metricInvocations({ period: alarms.window }),
          intake.fn.metricErrors({ period: alarms.window }),
        ],
        right: [intake.fn.metricDuration({ statistic: 'Maximum', period: alarms.window })],
        width: 12,
        height: 6,
      }),
    ];
  }
}
