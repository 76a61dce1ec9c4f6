// The alarms on-call gets: each watches a metric the handler really emits (same namespace, name and `service`
// dimension), with the threshold and period argued in refresher-alarms.ts, publishes to the encrypted topic, and
// points at a runbook section that exists in docs/runbook.md. The dashboard shows the same metrics.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { describe, expect, it } from 'vitest';
import { DEFAULT_DEPLOYMENT } from '../../bench/fleet-figures.js';
import { buildApp } from '../../cdk/build-app.js';
import { PROJECT_ROOT } from '../../cdk/bundling.js';
import type { TenantTokenRefresherStack } from '../../cdk/tenant-token-refresher-stack.js';
import { METRIC_NAMESPACE, MetricName } from '../../lambdas/metrics.js';
import {
  type Cfn,
  logicalIdOf,
  onlyResource,
  resourceOf,
  resourcesOf,
  synthStack,
  testContext,
} from './synth-stack.js';

const { template } = synthStack({ alarmEmail: 'oncall@example.com' });
const alarms = Object.values(resourcesOf(template, 'AWS::CloudWatch::Alarm')).map((r) => r.Properties);
const topicLogicalId = Object.keys(template.findResources('AWS::SNS::Topic'))[0];
const fnLogicalId = logicalIdOf(template, 'AWS::Lambda::Function', 'RefresherFunction');
const SERVICE = [{ Name: 'service', Value: 'tenant-token-refresher' }];

function cfnAlarm(stack: TenantTokenRefresherStack, id: string): cloudwatch.CfnAlarm {
  const found = stack.alarms.alarms[id];
  if (!found) throw new Error(`no alarm ${id}`);
  return found.node.defaultChild as cloudwatch.CfnAlarm;
}

function alarm(id: string) {
  const found = alarms.find((a) => a.AlarmName === `TenantTokenRefresher-${id}`);
  if (!found) throw new Error(`no alarm ${id}`);
  return found;
}

const GTE = 'GreaterThanOrEqualToThreshold';

/** [alarm id, metric, statistic, period s, threshold, evaluation periods, datapoints, missing data] */
const SERVICE_ALARMS = [
  ['OrgsNeedingReauth', MetricName.OrgsNeedingReauth, 'Maximum', 300, 1, 1, undefined, 'ignore'],
  ['ExpiredAccessTokens', MetricName.ExpiredAccessTokens, 'Maximum', 60, 1, 2, 2, 'notBreaching'],
  ['TokenNotCommitted', MetricName.TokenNotCommitted, 'Sum', 300, 1, 1, undefined, 'notBreaching'],
  ['RotationLost', MetricName.RotationLost, 'Sum', 300, 1, 1, undefined, 'notBreaching'],
  ['OrgsMisconfigured', MetricName.OrgsMisconfigured, 'Maximum', 300, 1, 1, undefined, 'ignore'],
  ['OrgsRefreshTokenExpiring', MetricName.OrgsRefreshTokenExpiring, 'Maximum', 300, 1, 1, undefined, 'ignore'],
  ['RefreshBacklog', MetricName.RefreshBacklog, 'Maximum', 60, 1, 3, 3, 'ignore'],
  ['ProviderDegraded', MetricName.ProviderDegraded, 'Sum', 300, 1, 4, 2, 'notBreaching'],
] as const;

describe('Construct: RefresherAlarms', () => {
  describe('Alarms on the refresher’s own metrics', () => {
    it.each(SERVICE_ALARMS)(
      '%s watches %s (%s over %i s) at >= %i',
      (id, metric, stat, period, threshold, evals, dta, missing) => {
        expect(alarm(id)).toMatchObject({
          Namespace: METRIC_NAMESPACE,
          MetricName: metric,
          Dimensions: SERVICE,
          Statistic: stat,
          Period: period,
          Threshold: threshold,
          ComparisonOperator: GTE,
          EvaluationPeriods: evals,
          TreatMissingData: missing,
        });
        expect(alarm(id).DatapointsToAlarm).toBe(dta);
      },
    );

    /** The MetricStat inputs of a metric-math alarm, by id, and its one returned expression. */
    function mathOf(a: Cfn) {
      const inputs = Object.fromEntries(
        a.Metrics.filter((m: Cfn) => m.MetricStat).map((m: Cfn) => [m.Id, m.MetricStat]),
      ) as Record<string, Cfn>;
      const [returned, ...others] = a.Metrics.filter((m: Cfn) => m.ReturnData !== false);
      expect(others).toHaveLength(0);
      return { expression: returned.Expression as string, inputs };
    }

    // Proven by the alarm simulation (docs/alarm-simulation.md): the raw metric with missing data as breaching
    // fired after 6 periods, not 3, because CloudWatch's evaluation range holds older good datapoints.
    it('Heartbeat: fewer than 1 completed sweep in each of 3 schedule periods, every period filled with 0', () => {
      const a = alarm('Heartbeat');
      expect(a).toMatchObject({
        Threshold: 1,
        ComparisonOperator: 'LessThanThreshold',
        EvaluationPeriods: 3,
        DatapointsToAlarm: 3,
        TreatMissingData: 'breaching',
      });
      const { expression, inputs } = mathOf(a);
      const [id] = Object.keys(inputs);
      expect(expression).toBe(`FILL(${id}, 0)`);
      expect(inputs[id as string]).toMatchObject({
        Metric: { Namespace: METRIC_NAMESPACE, MetricName: MetricName.RunCompleted, Dimensions: SERVICE },
        Stat: 'Sum',
        Period: 60,
      });
    });

    // Proven by the alarm simulation: a count (5 per window) was blind to a 10-minute outage of a small fleet, and
    // a broken client secret paged it too (OrgsMisconfigured is that page).
    // 429s are left out as well: the host is backed off as a whole and ProviderDegraded is that page.
    it('RefreshFailed: 2+ retryable failures (not 429s) and half of the attempts, in 2 of 3 five-tick windows', () => {
      const a = alarm('RefreshFailed');
      expect(a).toMatchObject({
        Threshold: 50,
        ComparisonOperator: GTE,
        EvaluationPeriods: 3,
        DatapointsToAlarm: 2,
        TreatMissingData: 'notBreaching',
      });
      const { expression, inputs } = mathOf(a);
      const id = Object.fromEntries(Object.entries(inputs).map(([key, stat]) => [stat.Metric.MetricName, key]));
      const subtracted: string[] = [MetricName.ClientMisconfigured, MetricName.ReauthRequired, MetricName.RateLimited];
      const retryable = [MetricName.RefreshFailed, ...subtracted].map((name) => id[name]).join(' - ');
      const attempted = `${id[MetricName.RefreshFailed]} + ${id[MetricName.RefreshSucceeded]}`;
      expect(expression).toBe(`IF(${retryable} >= 2, 100 * (${retryable}) / (${attempted}), 0)`);
      expect(Object.keys(inputs)).toHaveLength(5);
      for (const stat of Object.values(inputs)) {
        expect(stat).toMatchObject({
          Metric: { Namespace: METRIC_NAMESPACE, Dimensions: SERVICE },
          Stat: 'Sum',
          Period: 300,
        });
      }
    });
  });

  describe('Alarms on AWS metrics', () => {
    // The planner is the schedule's target: a planner that fails stops every sweep, so each Lambda alarm watches both.
    const plannerLogicalId = logicalIdOf(template, 'AWS::Lambda::Function', 'PlannerFunction');
    const lambdaStats = (id: string) =>
      Object.fromEntries(
        alarm(id)
          .Metrics.filter((m: { MetricStat?: unknown }) => m.MetricStat)
          .map((m: { Id: string; MetricStat: Cfn }) => [m.Id, m.MetricStat]),
      );
    const expressionOf = (id: string) =>
      alarm(id).Metrics.find((m: { Expression?: string }) => m.Expression)?.Expression as string;

    it('LambdaErrors: 2 or more failed invocations of the planner and the sweep workers together, in 5 ticks', () => {
      expect(alarm('LambdaErrors')).toMatchObject({ Threshold: 2, ComparisonOperator: GTE, EvaluationPeriods: 1 });
      expect(expressionOf('LambdaErrors')).toBe('FILL(worker, 0) + FILL(planner, 0)');
      expect(lambdaStats('LambdaErrors')).toMatchObject({
        worker: {
          Metric: {
            Namespace: 'AWS/Lambda',
            MetricName: 'Errors',
            Dimensions: [{ Name: 'FunctionName', Value: { Ref: fnLogicalId } }],
          },
          Stat: 'Sum',
          Period: 300,
        },
        planner: {
          Metric: { MetricName: 'Errors', Dimensions: [{ Name: 'FunctionName', Value: { Ref: plannerLogicalId } }] },
          Stat: 'Sum',
          Period: 300,
        },
      });
    });

    it('LambdaThrottles: any throttle of either function', () => {
      expect(alarm('LambdaThrottles')).toMatchObject({ Threshold: 1, ComparisonOperator: GTE });
      expect(expressionOf('LambdaThrottles')).toBe('FILL(worker, 0) + FILL(planner, 0)');
      const stats = lambdaStats('LambdaThrottles');
      expect(stats.worker.Metric).toMatchObject({
        MetricName: 'Throttles',
        Dimensions: [{ Value: { Ref: fnLogicalId } }],
      });
      expect(stats.planner.Metric).toMatchObject({
        MetricName: 'Throttles',
        Dimensions: [{ Value: { Ref: plannerLogicalId } }],
      });
    });

    it('DurationNearTimeout: the longest run at 90 % of its own function’s timeout (planner and worker differ)', () => {
      const workerMs = resourceOf(template, 'AWS::Lambda::Function', 'RefresherFunction').Properties.Timeout * 1000;
      const plannerMs = resourceOf(template, 'AWS::Lambda::Function', 'PlannerFunction').Properties.Timeout * 1000;
      expect(workerMs).not.toBe(plannerMs);
      expect(alarm('DurationNearTimeout')).toMatchObject({ Threshold: 90, ComparisonOperator: GTE });
      const w = `FILL(worker, 0) / ${workerMs}`;
      const p = `FILL(planner, 0) / ${plannerMs}`;
      expect(expressionOf('DurationNearTimeout')).toBe(`100 * IF(${w} >= ${p}, ${w}, ${p})`);
      const stats = lambdaStats('DurationNearTimeout');
      expect(stats.worker).toMatchObject({ Metric: { MetricName: 'Duration' }, Stat: 'Maximum' });
      expect(stats.planner).toMatchObject({
        Metric: { MetricName: 'Duration', Dimensions: [{ Value: { Ref: plannerLogicalId } }] },
        Stat: 'Maximum',
      });
    });

    it('FailureQueueMessages: any message visible in the failure queue', () => {
      const queueLogicalId = Object.keys(template.findResources('AWS::SQS::Queue'))[0];
      expect(alarm('FailureQueueMessages')).toMatchObject({
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queueLogicalId, 'QueueName'] } }],
        Statistic: 'Maximum',
        Threshold: 1,
        ComparisonOperator: GTE,
      });
    });

    it('DynamoDbThrottles: read and write throttle events of the table and both indexes, in two windows', () => {
      const a = alarm('DynamoDbThrottles');
      expect(a).toMatchObject({ Threshold: 1, ComparisonOperator: GTE, EvaluationPeriods: 2, DatapointsToAlarm: 2 });
      const stats = a.Metrics.filter((m: { MetricStat?: unknown }) => m.MetricStat).map(
        (m: {
          MetricStat: {
            Metric: { Namespace: string; MetricName: string; Dimensions: Array<{ Name: string; Value: unknown }> };
          };
        }) => {
          const metric = m.MetricStat.Metric;
          const index = metric.Dimensions.find((d) => d.Name === 'GlobalSecondaryIndexName')?.Value ?? 'table';
          return `${metric.Namespace} ${metric.MetricName} ${index}`;
        },
      );
      expect(stats.sort()).toEqual(
        ['table', 'due', 'attention']
          .flatMap((scope) => [`AWS/DynamoDB ReadThrottleEvents ${scope}`, `AWS/DynamoDB WriteThrottleEvents ${scope}`])
          .sort(),
      );
      const expression = a.Metrics.find((m: { Expression?: string }) => m.Expression).Expression;
      expect(expression.match(/FILL\(/g)).toHaveLength(6);
    });
  });

  describe('Notification', () => {
    it('every alarm notifies the topic when it fires and when it recovers', () => {
      // 15 on the refresher, 1 on the grant intake (grant-intake.test.ts), 1 on the on-demand refresh
      // (on-demand-refresh.test.ts)
      expect(alarms).toHaveLength(17);
      for (const a of alarms) {
        expect(a.AlarmActions).toEqual([{ Ref: topicLogicalId }]);
        expect(a.OKActions).toEqual([{ Ref: topicLogicalId }]);
      }
    });

    it('the topic is encrypted with a rotated key that CloudWatch may use, TLS only, with the e-mail subscribed', () => {
      const topic = onlyResource(template, 'AWS::SNS::Topic');
      const keyLogicalId = topic.Properties.KmsMasterKeyId['Fn::GetAtt'][0];
      const key = template.toJSON().Resources[keyLogicalId];
      expect(key.Properties.EnableKeyRotation).toBe(true);
      expect(key.Properties.KeyPolicy.Statement).toContainEqual(
        expect.objectContaining({
          Principal: { Service: 'cloudwatch.amazonaws.com' },
          Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        }),
      );
      const topicPolicy = onlyResource(template, 'AWS::SNS::TopicPolicy').Properties.PolicyDocument.Statement;
      expect(topicPolicy).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
      expect(onlyResource(template, 'AWS::SNS::Subscription').Properties).toMatchObject({
        Protocol: 'email',
        Endpoint: 'oncall@example.com',
      });
    });

    it('subscribes nobody when no alarmEmail is given', () => {
      const { stack } = buildApp({ context: testContext() });
      expect(stack.node.findAll().filter((c) => c instanceof sns.CfnSubscription)).toHaveLength(0);
    });
  });

  describe('Runbook links', () => {
    const runbook = readFileSync(path.join(PROJECT_ROOT, 'docs/runbook.md'), 'utf8');
    /** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
    const anchors = new Set(
      [...runbook.matchAll(/^#{1,6} (.+)$/gm)].map((m) =>
        (m[1] as string)
          .trim()
          .toLowerCase()
          .replace(/[^\p{L}\p{N} _-]/gu, '')
          .replace(/ /g, '-'),
      ),
    );

    it.each(alarms.map((a) => [a.AlarmName as string, a.AlarmDescription as string]))(
      '%s names a runbook section that exists in docs/runbook.md',
      (_name, description) => {
        const anchor = /Runbook: docs\/runbook\.md#([a-z0-9-]+)$/.exec(description)?.[1];
        expect(anchor).toBeDefined();
        expect(anchors).toContain(anchor);
      },
    );
  });

  describe('Schedule period', () => {
    // These two build the stack without synthesizing it (the L1 properties are already final): fast.
    it('scales per-tick and windowed periods with the schedule', () => {
      const { stack } = buildApp({
        context: testContext({ schedulePeriodSeconds: '300', refreshWindowSeconds: '900' }),
      });
      const period = (id: string) => {
        const a = cfnAlarm(stack, id);
        if (a.period !== undefined) return a.period;
        const stats = stack.resolve(a.metrics) as { metricStat?: { period: number } }[];
        return stats.find((m) => m.metricStat)?.metricStat?.period;
      };
      expect(period('Heartbeat')).toBe(300);
      expect(period('ExpiredAccessTokens')).toBe(300);
      expect(period('RefreshFailed')).toBe(1500);
    });

    it('follows the service name into every custom metric dimension and the function’s environment', () => {
      const { stack } = buildApp({ context: testContext({ serviceName: 'tokens-staging' }) });
      // Every metric of the refresher's namespace, whether an alarm watches it directly or through metric math.
      const custom = Object.keys(stack.alarms.alarms).flatMap((id) => {
        const a = cfnAlarm(stack, id);
        if (a.namespace === METRIC_NAMESPACE) return [a.dimensions];
        const stats = (stack.resolve(a.metrics) ?? []) as { metricStat?: { metric: Cfn } }[];
        return stats
          .filter((m) => m.metricStat?.metric.namespace === METRIC_NAMESPACE)
          .map((m) => m.metricStat?.metric.dimensions);
      });
      // RefreshFailed's five inputs, Heartbeat's one and OnDemandLoop's one, besides the alarms on one metric.
      expect(custom).toHaveLength(SERVICE_ALARMS.length + 7);
      for (const dimensions of custom) expect(dimensions).toEqual([{ name: 'service', value: 'tokens-staging' }]);
      const fnEnv = stack.resolve((stack.refresher.fn.node.defaultChild as lambda.CfnFunction).environment) as {
        variables: Record<string, string>;
      };
      expect(fnEnv.variables.POWERTOOLS_SERVICE_NAME).toBe('tokens-staging');
    });
  });
});

describe('The cost model’s count of alarm metrics (docs/cost.md)', () => {
  // CloudWatch bills an alarm per metric it reads; the bench prices DEFAULT_DEPLOYMENT.alarmMetrics of them.
  it('is the number of metrics the template’s alarms read', () => {
    const read = alarms.reduce(
      (n, a) => n + (a.Metrics ? a.Metrics.filter((m: { MetricStat?: unknown }) => m.MetricStat).length : 1),
      0,
    );
    expect(DEFAULT_DEPLOYMENT.alarmMetrics).toBe(read);
  });
});

describe('Construct: RefresherDashboard', () => {
  const body = JSON.stringify(onlyResource(template, 'AWS::CloudWatch::Dashboard').Properties.DashboardBody);

  it('graphs every metric an alarm watches, in the refresher’s namespace', () => {
    expect(body).toContain(METRIC_NAMESPACE);
    for (const a of alarms) {
      const names: string[] = a.MetricName
        ? [a.MetricName]
        : a.Metrics.filter((m: { MetricStat?: unknown }) => m.MetricStat).map(
            (m: { MetricStat: { Metric: { MetricName: string } } }) => m.MetricStat.Metric.MetricName,
          );
      for (const name of names) expect(body).toContain(`"${name}`.replace(/"/g, '\\"'));
    }
  });

  it('shows the state of every alarm', () => {
    for (const id of Object.keys(template.findResources('AWS::CloudWatch::Alarm'))) {
      expect(body).toContain(id);
    }
  });
});
