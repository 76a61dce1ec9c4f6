// One operator change to an org (disable, enable, re-authorise): read without secrets, decide, write conditionally on
// the version read and on no live lease, so an operator can never overwrite a refresher's commit or pull a refresh
// token out from under a refresh in flight. A lost version check (a refresher committed meanwhile) is re-read and
// re-decided.
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { statusSince } from '../core/status-since.js';
import { TABLE_SCHEMA } from '../table-schema.js';
import { AdminError, type ChangeResult, names, type TenantSummary } from './tenant-summary.js';

/** Attempts for a change whose version check lost to a concurrent writer (a refresher committing meanwhile). */
const CHANGE_ATTEMPTS = 3;

export interface Change {
  set: Record<string, unknown>;
  remove: string[];
  /** The write must find a refresh token on the record (enabling a refresh_token org). */
  needsRefreshToken?: boolean;
}

export interface ChangeTarget {
  doc: DynamoDBDocumentClient;
  table: string;
  now: () => number;
  /** A consistent read of the org without secrets. */
  summary: (orgId: string) => Promise<TenantSummary | undefined>;
}

export async function changeOrg(
  target: ChangeTarget,
  orgId: string,
  decide: (before: TenantSummary) => Change | undefined,
): Promise<ChangeResult> {
  for (let attempt = 1; ; attempt++) {
    const before = await target.summary(orgId);
    if (!before) throw new AdminError('NOT_FOUND', `no org ${orgId} in table ${target.table}`);
    const now = target.now();
    if (typeof before.leaseUntil === 'number' && before.leaseUntil >= now) {
      throw new AdminError(
        'LEASED',
        `a refresher holds org ${orgId} until ${new Date(before.leaseUntil).toISOString()}: try again in ` +
          `${Math.ceil((before.leaseUntil - now) / 1000)} s`,
      );
    }
    const change = decide(before);
    if (!change) return { changed: false, before, after: before };
    const set = { ...change.set, ...statusSince(before.status, change.set.status, now), version: before.version + 1 };
    const conditions = ['#version = :expectedVersion', '(attribute_not_exists(#leaseUntil) OR #leaseUntil < :now)'];
    const attributeNames = names([...Object.keys(set), ...change.remove, 'version', 'leaseUntil']);
    const values: Record<string, unknown> = { ':expectedVersion': before.version, ':now': now };
    if (change.needsRefreshToken) {
      conditions.push('attribute_exists(#refreshToken)');
      attributeNames['#refreshToken'] = 'refreshToken';
    }
    for (const [k, v] of Object.entries(set)) values[`:${k}`] = v;
    const setClause = `SET ${Object.keys(set)
      .map((k) => `#${k} = :${k}`)
      .join(', ')}`;
    const removeClause = change.remove.length > 0 ? ` REMOVE ${change.remove.map((a) => `#${a}`).join(', ')}` : '';
    try {
      await target.doc.send(
        new UpdateCommand({
          TableName: target.table,
          Key: { [TABLE_SCHEMA.partitionKey]: orgId },
          UpdateExpression: setClause + removeClause,
          ConditionExpression: conditions.join(' AND '),
          ExpressionAttributeNames: attributeNames,
          ExpressionAttributeValues: values,
          // Not ALL_OLD on failure: that would bring the secrets back. A failure is explained by a projected re-read.
        }),
      );
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
      const current = await target.summary(orgId);
      if (current && current.version === before.version && change.needsRefreshToken) {
        throw new AdminError(
          'NO_REFRESH_TOKEN',
          `org ${orgId} has no refresh token (its grant died before it was disabled): after the customer ` +
            're-authorises, use `tenants reauth`',
        );
      }
      if (attempt >= CHANGE_ATTEMPTS) {
        throw new AdminError('CONFLICT', `org ${orgId} kept changing under this command (a refresher?): try again`);
      }
      continue;
    }
    return { changed: true, before, after: await target.summary(orgId) };
  }
}
