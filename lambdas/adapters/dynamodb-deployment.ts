// The deployment descriptor on DynamoDB: the coordination item `#deployment` of the token table. The planner
// publishes it (a conditional Put that only writes new content); the operator CLI reads it before every write.
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import {
  type DeploymentDescriptor,
  type DeploymentRegistry,
  type DescriptorRead,
  parseDescriptor,
} from '../core/deployment-descriptor.js';
import { COORDINATION, TABLE_SCHEMA } from '../table-schema.js';
import { type CapacityObserver, createDocumentClient } from './dynamodb-token-store.js';

export interface DynamoDbDeploymentOptions {
  tableName: string;
  client?: DynamoDBDocumentClient;
  onCapacity?: CapacityObserver;
}

export class DynamoDbDeployment implements DeploymentRegistry {
  readonly #doc: DynamoDBDocumentClient;
  readonly #table: string;
  readonly #onCapacity: CapacityObserver | undefined;

  constructor(options: DynamoDbDeploymentOptions) {
    this.#table = options.tableName;
    this.#doc = options.client ?? createDocumentClient();
    this.#onCapacity = options.onCapacity;
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
      const out = await this.#doc.send(
        new PutCommand({
          TableName: this.#table,
          // No dueShard, no attention: never in either sparse index.
          Item: { ...descriptor, [TABLE_SCHEMA.partitionKey]: COORDINATION.deploymentKey },
          // Only new content: two planners publishing the same descriptor write it once.
          ConditionExpression: 'attribute_not_exists(#key) OR #hash <> :hash',
          ExpressionAttributeNames: { '#key': TABLE_SCHEMA.partitionKey, '#hash': 'contentHash' },
          ExpressionAttributeValues: { ':hash': descriptor.contentHash },
          ...this.#capacity,
        }),
      );
      this.#onCapacity?.('publishDeployment', out.ConsumedCapacity);
      return 'written';
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return 'unchanged';
      throw err;
    }
  }
}
