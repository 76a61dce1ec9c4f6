// The removal's one write on DynamoDB: turn the record into a tombstone with a conditional UpdateItem on the version
// read and no live lease — the same fence as every operator and intake write, so it can never land under a refresh in
// flight or over a commit it did not see. `ReturnValues: ALL_OLD` hands back the record it replaced: the tokens to
// revoke are exactly the ones removed, with no read in between for a refresher to slip a new token into.
import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { ConditionFailedError } from '../core/errors.js';
import type { TombstoneWrite } from '../core/removal.js';
import type { RemovalStore, TombstoneResult } from '../core/removal-port.js';
import { TABLE_SCHEMA } from '../table-schema.js';
import { type CapacityObserver, ConditionalWriter, RETRIED_WRITE_LANDED } from './dynamodb-conditional-writer.js';

export interface DynamoDbOrgRemovalOptions {
  tableName: string;
  client: DynamoDBDocumentClient;
  /** Receives ReturnConsumedCapacity for every request (what an offboarding costs). */
  onCapacity?: CapacityObserver;
}

export class DynamoDbOrgRemoval implements RemovalStore {
  readonly #doc: DynamoDBDocumentClient;
  readonly #table: string;
  readonly #onCapacity: CapacityObserver | undefined;
  readonly #writer: ConditionalWriter;

  constructor(options: DynamoDbOrgRemovalOptions) {
    this.#doc = options.client;
    this.#table = options.tableName;
    this.#onCapacity = options.onCapacity;
    this.#writer = new ConditionalWriter(this.#doc, this.#table, this.#onCapacity);
  }

  async get(orgId: string): Promise<Record<string, unknown> | undefined> {
    const out = await this.#doc.send(
      new GetCommand({
        TableName: this.#table,
        Key: { [TABLE_SCHEMA.partitionKey]: orgId },
        ConsistentRead: true,
        ...(this.#onCapacity ? { ReturnConsumedCapacity: 'TOTAL' as const } : {}),
      }),
    );
    this.#onCapacity?.('removalGet', out.ConsumedCapacity);
    return out.Item;
  }

  async tombstone(write: TombstoneWrite, now: number): Promise<TombstoneResult> {
    const setNames = Object.keys(write.set);
    const names: Record<string, string> = Object.fromEntries(
      [...setNames, ...write.remove, 'version', 'leaseUntil'].map((a) => [`#${a}`, a]),
    );
    const values: Record<string, unknown> = Object.fromEntries(setNames.map((a) => [`:${a}`, write.set[a]]));
    Object.assign(values, { ':expectedVersion': write.expectedVersion, ':now': now });
    try {
      const old = await this.#writer.update(
        'remove',
        write.orgId,
        // The SDK's retry of a write that landed finds this very tombstone: the next version, removed at our time.
        (current) => current.version === write.expectedVersion + 1 && current.removedAt === write.removedAt,
        {
          UpdateExpression:
            `SET ${setNames.map((a) => `#${a} = :${a}`).join(', ')}` +
            ` REMOVE ${write.remove.map((a) => `#${a}`).join(', ')}`,
          ConditionExpression:
            '#version = :expectedVersion AND (attribute_not_exists(#leaseUntil) OR #leaseUntil < :now)',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_OLD',
        },
      );
      return { written: true, old: old === RETRIED_WRITE_LANDED ? undefined : old };
    } catch (err) {
      if (err instanceof ConditionFailedError) return { written: false, current: err.current };
      throw err;
    }
  }
}
