// The fan-out as deployed: the schedule sends {"plan": {}} to the planner, a second function from the same bundle,
// which may read the due index, invoke the sweep worker and publish the deployment descriptor, and nothing else.
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../cdk/build-app.js';
import { loadConfig } from '../../lambdas/config.js';
import {
  asArray,
  type Cfn,
  onlyResource,
  policyStatements,
  resourceNamed,
  resourcesOf,
  synthStack,
  testContext,
} from './synth-stack.js';

const { template } = synthStack();
const planner = resourceNamed(template, 'AWS::Lambda::Function', 'PlannerFunction');
const worker = resourceNamed(template, 'AWS::Lambda::Function', 'RefresherFunction');
const plannerEnv: Record<string, Cfn> = planner.Properties.Environment.Variables;
const workerEnv: Record<string, Cfn> = worker.Properties.Environment.Variables;
const statements = policyStatements(template).filter(({ policy }) => policy.startsWith('PlannerRole'));
const actions = statements.flatMap(({ statement }) => asArray(statement.Action) as string[]);

describe('Construct: SweepPlanner', () => {
  describe('Schedule', () => {
    it('sends the constant {"plan": {}} to the planner every schedule period', () => {
      const rule = onlyResource(template, 'AWS::Events::Rule');
      expect(rule.Properties.ScheduleExpression).toBe('rate(1 minute)');
      const [target] = rule.Properties.Targets;
      expect(target.Arn).toEqual({ 'Fn::GetAtt': [planner.id, 'Arn'] });
      expect(JSON.parse(target.Input)).toEqual({ plan: {} });
      expect(target.RetryPolicy).toEqual({ MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 60 });
    });

    it('follows the schedule period', () => {
      const { stack } = buildApp({
        context: testContext({ schedulePeriodSeconds: '120', refreshWindowSeconds: '900' }),
      });
      const cfn = stack.planner.fn.node.defaultChild as lambda.CfnFunction;
      expect(cfn.timeout).toBe(120);
    });
  });

  describe('Function', () => {
    it('is the same bundle and handler as the worker, small, one period long, two at most at once', () => {
      expect(planner.Properties.Handler).toBe(worker.Properties.Handler);
      expect(planner.Properties.Runtime).toBe('nodejs24.x');
      expect(planner.Properties.MemorySize).toBe(256);
      expect(planner.Properties.Timeout).toBe(60);
      expect(planner.Properties.ReservedConcurrentExecutions).toBe(2);
      expect(planner.Properties.LoggingConfig.LogGroup.Ref).toBe(
        resourceNamed(template, 'AWS::Logs::LogGroup', 'PlannerLogs').id,
      );
    });

    it('has the worker’s environment plus WORKER_FUNCTION_NAME; the worker has none (it cannot plan)', () => {
      const { WORKER_FUNCTION_NAME, ...rest } = plannerEnv;
      expect(WORKER_FUNCTION_NAME).toEqual({ Ref: worker.id });
      expect(rest).toEqual(workerEnv);
      expect(workerEnv).not.toHaveProperty('WORKER_FUNCTION_NAME');
      expect(() => loadConfig({ ...rest, TABLE_NAME: 'tenant-tokens' } as Record<string, string>)).not.toThrow();
    });

    it('does not retry a failed plan and sends it to the refresher’s failure queue', () => {
      const config = Object.values(resourcesOf(template, 'AWS::Lambda::EventInvokeConfig')).find(
        (c) => c.Properties.FunctionName.Ref === planner.id,
      );
      expect(config?.Properties.MaximumRetryAttempts).toBe(0);
      expect(config?.Properties.DestinationConfig.OnFailure.Destination).toEqual({
        'Fn::GetAtt': [Object.keys(template.findResources('AWS::SQS::Queue'))[0], 'Arn'],
      });
    });

    it('reserves no concurrency when the stack reserves none', () => {
      const { stack } = buildApp({ context: testContext({ reservedConcurrency: 'none' }) });
      expect((stack.planner.fn.node.defaultChild as lambda.CfnFunction).reservedConcurrentExecutions).toBeUndefined();
    });
  });

  describe('Permissions', () => {
    it('may invoke the sweep worker, by its ARN alone (no version or alias wildcard)', () => {
      const invoke = statements.filter(({ statement }) => asArray(statement.Action).includes('lambda:InvokeFunction'));
      expect(invoke).toHaveLength(1);
      expect(invoke[0]?.statement.Resource).toEqual({ 'Fn::GetAtt': [worker.id, 'Arn'] });
    });

    it('reads the table and its two indexes, and writes no org', () => {
      const table = statements.find(({ statement }) =>
        asArray(statement.Action).some((a: string) => a.startsWith('dynamodb:Get')),
      );
      expect(asArray(table?.statement.Action).sort()).toEqual(['dynamodb:GetItem', 'dynamodb:Query']);
      expect(JSON.stringify(table?.statement.Resource)).toContain('/index/due');
      expect(JSON.stringify(table?.statement.Resource)).toContain('/index/attention');
      expect(table?.statement).not.toHaveProperty('Condition');
    });

    it('writes one item, the deployment descriptor: a Put bound to the key #deployment (dynamodb:LeadingKeys)', () => {
      const writes = statements.filter(({ statement }) =>
        asArray(statement.Action).some((a: string) => /^dynamodb:(Put|Update|Delete|BatchWrite)/.test(a)),
      );
      expect(writes).toHaveLength(1);
      expect(asArray(writes[0]?.statement.Action)).toEqual(['dynamodb:PutItem']);
      expect(writes[0]?.statement.Condition).toEqual({
        'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['#deployment'] },
      });
      expect(JSON.stringify(writes[0]?.statement.Resource)).not.toContain('/index/');
    });

    it('reads no secret and publishes no event; nothing wildcard', () => {
      expect(actions.filter((a) => a.startsWith('secretsmanager:') || a.startsWith('events:'))).toEqual([]);
      expect(actions.filter((a) => a.includes('*'))).toEqual([]);
      for (const { statement } of statements) expect(statement.Resource).not.toBe('*');
    });
  });
});
