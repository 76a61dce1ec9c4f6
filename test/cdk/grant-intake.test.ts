// The grant intake as deployed: its own function and role (the table's items, the host backoff listing, one secret
// prefix, org events), its reserved concurrency, the grant a hosted app gets (invoke the intake, nothing else), its
// alarm, and the reader grant still read-only. Several hosted apps: test/cdk/hosted-apps.test.ts.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../cdk/build-app.js';
import { PROJECT_ROOT } from '../../cdk/bundling.js';
import { INTAKE_INVOKE_ACTIONS } from '../../cdk/constructs/grant-intake-function.js';
import { INTAKE_TABLE_ACTIONS } from '../../cdk/constructs/token-table.js';
import {
  asArray,
  type Cfn,
  logicalIdOf,
  policyStatements,
  resourceOf,
  resourcesOf,
  synthStack,
  testContext,
} from './synth-stack.js';

const { template } = synthStack();
const fnId = logicalIdOf(template, 'AWS::Lambda::Function', 'GrantIntakeFunction');
const fn = resourceOf(template, 'AWS::Lambda::Function', 'GrantIntakeFunction');
const refresher = resourceOf(template, 'AWS::Lambda::Function', 'RefresherFunction');
const tableId = Object.keys(template.findResources('AWS::DynamoDB::Table'))[0];
const statements = policyStatements(template).filter(({ policy }) => policy.startsWith('GrantIntakeRole'));

/** lib-dynamodb command → the IAM action it needs. */
const ACTION_OF: Record<string, string> = {
  Get: 'dynamodb:GetItem',
  Put: 'dynamodb:PutItem',
  Update: 'dynamodb:UpdateItem',
  Query: 'dynamodb:Query',
};

describe('Construct: GrantIntakeFunction', () => {
  describe('Function', () => {
    it('runs the intake entry point on Node.js 24, arm64, with the refresher’s timeout and environment, reserved', () => {
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
      });
      expect(fn.Properties.Timeout).toBe(refresher.Properties.Timeout);
      expect(fn.Properties.Environment.Variables).toEqual(refresher.Properties.Environment.Variables);
      // INTAKE_CONCURRENCY: a burst of hand-overs cannot take the account's concurrency or a host's whole budget.
      expect(fn.Properties.ReservedConcurrentExecutions).toBe(
        Number(fn.Properties.Environment.Variables.INTAKE_CONCURRENCY),
      );
    });

    it('logs to its own log group with a retention, and never retries an asynchronous invocation', () => {
      const logs = logicalIdOf(template, 'AWS::Logs::LogGroup', 'GrantIntakeLogs');
      expect(fn.Properties.LoggingConfig.LogGroup.Ref).toBe(logs);
      expect(resourceOf(template, 'AWS::Logs::LogGroup', 'GrantIntakeLogs').Properties.RetentionInDays).toBe(30);
      const invokeConfig = resourceOf(template, 'AWS::Lambda::EventInvokeConfig', 'GrantIntakeFunction');
      expect(invokeConfig.Properties.MaximumRetryAttempts).toBe(0);
    });
  });

  describe('Permissions of its role', () => {
    const table = statements.filter(({ statement }) =>
      asArray(statement.Action).some((a: string) => a.startsWith('dynamodb:')),
    );

    it('reads and conditionally writes items of the table itself, and lists backed-off hosts: no Scan or Delete', () => {
      expect(table).toHaveLength(2);
      expect(asArray(table[0]?.statement.Action).sort()).toEqual([...INTAKE_TABLE_ACTIONS].sort());
      expect(table[0]?.statement.Resource).toEqual({ 'Fn::GetAtt': [tableId, 'Arn'] });
      // The host gate's shared backoff (docs/fleet.md#per-host-limits): a Query of the keys-only attention index only.
      expect(table[1]?.statement).toEqual({
        Effect: 'Allow',
        Action: 'dynamodb:Query',
        Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [tableId, 'Arn'] }, '/index/attention']] },
      });
    });

    it('covers every DynamoDB command the intake’s store and the direct refresh use', () => {
      const commands = (file: string) =>
        [...readFileSync(path.join(PROJECT_ROOT, file), 'utf8').matchAll(/\b(Get|Put|Update|Query)Command\b/g)].map(
          (m) => m[1] as string,
        );
      const used = new Set([
        ...commands('lambdas/adapters/dynamodb-grant-intake.ts'),
        ...commands('lambdas/adapters/dynamodb-conditional-writer.ts'),
      ]);
      expect([...used].sort()).toEqual(['Get', 'Put', 'Update']);
      for (const c of used) expect(INTAKE_TABLE_ACTIONS).toContain(ACTION_OF[c]);
    });

    it('reads secrets under the prefix only, and publishes org events with its own source only', () => {
      const secrets = statements.filter(({ statement }) =>
        asArray(statement.Action).includes('secretsmanager:GetSecretValue'),
      );
      expect(secrets).toHaveLength(1);
      const arn = secrets[0]?.statement.Resource['Fn::Join'][1];
      expect(arn[arn.length - 1]).toBe(':secret:tenant-tokens/*');
      const events = statements.filter(({ statement }) => asArray(statement.Action).includes('events:PutEvents'));
      expect(events[0]?.statement.Condition).toEqual({ StringEquals: { 'events:source': 'tenant-token-refresher' } });
    });

    it('has no wildcard action, no "*" resource, and cannot invoke anything', () => {
      for (const { statement } of statements) {
        for (const action of asArray(statement.Action)) {
          expect(action).not.toMatch(/\*/);
          expect(action).not.toMatch(/^lambda:/);
        }
        expect(statement.Resource).not.toBe('*');
      }
    });
  });

  describe('Method: grantIntake', () => {
    it('gives a hosted app’s role exactly lambda:InvokeFunction on the intake function: no version wildcard, no table', () => {
      const { stack } = buildApp({ context: testContext() });
      const app = new iam.Role(stack, 'HostedApp', { assumedBy: new iam.AccountRootPrincipal() });
      stack.intake.grantIntake(app);
      const granted = policyStatements(Template.fromStack(stack)).filter(({ policy }) =>
        policy.startsWith('HostedApp'),
      );
      expect(granted).toHaveLength(1);
      expect(granted[0]?.statement).toEqual({
        Effect: 'Allow',
        Action: 'lambda:InvokeFunction',
        Resource: { 'Fn::GetAtt': [fnId, 'Arn'] },
      });
    });

    it('is offered as the managed policy GrantIntakePolicyArn, and the reader policy stays read-only', () => {
      const intakePolicy = resourceOf(template, 'AWS::IAM::ManagedPolicy', 'GrantIntakePolicy').Properties
        .PolicyDocument;
      expect(intakePolicy.Statement).toEqual([
        { Effect: 'Allow', Action: [...INTAKE_INVOKE_ACTIONS][0], Resource: { 'Fn::GetAtt': [fnId, 'Arn'] } },
      ]);
      const reader = resourceOf(template, 'AWS::IAM::ManagedPolicy', 'AccessTokenReaderPolicy').Properties
        .PolicyDocument;
      const actions = reader.Statement.flatMap((s: Cfn) => asArray(s.Action));
      expect(
        actions.filter((a: string) => !/^dynamodb:(GetItem|BatchGetItem)$|^kms:(Decrypt|DescribeKey)$/.test(a)),
      ).toEqual([]);
      const outputs = template.toJSON().Outputs;
      expect(outputs.GrantIntakePolicyArn.Value).toEqual({
        Ref: logicalIdOf(template, 'AWS::IAM::ManagedPolicy', 'GrantIntakePolicy'),
      });
      expect(outputs.GrantIntakeFunctionName.Value).toEqual({ Ref: fnId });
    });
  });

  describe('Alarm', () => {
    it('IntakeErrors: any failed intake invocation in 5 ticks pages, through the alarm topic', () => {
      const alarm = Object.values(resourcesOf(template, 'AWS::CloudWatch::Alarm'))
        .map((r) => r.Properties)
        .find((a) => a.AlarmName === 'TenantTokenRefresher-IntakeErrors');
      expect(alarm).toMatchObject({
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
      });
      // A quiet period counts as 0 errors (FILL): the alarm clears once the intake works again (alarm simulation).
      const metrics = alarm?.Metrics ?? [];
      const [expression, ...others] = metrics.filter((m: { ReturnData?: boolean }) => m.ReturnData !== false);
      expect(others).toEqual([]);
      const input = metrics.find((m: { MetricStat?: unknown }) => m.MetricStat);
      expect(expression.Expression).toBe(`FILL(${input.Id}, 0)`);
      expect(input.MetricStat).toMatchObject({
        Metric: {
          Namespace: 'AWS/Lambda',
          MetricName: 'Errors',
          Dimensions: [{ Name: 'FunctionName', Value: { Ref: fnId } }],
        },
        Stat: 'Sum',
        Period: 300,
      });
      expect(alarm?.AlarmDescription).toMatch(/Runbook: docs\/runbook\.md#intakeerrors$/);
    });
  });
});
