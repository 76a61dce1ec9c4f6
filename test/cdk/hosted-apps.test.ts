// Hosted apps in the stack (props `apps`, or the deploy context's `apps`): one alias per app on the grant intake, a
// reader policy over each app's namespace only and an intake policy on its alias only, attached to its role, one
// output each; declarations refused at synth with every problem named; no apps declared = today's deployment. The
// IAM statements are evaluated (test/support/iam-evaluator.ts) for every cross-app read and invocation, since
// DynamoDB Local and the Lambda stand-in do not evaluate IAM.
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { describe, expect, it } from 'vitest';
import { TenantTokenRefresherStack } from '../../cdk/tenant-token-refresher-stack.js';
import { READER_GRANT_ATTRIBUTES, STATUS_ATTRIBUTES } from '../../reader/token-reader.js';
import { type IamRequest, policiesAllow } from '../support/iam-evaluator.js';
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

const APPS = [
  { name: 'genesys', orgIdPrefix: 'gc-', clientSecretIds: ['tenant-tokens/genesys'] },
  { name: 'zendesk-app', orgIdPrefix: 'zd-', tokenHosts: [] },
  { name: 'bot', roleArn: 'arn:aws:iam::123456789012:role/bot-app' },
];

const { template } = synthStack({ apps: APPS });
const json = template.toJSON();
const intakeId = logicalIdOf(template, 'AWS::Lambda::Function', 'GrantIntakeFunction');
const tableId = Object.keys(template.findResources('AWS::DynamoDB::Table'))[0];
const tableArn = { 'Fn::GetAtt': [tableId, 'Arn'] };
const aliasId = (p: string) => logicalIdOf(template, 'AWS::Lambda::Alias', `GrantIntakeApps${p}`);
const onDemandId = logicalIdOf(template, 'AWS::Lambda::Function', 'OnDemandRefreshFunction');
const onDemandAliasId = (p: string) => logicalIdOf(template, 'AWS::Lambda::Alias', `OnDemandRefreshApps${p}`);
const statementsOf = (policyPrefix: string) =>
  policyStatements(template)
    .filter(({ policy }) => policy.startsWith(policyPrefix))
    .map(({ statement }) => statement);

/** A reader's GetItem of one org, projecting these attributes (the reader library's requests). */
const read = (orgIds: string[], attributes: readonly string[], action = 'dynamodb:GetItem'): IamRequest => ({
  action,
  resource: tableArn,
  context: {
    'dynamodb:LeadingKeys': orgIds,
    'dynamodb:Attributes': [...attributes],
    'dynamodb:Select': ['SPECIFIC_ATTRIBUTES'],
  },
});
const invoke = (resource: unknown): IamRequest => ({ action: 'lambda:InvokeFunction', resource, context: {} });

describe('Stack props: apps', () => {
  it('gives each app an alias app-<name> on the intake’s and the on-demand refresh’s $LATEST, and both (and the planner, which publishes them) the declarations', () => {
    const aliases = Object.values(resourcesOf(template, 'AWS::Lambda::Alias')).map((a) => a.Properties);
    const on = (fnId: string) => aliases.filter((a) => a.FunctionName.Ref === fnId);
    for (const fnId of [intakeId, onDemandId]) {
      expect(
        on(fnId)
          .map((a) => a.Name)
          .sort(),
      ).toEqual(['app-bot', 'app-genesys', 'app-zendesk-app']);
      for (const a of on(fnId)) expect(a.FunctionVersion).toBe('$LATEST');
    }
    expect(aliases).toHaveLength(6);
    for (const fn of ['GrantIntakeFunction', 'OnDemandRefreshFunction', 'PlannerFunction']) {
      const env = resourceOf(template, 'AWS::Lambda::Function', fn).Properties.Environment.Variables;
      expect(JSON.parse(env.HOSTED_APPS), fn).toEqual([
        { name: 'genesys', orgIdPrefix: 'gc-', clientSecretIds: ['tenant-tokens/genesys'], tokenHosts: [] },
        { name: 'zendesk-app', orgIdPrefix: 'zd-', clientSecretIds: [], tokenHosts: [] },
        { name: 'bot', clientSecretIds: [], tokenHosts: [] },
      ]);
    }
    // The sweep worker serves no app: it never gets the declarations.
    const refresher = resourceOf(template, 'AWS::Lambda::Function', 'RefresherFunction').Properties;
    expect(refresher.Environment.Variables).not.toHaveProperty('HOSTED_APPS');
  });

  it('an app’s on-demand policy is InvokeFunction on its own on-demand alias only: not the function, not another app’s', () => {
    const genesys = statementsOf('AppGenesysOnDemandPolicy');
    expect(genesys).toEqual([
      { Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: { Ref: onDemandAliasId('Genesys') } },
    ]);
    const unqualified = { 'Fn::GetAtt': [onDemandId, 'Arn'] };
    expect(policiesAllow(genesys, invoke({ Ref: onDemandAliasId('Genesys') }))).toBe(true);
    for (const other of [unqualified, { Ref: onDemandAliasId('Bot') }, { Ref: aliasId('Genesys') }]) {
      expect(policiesAllow(genesys, invoke(other))).toBe(false);
    }
    // Nor may its intake policy reach the on-demand refresh.
    expect(policiesAllow(statementsOf('AppGenesysIntakePolicy'), invoke({ Ref: onDemandAliasId('Genesys') }))).toBe(
      false,
    );
  });

  it('an app’s intake policy is InvokeFunction on its own alias ARN only: not the function, not :*, not another alias', () => {
    const genesys = statementsOf('AppGenesysIntakePolicy');
    expect(genesys).toEqual([
      { Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: { Ref: aliasId('Genesys') } },
    ]);
    const unqualified = { 'Fn::GetAtt': [intakeId, 'Arn'] };
    const everyVersion = { 'Fn::Join': ['', [unqualified, ':*']] };
    expect(policiesAllow(genesys, invoke({ Ref: aliasId('Genesys') }))).toBe(true);
    for (const other of [unqualified, everyVersion, { Ref: aliasId('ZendeskApp') }, { Ref: aliasId('Bot') }]) {
      expect(policiesAllow(genesys, invoke(other))).toBe(false);
    }
  });

  it.each([
    ['genesys', 'gc-acme', true, 'AppGenesysReaderPolicy'],
    ['genesys', 'zd-acme', false, 'AppGenesysReaderPolicy'],
    ['genesys', 'acme', false, 'AppGenesysReaderPolicy'],
    ['genesys', 'GC-acme', false, 'AppGenesysReaderPolicy'],
    ['zendesk-app', 'zd-acme', true, 'AppZendeskAppReaderPolicy'],
    ['zendesk-app', 'gc-acme', false, 'AppZendeskAppReaderPolicy'],
    ['bot (the default app)', 'acme', true, 'AppBotReaderPolicy'],
    ['bot (the default app)', 'gc-acme', false, 'AppBotReaderPolicy'],
    ['bot (the default app)', 'zd-acme', false, 'AppBotReaderPolicy'],
  ])('%s reading org %s’s token and status: allowed %s', (_app, orgId, allowed, policy) => {
    const statements = statementsOf(policy);
    expect(policiesAllow(statements, read([orgId], READER_GRANT_ATTRIBUTES))).toBe(allowed);
    expect(policiesAllow(statements, read([orgId], STATUS_ATTRIBUTES))).toBe(allowed);
  });

  it('a batched read with one foreign org is refused whole; a refresh token is never readable, even its own', () => {
    const genesys = statementsOf('AppGenesysReaderPolicy');
    expect(policiesAllow(genesys, read(['gc-1', 'gc-2'], READER_GRANT_ATTRIBUTES, 'dynamodb:BatchGetItem'))).toBe(true);
    expect(policiesAllow(genesys, read(['gc-1', 'zd-1'], READER_GRANT_ATTRIBUTES, 'dynamodb:BatchGetItem'))).toBe(
      false,
    );
    expect(policiesAllow(genesys, read(['gc-1'], ['orgId', 'refreshToken']))).toBe(false);
    const allAttributes = {
      ...read(['gc-1'], []),
      context: { 'dynamodb:LeadingKeys': ['gc-1'], 'dynamodb:Select': ['ALL_ATTRIBUTES'] },
    };
    expect(policiesAllow(genesys, allAttributes)).toBe(false);
  });

  it('attaches its three policies to the app’s role when given (by ARN here), and makes no all-orgs policy', () => {
    const attached = (id: string) => resourceOf(template, 'AWS::IAM::ManagedPolicy', id).Properties.Roles;
    expect(attached('AppBotReaderPolicy')).toEqual(['bot-app']);
    expect(attached('AppBotIntakePolicy')).toEqual(['bot-app']);
    expect(attached('AppBotOnDemandPolicy')).toEqual(['bot-app']);
    expect(attached('AppGenesysReaderPolicy')).toBeUndefined();
    const ids = Object.keys(resourcesOf(template, 'AWS::IAM::ManagedPolicy'));
    expect(ids.filter((id) => /^(AccessTokenReaderPolicy|GrantIntakePolicy|OnDemandRefreshPolicy)/.test(id))).toEqual(
      [],
    );
  });

  it('outputs each app’s function name (FUNCTION:alias) and policy ARNs', () => {
    const outputs = json.Outputs;
    expect(outputs.AppGenesysIntakeFunctionName.Value).toEqual({
      'Fn::Join': [':', [{ Ref: intakeId }, 'app-genesys']],
    });
    expect(outputs.AppZendeskAppReaderPolicyArn.Value).toEqual({
      Ref: logicalIdOf(template, 'AWS::IAM::ManagedPolicy', 'AppZendeskAppReaderPolicy'),
    });
    expect(outputs.AppBotIntakePolicyArn.Value).toEqual({
      Ref: logicalIdOf(template, 'AWS::IAM::ManagedPolicy', 'AppBotIntakePolicy'),
    });
    expect(outputs.AppGenesysOnDemandFunctionName.Value).toEqual({
      'Fn::Join': [':', [{ Ref: onDemandId }, 'app-genesys']],
    });
    expect(outputs.AppBotOnDemandPolicyArn.Value).toEqual({
      Ref: logicalIdOf(template, 'AWS::IAM::ManagedPolicy', 'AppBotOnDemandPolicy'),
    });
    expect(outputs).not.toHaveProperty('AccessTokenReaderPolicyArn');
    expect(outputs).not.toHaveProperty('GrantIntakePolicyArn');
    expect(outputs).not.toHaveProperty('OnDemandRefreshPolicyArn');
    expect(outputs).toHaveProperty('GrantIntakeFunctionName');
    expect(outputs).toHaveProperty('OnDemandRefreshFunctionName');
  });

  it('attaches to a role object given in props, and the only app (a default app) needs no key condition', () => {
    const app = new App({ context: testContext() });
    // The app's role lives in its own stack: the policies name it through a cross-stack reference.
    const role = new iam.Role(new Stack(app, 'Roles'), 'SoloApp', { assumedBy: new iam.AccountRootPrincipal() });
    const stack = new TenantTokenRefresherStack(app, 'WithRole', { apps: [{ name: 'solo', role }] });
    const resources = Template.fromStack(stack).toJSON().Resources as Record<string, Cfn>;
    const policy = (prefix: string) => Object.entries(resources).find(([id]) => id.startsWith(prefix))?.[1];
    for (const id of ['AppSoloReaderPolicy', 'AppSoloIntakePolicy', 'AppSoloOnDemandPolicy']) {
      const roles = policy(id).Properties.Roles;
      expect(roles).toHaveLength(1);
      expect(JSON.stringify(roles)).toMatch(/SoloApp/);
    }
    expect(stack.appPolicies.get('solo')?.reader).toBeDefined();
    const condition = policy('AppSoloReaderPolicy').Properties.PolicyDocument.Statement[0].Condition;
    expect(Object.keys(condition).sort()).toEqual(['ForAllValues:StringEquals', 'StringEqualsIfExists']);
  });
});

describe('No apps declared: today’s deployment', () => {
  const { template: plain } = synthStack();
  it('has no alias, no HOSTED_APPS, and the all-orgs policies and outputs', () => {
    expect(Object.keys(resourcesOf(plain, 'AWS::Lambda::Alias'))).toEqual([]);
    for (const fn of ['GrantIntakeFunction', 'OnDemandRefreshFunction', 'PlannerFunction']) {
      const env = resourceOf(plain, 'AWS::Lambda::Function', fn).Properties.Environment.Variables;
      expect(env, fn).not.toHaveProperty('HOSTED_APPS');
    }
    expect(Object.keys(plain.toJSON().Outputs).sort()).toEqual(
      [
        'AccessTokenReaderPolicyArn',
        'AlarmTopicArn',
        'DashboardName',
        'FailureQueueUrl',
        'GrantIntakeFunctionName',
        'GrantIntakePolicyArn',
        'OnDemandRefreshFunctionName',
        'OnDemandRefreshPolicyArn',
        'PlannerFunctionName',
        'RefresherFunctionName',
        'TableName',
      ].sort(),
    );
  });
});

describe('Declarations refused at synth', () => {
  it.each([
    [
      'two apps with one name',
      [
        { name: 'a', orgIdPrefix: 'a-' },
        { name: 'a', orgIdPrefix: 'b-' },
      ],
      /declared twice/,
    ],
    [
      'a prefix of another’s',
      [
        { name: 'a', orgIdPrefix: 'ac' },
        { name: 'b', orgIdPrefix: 'acme' },
      ],
      /overlapping/,
    ],
    ['two default apps', [{ name: 'a' }, { name: 'b' }], /at most one app/],
    ['a bad prefix', [{ name: 'a', orgIdPrefix: '*' }], /orgIdPrefix must be a valid start of an org id/],
    [
      'a client outside the secret prefix',
      [{ name: 'a', clientSecretIds: ['other/x'] }],
      /not under the secret prefix/,
    ],
    [
      'a host off ALLOWED_TOKEN_HOSTS',
      [{ name: 'a', tokenHosts: ['idp.other.example'] }],
      /not on ALLOWED_TOKEN_HOSTS/,
    ],
    ['a bad role ARN', [{ name: 'a', roleArn: 'bot-app' }], /roleArn must be an IAM role ARN/],
    ['an empty list', [], /apps is empty/],
    ['not a list', { name: 'a' }, /context apps must be a JSON list of apps/],
    ['not JSON', '[{', /context apps is not valid JSON/],
    [
      'declarations past Lambda’s 4 KB of environment',
      [{ name: 'a', clientSecretIds: Array.from({ length: 120 }, (_, i) => `tenant-tokens/client-number-${i}`) }],
      /over Lambda's 4096/,
    ],
  ])('%s', (_what, apps, message) => {
    expect(() => synthStack({ apps })).toThrow(message);
  });
});

describe('Grant intake: reserved concurrency and the host backoff listing', () => {
  it('reserves INTAKE_CONCURRENCY (default 4, context intakeConcurrency), none with reservedConcurrency none', () => {
    const fn = (t: typeof template) => resourceOf(t, 'AWS::Lambda::Function', 'GrantIntakeFunction').Properties;
    expect(fn(template).ReservedConcurrentExecutions).toBe(4);
    expect(fn(template).Environment.Variables.INTAKE_CONCURRENCY).toBe('4');
    expect(fn(synthStack({ intakeConcurrency: 9 }).template).ReservedConcurrentExecutions).toBe(9);
    expect(fn(synthStack({ reservedConcurrency: 'none' }).template).ReservedConcurrentExecutions).toBeUndefined();
  });

  it('may Query the attention index (the backed-off hosts) and no other index', () => {
    const queries = policyStatements(template)
      .filter(({ policy }) => policy.startsWith('GrantIntakeRole'))
      .filter(({ statement }) => asArray(statement.Action).includes('dynamodb:Query'));
    expect(queries.map(({ statement }) => statement.Resource)).toEqual([
      { 'Fn::Join': ['', [tableArn, '/index/attention']] },
    ]);
  });
});
