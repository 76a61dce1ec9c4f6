// The freshness objective and its burn-rate alarms (docs/runbook.md#freshness-slo). The indicator is the share of
// ACTIVE org-minutes whose stored access token is valid — what hosted apps live on — from two gauges the planner
// publishes every tick anyway: ExpiredAccessTokens (orgs without a valid token) and ActiveOrgs (DescribeTable's count
// of the due index). Summed over a window, each gives org-ticks: no per-org metric, no scan.
//
// The objective is FRESHNESS_SLO (99.9 % over 30 days): an error budget of 0.1 % of the month's org-minutes. The
// alarms follow the SRE workbook's multi-window, multi-burn-rate alerting: page when the budget burns at 14.4 times
// the sustainable rate over 1 hour and over the last 5 minutes (2 % of the month's budget in an hour), or at 6 times
// over 6 hours and the last 30 minutes (5 % in six hours). The long window makes the page worth waking for; the short
// one makes it stop as soon as the burning stops. CloudWatch alarms read one period each, so every window is its own
// alarm, without actions, and a composite alarm per pair pages.
import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Construct } from 'constructs';
import { FRESHNESS_SLO, MetricName } from '../../lambdas/metrics.js';
import { type RefresherAlarms, runbookAnchor } from './refresher-alarms.js';

/** One paging pair: a long and a short window, both above the same burn rate. */
export interface BurnTier {
  /** The composite alarm's id (and runbook section). */
  id: string;
  burnRate: number;
  long: Duration;
  short: Duration;
}

/** The SRE workbook's two paging tiers for a 30-day objective. */
export const BURN_TIERS: readonly BurnTier[] = [
  { id: 'FreshnessBurnFast', burnRate: 14.4, long: Duration.hours(1), short: Duration.minutes(5) },
  { id: 'FreshnessBurnSlow', burnRate: 6, long: Duration.hours(6), short: Duration.minutes(30) },
];

/** `1h`, `5m`, `30m`, `6h`: the window in a child alarm's id. */
function windowName(d: Duration): string {
  const minutes = d.toMinutes();
  return minutes % 60 === 0 ? `${minutes / 60}h` : `${minutes}m`;
}

export class FreshnessSloAlarms extends Construct {
  /** The composite alarms that page, by id. */
  readonly composites: Record<string, cloudwatch.CompositeAlarm> = {};
  /** The window alarms the composites combine (no actions: they never page alone), by id. */
  readonly windows: Record<string, cloudwatch.Alarm> = {};
  readonly errorBudget: number;

  constructor(scope: Construct, id: string, alarms: RefresherAlarms) {
    super(scope, id);
    const stackName = Stack.of(this).stackName;
    this.errorBudget = Math.round((1 - FRESHNESS_SLO.target) * 1e6) / 1e6;
    for (const tier of BURN_TIERS) {
      const rule = (d: Duration) => {
        const childId = `${tier.id}${windowName(d)}`;
        const alarm = new cloudwatch.Alarm(this, childId, {
          alarmName: `${stackName}-${childId}`,
          alarmDescription:
            `Freshness error budget burning at ${tier.burnRate}x or more over ${windowName(d)} (one window of ` +
            `${tier.id}, which pages). Runbook: docs/runbook.md#${runbookAnchor(tier.id)}`,
          metric: this.burnRate(alarms, d),
          threshold: tier.burnRate,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          evaluationPeriods: 1,
          // No plan, no data: the Heartbeat alarm pages for that, not the budget.
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        });
        this.windows[childId] = alarm;
        return cloudwatch.AlarmRule.fromAlarm(alarm, cloudwatch.AlarmState.ALARM);
      };
      const composite = new cloudwatch.CompositeAlarm(this, tier.id, {
        compositeAlarmName: `${stackName}-${tier.id}`,
        alarmDescription:
          `The freshness error budget (${FRESHNESS_SLO.target * 100} % of ACTIVE org-minutes with a valid access ` +
          `token over ${FRESHNESS_SLO.days} days) is burning at ${tier.burnRate}x over ${windowName(tier.long)} and ` +
          `the last ${windowName(tier.short)}: hosted apps are getting 401s. Runbook: docs/runbook.md#` +
          runbookAnchor(tier.id),
        alarmRule: cloudwatch.AlarmRule.allOf(rule(tier.long), rule(tier.short)),
      });
      composite.addAlarmAction(new actions.SnsAction(alarms.topic));
      composite.addOkAction(new actions.SnsAction(alarms.topic));
      this.composites[tier.id] = composite;
    }
  }

  /**
   * The budget's burn rate over one window: the share of ACTIVE org-ticks without a valid token, over the share the
   * objective allows. 1 spends the month's budget in exactly the month.
   */
  burnRate(alarms: RefresherAlarms, window: Duration): cloudwatch.MathExpression {
    // Ids per window: a dashboard graph holds several windows, and CloudWatch wants one metric per id.
    const [e, a] = [`expired_${windowName(window)}`, `active_${windowName(window)}`];
    return new cloudwatch.MathExpression({
      expression: `IF(FILL(${a}, 0) > 0, FILL(${e}, 0) / ${a} / ${this.errorBudget}, 0)`,
      usingMetrics: {
        [e]: alarms.serviceMetric(MetricName.ExpiredAccessTokens, 'Sum', window),
        [a]: alarms.serviceMetric(MetricName.ActiveOrgs, 'Sum', window),
      },
      label: `Freshness budget burn rate (${windowName(window)})`,
      period: window,
    });
  }

  /** The share of ACTIVE org-ticks with a valid token over a window, in percent (the dashboard's SLI line). */
  sli(alarms: RefresherAlarms, window: Duration): cloudwatch.MathExpression {
    const [e, a] = [`expired_${windowName(window)}`, `active_${windowName(window)}`];
    return new cloudwatch.MathExpression({
      expression: `IF(FILL(${a}, 0) > 0, 100 * (1 - FILL(${e}, 0) / ${a}), 100)`,
      usingMetrics: {
        [e]: alarms.serviceMetric(MetricName.ExpiredAccessTokens, 'Sum', window),
        [a]: alarms.serviceMetric(MetricName.ActiveOrgs, 'Sum', window),
      },
      label: `Freshness SLI, % of ACTIVE org-minutes with a valid token (${windowName(window)})`,
      period: window,
    });
  }

  /** The dashboard row: the indicator against the objective, and each burn rate against its threshold. */
  widgets(alarms: RefresherAlarms): cloudwatch.IWidget[] {
    return [
      new cloudwatch.GraphWidget({
        title: `Freshness SLI (objective ${FRESHNESS_SLO.target * 100} % over ${FRESHNESS_SLO.days} days)`,
        left: [this.sli(alarms, Duration.hours(1))],
        right: [alarms.serviceMetric(MetricName.ActiveOrgs, 'Maximum', alarms.tick)],
        leftAnnotations: [{ value: FRESHNESS_SLO.target * 100, label: 'objective', color: cloudwatch.Color.RED }],
        width: 12,
        height: 6,
      }),
      new cloudwatch.GraphWidget({
        title: 'Freshness error budget burn rate',
        left: BURN_TIERS.flatMap((t) => [this.burnRate(alarms, t.long), this.burnRate(alarms, t.short)]),
        leftAnnotations: BURN_TIERS.map((t) => ({ value: t.burnRate, label: `${t.id} (${t.burnRate}x)` })),
        width: 12,
        height: 6,
      }),
    ];
  }
}
