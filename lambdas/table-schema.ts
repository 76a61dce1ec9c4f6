// The token table's shape, defined once: the store queries these names, the CDK construct creates them, and local
// mode and the tests create the same table on DynamoDB Local.
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

export const TABLE_SCHEMA = {
  partitionKey: 'orgId',
  /** Sparse: only ACTIVE records carry dueShard, so the index holds exactly the orgs that can become due. */
  dueIndex: {
    name: 'due',
    partitionKey: 'dueShard',
    sortKey: 'refreshAt',
    /** What the sweep needs: the claim's condition (version) and the expired-token gauge (expiresAt, attention). */
    projected: ['version', 'expiresAt', 'attention'],
  },
  /** Sparse: only orgs an operator must look at carry `attention`, so on-call gauges never scan the table. */
  attentionIndex: {
    name: 'attention',
    partitionKey: 'attention',
    sortKey: 'orgId',
  },
} as const;

/** CreateTable input matching the CDK construct (on-demand); for DynamoDB Local in tests, local mode and the bench. */
export function createTableInput(tableName: string): CreateTableCommandInput {
  const { partitionKey, dueIndex, attentionIndex } = TABLE_SCHEMA;
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: partitionKey, AttributeType: 'S' },
      { AttributeName: dueIndex.partitionKey, AttributeType: 'N' },
      { AttributeName: dueIndex.sortKey, AttributeType: 'N' },
      { AttributeName: attentionIndex.partitionKey, AttributeType: 'S' },
    ],
    KeySchema: [{ AttributeName: partitionKey, KeyType: 'HASH' }],
    GlobalSecondaryIndexes: [
      {
        IndexName: dueIndex.name,
        KeySchema: [
          { AttributeName: dueIndex.partitionKey, KeyType: 'HASH' },
          { AttributeName: dueIndex.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: [...dueIndex.projected] },
      },
      {
        IndexName: attentionIndex.name,
        KeySchema: [
          { AttributeName: attentionIndex.partitionKey, KeyType: 'HASH' },
          { AttributeName: attentionIndex.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'KEYS_ONLY' },
      },
    ],
  };
}

/**
 * Coordination items share the token table under keys no org can have (org ids start with a letter or digit): the
 * sweep leases and the highest shard count in one item, one item per backed-off token host, and the deployment
 * descriptor the planner publishes for the operator CLI (core/deployment-descriptor.ts). They carry no token,
 * no dueShard (never in the due index) and, for hosts, `attention = HOST_DEGRADED` while the backoff lasts, so the
 * sparse attention index lists the degraded hosts without a scan. Why here and not in a table of their own:
 * docs/fleet.md#coordination-items.
 */
export const COORDINATION = {
  prefix: '#',
  sweepLeasesKey: '#sweep',
  hostKeyPrefix: '#host:',
  deploymentKey: '#deployment',
  hostDegradedAttention: 'HOST_DEGRADED',
} as const;

/** True for the key of an org's record, false for a coordination item. */
export function isOrgKey(key: unknown): boolean {
  return typeof key === 'string' && !key.startsWith(COORDINATION.prefix);
}
