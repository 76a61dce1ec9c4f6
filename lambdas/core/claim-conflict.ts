// What a lost claim means. The claim's condition failed and DynamoDB sent the item as it is now (ALL_OLD): skip the
// org (someone else holds it, refreshed it, or it is no longer ACTIVE), call the record invalid, or try once more at
// the version the item really has. Pure, so each row is a table test.
import { RecordStatus } from './record.js';

export type SkipReason = 'LEASED' | 'NOT_DUE' | 'NOT_ACTIVE' | 'NOT_FOUND' | 'OUT_OF_TIME' | 'HOST_DEGRADED';

export type ClaimConflictVerdict =
  | { decision: 'skip'; reason: SkipReason }
  | { decision: 'invalid'; message: string }
  | { decision: 'retry'; expectedVersion: number };

/**
 * `force` (a direct invocation, the CLI) claims an org that is not due. A retry happens when the due index's copy
 * of the version lagged the table (the index is eventually consistent): the org is still due and unleased.
 */
export function claimConflictVerdict(
  current: Record<string, unknown> | undefined,
  now: number,
  force: boolean,
): ClaimConflictVerdict {
  if (current === undefined) return { decision: 'skip', reason: 'NOT_FOUND' };
  if (current.status !== RecordStatus.Active) return { decision: 'skip', reason: 'NOT_ACTIVE' };
  if (typeof current.leaseUntil === 'number' && current.leaseUntil >= now)
    return { decision: 'skip', reason: 'LEASED' };
  // Another refresher already did the work since the index was read: nothing is due any more.
  if (!force && !(typeof current.refreshAt === 'number' && current.refreshAt <= now)) {
    return { decision: 'skip', reason: 'NOT_DUE' };
  }
  if (typeof current.version !== 'number')
    return { decision: 'invalid', message: 'version is missing or not a number' };
  return { decision: 'retry', expectedVersion: current.version };
}
