// The deployment descriptor on DynamoDB: the coordination item `#deployment` of the token table. The planner
// publishes it (a conditional Put that only writes new content); the operator CLI reads it before every write. On a
// multi-Region table only the first Region's planner publishes (lambdas/regions.ts publishesDeployment), and a
// replicated write conflict is sorted out like a lost condition (dynamodb-conditional-put.ts).
import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import {
  type DeploymentDescriptor,
  type DeploymentRegistry,
  type DescriptorRead,
  parseDescriptor,
} from '../core/deployment-descriptor.js';
import { ConditionFailedError } from '../core/errors.js';
import { COORDINATION, TABLE_SCHEMA } from '../table-schema.js';
import { ConditionalPut } from './dynamodb-conditional-put.js';
import type { CapacityObserver } from './dynamodb-conditional-writer.js';
import { createDocumentClient } from './dynamodb-token-store.js';

export interface DynamoDbDeploymentOptions {
  tableName: string;
  client?: DynamoDBDocumentClient;
  onCapacity?: CapacityObserver;
}

export class DynamoDbDeployment implements DeploymentRegistry {
  readonly #doc: DynamoDBDocumentClient;
  readonly #table: string;
  readonly #onCapacity: CapacityObserver | undefined;
  readonly #put: ConditionalPut;

  constructor(options: DynamoDbDeploymentOptions) {
    this.#table = options.tableName;
    this.#doc = options.client ?? createDocumentClient();
    this.#onCapacity = options.onCapacity;
    this.#put = new ConditionalPut(this.#doc, this.#table, this.#onCapacity);
  }

  get #capacity(): { ReturnConsumedCapacity?: 'TOTAL' } {
    return this.#onCapacity ? { ReturnConsumedCapacity: 'TOTAL' } : {};
  }

  async read({ consistent }: { consistent: boolean }): Promise<DescriptorRead> {
    const out = await this.#doc.send(
      new GetCommand({
        TableName: this.#table,
        Key: { [TABLE_SCHEMA.partitionKey]: COORDINATION.deploymentKey },
        ConsistentRead: consistent,
        ...this.#capacity,
      }),
    );
    this.#onCapacity?.('readDeployment', out.ConsumedCapacity);
    return parseDescriptor(out.Item);
  }

  async publish(descriptor: DeploymentDescriptor): Promise<'written' | 'unchanged'> {
    try {
      // Written now, or an earlier attempt of it landed.
      await this.#put.put(
        'put',
        COORDINATION.deploymentKey,
        // No dueShard, no attention: never in either sparse index.
        { ...descriptor },
        {
          // Only new content: two planners publishing the same descriptor write it once.
          ConditionExpression: 'attribute_not_exists(#key) OR #hash <> :hash',
          ExpressionAttributeNames: { '#key': TABLE_SCHEMA.partitionKey, '#hash': 'contentHash' },
          ExpressionAttributeValues: { ':hash': descriptor.contentHash },
        },
        {
          // An earlier attempt of this very Put (same content, same stamp) whose answer was lost.
          landed: (current) =>
            current.contentHash === descriptor.contentHash && current.publishedAt === descriptor.publishedAt,
          // After another writer's Put at the same instant (MRSC): tried again only while the content differs.
          stillApplies: (current) => current?.contentHash !== descriptor.contentHash,
          capacity: 'publishDeployment',
        },
      );
      return 'written';
    } catch (err) {
      if (err instanceof ConditionFailedError) return 'unchanged';
      throw err;
    }
  }
}
