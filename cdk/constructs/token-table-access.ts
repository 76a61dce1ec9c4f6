// Every way to reach the token table, whichever table it is: the one-Region table (token-table.ts) or one Region's
// replica of a global table (global-token-table.ts). The grants name the table and index ARNs and the KMS key of the
// Region they are deployed in, so each Region's functions and hosted apps reach their own replica only.
import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { COORDINATION, TABLE_SCHEMA } from '../../lambdas/table-schema.js';
import { READER_GRANT_ATTRIBUTES } from '../../reader/token-reader.js';

/**
 * What a hosted app may read: exactly what the reader library's consistent GetItems project (one definition, in the
 * reader): the access token, its type and expiry, the org's status, since when and why. `refreshToken` (and the
 * client secret id, leases, errors) stay invisible: the `dynamodb:Attributes` condition refuses any request naming
 * another attribute, and `dynamodb:Select` refuses a request for all of them.
 */
export const ACCESS_TOKEN_ATTRIBUTES = READER_GRANT_ATTRIBUTES;

/**
 * The DynamoDB calls the refresher's store makes (GetCommand, QueryCommand, UpdateCommand in
 * lambdas/adapters/dynamodb-token-store.ts); a test keeps this list and the store's imports in step.
 */
export const REFRESHER_TABLE_ACTIONS = ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:UpdateItem'] as const;

/**
 * The grant intake: its own conditional Put (a new org) and Update (a new grant), and the refresher's point reads and
 * fenced updates for the org it refreshes at once (lambdas/adapters/dynamodb-grant-intake.ts and the token store's
 * direct path). No Query: a direct refresh never reads an index.
 */
export const INTAKE_TABLE_ACTIONS = ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'] as const;

/**
 * The on-demand refresh: the refresher's point reads and fenced updates for the one org it refreshes (the claim, the
 * commit) and for a token host's backoff item; no Put, no Scan, no Delete.
 */
export const ON_DEMAND_TABLE_ACTIONS = ['dynamodb:GetItem', 'dynamodb:UpdateItem'] as const;

/** The on-demand refresh reads the backed-off token hosts (their items in the attention index) before it sends. */
export const HOST_BACKOFF_INDEX_ACTIONS = ['dynamodb:Query'] as const;

/** The sweep planner: it reads the sweep leases and counts the due index; it writes no org. */
export const PLANNER_TABLE_ACTIONS = ['dynamodb:GetItem', 'dynamodb:Query'] as const;

/** The planner's write of the deployment descriptor item (a conditional Put), and no other key. */
export const DEPLOYMENT_DESCRIPTOR_ACTIONS = ['dynamodb:PutItem'] as const;

/**
 * The planner's census (lambdas/adapters/dynamodb-fleet-census.ts): the due index's item count, a control-plane read
 * of the table's description (no item, no read unit).
 */
export const PLANNER_CENSUS_ACTIONS = ['dynamodb:DescribeTable'] as const;

/**
 * Multi-Region only: each planner writes its own Region's heartbeat item (`#region:<its Region>`, that key alone) and
 * reads the others' (`#region:*`), granted on those keys alone (`dynamodb:LeadingKeys`).
 */
export const REGION_HEARTBEAT_WRITE_ACTIONS = ['dynamodb:UpdateItem'] as const;
export const REGION_HEARTBEAT_READ_ACTIONS = ['dynamodb:BatchGetItem'] as const;
/** Both, as one list (what a planner may do with heartbeats). */
export const REGION_HEARTBEAT_ACTIONS = [...REGION_HEARTBEAT_WRITE_ACTIONS, ...REGION_HEARTBEAT_READ_ACTIONS] as const;

/**
 * The attention gauges (refresher and planner): one Scan of the attention index, which is sparse and keys-only (an org
 * id and why it needs a person: no token, no setting), granted on that index alone — never on the table or the due
 * index.
 */
export const ATTENTION_INDEX_ACTIONS = ['dynamodb:Scan'] as const;

/** Hosted apps: single and batched point reads, nothing that lists the table. */
export const READER_TABLE_ACTIONS = ['dynamodb:GetItem', 'dynamodb:BatchGetItem'] as const;

/**
 * KMS calls DynamoDB makes with the caller's credentials on a table encrypted with a customer-managed key: the same
 * set CDK's `grantReadWriteData` gives, spelled out instead of `ReEncrypt*`/`GenerateDataKey*` wildcards.
 */
const TABLE_KEY_READ_WRITE_ACTIONS = [
  'kms:Decrypt',
  'kms:DescribeKey',
  'kms:Encrypt',
  'kms:GenerateDataKey',
  'kms:GenerateDataKeyWithoutPlaintext',
  'kms:ReEncryptFrom',
  'kms:ReEncryptTo',
];
const TABLE_KEY_READ_ACTIONS = ['kms:Decrypt', 'kms:DescribeKey'];

export interface ReadAccessTokensOptions {
  /** Limit the grant to these orgs' records (`dynamodb:LeadingKeys`); default: every org. */
  orgIds?: readonly string[];
  /**
   * Limit it to org-id patterns (a hosted app's namespace, core/hosted-apps.ts readerKeyPatterns): ids like one of
   * `like` (`StringLike "gc-*"`), or like none of `notLike` (the default app: not another app's).
   */
  orgIdPatterns?: { like: readonly string[] } | { notLike: readonly string[] };
}

/** The table, its indexes and its key as one Region sees them, and every grant on them. */
export abstract class TokenTableAccess extends Construct {
  abstract readonly tableArn: string;
  abstract readonly key: kms.IKey;
  protected abstract readonly physicalName: string;

  get tableName(): string {
    return this.physicalName;
  }

  /** The index ARNs by name, so grants list them one by one instead of `index/*`. */
  indexArn(indexName: string): string {
    return `${this.tableArn}/index/${indexName}`;
  }

  /**
   * The refresher: the calls its store makes, on the table and its two indexes (the due sweep and the attention
   * gauges), nothing else — no Scan but of the keys-only attention index, no DeleteItem, no table management.
   */
  grantRefresher(grantee: iam.IGrantable): iam.Grant {
    const { dueIndex, attentionIndex } = TABLE_SCHEMA;
    const grant = iam.Grant.addToPrincipal({
      grantee,
      actions: [...REFRESHER_TABLE_ACTIONS],
      resourceArns: [this.tableArn, this.indexArn(dueIndex.name), this.indexArn(attentionIndex.name)],
    });
    this.#grantAttentionGauges(grantee);
    this.grantKey(grantee, TABLE_KEY_READ_WRITE_ACTIONS);
    return grant;
  }

  #grantAttentionGauges(grantee: iam.IGrantable): void {
    iam.Grant.addToPrincipal({
      grantee,
      actions: [...ATTENTION_INDEX_ACTIONS],
      resourceArns: [this.indexArn(TABLE_SCHEMA.attentionIndex.name)],
    });
  }

  /** The grant intake function: point reads and conditional writes on the table itself, no index, no Scan or Delete. */
  grantIntakeWrites(grantee: iam.IGrantable): iam.Grant {
    const grant = iam.Grant.addToPrincipal({
      grantee,
      actions: [...INTAKE_TABLE_ACTIONS],
      resourceArns: [this.tableArn],
    });
    this.grantKey(grantee, TABLE_KEY_READ_WRITE_ACTIONS);
    return grant;
  }

  /**
   * The on-demand refresh function: point reads and conditional updates on the table itself (the org it refreshes, a
   * token host's backoff item), and the host-backoff listing on the attention index (keys only); no Put, Scan or
   * Delete, no due index.
   */
  grantOnDemandRefresh(grantee: iam.IGrantable): iam.Grant {
    const grant = iam.Grant.addToPrincipal({
      grantee,
      actions: [...ON_DEMAND_TABLE_ACTIONS],
      resourceArns: [this.tableArn],
    });
    this.grantHostBackoffListing(grantee);
    this.grantKey(grantee, TABLE_KEY_READ_WRITE_ACTIONS);
    return grant;
  }

  /**
   * The list of backed-off token hosts (docs/fleet.md#per-host-limits): a Query of the attention index's host-backoff
   * partition, for a function that refreshes outside sweeps (the grant intake, the on-demand refresh). Keys only: org
   * ids and hosts.
   */
  grantHostBackoffListing(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: [...HOST_BACKOFF_INDEX_ACTIONS],
      resourceArns: [this.indexArn(TABLE_SCHEMA.attentionIndex.name)],
    });
  }

  /**
   * The sweep planner (docs/fleet.md): the sweep-lease item (GetItem), COUNT queries on the due index and the attention
   * gauges. Read-only, no secret, no org write.
   */
  grantPlanner(grantee: iam.IGrantable): iam.Grant {
    const { dueIndex, attentionIndex } = TABLE_SCHEMA;
    const grant = iam.Grant.addToPrincipal({
      grantee,
      actions: [...PLANNER_TABLE_ACTIONS],
      resourceArns: [this.tableArn, this.indexArn(dueIndex.name), this.indexArn(attentionIndex.name)],
    });
    this.#grantAttentionGauges(grantee);
    iam.Grant.addToPrincipal({ grantee, actions: [...PLANNER_CENSUS_ACTIONS], resourceArns: [this.tableArn] });
    this.grantKey(grantee, TABLE_KEY_READ_ACTIONS);
    return grant;
  }

  /**
   * The planner publishes the deployment descriptor (core/deployment-descriptor.ts) for the operator CLI: a Put of the
   * `#deployment` coordination item only (`dynamodb:LeadingKeys`), so the planner still cannot write an org. In a
   * multi-Region deployment only the publishing Region's planner gets it (docs/regions.md#the-operator-cli).
   */
  grantDeploymentDescriptor(grantee: iam.IGrantable): iam.Grant {
    const grant = iam.Grant.addToPrincipal({
      grantee,
      actions: [...DEPLOYMENT_DESCRIPTOR_ACTIONS],
      resourceArns: [this.tableArn],
      conditions: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [COORDINATION.deploymentKey] } },
    });
    this.grantKey(grantee, TABLE_KEY_READ_WRITE_ACTIONS);
    return grant;
  }

  /**
   * Multi-Region (docs/regions.md): the planner's Region heartbeat, its own Region's item written (that key alone) and
   * the others' read (the `#region:` coordination items alone). No org can be read or written through it, and no
   * Region can write another's heartbeat.
   */
  grantRegionHeartbeats(grantee: iam.IGrantable, region: string): iam.Grant {
    const grant = iam.Grant.addToPrincipal({
      grantee,
      actions: [...REGION_HEARTBEAT_WRITE_ACTIONS],
      resourceArns: [this.tableArn],
      conditions: {
        'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [`${COORDINATION.regionKeyPrefix}${region}`] },
      },
    });
    iam.Grant.addToPrincipal({
      grantee,
      actions: [...REGION_HEARTBEAT_READ_ACTIONS],
      resourceArns: [this.tableArn],
      conditions: {
        'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${COORDINATION.regionKeyPrefix}*`] },
      },
    });
    this.grantKey(grantee, TABLE_KEY_READ_WRITE_ACTIONS);
    return grant;
  }

  /**
   * Hosted apps: read the access token, its type, expiry and the org's status; never the refresh token. Follows AWS's
   * documented pattern for attribute-level access (`ForAllValues:StringEquals` on `dynamodb:Attributes` plus
   * `dynamodb:Select` = `SPECIFIC_ATTRIBUTES`), optionally narrowed to some orgs' records with `dynamodb:LeadingKeys`.
   */
  grantReadAccessTokens(grantee: iam.IGrantable, options: ReadAccessTokensOptions = {}): iam.Grant {
    const grant = iam.Grant.addToPrincipal({
      grantee,
      actions: [...READER_TABLE_ACTIONS],
      resourceArns: [this.tableArn],
      conditions: this.readAccessTokensConditions(options),
    });
    this.grantKey(grantee, TABLE_KEY_READ_ACTIONS);
    return grant;
  }

  /** The same grant as a managed policy a hosted app's role (possibly deployed elsewhere) can attach. */
  accessTokenReaderPolicy(scope: Construct, id: string, options: ReadAccessTokensOptions = {}): iam.ManagedPolicy {
    return new iam.ManagedPolicy(scope, id, {
      description: 'Read access tokens (never refresh tokens) from the tenant token table',
      statements: [
        new iam.PolicyStatement({
          actions: [...READER_TABLE_ACTIONS],
          resources: [this.tableArn],
          conditions: this.readAccessTokensConditions(options),
        }),
        this.keyStatement(TABLE_KEY_READ_ACTIONS),
      ],
    });
  }

  protected readAccessTokensConditions(options: ReadAccessTokensOptions): Record<string, Record<string, unknown>> {
    const forAll: Record<string, string[]> = { 'dynamodb:Attributes': [...ACCESS_TOKEN_ATTRIBUTES] };
    if (options.orgIds !== undefined) {
      // An empty list matches no key, so the grant would silently allow nothing: say so at synth instead.
      if (options.orgIds.length === 0) {
        throw new Error('grantReadAccessTokens: orgIds must name at least one org (omit it to allow every org)');
      }
      forAll['dynamodb:LeadingKeys'] = [...options.orgIds];
    }
    const patterns = options.orgIdPatterns;
    return {
      'ForAllValues:StringEquals': forAll,
      // Every key a request names must be in the namespace (ForAllValues: a BatchGetItem too).
      ...(patterns && 'like' in patterns
        ? { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [...patterns.like] } }
        : {}),
      ...(patterns && 'notLike' in patterns
        ? { 'ForAllValues:StringNotLike': { 'dynamodb:LeadingKeys': [...patterns.notLike] } }
        : {}),
      StringEqualsIfExists: { 'dynamodb:Select': 'SPECIFIC_ATTRIBUTES' },
    };
  }

  protected grantKey(grantee: iam.IGrantable, actions: string[]): void {
    grantee.grantPrincipal.addToPrincipalPolicy(this.keyStatement(actions));
  }

  /** Key use only through DynamoDB in this region: the key cannot decrypt anything handed to KMS directly. */
  protected keyStatement(actions: string[]): iam.PolicyStatement {
    return new iam.PolicyStatement({
      actions,
      resources: [this.key.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': `dynamodb.${Stack.of(this).region}.amazonaws.com` } },
    });
  }
}
