// The on-call gauges' one read: a Scan of the sparse, keys-only attention index. Every item in it needs a person (or
// is a backed-off host's coordination item, left out here), so one request reads every gauge for what four COUNT
// queries, one per reason, read in four — the same items, the same read units. Never a scan of the table (I4).
import { type DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { AttentionCounts } from '../core/ports.js';
import { isOrgKey, TABLE_SCHEMA } from '../table-schema.js';
import type { CapacityObserver } from './dynamodb-conditional-writer.js';

export async function scanAttentionCounts(
  doc: DynamoDBDocumentClient,
  tableName: string,
  onCapacity: CapacityObserver | undefined,
): Promise<AttentionCounts> {
  const { attentionIndex, partitionKey } = TABLE_SCHEMA;
  const counts: Record<string, number> = {};
  let pageKey: Record<string, unknown> | undefined;
  do {
    const out = await doc.send(
      new ScanCommand({
        TableName: tableName,
        IndexName: attentionIndex.name,
        ExclusiveStartKey: pageKey,
        ...(onCapacity ? { ReturnConsumedCapacity: 'TOTAL' as const } : {}),
      }),
    );
    onCapacity?.('attentionCounts', out.ConsumedCapacity);
    for (const item of out.Items ?? []) {
      const reason = item[attentionIndex.partitionKey];
      if (!isOrgKey(item[partitionKey]) || typeof reason !== 'string') continue;
      counts[reason] = (counts[reason] ?? 0) + 1;
    }
    pageKey = out.LastEvaluatedKey;
  } while (pageKey);
  return counts;
}
