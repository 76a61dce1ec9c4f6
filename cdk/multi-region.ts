// A multi-Region deployment (docs/regions.md): one global table with multi-Region strong consistency (MRSC), and the
// whole refresher — planner, sweep workers, grant intake, on-demand refresh, the hosted apps' aliases and policies,
// alarms, freshness objective, dashboard — in every Region that holds a replica, each pointed at its own replica.
// Three kinds of stack, deployed in this order (each depends on the ones before):
//
//   <name>-Key-<region>   for every replica Region: the KMS key its replica is encrypted with (a replica's key must
//                         exist in its Region before the table is created, and a stack creates resources in its own
//                         Region only);
//   <name>-Table          in the first Region: the MRSC global table (TableV2), its replicas and witness;
//   <name>-<region>       for every replica Region: the refresher around that Region's replica, built exactly as the
//                         one-Region stack builds it (refresher-resources.ts).
import { Arn, Aws, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import { TABLE_SCHEMA } from '../lambdas/table-schema.js';
import type { FreshnessSloAlarms } from './constructs/freshness-slo-alarms.js';
import type { GrantIntakeFunction } from './constructs/grant-intake-function.js';
import type { OnDemandRefreshFunction } from './constructs/on-demand-refresh-function.js';
import type { RefresherAlarms } from './constructs/refresher-alarms.js';
import type { RefresherFunction } from './constructs/refresher-function.js';
import type { SweepPlanner } from './constructs/sweep-planner.js';
import { TokenTableAccess } from './constructs/token-table-access.js';
import type { MultiRegionPlan } from './multi-region-plan.js';
import { addRefresherResources, type RefresherResourceProps } from './refresher-resources.js';

export interface MultiRegionProps extends RefresherResourceProps {
  stackName: string;
  plan: MultiRegionPlan;
  /** The global table's name in every Region (default `<stack name>-tokens`): each Region's ARN is built from it. */
  tableName?: string;
  /** The deployment account, when the context names one; Regions are always explicit. */
  account?: string;
}

export interface MultiRegionStacks {
  keys: Record<string, TableKeyStack>;
  table: GlobalTokenTableStack;
  regions: Record<string, RegionalRefresherStack>;
}

/** The alias every Region's table key carries, so the table's stack can name a replica's key by ARN. */
export function tableKeyAlias(stackName: string): string {
  return `alias/${stackName}/token-table`;
}

/** The one KMS key a Region's replica is encrypted with. */
export class TableKeyStack extends Stack {
  readonly key: kms.Key;

  constructor(scope: Construct, id: string, stackName: string, props: StackProps) {
    super(scope, id, { description: 'tenant-token-refresher: the token table replica key of this Region', ...props });
    this.key = new kms.Key(this, 'Key', {
      description: 'Encrypts this Region’s replica of the tenant token table (access and refresh tokens of every org)',
      enableKeyRotation: true,
      alias: tableKeyAlias(stackName),
      // Losing it makes this replica and its point-in-time backups unreadable: it outlives the stack like the table.
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}

/** The MRSC global table: three replicas, or two and a witness; the same two sparse indexes as the one-Region table. */
export class GlobalTokenTableStack extends Stack {
  readonly table: dynamodb.TableV2;

  constructor(
    scope: Construct,
    id: string,
    props: StackProps & {
      plan: MultiRegionPlan;
      tableName: string;
      keys: Record<string, TableKeyStack>;
      keyAlias: string;
    },
  ) {
    super(scope, id, {
      description: 'tenant-token-refresher: the token table, a global table with multi-Region strong consistency',
      ...props,
    });
    const { plan, tableName, keys } = props;
    const { partitionKey, dueIndex, attentionIndex } = TABLE_SCHEMA;
    const replicaRegions = plan.regions.filter((r) => r !== plan.primary);
    const primaryKey = keys[plan.primary]?.key as kms.Key;
    // A replica's key by its alias ARN: the key stacks of the other Regions are deployed first, and an alias ARN is
    // known without a cross-Region reference.
    const replicaKeyArns = Object.fromEntries(
      replicaRegions.map((region) => [
        region,
        Arn.format({
          partition: Aws.PARTITION,
          service: 'kms',
          region,
          account: this.account,
          resource: props.keyAlias,
        }),
      ]),
    );
    this.table = new dynamodb.TableV2(this, 'Table', {
      tableName,
      partitionKey: { name: partitionKey, type: dynamodb.AttributeType.STRING },
      // The one setting that makes a multi-Region refresher safe (docs/regions.md): conditions see the latest version
      // in every Region, and a concurrent write from another Region is refused (ReplicatedWriteConflictException).
      multiRegionConsistency: dynamodb.MultiRegionConsistency.STRONG,
      ...(plan.witnessRegion ? { witnessRegion: plan.witnessRegion } : {}),
      replicas: replicaRegions.map((region) => ({
        region,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        deletionProtection: true,
      })),
      // Load is a sweep a minute plus refreshes spread by jitter: spiky and small, which on-demand prices best.
      billing: dynamodb.Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // Deleting the table deletes every org's grant; most can only be restored by each customer re-authorising.
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
      encryption: dynamodb.TableEncryptionV2.customerManagedKey(primaryKey, replicaKeyArns),
      // No TTL, no local secondary index, no transaction anywhere: MRSC refuses them (test/cdk/multi-region.test.ts).
      globalSecondaryIndexes: [
        {
          indexName: dueIndex.name,
          partitionKey: { name: dueIndex.partitionKey, type: dynamodb.AttributeType.NUMBER },
          sortKey: { name: dueIndex.sortKey, type: dynamodb.AttributeType.NUMBER },
          projectionType: dynamodb.ProjectionType.INCLUDE,
          nonKeyAttributes: [...dueIndex.projected],
        },
        {
          indexName: attentionIndex.name,
          partitionKey: { name: attentionIndex.partitionKey, type: dynamodb.AttributeType.STRING },
          sortKey: { name: attentionIndex.sortKey, type: dynamodb.AttributeType.STRING },
          projectionType: dynamodb.ProjectionType.KEYS_ONLY,
        },
      ],
    });
    // Whatever a later change to this construct does, a table the fences cannot trust is never synthesized.
    const cfn = this.table.node.defaultChild as dynamodb.CfnGlobalTable;
    this.node.addValidation({ validate: () => mrscTableProblems(cfn) });
  }
}

/**
 * What MRSC refuses, or what would let two Regions share a refresh token, in the synthesized global table: eventual
 * consistency (last writer wins, docs/regions.md#why-not-eventual-consistency), TTL and local secondary indexes
 * (MRSC has neither). Transactions are runtime calls: test/cdk/multi-region.test.ts greps the code for them.
 */
export function mrscTableProblems(cfn: dynamodb.CfnGlobalTable): string[] {
  const problems: string[] = [];
  // TableV2 renders its properties lazily: judge them as they will be synthesized.
  const resolved = (value: unknown) => Stack.of(cfn).resolve(value);
  const consistency = resolved(cfn.multiRegionConsistency);
  if (consistency !== 'STRONG') {
    problems.push(
      `the token table's MultiRegionConsistency is ${consistency ?? 'EVENTUAL (the default)'}, not STRONG: a ` +
        'conditional write in one Region would not fence a writer in another',
    );
  }
  if (resolved(cfn.timeToLiveSpecification) !== undefined) {
    problems.push('the token table has TTL, which MRSC does not support');
  }
  const lsis = resolved(cfn.localSecondaryIndexes);
  if (Array.isArray(lsis) && lsis.length > 0) {
    problems.push('the token table has local secondary indexes, which MRSC does not support');
  }
  return problems;
}

/** One Region's replica of the global table as that Region's functions and hosted apps reach it. */
export class ReplicaTokenTable extends TokenTableAccess {
  readonly tableArn: string;
  readonly key: kms.IKey;
  protected readonly physicalName: string;

  constructor(scope: Construct, id: string, props: { tableName: string; key: kms.IKey }) {
    super(scope, id);
    this.physicalName = props.tableName;
    // This Region's ARN of the table: the grants below name this replica only.
    this.tableArn = Stack.of(this).formatArn({ service: 'dynamodb', resource: 'table', resourceName: props.tableName });
    this.key = props.key;
  }
}

/** The refresher of one Region, around its replica. */
export class RegionalRefresherStack extends Stack {
  readonly table: ReplicaTokenTable;
  readonly refresher: RefresherFunction;
  readonly planner: SweepPlanner;
  readonly alarms: RefresherAlarms;
  readonly freshness: FreshnessSloAlarms;
  readonly intake: GrantIntakeFunction;
  readonly onDemand: OnDemandRefreshFunction;

  constructor(
    scope: Construct,
    id: string,
    props: StackProps & { resources: RefresherResourceProps; tableName: string; key: kms.IKey; regions: string[] },
  ) {
    super(scope, id, {
      description: 'tenant-token-refresher: keeps every tenant org OAuth token fresh (one Region of several)',
      ...props,
    });
    this.table = new ReplicaTokenTable(this, 'Tokens', { tableName: props.tableName, key: props.key });
    const built = addRefresherResources(
      this,
      this.table,
      { ...props.resources, refresher: { ...props.resources.refresher, regions: props.regions } },
      { region: this.region, regions: props.regions },
    );
    this.refresher = built.refresher;
    this.planner = built.planner;
    this.alarms = built.alarms;
    this.freshness = built.freshness;
    this.intake = built.intake;
    this.onDemand = built.onDemand;
  }
}

/** Every stack of a multi-Region deployment, in deployment order. */
export function addMultiRegionStacks(scope: Construct, props: MultiRegionProps): MultiRegionStacks {
  const { plan, stackName } = props;
  const tableName = props.tableName ?? `${stackName}-tokens`;
  const env = (region: string) => ({ region, ...(props.account ? { account: props.account } : {}) });
  const keys: Record<string, TableKeyStack> = {};
  for (const region of plan.regions) {
    keys[region] = new TableKeyStack(scope, `${stackName}-Key-${region}`, stackName, { env: env(region) });
  }
  const table = new GlobalTokenTableStack(scope, `${stackName}-Table`, {
    env: env(plan.primary),
    plan,
    tableName,
    keys,
    keyAlias: tableKeyAlias(stackName),
  });
  for (const key of Object.values(keys)) table.addStackDependency(key);
  const regions: Record<string, RegionalRefresherStack> = {};
  for (const region of plan.regions) {
    const stack = new RegionalRefresherStack(scope, `${stackName}-${region}`, {
      env: env(region),
      resources: props,
      tableName,
      key: (keys[region] as TableKeyStack).key,
      regions: plan.regions,
    });
    stack.addStackDependency(table);
    regions[region] = stack;
  }
  return { keys, table, regions };
}
