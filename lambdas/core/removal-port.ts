// The removal's reads and its one write on the token table (lambdas/adapters/dynamodb-org-removal.ts implements
// them; tests may use memory). The write is conditional on the version read and no live lease, and returns the
// record as it was (ALL_OLD): the tokens to revoke are exactly the ones it removed.
import type { TombstoneWrite } from './removal.js';

export type TombstoneResult =
  /**
   * Written. `old` is the record the write replaced; undefined only when the write's answer was lost and the SDK's
   * retry found the tombstone already there (then the record read at the same version held the same tokens).
   */
  | { written: true; old: Record<string, unknown> | undefined }
  /** The condition failed: the record as it is now (a refresher committed, or holds the lease, or it is gone). */
  | { written: false; current: Record<string, unknown> | undefined };

export interface RemovalStore {
  /** Strongly consistent read of one record (raw; it may hold tokens: never log it). */
  get(orgId: string): Promise<Record<string, unknown> | undefined>;
  /** The tombstone write: conditional on `write.expectedVersion` and no lease live at `now`. */
  tombstone(write: TombstoneWrite, now: number): Promise<TombstoneResult>;
}
