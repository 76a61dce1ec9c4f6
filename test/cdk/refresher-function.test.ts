// The refresher as deployed: runtime, sizing, the environment the handler validates, the schedule, no async retries
// with a failure queue, least-privilege access; and the synth refusing what the handler would refuse.
import { Template } from 'aws-cdk-lib/assertions';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../cdk/build-app.js';
import type { TenantTokenRefresherStack } from '../../cdk/tenant-token-refresher-stack.js';
import { configSchema, loadConfig } from '../../lambdas/config.js';
import { DEFAULT_SERVICE_NAME } from '../../lambdas/metrics.js';
import { LOCAL_ONLY_VARIABLES } from '../../lambdas/refresher-settings.js';
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
const fn = resourceNamed(template, 'AWS::Lambda::Function', 'RefresherFunction');
const env: Record<string, unknown> = fn.Properties.Environment.Variables;
const queueLogicalId = Object.keys(template.findResources('AWS::SQS::Queue'))[0];
const statements = policyStatements(template).filter(({ policy }) => policy.startsWith('RefresherRole'));

/** The refresher role's inline policy as resolved JSON, without a full synth. */
function refresherPolicyJson(stack: TenantTokenRefresherStack): string {
  const policy = stack.refresher.role.node.findChild('DefaultPolicy') as iam.Policy;
  return JSON.stringify(stack.resolve(policy.document));
}

/** The synth error for a context, or undefined when it synthesizes. */
function synthError(extra: Record<string, unknown>): string | undefined {
  try {
    buildApp({ context: testContext(extra) });
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

describe('Construct: RefresherFunction', () => {
  describe('Function', () => {
    it('runs on Node.js 24 on arm64, the runtime the tests run on', () => {
      expect(fn.Properties.Runtime).toBe('nodejs24.x');
      expect(fn.Properties.Architectures).toEqual(['arm64']);
      expect(fn.Properties.Handler).toBe('index.handler');
    });

    it('hands the handler its own timeout, and reserves concurrency for MAX_SWEEPS sweeps plus two direct calls', () => {
      expect(fn.Properties.Timeout).toBe(180);
      expect(env.LAMBDA_TIMEOUT_SECONDS).toBe(String(fn.Properties.Timeout));
      expect(fn.Properties.MemorySize).toBe(512);
      expect(fn.Properties.ReservedConcurrentExecutions).toBe(4 + 2);
    });

    it('follows MAX_SWEEPS (never above SHARD_COUNT) into its reserved concurrency: the fan-out’s hard cap', () => {
      const reserved = (context: Record<string, unknown>) => {
        const { stack } = buildApp({ context: testContext(context) });
        return (stack.refresher.fn.node.defaultChild as lambda.CfnFunction).reservedConcurrentExecutions;
      };
      expect(reserved({ maxSweeps: '8', shardCount: '16' })).toBe(10);
      expect(reserved({ maxSweeps: '8', shardCount: '4' })).toBe(6);
    });

    it('logs to its own log group with a retention, and its role has no managed policy', () => {
      const logGroup = resourceNamed(template, 'AWS::Logs::LogGroup', 'RefresherLogs');
      expect(logGroup.Properties.RetentionInDays).toBe(30);
      expect(fn.Properties.LoggingConfig.LogGroup.Ref).toBe(logGroup.id);
      expect(resourceNamed(template, 'AWS::IAM::Role', 'RefresherRole').Properties.ManagedPolicyArns).toBeUndefined();
    });

    it('reserves no concurrency when asked to (accounts at the default limit of 10 cannot reserve any)', () => {
      const { stack } = buildApp({ context: testContext({ reservedConcurrency: 'none' }) });
      const cfn = stack.refresher.fn.node.defaultChild as lambda.CfnFunction;
      expect(cfn.reservedConcurrentExecutions).toBeUndefined();
    });
  });

  describe('Environment', () => {
    it('sets every variable of the config schema but the local-mode ones, which it never sets', () => {
      const expected = Object.keys(configSchema.shape).filter(
        (name) => !(LOCAL_ONLY_VARIABLES as readonly string[]).includes(name),
      );
      for (const name of expected) expect(env).toHaveProperty(name);
      for (const name of LOCAL_ONLY_VARIABLES) expect(env).not.toHaveProperty(name);
    });

    it('is accepted by the handler’s own loadConfig (the cold-start check)', () => {
      const asDeployed = { ...env, TABLE_NAME: 'tenant-tokens' } as Record<string, string>;
      const config = loadConfig(asDeployed);
      expect(config.lambdaTimeoutMs).toBe(180_000);
      expect(config.eventBusName).toBe('default');
      expect(config.allowLoopbackHttp).toBe(false);
    });

    it('names the table, the default event bus, the service (metric dimension) and turns source maps on', () => {
      expect(env.TABLE_NAME).toEqual({ Ref: Object.keys(template.findResources('AWS::DynamoDB::Table'))[0] });
      expect(env.EVENT_BUS_NAME).toBe('default');
      expect(env.POWERTOOLS_SERVICE_NAME).toBe(DEFAULT_SERVICE_NAME);
      expect(env.NODE_OPTIONS).toBe('--enable-source-maps');
    });

    it('carries context settings through to the environment and the planner’s schedule', () => {
      // Built, not synthesized: the L1 properties are already final.
      const { stack } = buildApp({
        context: testContext({
          schedulePeriodSeconds: '300',
          refreshWindowSeconds: '900',
          allowedTokenHosts: 'idp.example.com, *.auth.example.org',
          maxSweeps: '2',
          hostMaxPerSecond: '50',
        }),
      });
      const cfnFn = stack.refresher.fn.node.defaultChild as lambda.CfnFunction;
      const variables = (stack.resolve(cfnFn.environment) as { variables: Record<string, string> }).variables;
      expect(variables.SCHEDULE_PERIOD_SECONDS).toBe('300');
      expect(variables.REFRESH_WINDOW_SECONDS).toBe('900');
      expect(variables.ALLOWED_TOKEN_HOSTS).toBe('idp.example.com,*.auth.example.org');
      expect(variables.MAX_SWEEPS).toBe('2');
      expect(variables.HOST_MAX_PER_SECOND).toBe('50');
      const cfnRule = stack.planner.schedule.node.defaultChild as events.CfnRule;
      expect(cfnRule.scheduleExpression).toBe('rate(5 minutes)');
    });
  });

  describe('Synth-time validation', () => {
    it('fails a synth whose refresh window is shorter than period + timeout + margin, naming the setting', () => {
      const message = synthError({ refreshWindowSeconds: 120 });
      expect(message).toMatch(/Refresher settings rejected at synth/);
      expect(message).toContain('REFRESH_WINDOW_SECONDS (120) must be at least SCHEDULE_PERIOD_SECONDS (60)');
    });

    it('fails a synth whose timeout does not exceed a lease hold (sending, then committing)', () => {
      expect(synthError({ lambdaTimeoutSeconds: 120, refreshWindowSeconds: 600 })).toContain(
        'LAMBDA_TIMEOUT_SECONDS (120) must exceed a lease hold, 2 × LEASE_SECONDS + 5 s (125 s)',
      );
    });

    it('fails a synth with an HTTP timeout over a third of the lease', () => {
      expect(synthError({ httpTimeoutMs: 30_000 })).toContain('HTTP_TIMEOUT_MS (30000) must be at most a third');
    });

    it('fails a synth with a schedule that is not whole minutes', () => {
      expect(synthError({ schedulePeriodSeconds: 90, refreshWindowSeconds: 900 })).toContain(
        'schedulePeriodSeconds (90) must be whole minutes',
      );
    });

    it('refuses local-mode switches in the context', () => {
      expect(synthError({ allowLoopbackHttp: 'true' })).toContain('allowLoopbackHttp is for local mode only');
      expect(synthError({ TOKEN_ENDPOINT_OVERRIDE: 'http://127.0.0.1:4000' })).toContain(
        'TOKEN_ENDPOINT_OVERRIDE is for local mode only',
      );
    });

    it('refuses a misspelt context key instead of ignoring it (a typo in alarmEmail would page nobody)', () => {
      expect(synthError({ alarmEmial: 'oncall@example.com' })).toContain('unknown context key alarmEmial');
    });

    it('refuses a host list entry the handler would refuse', () => {
      expect(synthError({ allowedTokenHosts: 'https://idp.example.com/token' })).toContain('ALLOWED_TOKEN_HOSTS');
    });

    it('accepts a valid context as typed by the CLI (all strings)', () => {
      expect(
        synthError({ schedulePeriodSeconds: '120', refreshWindowSeconds: '600', alarmEmail: 'oncall@example.com' }),
      ).toBeUndefined();
    });
  });

  describe('Schedule and failure handling', () => {
    it('is not on the schedule itself: the planner is, and starts it (docs/fleet.md)', () => {
      const rule = onlyResource(template, 'AWS::Events::Rule');
      expect(JSON.stringify(rule.Properties.Targets)).not.toContain(fn.id);
    });

    it('does not retry failed invocations (the next tick does) and sends them to the failure queue', () => {
      const config = Object.values(resourcesOf(template, 'AWS::Lambda::EventInvokeConfig')).find(
        (c) => c.Properties.FunctionName.Ref === fn.id,
      ) as { Properties: Record<string, Cfn> };
      expect(config.Properties.MaximumRetryAttempts).toBe(0);
      expect(config.Properties.MaximumEventAgeInSeconds).toBe(60);
      expect(config.Properties.DestinationConfig.OnFailure.Destination).toEqual({
        'Fn::GetAtt': [queueLogicalId, 'Arn'],
      });
    });

    it('keeps the failure queue encrypted, TLS-only and for 14 days', () => {
      const queue = onlyResource(template, 'AWS::SQS::Queue');
      expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
      expect(queue.Properties.MessageRetentionPeriod).toBe(14 * 24 * 3600);
      const policy = onlyResource(template, 'AWS::SQS::QueuePolicy').Properties.PolicyDocument.Statement;
      expect(policy).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
    });
  });

  describe('Permissions', () => {
    it('reads secrets under the configured prefix only', () => {
      const secretStatements = statements.filter(({ statement }) =>
        asArray(statement.Action).some((a: string) => a.startsWith('secretsmanager:')),
      );
      expect(secretStatements).toHaveLength(1);
      const [{ statement }] = secretStatements as [(typeof secretStatements)[number]];
      expect(statement.Action).toBe('secretsmanager:GetSecretValue');
      const arn = statement.Resource['Fn::Join'][1];
      expect(arn[arn.length - 1]).toBe(':secret:tenant-tokens/*');
    });

    it('follows a custom prefix, and refuses one that would match sibling names or every secret', () => {
      const { stack } = buildApp({ context: testContext({ secretPrefix: 'acme/oauth/' }) });
      const json = refresherPolicyJson(stack);
      expect(json).toContain(':secret:acme/oauth/*');
      expect(json).not.toContain('tenant-tokens/');
      expect(synthError({ secretPrefix: 'tenant-tokens' })).toContain('must be a secret name path ending in "/"');
      expect(synthError({ secretPrefix: '' })).toContain('must be a secret name path ending in "/"');
    });

    it('may decrypt customer-managed secret keys only through Secrets Manager', () => {
      const keyArn = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
      const { stack } = buildApp({ context: testContext({ secretsKeyArns: keyArn }) });
      const json = refresherPolicyJson(stack);
      expect(json).toContain(keyArn);
      expect(json).toContain('secretsmanager.');
    });

    it('publishes org events to the default bus with its own source only', () => {
      const events = statements.filter(({ statement }) => asArray(statement.Action).includes('events:PutEvents'));
      expect(events).toHaveLength(1);
      expect(events[0]?.statement.Condition).toEqual({ StringEquals: { 'events:source': 'tenant-token-refresher' } });
      expect(JSON.stringify(events[0]?.statement.Resource)).toContain(':event-bus/default');
    });

    it('has no wildcard action and no "*" resource anywhere in its policy', () => {
      for (const { statement } of statements) {
        for (const action of asArray(statement.Action)) expect(action).not.toMatch(/\*/);
        expect(statement.Resource).not.toBe('*');
      }
    });
  });
});

describe('cdk-nag (AwsSolutions)', () => {
  it('reports no unacknowledged finding, with every optional feature on (Template.fromStack throws on one)', () => {
    expect(() =>
      synthStack({
        alarmEmail: 'oncall@example.com',
        secretsKeyArns: 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
        allowedTokenHosts: 'idp.example.com',
        tableName: 'tenant-tokens',
        reservedConcurrency: 'none',
      }),
    ).not.toThrow();
  });

  it('is really on: a wildcard policy added to the stack fails the synth', () => {
    const { stack } = buildApp({ context: testContext() });
    stack.refresher.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:*'], resources: ['*'] }));
    expect(() => Template.fromStack(stack)).toThrow(/AwsSolutions-IAM5/);
  });

  it('acknowledges only the findings reviewed here, each with a reason', () => {
    const { stack } = buildApp({ context: testContext() });
    const acknowledged: Record<string, string> = {};
    for (const construct of stack.node.findAll()) {
      for (const entry of construct.node.metadata) {
        if (entry.type === 'aws:cdk:acknowledged-rules') Object.assign(acknowledged, entry.data);
      }
    }
    expect(Object.keys(acknowledged).sort()).toEqual([
      'AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:tenant-tokens/*]',
      'AwsSolutions::AwsSolutions-SQS3',
    ]);
    for (const reason of Object.values(acknowledged)) expect(reason.length).toBeGreaterThan(60);
  });
});
