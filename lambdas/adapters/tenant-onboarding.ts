// Writing new orgs: a conditional Put each (the org must not exist), so onboarding never overwrites an org — not a
// refresher's commit, not an org onboarded before. Many orgs go in as bounded parallel Puts rather than BatchWrite,
// which cannot be conditional and would overwrite; re-running an import is therefore safe: existing orgs come back
// as "unchanged".
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import pLimit from 'p-limit';
import { scrub } from '../core/redact.js';
import { TABLE_SCHEMA } from '../table-schema.js';

/** Puts in flight during an import: enough to hide the round trip, few enough not to throttle a new table. */
export const IMPORT_CONCURRENCY = 16;

/** Writes the org's item unless the org exists. True when written, false when it already existed. */
export async function putNewOrg(
  doc: DynamoDBDocumentClient,
  table: string,
  item: Record<string, unknown>,
): Promise<boolean> {
  try {
    await doc.send(
      new PutCommand({
        TableName: table,
        Item: item,
        ConditionExpression: 'attribute_not_exists(#orgId)',
        ExpressionAttributeNames: { '#orgId': TABLE_SCHEMA.partitionKey },
      }),
    );
    return true;
  } catch (err) {
    if (err instanceof ConditionalCheckFailedException) return false;
    throw err;
  }
}

/**
 * Onboards a removed org again: the new item over its tombstone, if that is still the tombstone read (REMOVED, the
 * same version) and its grant watermark is older than the new grant. True when written.
 */
export async function replaceRemovedOrg(
  doc: DynamoDBDocumentClient,
  table: string,
  item: Record<string, unknown>,
  tombstone: { version: number },
): Promise<boolean> {
  try {
    await doc.send(
      new PutCommand({
        TableName: table,
        Item: { ...item, version: tombstone.version + 1 },
        ConditionExpression:
          '#status = :removed AND #version = :expectedVersion AND ' +
          '(attribute_not_exists(#grantIssuedAt) OR #grantIssuedAt < :issuedAt)',
        ExpressionAttributeNames: { '#status': 'status', '#version': 'version', '#grantIssuedAt': 'grantIssuedAt' },
        ExpressionAttributeValues: {
          ':removed': 'REMOVED',
          ':expectedVersion': tombstone.version,
          ':issuedAt': item.grantIssuedAt,
        },
      }),
    );
    return true;
  } catch (err) {
    if (err instanceof ConditionalCheckFailedException) return false;
    throw err;
  }
}

export type NewOrgWrite =
  | { orgId: string; outcome: 'added' | 'unchanged' }
  /** The write failed (DynamoDB kept failing): nothing was written for this org; re-running retries it. */
  | { orgId: string; outcome: 'failed'; error: string };

/** Writes each item unless its org exists, IMPORT_CONCURRENCY at a time; one org's failure never stops the others. */
export async function putNewOrgs(
  doc: DynamoDBDocumentClient,
  table: string,
  items: readonly Record<string, unknown>[],
  concurrency = IMPORT_CONCURRENCY,
): Promise<NewOrgWrite[]> {
  const limit = pLimit(concurrency);
  return Promise.all(
    items.map((item) =>
      limit(async (): Promise<NewOrgWrite> => {
        const orgId = String(item[TABLE_SCHEMA.partitionKey]);
        try {
          return { orgId, outcome: (await putNewOrg(doc, table, item)) ? 'added' : 'unchanged' };
        } catch (err) {
          const secrets = [item.refreshToken, item.clientSecret].filter((s): s is string => typeof s === 'string');
          const error = `${(err as Error)?.name ?? 'Error'}: ${scrub(String((err as Error)?.message ?? err), secrets)}`;
          return { orgId, outcome: 'failed', error };
        }
      }),
    ),
  );
}
