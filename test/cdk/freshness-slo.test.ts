// The freshness objective as deployed (docs/runbook.md#freshness-slo): two paging composite alarms, each the SRE
// workbook's long and short window above one burn rate, over two gauges the planner publishes every tick
// (ExpiredAccessTokens and ActiveOrgs): no per-org metric. The one-Region stack gets it without anything of the
// multi-Region deployment.
import { describe, expect, it } from 'vitest';
import { FRESHNESS_SLO, METRIC_NAMESPACE, MetricName } from '../../lambdas/metrics.js';
import { asArray, type Cfn, policyStatements, resourcesOf, synthStack } from './synth-stack.js';

const { template } = synthStack();
const alarms = Object.entries(resourcesOf(template, 'AWS::CloudWatch::Alarm'));
const byName = (name: string) => {
  const found = alarms.find(([, a]) => a.Properties.AlarmName === `TenantTokenRefresher-${name}`);
  if (!found) throw new Error(`no alarm ${name}`);
  return { id: found[0], ...found[1].Properties } as Cfn;
};
const composite = (name: string) =>
  Object.values(resourcesOf(template, 'AWS::CloudWatch::CompositeAlarm')).find(
    (c) => c.Properties.AlarmName === `TenantTokenRefresher-${name}`,
  )?.Properties;
const SERVICE = [{ Name: 'service', Value: 'tenant-token-refresher' }];

describe('Construct: FreshnessSloAlarms', () => {
  it.each([
    ['FreshnessBurnFast', '1h', 3600, '5m', 300, 14.4],
    ['FreshnessBurnSlow', '6h', 21600, '30m', 1800, 6],
  ])(
    '%s pages when the budget burns over both its windows (%s and %s) at the same rate',
    (id, long, longS, short, shortS, rate) => {
      const c = composite(id);
      const rule = JSON.stringify(c?.AlarmRule);
      for (const [w, period] of [
        [long, longS],
        [short, shortS],
      ] as const) {
        const a = byName(`${id}${w}`);
        expect(rule).toContain(a.id);
        expect(a).toMatchObject({
          Threshold: rate,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
          EvaluationPeriods: 1,
          TreatMissingData: 'notBreaching',
        });
        const math = a.Metrics.find((m: Cfn) => m.Expression);
        const inputs = a.Metrics.filter((m: Cfn) => m.MetricStat);
        expect(math.Expression).toBe(`IF(FILL(active_${w}, 0) > 0, FILL(expired_${w}, 0) / active_${w} / 0.001, 0)`);
        expect(Object.fromEntries(inputs.map((m: Cfn) => [m.Id, m.MetricStat]))).toEqual({
          [`expired_${w}`]: {
            Metric: { Namespace: METRIC_NAMESPACE, MetricName: MetricName.ExpiredAccessTokens, Dimensions: SERVICE },
            Stat: 'Sum',
            Period: period,
          },
          [`active_${w}`]: {
            Metric: { Namespace: METRIC_NAMESPACE, MetricName: MetricName.ActiveOrgs, Dimensions: SERVICE },
            Stat: 'Sum',
            Period: period,
          },
        });
      }
      expect(rule).toMatch(/AND/);
      expect(c?.AlarmDescription).toMatch(new RegExp(`Runbook: docs/runbook.md#${id.toLowerCase()}$`));
    },
  );

  it('states the objective: 99.9 % of ACTIVE org-minutes with a valid access token over 30 days', () => {
    expect(FRESHNESS_SLO).toEqual({ target: 0.999, days: 30 });
    expect(composite('FreshnessBurnFast')?.AlarmDescription).toContain('99.9 % of ACTIVE org-minutes');
  });

  it('is on the dashboard: the indicator against the objective, the burn rates, and both composite alarms', () => {
    const [dashboard] = Object.values(resourcesOf(template, 'AWS::CloudWatch::Dashboard'));
    const body = JSON.stringify(dashboard?.Properties.DashboardBody);
    expect(body).toContain('Freshness SLI');
    expect(body).toContain('Freshness error budget burn rate');
    for (const id of Object.keys(resourcesOf(template, 'AWS::CloudWatch::CompositeAlarm'))) expect(body).toContain(id);
  });

  it('lets the planner read the due index’s item count (DescribeTable on the table alone), and write no org', () => {
    const planner = policyStatements(template).filter(({ policy }) => policy.startsWith('PlannerRole'));
    const describe = planner.filter(({ statement }) => asArray(statement.Action).includes('dynamodb:DescribeTable'));
    expect(describe).toHaveLength(1);
    expect(describe[0]?.statement.Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^TokensTable/), 'Arn'] });
    // Its one write is the deployment descriptor, on the `#deployment` key alone (sweep-planner.test.ts).
    const writes = planner.filter(({ statement }) =>
      asArray(statement.Action).some((a: string) => /dynamodb:(Put|Update|Delete|BatchWrite)/.test(a)),
    );
    expect(writes.map(({ statement }) => [statement.Action, statement.Condition])).toEqual([
      ['dynamodb:PutItem', { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['#deployment'] } }],
    ]);
  });

  it('in one Region: no REGIONS variable, no peer-Region alarm', () => {
    for (const fn of Object.values(resourcesOf(template, 'AWS::Lambda::Function'))) {
      expect(fn.Properties.Environment.Variables).not.toHaveProperty('REGIONS');
    }
    expect(alarms.map(([, a]) => a.Properties.AlarmName)).not.toContain('TenantTokenRefresher-PeerRegionSilent');
  });
});
