// The FleetCensus on DynamoDB: the number of ACTIVE orgs without reading one (DescribeTable's item count of the
// sparse due index, which holds exactly the ACTIVE orgs), and, in a multi-Region deployment, the Regions' planner
// heartbeats: one coordination item per Region (`#region:<name>`), so two Regions never write the same item (on a
// global table with strong consistency that would be a replicated write conflict every now and then).
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { FleetCensus } from '../core/fleet-ports.js';
import { COORDINATION, TABLE_SCHEMA } from '../table-schema.js';
import { type CapacityObserver, createDocumentClient } from './dynamodb-token-store.js';

export interface DynamoDbFleetCensusOptions {
  tableName: string;
  client?: DynamoDBDocumentClient;
  onCapacity?: CapacityObserver;
}

const regionKey = (region: string) => `${COORDINATION.regionKeyPrefix}${region}`;

export class DynamoDbFleetCensus implements FleetCensus {
  readonly #doc: DynamoDBDocumentClient;
  readonly #table: string;
  readonly #onCapacity: CapacityObserver | undefined;

  constructor(options: DynamoDbFleetCensusOptions) {
    this.#table = options.tableName;
    this.#doc = options.client ?? createDocumentClient();
    this.#onCapacity = options.onCapacity;
  }

  get #capacity(): { ReturnConsumedCapacity?: 'TOTAL' } {
    return this.#onCapacity ? { ReturnConsumedCapacity: 'TOTAL' } : {};
  }

  async activeOrgs(): Promise<number | undefined> {
    // A control-plane call: no read units, whatever the fleet's size (invariant 4). DynamoDB refreshes the count about
    // every six hours, so it lags a large import by that much; the planner never lets it fall below what it counts.
    const out = await this.#doc.send(new DescribeTableCommand({ TableName: this.#table }));
    const due = out.Table?.GlobalSecondaryIndexes?.find((i) => i.IndexName === TABLE_SCHEMA.dueIndex.name);
    return typeof due?.ItemCount === 'number' ? due.ItemCount : undefined;
  }

  async regionBeat(self: string, at: number, regions: readonly string[]): Promise<Record<string, number>> {
    const { partitionKey } = TABLE_SCHEMA;
    // Unconditional: only this Region writes its item, and a later heartbeat simply replaces an earlier one. A write
    // is what a Region cut off from the table's quorum cannot make, so a failure here means exactly that.
    const written = await this.#doc.send(
      new UpdateCommand({
        TableName: this.#table,
        Key: { [partitionKey]: regionKey(self) },
        UpdateExpression: 'SET #at = :at',
        ExpressionAttributeNames: { '#at': 'at' },
        ExpressionAttributeValues: { ':at': at },
        ...this.#capacity,
      }),
    );
    this.#onCapacity?.('regionBeat', written.ConsumedCapacity);
    const beats: Record<string, number> = { [self]: at };
    const peers = regions.filter((r) => r !== self);
    if (peers.length === 0) return beats;
    const out = await this.#doc.send(
      new BatchGetCommand({
        RequestItems: {
          [this.#table]: { Keys: peers.map((r) => ({ [partitionKey]: regionKey(r) })), ConsistentRead: true },
        },
        ...this.#capacity,
      }),
    );
    for (const c of out.ConsumedCapacity ?? []) this.#onCapacity?.('regionBeat', c);
    for (const item of out.Responses?.[this.#table] ?? []) {
      const region = String(item[partitionKey]).slice(COORDINATION.regionKeyPrefix.length);
      if (typeof item.at === 'number') beats[region] = item.at;
    }
    return beats;
  }
}
