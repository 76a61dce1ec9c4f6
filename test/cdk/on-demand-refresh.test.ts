// The on-demand refresh as deployed: its own function (short timeout, reserved concurrency, the refresher's settings)
// and role (the table's point reads and updates, the host-backoff listing, one secret prefix, org events: no Put, Scan
// or due index), the grant a hosted app gets (invoke it, nothing else), its loop alarm and dashboard row.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../cdk/build-app.js';
import { PROJECT_ROOT } from '../../cdk/bundling.js';
import { ON_DEMAND_LOOP_THRESHOLD } from '../../cdk/constructs/on-demand-alarms.js';
import { ON_DEMAND_INVOKE_ACTIONS, onDemandTimeoutSeconds } from '../../cdk/constructs/on-demand-refresh-function.js';
import { HOST_BACKOFF_INDEX_ACTIONS, ON_DEMAND_TABLE_ACTIONS } from '../../cdk/constructs/token-table.js';
import { MetricName } from '../../lambdas/metrics.js';
import {
  asArray,
  logicalIdOf,
  onlyResource,
  policyStatements,
  resourceOf,
  resourcesOf,
  synthStack,
  testContext,
} from './synth-stack.js';

const { template } = synthStack();
const fnId = logicalIdOf(template, 'AWS::Lambda::Function', 'OnDemandRefreshFunction');
const fn = resourceOf(template, 'AWS::Lambda::Function', 'OnDemandRefreshFunction');
const refresher = resourceOf(template, 'AWS::Lambda::Function', 'RefresherFunction');
const tableId = Object.keys(template.findResources('AWS::DynamoDB::Table'))[0];
const statements = policyStatements(template).filter(({ policy }) => policy.startsWith('OnDemandRefreshRole'));

describe('Construct: OnDemandRefreshFunction', () => {
  describe('Function', () => {
    it('runs on Node.js 24, arm64, with a lease hold + 20 s timeout, reserved concurrency and the refresher’s settings', () => {
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
      });
      const env = refresher.Properties.Environment.Variables;
      // A claim needs a whole lease hold of time left: the send part and the commit part (core/commit-window.ts).
      expect(fn.Properties.Timeout).toBe(2 * Number(env.LEASE_SECONDS) + 5 + 20);
      expect(fn.Properties.Timeout).toBeLessThan(refresher.Properties.Timeout);
      // ON_DEMAND_CONCURRENCY: reserved, and counted in every token host's budget (core/host-limits.ts).
      expect(fn.Properties.ReservedConcurrentExecutions).toBe(Number(env.ON_DEMAND_CONCURRENCY));
      expect(env.ON_DEMAND_CONCURRENCY).toBe('10');
      // The same settings, its own timeout: the handler's timing rules see the function it runs in.
      expect(fn.Properties.Environment.Variables).toEqual({
        ...env,
        LAMBDA_TIMEOUT_SECONDS: String(fn.Properties.Timeout),
      });
      expect(env.ON_DEMAND_INTERVAL_SECONDS).toBe('30');
      const invokeConfig = resourceOf(template, 'AWS::Lambda::EventInvokeConfig', 'OnDemandRefreshFunction');
      expect(invokeConfig.Properties.MaximumRetryAttempts).toBe(0);
      expect(resourceOf(template, 'AWS::Logs::LogGroup', 'OnDemandRefreshLogs').Properties.RetentionInDays).toBe(30);
    });

    it('never outlives the refresher’s timeout, and reserves nothing when the stack reserves nothing', () => {
      expect(onDemandTimeoutSeconds({ leaseSeconds: 60, lambdaTimeoutSeconds: 70 })).toBe(70);
      const { stack } = buildApp({ context: testContext({ reservedConcurrency: 'none' }) });
      const od = resourceOf(Template.fromStack(stack), 'AWS::Lambda::Function', 'OnDemandRefreshFunction');
      expect(od.Properties.ReservedConcurrentExecutions).toBeUndefined();
    });
  });

  describe('Permissions of its role', () => {
    const dynamo = statements.filter(({ statement }) =>
      asArray(statement.Action).some((a: string) => a.startsWith('dynamodb:')),
    );

    it('point reads and conditional updates on the table, Query on the attention index only: no Put, Scan, due index', () => {
      expect(dynamo).toHaveLength(2);
      const onTable = dynamo.find(({ statement }) => asArray(statement.Action).includes('dynamodb:GetItem'));
      expect(asArray(onTable?.statement.Action).sort()).toEqual([...ON_DEMAND_TABLE_ACTIONS].sort());
      expect(onTable?.statement.Resource).toEqual({ 'Fn::GetAtt': [tableId, 'Arn'] });
      const onIndex = dynamo.find(({ statement }) => asArray(statement.Action).includes('dynamodb:Query'));
      expect(asArray(onIndex?.statement.Action)).toEqual([...HOST_BACKOFF_INDEX_ACTIONS]);
      expect(JSON.stringify(onIndex?.statement.Resource)).toMatch(/\/index\/attention"/);
    });

    it('covers every DynamoDB command its code uses (the token store’s point paths and the host backoffs)', () => {
      const commands = (file: string) =>
        [
          ...readFileSync(path.join(PROJECT_ROOT, file), 'utf8').matchAll(/\b(Get|Put|Update|Query|Scan)Command\b/g),
        ].map((m) => m[1] as string);
      // The fleet store's host-backoff calls (degradedHosts, markHostDegraded, clearHostDegradation) use these.
      const used = new Set([...commands('lambdas/adapters/dynamodb-conditional-writer.ts'), 'Get', 'Update', 'Query']);
      expect([...used].sort()).toEqual(['Get', 'Query', 'Update']);
    });

    it('reads secrets under the prefix only, publishes org events with its own source, invokes nothing', () => {
      const secrets = statements.filter(({ statement }) =>
        asArray(statement.Action).includes('secretsmanager:GetSecretValue'),
      );
      const arn = secrets[0]?.statement.Resource['Fn::Join'][1];
      expect(arn[arn.length - 1]).toBe(':secret:tenant-tokens/*');
      const events = statements.filter(({ statement }) => asArray(statement.Action).includes('events:PutEvents'));
      expect(events[0]?.statement.Condition).toEqual({ StringEquals: { 'events:source': 'tenant-token-refresher' } });
      for (const { statement } of statements) {
        for (const action of asArray(statement.Action)) expect(action).not.toMatch(/\*|^lambda:/);
        expect(statement.Resource).not.toBe('*');
      }
    });
  });

  describe('Method: grantRefreshNow', () => {
    it('gives a hosted app’s role exactly lambda:InvokeFunction on this function: not the refresher, no table', () => {
      const { stack } = buildApp({ context: testContext() });
      const app = new iam.Role(stack, 'HostedApp', { assumedBy: new iam.AccountRootPrincipal() });
      stack.onDemand.grantRefreshNow(app);
      const granted = policyStatements(Template.fromStack(stack)).filter(({ policy }) =>
        policy.startsWith('HostedApp'),
      );
      expect(granted.map((g) => g.statement)).toEqual([
        { Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: { 'Fn::GetAtt': [fnId, 'Arn'] } },
      ]);
    });

    it('is offered as the managed policy OnDemandRefreshPolicyArn, beside the function’s name', () => {
      const policy = resourceOf(template, 'AWS::IAM::ManagedPolicy', 'OnDemandRefreshPolicy').Properties.PolicyDocument;
      expect(policy.Statement).toEqual([
        { Effect: 'Allow', Action: [...ON_DEMAND_INVOKE_ACTIONS][0], Resource: { 'Fn::GetAtt': [fnId, 'Arn'] } },
      ]);
      const outputs = template.toJSON().Outputs;
      expect(outputs.OnDemandRefreshPolicyArn.Value).toEqual({
        Ref: logicalIdOf(template, 'AWS::IAM::ManagedPolicy', 'OnDemandRefreshPolicy'),
      });
      expect(outputs.OnDemandRefreshFunctionName.Value).toEqual({ Ref: fnId });
    });
  });

  describe('Alarm and dashboard', () => {
    it('OnDemandLoop: repeated forced refreshes (no org dimension) at >= 3 per 5 ticks in 2 of 2, FILLed', () => {
      const alarm = Object.values(resourcesOf(template, 'AWS::CloudWatch::Alarm'))
        .map((r) => r.Properties)
        .find((a) => a.AlarmName === 'TenantTokenRefresher-OnDemandLoop');
      expect(alarm).toMatchObject({
        Threshold: ON_DEMAND_LOOP_THRESHOLD,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        EvaluationPeriods: 2,
        DatapointsToAlarm: 2,
        TreatMissingData: 'notBreaching',
      });
      const metrics = alarm?.Metrics ?? [];
      const input = metrics.find((m: { MetricStat?: unknown }) => m.MetricStat);
      expect(metrics.find((m: { Expression?: string }) => m.Expression)?.Expression).toBe(`FILL(${input.Id}, 0)`);
      expect(input.MetricStat).toMatchObject({
        Metric: {
          Namespace: 'TenantTokenRefresher',
          MetricName: MetricName.OnDemandRepeated,
          Dimensions: [{ Name: 'service', Value: 'tenant-token-refresher' }],
        },
        Stat: 'Sum',
        Period: 300,
      });
      expect(alarm?.AlarmActions).toHaveLength(1);
      expect(alarm?.AlarmDescription).toMatch(/Runbook: docs\/runbook\.md#ondemandloop$/);
    });

    it('the dashboard graphs every on-demand outcome and the function’s invocations, errors, throttles', () => {
      const body = JSON.stringify(onlyResource(template, 'AWS::CloudWatch::Dashboard').Properties.DashboardBody);
      for (const name of Object.values(MetricName).filter((n) => n.startsWith('OnDemand'))) {
        expect(body).toContain(`\\"${name}\\"`);
      }
      expect(body).toContain('On-demand refresh: Lambda');
      expect(body).toContain(fnId);
    });
  });
});
