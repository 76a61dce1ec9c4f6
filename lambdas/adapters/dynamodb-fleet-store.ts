// The FleetStore on DynamoDB: sweep leases and the highest shard count in one coordination item (`#sweep`), one item
// per backed-off token host (`#host:<host>`), and COUNT queries on the due index. Every write is conditional; like the
// token store it marshals and decides nothing the core should decide.
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import {
  type DueCount,
  type FleetStore,
  type HostDegradation,
  type HostDegradationReason,
  ShardCountShrunkError,
  type SweepLease,
  type SweepLeaseGrant,
  type SweepLeaseRequest,
  type SweepState,
} from '../core/fleet-ports.js';
import { Attention } from '../core/record.js';
import { COORDINATION, TABLE_SCHEMA } from '../table-schema.js';
import { isReplicatedWriteConflict } from './dynamodb-conditional-writer.js';
import { type CapacityObserver, createDocumentClient } from './dynamodb-token-store.js';

/** One top-level attribute per shard (`shard7`): a nested map would need its parent created first. */
const shardAttribute = (shard: number) => `shard${shard}`;
const HIGHEST = 'highestShardCount';
/** Claim attempts: a lost race on the `#sweep` item is retried with the shards still free. */
const CLAIM_TRIES = 3;

export interface DynamoDbFleetStoreOptions {
  tableName: string;
  client?: DynamoDBDocumentClient;
  onCapacity?: CapacityObserver;
}

function leaseOf(value: unknown): SweepLease | undefined {
  const v = value as Partial<SweepLease> | undefined;
  if (!v || typeof v.owner !== 'string' || typeof v.until !== 'number') return undefined;
  return { owner: v.owner, tick: typeof v.tick === 'string' ? v.tick : '', until: v.until };
}

function stateOf(item: Record<string, unknown> | undefined): SweepState {
  const leases = new Map<number, SweepLease>();
  for (const [key, value] of Object.entries(item ?? {})) {
    const shard = /^shard(\d+)$/.exec(key)?.[1];
    const lease = shard === undefined ? undefined : leaseOf(value);
    if (lease) leases.set(Number(shard), lease);
  }
  const highest = item?.[HIGHEST];
  return { leases, highestShardCount: typeof highest === 'number' ? highest : undefined };
}

export class DynamoDbFleetStore implements FleetStore {
  readonly #doc: DynamoDBDocumentClient;
  readonly #table: string;
  readonly #onCapacity: CapacityObserver | undefined;

  constructor(options: DynamoDbFleetStoreOptions) {
    this.#table = options.tableName;
    this.#doc = options.client ?? createDocumentClient();
    this.#onCapacity = options.onCapacity;
  }

  get #capacity(): { ReturnConsumedCapacity?: 'TOTAL' } {
    return this.#onCapacity ? { ReturnConsumedCapacity: 'TOTAL' } : {};
  }

  async claimShards(req: SweepLeaseRequest): Promise<SweepLeaseGrant> {
    let wanted = [...new Set(req.shards)].sort((a, b) => a - b);
    const busy = new Set<number>();
    for (let attempt = 0; attempt < CLAIM_TRIES && wanted.length > 0; attempt++) {
      const current = await this.#tryClaim(req, wanted);
      if (current === 'granted') return { granted: wanted, busy: [...busy].sort((a, b) => a - b) };
      const state = stateOf(current);
      if (state.highestShardCount !== undefined && state.highestShardCount > req.shardCount) {
        throw new ShardCountShrunkError(req.shardCount, state.highestShardCount);
      }
      // All or nothing per write: claim again without the shards another sweep walks now.
      for (const shard of wanted) {
        const lease = state.leases.get(shard);
        if (lease && lease.until >= req.now && lease.owner !== req.owner) busy.add(shard);
      }
      wanted = wanted.filter((s) => !busy.has(s));
    }
    return { granted: [], busy: [...new Set([...busy, ...wanted])].sort((a, b) => a - b) };
  }

  /** One conditional write taking every shard in `shards`; the item as it is when the condition fails. */
  async #tryClaim(req: SweepLeaseRequest, shards: number[]): Promise<'granted' | Record<string, unknown> | undefined> {
    const names: Record<string, string> = { '#hi': HIGHEST, '#u': 'until' };
    const free: string[] = [];
    const set = ['#hi = :count'];
    shards.forEach((shard, i) => {
      names[`#s${i}`] = shardAttribute(shard);
      free.push(`(attribute_not_exists(#s${i}) OR #s${i}.#u < :now)`);
      set.push(`#s${i} = :lease`);
    });
    try {
      const out = await this.#doc.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: { [TABLE_SCHEMA.partitionKey]: COORDINATION.sweepLeasesKey },
          UpdateExpression: `SET ${set.join(', ')}`,
          // The highest shard count only grows: a deployment with fewer shards fails here and is told why.
          ConditionExpression: ['(attribute_not_exists(#hi) OR #hi <= :count)', ...free].join(' AND '),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: {
            ':count': req.shardCount,
            ':now': req.now,
            ':lease': { owner: req.owner, tick: req.tick, until: req.until },
          },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          ...this.#capacity,
        }),
      );
      this.#onCapacity?.('claimShards', out.ConsumedCapacity);
      return 'granted';
    } catch (err) {
      // Another Region's sweep wrote it at that instant (MRSC): nothing applied; the item says which shards are taken.
      if (isReplicatedWriteConflict(err)) return this.#sweepItem();
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
      return err.Item ? unmarshall(err.Item) : undefined;
    }
  }

  async releaseShards(shards: readonly number[], owner: string): Promise<void> {
    // One lapsed and was taken over (it stays with its taker), or the write failed: the others are given back one by
    // one. A lease that cannot be given back lapses at its sweep's deadline anyway.
    await this.#onOwnShards('releaseShards', shards, owner, (s) => `REMOVE ${s.join(', ')}`, {});
  }

  async renewShards(shards: readonly number[], owner: string, until: number): Promise<void> {
    // A lease that cannot be renewed lapses; the org leases keep every refresh exclusive either way.
    await this.#onOwnShards('renewShards', shards, owner, (s) => `SET ${s.map((a) => `${a}.#u = :until`).join(', ')}`, {
      names: { '#u': 'until' },
      values: { ':until': until },
    });
  }

  /**
   * One conditional update of the sweep-lease item over the shards this owner still holds (all of them in one write;
   * if that fails because one lapsed, each alone). `update` gets the shards' attribute placeholders.
   */
  async #onOwnShards(
    operation: string,
    shards: readonly number[],
    owner: string,
    update: (shardNames: string[]) => string,
    extra: { names?: Record<string, string>; values?: Record<string, unknown> },
  ): Promise<void> {
    if (shards.length === 0) return;
    const write = async (group: readonly number[]) => {
      const names: Record<string, string> = { '#o': 'owner', ...extra.names };
      group.forEach((shard, i) => {
        names[`#s${i}`] = shardAttribute(shard);
      });
      const shardNames = group.map((_, i) => `#s${i}`);
      const out = await this.#doc.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: { [TABLE_SCHEMA.partitionKey]: COORDINATION.sweepLeasesKey },
          UpdateExpression: update(shardNames),
          ConditionExpression: shardNames.map((n) => `${n}.#o = :owner`).join(' AND '),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: { ':owner': owner, ...extra.values },
          ...this.#capacity,
        }),
      );
      this.#onCapacity?.(operation, out.ConsumedCapacity);
    };
    try {
      await write(shards);
    } catch {
      await Promise.all(shards.map((shard) => write([shard]).catch(() => undefined)));
    }
  }

  async sweepState(): Promise<SweepState> {
    return stateOf(await this.#sweepItem());
  }

  #sweepItem(): Promise<Record<string, unknown> | undefined> {
    return this.#item(COORDINATION.sweepLeasesKey, 'sweepState', true);
  }

  /** One coordination item by key (strongly consistent where a decision follows from it). */
  async #item(key: string, operation: string, consistent: boolean): Promise<Record<string, unknown> | undefined> {
    const out = await this.#doc.send(
      new GetCommand({
        TableName: this.#table,
        Key: { [TABLE_SCHEMA.partitionKey]: key },
        ...(consistent ? { ConsistentRead: true } : {}),
        ...this.#capacity,
      }),
    );
    this.#onCapacity?.(operation, out.ConsumedCapacity);
    return out.Item;
  }

  async countDue(shard: number, now: number, backlogCutoff: number): Promise<DueCount> {
    // One query gives two numbers: ScannedCount is every due entry, Count those the filter keeps (expired tokens not
    // already counted through the attention index). Read cost follows the entries due, as for the sweep itself.
    const due = await this.#count(shard, now, {
      FilterExpression:
        '(attribute_not_exists(#expiresAt) OR #expiresAt <= :now) AND (attribute_not_exists(#att) OR #att <> :expired)',
      ExpressionAttributeNames: { '#expiresAt': 'expiresAt', '#att': 'attention' },
      ExpressionAttributeValues: { ':expired': Attention.Expired },
    });
    if (due.scanned === 0) return { due: 0, expired: 0, backlog: 0 };
    const backlog = backlogCutoff >= now ? due : await this.#count(shard, backlogCutoff, {});
    return { due: due.scanned, expired: due.count, backlog: backlog.scanned };
  }

  async #count(
    shard: number,
    upTo: number,
    filter: {
      FilterExpression?: string;
      ExpressionAttributeNames?: Record<string, string>;
      ExpressionAttributeValues?: Record<string, unknown>;
    },
  ): Promise<{ count: number; scanned: number }> {
    const { dueIndex } = TABLE_SCHEMA;
    let count = 0;
    let scanned = 0;
    let startKey: Record<string, unknown> | undefined;
    do {
      const out = await this.#doc.send(
        new QueryCommand({
          TableName: this.#table,
          IndexName: dueIndex.name,
          KeyConditionExpression: '#shard = :shard AND #refreshAt <= :upTo',
          Select: 'COUNT',
          ...(filter.FilterExpression ? { FilterExpression: filter.FilterExpression } : {}),
          ExpressionAttributeNames: {
            '#shard': dueIndex.partitionKey,
            '#refreshAt': dueIndex.sortKey,
            ...filter.ExpressionAttributeNames,
          },
          ExpressionAttributeValues: {
            ':shard': shard,
            ':upTo': upTo,
            ...(filter.FilterExpression ? { ':now': upTo } : {}),
            ...filter.ExpressionAttributeValues,
          },
          ExclusiveStartKey: startKey,
          ...this.#capacity,
        }),
      );
      this.#onCapacity?.('countDue', out.ConsumedCapacity);
      count += out.Count ?? 0;
      scanned += out.ScannedCount ?? 0;
      startKey = out.LastEvaluatedKey;
    } while (startKey);
    return { count, scanned };
  }

  async degradedHosts(): Promise<HostDegradation[]> {
    const keys: string[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const out = await this.#doc.send(
        new QueryCommand({
          TableName: this.#table,
          IndexName: TABLE_SCHEMA.attentionIndex.name,
          KeyConditionExpression: '#attention = :degraded',
          ExpressionAttributeNames: { '#attention': TABLE_SCHEMA.attentionIndex.partitionKey },
          ExpressionAttributeValues: { ':degraded': COORDINATION.hostDegradedAttention },
          ExclusiveStartKey: startKey,
          ...this.#capacity,
        }),
      );
      this.#onCapacity?.('degradedHosts', out.ConsumedCapacity);
      for (const item of out.Items ?? []) keys.push(String(item[TABLE_SCHEMA.partitionKey]));
      startKey = out.LastEvaluatedKey;
    } while (startKey);
    // The index holds keys only; a degraded host is rare, so one read each is cheap.
    const found = await Promise.all(keys.map((key) => this.#item(key, 'degradedHosts', false)));
    return found.flatMap((item) => {
      if (!item || typeof item.degradedUntil !== 'number' || typeof item.host !== 'string') return [];
      return [{ host: item.host, until: item.degradedUntil, reason: item.reason as HostDegradationReason }];
    });
  }

  async markHostDegraded(d: HostDegradation, now: number): Promise<{ announce: boolean; until: number }> {
    try {
      const out = await this.#doc.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: { [TABLE_SCHEMA.partitionKey]: `${COORDINATION.hostKeyPrefix}${d.host}` },
          UpdateExpression: 'SET #host = :host, #until = :until, #reason = :reason, #since = :now, #att = :degraded',
          // Only ever extends a backoff; the writer that found the host healthy (no backoff, or one that had ended)
          // is the one that announces this episode.
          ConditionExpression: 'attribute_not_exists(#until) OR #until < :until',
          ExpressionAttributeNames: {
            '#host': 'host',
            '#until': 'degradedUntil',
            '#reason': 'reason',
            '#since': 'degradedSince',
            '#att': 'attention',
          },
          ExpressionAttributeValues: {
            ':host': d.host,
            ':until': d.until,
            ':reason': d.reason,
            ':now': now,
            ':degraded': COORDINATION.hostDegradedAttention,
          },
          ReturnValues: 'ALL_OLD',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          ...this.#capacity,
        }),
      );
      this.#onCapacity?.('markHostDegraded', out.ConsumedCapacity);
      const before = out.Attributes?.degradedUntil;
      return { announce: typeof before !== 'number' || before <= now, until: d.until };
    } catch (err) {
      // Another Region backed the host off at that instant (MRSC): it announces; this sweep backs off as long.
      if (isReplicatedWriteConflict(err)) {
        const current = await this.#item(`${COORDINATION.hostKeyPrefix}${d.host}`, 'degradedHosts', true);
        const stored = typeof current?.degradedUntil === 'number' ? current.degradedUntil : d.until;
        return { announce: false, until: Math.max(stored, d.until) };
      }
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
      const current = err.Item ? unmarshall(err.Item) : undefined;
      const until = typeof current?.degradedUntil === 'number' ? current.degradedUntil : d.until;
      return { announce: false, until };
    }
  }

  async clearHostDegradation(host: string, now: number): Promise<void> {
    try {
      const out = await this.#doc.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: { [TABLE_SCHEMA.partitionKey]: `${COORDINATION.hostKeyPrefix}${host}` },
          UpdateExpression: 'REMOVE #att',
          ConditionExpression: '#until <= :now AND attribute_exists(#att)',
          ExpressionAttributeNames: { '#att': 'attention', '#until': 'degradedUntil' },
          ExpressionAttributeValues: { ':now': now },
          ...this.#capacity,
        }),
      );
      this.#onCapacity?.('clearHostDegradation', out.ConsumedCapacity);
    } catch (err) {
      // A lost condition or another Region's write at the same instant: the next sweep unlists it.
      if (!(err instanceof ConditionalCheckFailedException) && !isReplicatedWriteConflict(err)) throw err;
    }
  }
}
