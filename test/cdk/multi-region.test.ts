// The multi-Region deployment (docs/regions.md): a global table with multi-Region strong consistency, using nothing
// MRSC refuses, and the whole refresher in each replica Region pointed at its own replica; refused at synth when it
// could not keep one sender per refresh token. The one-Region deployment stays the default.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { describe, expect, it } from 'vitest';
import { buildDeployment } from '../../cdk/build-app.js';
import { PROJECT_ROOT } from '../../cdk/bundling.js';
import { MultiRegionDeploymentError, multiRegionProblems } from '../../cdk/multi-region-plan.js';
import { pagingAlarmIds } from '../../ops/cloudwatch/alarm-evaluator.js';
import { readDeployment } from '../../ops/deployment.js';
import { type Cfn, testContext } from './synth-stack.js';

const THREE = ['us-east-1', 'us-east-2', 'us-west-2'];

function synth(extra: Record<string, unknown>) {
  const deployment = buildDeployment({ context: testContext(extra) });
  const assembly = deployment.app.synth();
  const template = (name: string): Cfn => assembly.getStackByName(name).template;
  return { ...deployment, assembly, template };
}

const three = synth({ regions: THREE.join(',') });
const table = (t: Cfn) =>
  Object.values(t.Resources as Record<string, Cfn>).find((r) => r.Type === 'AWS::DynamoDB::GlobalTable');
const resourcesOfType = (t: Cfn, type: string): Cfn[] =>
  Object.values(t.Resources as Record<string, Cfn>).filter((r) => r.Type === type);

describe('Multi-Region deployment: the stacks', () => {
  it('is one key stack and one refresher stack per Region, and the table in the first, in deployment order', () => {
    expect(three.assembly.stacks.map((s) => `${s.stackName}@${s.environment.region}`)).toEqual([
      ...THREE.map((r) => `TenantTokenRefresher-Key-${r}@${r}`),
      'TenantTokenRefresher-Table@us-east-1',
      ...THREE.map((r) => `TenantTokenRefresher-${r}@${r}`),
    ]);
    const deps = (name: string) => three.assembly.getStackByName(name).dependencies.map((d) => d.id);
    expect(deps('TenantTokenRefresher-Table')).toEqual(
      expect.arrayContaining(THREE.map((r) => `TenantTokenRefresher-Key-${r}`)),
    );
    for (const r of THREE) expect(deps(`TenantTokenRefresher-${r}`)).toContain('TenantTokenRefresher-Table');
  });

  it('builds no global table without the regions context: one Region stays the default', () => {
    const one = buildDeployment({ context: testContext() });
    expect(one.stack).toBeDefined();
    expect(one.multiRegion).toBeUndefined();
    expect(one.app.synth().stacks.map((s) => s.stackName)).toEqual(['TenantTokenRefresher']);
  });
});

describe('Multi-Region deployment: the table uses nothing MRSC refuses', () => {
  const t = table(three.template('TenantTokenRefresher-Table'));

  it('is a global table with multi-Region STRONG consistency and a replica in every Region', () => {
    expect(t.Properties.MultiRegionConsistency).toBe('STRONG');
    expect(t.Properties.Replicas.map((r: Cfn) => r.Region).sort()).toEqual([...THREE].sort());
    expect(t.Properties.GlobalTableWitnesses).toBeUndefined();
  });

  it('has no TTL, no local secondary index (MRSC supports neither)', () => {
    expect(t.Properties.TimeToLiveSpecification).toBeUndefined();
    expect(t.Properties.LocalSecondaryIndexes).toBeUndefined();
    for (const replica of t.Properties.Replicas) expect(replica.LocalSecondaryIndexes).toBeUndefined();
  });

  it('has the one-Region table’s sparse indexes, point-in-time recovery and deletion protection in every Region', () => {
    expect(t.Properties.GlobalSecondaryIndexes.map((i: Cfn) => i.IndexName)).toEqual(['due', 'attention']);
    for (const replica of t.Properties.Replicas) {
      expect(replica.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
      expect(replica.DeletionProtectionEnabled).toBe(true);
      expect(replica.SSESpecification.KMSMasterKeyId).toBeDefined();
    }
    expect(t.DeletionPolicy).toBe('Retain');
  });

  it('two Regions and a witness: two replicas, the witness holds none', () => {
    const w = table(
      synth({ regions: 'eu-west-1,eu-central-1', witnessRegion: 'eu-west-3' }).template('TenantTokenRefresher-Table'),
    );
    expect(w.Properties.Replicas.map((r: Cfn) => r.Region).sort()).toEqual(['eu-central-1', 'eu-west-1']);
    expect(w.Properties.GlobalTableWitnesses).toEqual([{ Region: 'eu-west-3' }]);
  });

  /** Every source file the deployed Lambdas, the CLI, the reader and the Python examples are built from. */
  function runtimeSources(): string[] {
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(path.join(PROJECT_ROOT, dir))) {
        const rel = path.join(dir, name);
        if (statSync(path.join(PROJECT_ROOT, rel)).isDirectory()) walk(rel);
        else if (/\.(ts|py)$/.test(name) && !/(^|\/)test_/.test(rel)) files.push(rel);
      }
    };
    for (const dir of ['lambdas', 'cli', 'reader', 'examples/python']) walk(dir);
    return files;
  }

  // MRSC refuses transactions; no code that reaches the table may use one (nor set a TTL at run time).
  it.each(runtimeSources())('%s uses no transaction and no TTL', (file) => {
    const text = readFileSync(path.join(PROJECT_ROOT, file), 'utf8');
    expect(text).not.toMatch(/Transact(Write|Get)|ExecuteTransaction|transact_(write|get)_items|TimeToLive/);
  });

  it('refuses to synthesize a table a change made eventually consistent, or gave TTL or a local index', () => {
    for (const change of [
      (cfn: dynamodb.CfnGlobalTable) => {
        cfn.multiRegionConsistency = 'EVENTUAL';
      },
      (cfn: dynamodb.CfnGlobalTable) => {
        cfn.timeToLiveSpecification = { enabled: true, attributeName: 'expiresAt' };
      },
    ]) {
      const d = buildDeployment({ context: testContext({ regions: THREE.join(',') }) });
      change(d.multiRegion?.table.table.node.defaultChild as dynamodb.CfnGlobalTable);
      expect(() => d.app.synth()).toThrow(/not STRONG|TTL/);
    }
  });
});

describe('Multi-Region deployment: each Region’s refresher points at its own replica', () => {
  it.each(THREE)('%s: functions, grants and key are this Region’s, REGIONS names all three', (region) => {
    const t = three.template(`TenantTokenRefresher-${region}`);
    const functions = resourcesOfType(t, 'AWS::Lambda::Function');
    // The worker, the planner, the grant intake and the on-demand refresh.
    expect(functions).toHaveLength(4);
    for (const fn of functions) {
      expect(fn.Properties.Environment.Variables).toMatchObject({
        TABLE_NAME: 'TenantTokenRefresher-tokens',
        REGIONS: THREE.join(','),
      });
    }
    const text = JSON.stringify(
      resourcesOfType(t, 'AWS::IAM::Policy').concat(resourcesOfType(t, 'AWS::IAM::ManagedPolicy')),
    );
    const tableRegions = [...text.matchAll(/arn:aws:dynamodb:([a-z0-9-]+):/g)].map((m) => m[1]);
    expect(tableRegions.length).toBeGreaterThan(0);
    expect(new Set(tableRegions)).toEqual(new Set([region]));
    expect([...text.matchAll(/"kms:ViaService":"dynamodb\.([a-z0-9-]+)\.amazonaws\.com"/g)].map((m) => m[1])).toEqual(
      expect.arrayContaining([region]),
    );
    expect(text).not.toMatch(new RegExp(`dynamodb\\.(?!${region})[a-z0-9-]+\\.amazonaws\\.com`));
    expect(text).toContain(`TenantTokenRefresher-Key-${region}`);
  });

  const plannerStatements = (region: string): Cfn[] => {
    const t = three.template(`TenantTokenRefresher-${region}`);
    const planner = Object.entries(t.Resources as Record<string, Cfn>).find(([id]) =>
      id.startsWith('PlannerRoleDefaultPolicy'),
    );
    return (planner?.[1].Properties.PolicyDocument.Statement ?? []) as Cfn[];
  };
  const writesOf = (statements: Cfn[]) =>
    statements.filter((s) => [s.Action].flat().some((a: string) => /dynamodb:(Put|Update|Delete|BatchWrite)/.test(a)));

  it.each(THREE)('%s: pages for a silent peer Region; its planner writes its own heartbeat item only', (region) => {
    const t = three.template(`TenantTokenRefresher-${region}`);
    const alarms = resourcesOfType(t, 'AWS::CloudWatch::Alarm').map((a) => a.Properties.AlarmName);
    expect(alarms).toContain(`TenantTokenRefresher-${region}-PeerRegionSilent`);
    const updates = plannerStatements(region).filter((s) => [s.Action].flat().includes('dynamodb:UpdateItem'));
    expect(updates).toHaveLength(1);
    expect(updates[0]?.Action).toBe('dynamodb:UpdateItem');
    expect(updates[0]?.Condition).toEqual({
      'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [`#region:${region}`] },
    });
    const reads = plannerStatements(region).filter((s) => [s.Action].flat().includes('dynamodb:BatchGetItem'));
    expect(reads.map((s) => s.Condition)).toEqual([
      { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['#region:*'] } },
    ]);
  });

  it('only the first Region’s planner publishes the deployment descriptor, naming its worker by ARN', () => {
    const [first, ...others] = THREE as [string, ...string[]];
    const puts = (region: string) =>
      writesOf(plannerStatements(region)).filter((s) => [s.Action].flat().includes('dynamodb:PutItem'));
    expect(puts(first).map((s) => [s.Action, s.Condition])).toEqual([
      ['dynamodb:PutItem', { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['#deployment'] } }],
    ]);
    for (const region of others) expect(puts(region)).toEqual([]);
    // Every write the planner may make: its heartbeat, and (first Region) the descriptor.
    expect(writesOf(plannerStatements(first))).toHaveLength(2);
    for (const region of others) expect(writesOf(plannerStatements(region))).toHaveLength(1);
    for (const region of THREE) {
      const d = readDeployment(three.template(`TenantTokenRefresher-${region}`), `TenantTokenRefresher-${region}`);
      expect(d.planner?.environment.WORKER_FUNCTION_NAME).toBe(`getatt:${d.fn.logicalId}.Arn`);
    }
  });

  it.each(THREE)('%s: the on-demand refresh and its OnDemandLoop alarm, the intake and its alarm', (region) => {
    const t = three.template(`TenantTokenRefresher-${region}`);
    const outputs = Object.keys(t.Outputs as Record<string, unknown>);
    expect(outputs).toEqual(
      expect.arrayContaining(['OnDemandRefreshFunctionName', 'OnDemandRefreshPolicyArn', 'GrantIntakeFunctionName']),
    );
    const alarms = resourcesOfType(t, 'AWS::CloudWatch::Alarm').map((a) => a.Properties.AlarmName);
    expect(alarms).toEqual(
      expect.arrayContaining([
        `TenantTokenRefresher-${region}-OnDemandLoop`,
        `TenantTokenRefresher-${region}-IntakeErrors`,
      ]),
    );
  });

  it('hosted apps: every Region has each app’s aliases, policies on its own replica and functions, and outputs', () => {
    const apps = [
      { name: 'gc', orgIdPrefix: 'gc-', clientSecretIds: ['tenant-tokens/gc'] },
      { name: 'zd', orgIdPrefix: 'zd-', tokenHosts: [] },
    ];
    const withApps = synth({ regions: THREE.join(','), apps });
    for (const region of THREE) {
      const t = withApps.template(`TenantTokenRefresher-${region}`);
      const outputs = Object.keys(t.Outputs as Record<string, unknown>);
      for (const app of ['Gc', 'Zd']) {
        expect(outputs).toEqual(
          expect.arrayContaining([
            `App${app}IntakeFunctionName`,
            `App${app}ReaderPolicyArn`,
            `App${app}IntakePolicyArn`,
            `App${app}OnDemandFunctionName`,
            `App${app}OnDemandPolicyArn`,
          ]),
        );
      }
      expect(outputs).not.toContain('AccessTokenReaderPolicyArn');
      const aliases = resourcesOfType(t, 'AWS::Lambda::Alias').map((a) => a.Properties.Name);
      expect(aliases.sort()).toEqual(['app-gc', 'app-gc', 'app-zd', 'app-zd']);
      const text = JSON.stringify(resourcesOfType(t, 'AWS::IAM::ManagedPolicy'));
      expect(new Set([...text.matchAll(/arn:aws:dynamodb:([a-z0-9-]+):/g)].map((m) => m[1]))).toEqual(
        new Set([region]),
      );
      for (const fn of resourcesOfType(t, 'AWS::Lambda::Function')) {
        const vars = fn.Properties.Environment.Variables;
        if (vars.HOSTED_APPS !== undefined)
          expect(JSON.parse(vars.HOSTED_APPS).map((a: Cfn) => a.name)).toEqual(['gc', 'zd']);
      }
    }
  });
});

describe('Multi-Region deployment: what the alarm simulation reads (ops/deployment.ts)', () => {
  it.each(THREE)('%s: its planner, worker, schedule, alarms and freshness composites', (region) => {
    const d = readDeployment(three.template(`TenantTokenRefresher-${region}`), `TenantTokenRefresher-${region}`);
    expect(pagingAlarmIds(d)).toEqual(expect.arrayContaining(['Heartbeat', 'PeerRegionSilent', 'FreshnessBurnFast']));
    expect(d.planner?.environment).toMatchObject({ REGIONS: THREE.join(',') });
    expect(d.fn.environment.TABLE_NAME).toBe('TenantTokenRefresher-tokens');
  });
});

describe('Multi-Region deployment: refused at synth with the reason', () => {
  it.each([
    ['eventual consistency', { regions: THREE, consistency: 'EVENTUAL' as const }, /last-writer-wins/],
    ['two Regions without a witness', { regions: ['us-east-1', 'us-east-2'] }, /exactly three Regions/],
    ['four Regions', { regions: ['eu-west-1', 'eu-west-2', 'eu-west-3', 'eu-central-1'] }, /exactly three/],
    [
      'three replicas and a witness',
      { regions: THREE, witnessRegion: 'us-west-2' },
      /witnessRegion us-west-2 is also a replica/,
    ],
    ['Regions from two sets', { regions: ['us-east-1', 'us-east-2', 'eu-west-1'] }, /one Region set/],
    ['a Region in no MRSC set', { regions: ['us-east-1', 'us-east-2', 'sa-east-1'] }, /sa-east-1 is in no MRSC/],
    ['a Region twice', { regions: ['us-east-1', 'us-east-1', 'us-east-2'] }, /twice/],
  ])('%s', (_name, request, reason) => {
    expect(multiRegionProblems(request).join('\n')).toMatch(reason);
  });

  it('accepts exactly the supported shapes', () => {
    expect(multiRegionProblems({ regions: THREE })).toEqual([]);
    expect(
      multiRegionProblems({ regions: ['ap-northeast-1', 'ap-northeast-3'], witnessRegion: 'ap-northeast-2' }),
    ).toEqual([]);
  });

  it('a synth asking for eventual consistency fails before any table is created, saying why', () => {
    expect(() =>
      buildDeployment({ context: testContext({ regions: THREE.join(','), multiRegionConsistency: 'EVENTUAL' }) }),
    ).toThrow(MultiRegionDeploymentError);
    expect(() =>
      buildDeployment({ context: testContext({ regions: THREE.join(','), multiRegionConsistency: 'EVENTUAL' }) }),
    ).toThrow(/records the conflict nowhere/);
  });
});
