// One conditional UpdateItem that can tell a real conflict from its own retried write. The SDK retries a request
// whose answer was lost (a 5xx, a timeout or a reset after DynamoDB had applied it), and so does the refresher's
// commit loop; the retry then fails its own condition although the write happened. The item DynamoDB returns with the
// failure (ALL_OLD) shows which case it is.
//
// On a global table with multi-Region strong consistency (docs/regions.md) a write can also be refused because
// another Region was writing the same item at that instant (ReplicatedWriteConflictException): nothing was applied,
// and no item comes with it. The writer reads the item as it is now (a strongly consistent read sees the latest
// version in every Region) and sorts it out the same way: its own earlier attempt landed; the fence is still its own
// (the other Region's write was refused or touched nothing of ours), so the write is tried again; or someone else
// holds the org, which is a lost condition like any other.
import {
  ConditionalCheckFailedException,
  type ConsumedCapacity,
  ReplicatedWriteConflictException,
} from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { ConditionFailedError } from '../core/errors.js';

/** update()'s answer when the SDK's retry failed its condition because the first attempt had already applied. */
export const RETRIED_WRITE_LANDED = Symbol('retried write landed');

/** Recognises this very write in the item as it is now. */
export type Landed = (current: Record<string, unknown>) => boolean;

/**
 * A fenced write's condition still holds in the item as it is now (this owner, this version): after a replicated
 * write conflict the write is tried again, since it can only land while the fence is ours.
 */
export type StillMine = (current: Record<string, unknown>) => boolean;

/** Tries of a fenced write refused by replicated write conflicts, on top of the SDK's own retries of each. */
export const REPLICATED_CONFLICT_TRIES = 4;

/** A write refused because another Region was writing the same item (MRSC): nothing was applied. */
export function isReplicatedWriteConflict(err: unknown): boolean {
  return (
    err instanceof ReplicatedWriteConflictException ||
    (err as { name?: unknown } | undefined)?.name === 'ReplicatedWriteConflictException'
  );
}

export type CapacityObserver = (operation: string, capacity: ConsumedCapacity | undefined) => void;

export class ConditionalWriter {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly onCapacity: CapacityObserver | undefined,
  ) {}

  /**
   * One conditional UpdateItem. The SDK retries a request whose answer was lost (a 5xx, a timeout or a reset after
   * DynamoDB had applied it), and so does the core's commit loop after the SDK gave up; the retry then fails its own
   * condition although the write happened. `landed` tells that case from a real conflict by the item returned with
   * the failure. Without it a stored token was reported lost
   * (false TokenNotCommitted/RotationLost alarms, and a RotationLost event telling the customer to re-authorise) and
   * a dead grant's ReauthRequired event was skipped. A replicated write conflict (MRSC) is sorted out the same way
   * from a strongly consistent read; `stillMine` says whether a fenced write may try again (see the file's header).
   */
  async update(
    operation: ConditionFailedError['operation'],
    orgId: string,
    landed: Landed,
    input: Omit<ConstructorParameters<typeof UpdateCommand>[0], 'TableName' | 'Key'>,
    options: { timeoutMs?: number | undefined; stillMine?: StillMine | undefined } = {},
  ): Promise<Record<string, unknown> | typeof RETRIED_WRITE_LANDED | undefined> {
    // The timeout bounds the whole call, a replicated conflict's reads and tries included.
    const signal = options.timeoutMs === undefined ? undefined : AbortSignal.timeout(options.timeoutMs);
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#once(operation, orgId, landed, input, signal);
      } catch (err) {
        if (!isReplicatedWriteConflict(err)) throw err;
        const current = await this.read(orgId, signal);
        if (current !== undefined && landed(current)) return RETRIED_WRITE_LANDED;
        // A claim (no fence yet) lost a race: the caller reads why from the item, as after any lost condition.
        const { stillMine } = options;
        if (stillMine === undefined || current === undefined || !stillMine(current)) {
          throw new ConditionFailedError(orgId, operation, current);
        }
        // Still ours: the other Region's write was refused or is done. Give up only after a few tries, as a
        // transient store error (the commit loop retries those; a release lets the lease lapse).
        if (attempt >= REPLICATED_CONFLICT_TRIES || signal?.aborted) throw err;
        await new Promise((resolve) => setTimeout(resolve, 20 * attempt + Math.floor(Math.random() * 50 * attempt)));
      }
    }
  }

  /** The item as it is now: a strongly consistent read, the latest version in every Region. */
  async read(
    orgId: string,
    signal?: AbortSignal,
    projection?: readonly string[],
  ): Promise<Record<string, unknown> | undefined> {
    const out = await this.doc.send(
      new GetCommand({
        TableName: this.table,
        Key: { orgId },
        ConsistentRead: true,
        ...(projection
          ? {
              ProjectionExpression: projection.map((_, i) => `#p${i}`).join(', '),
              ExpressionAttributeNames: Object.fromEntries(projection.map((a, i) => [`#p${i}`, a])),
            }
          : {}),
        ...(this.onCapacity ? { ReturnConsumedCapacity: 'TOTAL' as const } : {}),
      }),
      signal === undefined ? undefined : { abortSignal: signal },
    );
    this.onCapacity?.('get', out.ConsumedCapacity);
    return out.Item;
  }

  async #once(
    operation: ConditionFailedError['operation'],
    orgId: string,
    landed: Landed,
    input: Omit<ConstructorParameters<typeof UpdateCommand>[0], 'TableName' | 'Key'>,
    signal: AbortSignal | undefined,
  ): Promise<Record<string, unknown> | typeof RETRIED_WRITE_LANDED | undefined> {
    try {
      const out = await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { orgId },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          ...(this.onCapacity ? { ReturnConsumedCapacity: 'TOTAL' as const } : {}),
          ...input,
        }),
        // The whole call, the SDK's own retries included: a write abandoned here may still land, which the next
        // attempt recognises as its own (`landed`).
        signal === undefined ? undefined : { abortSignal: signal },
      );
      this.onCapacity?.(operation, out.ConsumedCapacity);
      return out.Attributes;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) {
        // lib-dynamodb does not unmarshall the item carried by the exception.
        const current = err.Item ? unmarshall(err.Item) : undefined;
        if (current !== undefined && landed(current)) return RETRIED_WRITE_LANDED;
        throw new ConditionFailedError(orgId, operation, current);
      }
      throw err;
    }
  }
}
