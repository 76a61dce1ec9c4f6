// The grant intake's writes on DynamoDB: a new org's item (conditional Put) and a new grant on an existing org
// (conditional Update on the version read, a free lease and no newer grant). The same fences as the operator CLI's
// `tenants add` and `tenants reauth`, so a hosted app can never overwrite a refresher's commit, pull a refresh token
// out from under a refresh in flight, or replace a newer grant with an older one. On a multi-Region table (MRSC,
// docs/regions.md) another Region's write at the same instant is a lost race like a lost condition: the conditional
// writer re-reads the item and the intake decides again on it (the refresh after a hand-over claims like any other).
import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { ConditionFailedError } from '../core/errors.js';
import type { GrantWrite } from '../core/grant-decision.js';
import type { GrantIntakeStore, IntakeWriteResult } from '../core/grant-intake-port.js';
import { RecordStatus } from '../core/record.js';
import { TABLE_SCHEMA } from '../table-schema.js';
import { ConditionalPut } from './dynamodb-conditional-put.js';
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
  readonly #put: ConditionalPut;

  constructor(options: DynamoDbGrantIntakeOptions) {
    this.#doc = options.client;
    this.#table = options.tableName;
    this.#onCapacity = options.onCapacity;
    this.#writer = new ConditionalWriter(this.#doc, this.#table, this.#onCapacity);
    this.#put = new ConditionalPut(this.#doc, this.#table, this.#onCapacity);
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
    const orgId = String(item[TABLE_SCHEMA.partitionKey]);
    try {
      await this.#put.put(
        'put',
        orgId,
        item,
        { ConditionExpression: 'attribute_not_exists(#orgId)', ExpressionAttributeNames: { '#orgId': 'orgId' } },
        {
          // The existing item tells a repeated hand-over of this very grant (an earlier attempt of this Put included)
          // from another org's record: the caller decides on it.
          landed: () => false,
          // After another Region's write at the same instant: tried again only while there is still no item.
          stillApplies: (current) => current === undefined,
          capacity: 'intakePut',
        },
      );
      return { stored: true };
    } catch (err) {
      if (err instanceof ConditionFailedError) return { stored: false, current: err.current };
      throw err;
    }
  }

  async replaceRemoved(
    item: Record<string, unknown>,
    expectedVersion: number,
    issuedAt: number,
  ): Promise<IntakeWriteResult> {
    const orgId = String(item[TABLE_SCHEMA.partitionKey]);
    // The tombstone read, still a tombstone, and a watermark older than this grant: a replayed grant from before the
    // removal, or a removal racing this hand-over, is never overwritten.
    const stillTheTombstone = (current: Record<string, unknown> | undefined) =>
      current?.status === RecordStatus.Removed &&
      current.version === expectedVersion &&
      (current.grantIssuedAt === undefined || Number(current.grantIssuedAt) < issuedAt);
    try {
      // Written, or an earlier attempt of it landed: stored either way.
      await this.#put.put(
        'put',
        orgId,
        item,
        {
          ConditionExpression:
            '#status = :removed AND #version = :expectedVersion AND ' +
            '(attribute_not_exists(#grantIssuedAt) OR #grantIssuedAt < :issuedAt)',
          ExpressionAttributeNames: { '#status': 'status', '#version': 'version', '#grantIssuedAt': 'grantIssuedAt' },
          ExpressionAttributeValues: {
            ':removed': RecordStatus.Removed,
            ':expectedVersion': expectedVersion,
            ':issuedAt': issuedAt,
          },
        },
        {
          // This very item, from an earlier attempt whose answer was lost: the next version, carrying this grant.
          landed: (current) =>
            current.version === item.version &&
            current.grantIssuedAt === issuedAt &&
            current.grantFingerprint === item.grantFingerprint,
          stillApplies: stillTheTombstone,
          capacity: 'intakePut',
        },
      );
      return { stored: true };
    } catch (err) {
      if (err instanceof ConditionFailedError) return { stored: false, current: err.current };
      throw err;
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
