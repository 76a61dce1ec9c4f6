// One conditional UpdateItem that can tell a real conflict from its own retried write. The SDK retries a request
// whose answer was lost (a 5xx, a timeout or a reset after DynamoDB had applied it), and so does the refresher's
// commit loop; the retry then fails its own condition although the write happened. The item DynamoDB returns with the
// failure (ALL_OLD) shows which case it is.
import { ConditionalCheckFailedException, type ConsumedCapacity } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { ConditionFailedError } from '../core/errors.js';

/** update()'s answer when the SDK's retry failed its condition because the first attempt had already applied. */
export const RETRIED_WRITE_LANDED = Symbol('retried write landed');

/** Recognises this very write in the item as it is now. */
export type Landed = (current: Record<string, unknown>) => boolean;

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
   * a dead grant's ReauthRequired event was skipped.
   */
  async update(
    operation: ConditionFailedError['operation'],
    orgId: string,
    landed: Landed,
    input: Omit<ConstructorParameters<typeof UpdateCommand>[0], 'TableName' | 'Key'>,
    options: { timeoutMs?: number | undefined } = {},
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
        options.timeoutMs === undefined ? undefined : { abortSignal: AbortSignal.timeout(options.timeoutMs) },
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
