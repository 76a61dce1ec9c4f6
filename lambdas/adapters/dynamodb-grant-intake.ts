// The grant intake's writes on DynamoDB: a new org's item (conditional Put) and a new grant on an existing org
// (conditional Update on the version read, a free lease and no newer grant). The same fences as the operator CLI's
// `tenants add` and `tenants reauth`, so a hosted app can never overwrite a refresher's commit, pull a refresh token
// out from under a refresh in flight, or replace a newer grant with an older one.
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { ConditionFailedError } from '../core/errors.js';
import type { GrantWrite } from '../core/grant-decision.js';
import type { GrantIntakeStore, IntakeWriteResult } from '../core/grant-intake-port.js';
import { RecordStatus } from '../core/record.js';
import { TABLE_SCHEMA } from '../table-schema.js';
import { type CapacityObserver, ConditionalWriter } from './dynamodb-conditional-writer.js';

export interface DynamoDbGrantIntakeOptions {
  tableName: string;
  client: DynamoDBDocumentClient;
  /** Receives ReturnConsumedCapacity for every request (the bench's cost of a round trip). */
  onCapacity?: CapacityObserver;
}

export class DynamoDbGrantIntake implements GrantIntakeStore {
  readonly #doc: DynamoDBDocumentClient;
  readonly #table: string;
  readonly #onCapacity: CapacityObserver | undefined;
  readonly #writer: ConditionalWriter;

  constructor(options: DynamoDbGrantIntakeOptions) {
    this.#doc = options.client;
    this.#table = options.tableName;
    this.#onCapacity = options.onCapacity;
    this.#writer = new ConditionalWriter(this.#doc, this.#table, this.#onCapacity);
  }

  get #capacity(): { ReturnConsumedCapacity?: 'TOTAL' } {
    return this.#onCapacity ? { ReturnConsumedCapacity: 'TOTAL' } : {};
  }

  async get(orgId: string): Promise<Record<string, unknown> | undefined> {
    const out = await this.#doc.send(
      new GetCommand({
        TableName: this.#table,
        Key: { [TABLE_SCHEMA.partitionKey]: orgId },
        ConsistentRead: true,
        ...this.#capacity,
      }),
    );
    this.#onCapacity?.('intakeGet', out.ConsumedCapacity);
    return out.Item;
  }

  async putNew(item: Record<string, unknown>): Promise<IntakeWriteResult> {
    try {
      const out = await this.#doc.send(
        new PutCommand({
          TableName: this.#table,
          Item: item,
          ConditionExpression: 'attribute_not_exists(#orgId)',
          ExpressionAttributeNames: { '#orgId': TABLE_SCHEMA.partitionKey },
          // The existing item tells a repeated hand-over of this very grant from another org's record.
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          ...this.#capacity,
        }),
      );
      this.#onCapacity?.('intakePut', out.ConsumedCapacity);
      return { stored: true };
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
      return { stored: false, current: err.Item ? unmarshall(err.Item) : undefined };
    }
  }

  async replaceRemoved(
    item: Record<string, unknown>,
    expectedVersion: number,
    issuedAt: number,
  ): Promise<IntakeWriteResult> {
    try {
      const out = await this.#doc.send(
        new PutCommand({
          TableName: this.#table,
          Item: item,
          // The tombstone read, still a tombstone, and a watermark older than this grant: a replayed grant from
          // before the removal, or a removal racing this hand-over, is never overwritten.
          ConditionExpression:
            '#status = :removed AND #version = :expectedVersion AND ' +
            '(attribute_not_exists(#grantIssuedAt) OR #grantIssuedAt < :issuedAt)',
          ExpressionAttributeNames: { '#status': 'status', '#version': 'version', '#grantIssuedAt': 'grantIssuedAt' },
          ExpressionAttributeValues: {
            ':removed': RecordStatus.Removed,
            ':expectedVersion': expectedVersion,
            ':issuedAt': issuedAt,
          },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          ...this.#capacity,
        }),
      );
      this.#onCapacity?.('intakePut', out.ConsumedCapacity);
      return { stored: true };
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
      return { stored: false, current: err.Item ? unmarshall(err.Item) : undefined };
    }
  }

  async storeGrant(write: GrantWrite, now: number): Promise<IntakeWriteResult> {
    const setNames = Object.keys(write.set);
    const owned = write.owner !== undefined;
    const names: Record<string, string> = Object.fromEntries(
      [...setNames, ...write.remove, 'version', 'leaseUntil', 'grantIssuedAt', ...(owned ? ['app'] : [])].map((a) => [
        `#${a}`,
        a,
      ]),
    );
    const values: Record<string, unknown> = Object.fromEntries(setNames.map((a) => [`:${a}`, write.set[a]]));
    Object.assign(values, { ':expectedVersion': write.expectedVersion, ':now': now, ':issuedAt': write.issuedAt });
    if (owned) values[':app'] = write.owner;
    const remove = write.remove.length > 0 ? ` REMOVE ${write.remove.map((a) => `#${a}`).join(', ')}` : '';
    try {
      // Either answer means stored: the write itself, or the SDK's retry of it finding it landed.
      await this.#writer.update(
        'update',
        write.orgId,
        // Recognises the SDK's retry of a write that landed: the item carries this grant at the next version.
        (current) =>
          current.version === write.expectedVersion + 1 &&
          current.grantIssuedAt === write.issuedAt &&
          current.grantFingerprint === write.fingerprint,
        {
          UpdateExpression: `SET ${setNames.map((a) => `#${a} = :${a}`).join(', ')}${remove}`,
          ConditionExpression:
            '#version = :expectedVersion AND (attribute_not_exists(#leaseUntil) OR #leaseUntil < :now) ' +
            'AND (attribute_not_exists(#grantIssuedAt) OR #grantIssuedAt < :issuedAt)' +
            // A hosted app's hand-over: the record is still its own, or names no app (its namespace was checked).
            (owned ? ' AND (attribute_not_exists(#app) OR #app = :app)' : ''),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        },
      );
      return { stored: true };
    } catch (err) {
      if (err instanceof ConditionFailedError) return { stored: false, current: err.current };
      throw err;
    }
  }
}
