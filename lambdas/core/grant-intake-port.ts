// The grant intake's writes to the token table (lambdas/adapters/dynamodb-grant-intake.ts implements them; tests
// may use memory). Both are conditional: a new org must not exist, a new grant must find the version it read, no live
// lease and no newer grant. A lost condition comes back with the item as it is now, so the caller needs no re-read.
import type { GrantWrite } from './grant-decision.js';

export type IntakeWriteResult = { stored: true } | { stored: false; current: Record<string, unknown> | undefined };

export interface GrantIntakeStore {
  /** Strongly consistent read of one record (raw; the record may hold tokens: never log it). */
  get(orgId: string): Promise<Record<string, unknown> | undefined>;
  /** Puts a new org's item unless an item with its orgId exists. */
  putNew(item: Record<string, unknown>): Promise<IntakeWriteResult>;
  /** Stores a grant on an existing org (GrantWrite's condition: version read, lease free, no newer grant). */
  storeGrant(write: GrantWrite, now: number): Promise<IntakeWriteResult>;
  /**
   * Onboards a removed org again: puts the new org's item over its tombstone if that is still the tombstone read
   * (REMOVED, at `expectedVersion`) and its grant watermark is older than `issuedAt` (core/removal.ts).
   */
  replaceRemoved(item: Record<string, unknown>, expectedVersion: number, issuedAt: number): Promise<IntakeWriteResult>;
}
