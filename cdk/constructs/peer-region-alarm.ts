// Multi-Region deployments only (docs/regions.md#a-region-lost): each Region's planner names the peer Regions whose
// planners stopped writing their heartbeat (PeerRegionsSilent), and this alarm pages for them from a Region that is
// still running — a Region that is lost cannot page for itself. Its orgs are meanwhile refreshed by the others.
import { Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Construct } from 'constructs';
import { MetricName } from '../../lambdas/metrics.js';
import { type RefresherAlarms, runbookAnchor } from './refresher-alarms.js';

export const PEER_REGION_ALARM_ID = 'PeerRegionSilent';

export class PeerRegionAlarm extends Construct {
  readonly alarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, alarms: RefresherAlarms) {
    super(scope, id);
    // The planner counts a peer silent after 3 periods without its heartbeat; two ticks in a row that say so page
    // (one could be a planner that ran late). A tick without a plan is the Heartbeat alarm's business.
    this.alarm = new cloudwatch.Alarm(this, PEER_REGION_ALARM_ID, {
      alarmName: `${Stack.of(this).stackName}-${PEER_REGION_ALARM_ID}`,
      alarmDescription:
        'Another Region’s planner stopped writing its heartbeat: that Region is lost or cut off from the global ' +
        `table’s quorum; this Region refreshes its orgs. Runbook: docs/runbook.md#${runbookAnchor(PEER_REGION_ALARM_ID)}`,
      metric: alarms.serviceMetric(MetricName.PeerRegionsSilent, 'Maximum', alarms.tick),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 2,
      datapointsToAlarm: 2,
      treatMissingData: cloudwatch.TreatMissingData.IGNORE,
    });
    this.alarm.addAlarmAction(new actions.SnsAction(alarms.topic));
    this.alarm.addOkAction(new actions.SnsAction(alarms.topic));
    alarms.alarms[PEER_REGION_ALARM_ID] = this.alarm;
  }

  widgets(alarms: RefresherAlarms): cloudwatch.IWidget[] {
    return [
      new cloudwatch.GraphWidget({
        title: 'Peer Regions silent (their planners stopped)',
        left: [alarms.serviceMetric(MetricName.PeerRegionsSilent, 'Maximum', alarms.tick)],
        width: 12,
        height: 6,
      }),
    ];
  }
}
