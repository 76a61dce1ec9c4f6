// One conditional PutItem that can tell a real conflict from its own retried write, as dynamodb-conditional-writer.ts
// does for UpdateItem (a new org, a tombstone replaced by an org onboarded again, the deployment descriptor). Kept
// apart from the UpdateItem writer so that a function that never puts (the sweep worker's store, the on-demand
// refresh) does not carry a PutCommand its role is not granted (test/cdk/on-demand-refresh.test.ts).
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { ConditionFailedError } from '../core/errors.js';
import {
  type CapacityObserver,
  ConditionalWriter,
  isReplicatedWriteConflict,
  type Landed,
  REPLICATED_CONFLICT_TRIES,
  RETRIED_WRITE_LANDED,
} from './dynamodb-conditional-writer.js';

/**
 * A conditional Put's own condition, judged on the item as it is now (e.g. "no item", "still the tombstone read"):
 * after a replicated write conflict the Put is tried again only while it holds, so the race it lost changed nothing.
 */
export type StillApplies = (current: Record<string, unknown> | undefined) => boolean;

export class ConditionalPut {
  readonly #doc: DynamoDBDocumentClient;
  readonly #table: string;
  readonly #onCapacity: CapacityObserver | undefined;
  readonly #reader: ConditionalWriter;

  constructor(doc: DynamoDBDocumentClient, table: string, onCapacity: CapacityObserver | undefined) {
    this.#doc = doc;
    this.#table = table;
    this.#onCapacity = onCapacity;
    this.#reader = new ConditionalWriter(doc, table, onCapacity);
  }

  /**
   * One conditional PutItem (a new org, a tombstone replaced, the deployment descriptor), with update()'s answers: a
   * lost condition throws ConditionFailedError with the item as it is now (ALL_OLD), and a retry that finds its own
   * earlier attempt landed answers RETRIED_WRITE_LANDED. A replicated write conflict (MRSC: another Region wrote the
   * item at that instant, nothing applied) is sorted out from a strongly consistent read: this Put landed before; its
   * condition still holds (`stillApplies`: the race changed nothing it depends on), so it is tried again; or the other
   * writer won, which is a lost condition like any other. Nothing here sends anything: the callers decide on the item.
   */
  async put(
    operation: ConditionFailedError['operation'],
    orgId: string,
    item: Record<string, unknown>,
    condition: Pick<
      ConstructorParameters<typeof PutCommand>[0],
      'ConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'
    >,
    judge: {
      landed: Landed;
      stillApplies: StillApplies;
      capacity?: string;
      /**
       * For a caller that must never hold a secret (the operator CLI): no ALL_OLD on a lost condition, and the
       * conflict's re-read projects these attributes only (what `landed` and `stillApplies` look at).
       */
      projection?: readonly string[];
    },
  ): Promise<'written' | typeof RETRIED_WRITE_LANDED> {
    for (let attempt = 1; ; attempt++) {
      try {
        const out = await this.#doc.send(
          new PutCommand({
            TableName: this.#table,
            Item: { ...item, orgId },
            ...condition,
            ...(judge.projection ? {} : { ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const }),
            ...(this.#onCapacity ? { ReturnConsumedCapacity: 'TOTAL' as const } : {}),
          }),
        );
        this.#onCapacity?.(judge.capacity ?? operation, out.ConsumedCapacity);
        return 'written';
      } catch (err) {
        let current: Record<string, unknown> | undefined;
        if (err instanceof ConditionalCheckFailedException) {
          current = err.Item ? unmarshall(err.Item) : undefined;
          if (current !== undefined && judge.landed(current)) return RETRIED_WRITE_LANDED;
          throw new ConditionFailedError(orgId, operation, current);
        }
        if (!isReplicatedWriteConflict(err)) throw err;
        current = await this.#reader.read(orgId, undefined, judge.projection);
        if (current !== undefined && judge.landed(current)) return RETRIED_WRITE_LANDED;
        if (!judge.stillApplies(current)) throw new ConditionFailedError(orgId, operation, current);
        // The condition still holds: the other Region's write was refused or touched nothing this Put depends on.
        if (attempt >= REPLICATED_CONFLICT_TRIES) throw err;
        await new Promise((resolve) => setTimeout(resolve, 20 * attempt + Math.floor(Math.random() * 50 * attempt)));
      }
    }
  }
}
