// Waiting for a refresher to let go of an org, for the writers that must never write under a live lease and can
// afford to wait a little (the grant intake, a removal, an on-demand caller): re-read with a growing pause — a refresh
// holds its lease for about one token request, usually far less than the lease — never past the lease's end plus a
// margin, and never into the last `keepMs` of the caller's time.
import type { Clock } from '../core/ports.js';

/** Waiting past a lease's end by this much lets its holder's release land first. */
export const LEASE_MARGIN_MS = 100;
/** Re-reads while a refresher holds the org: 50 ms, doubling to 1 s. */
export const FIRST_PAUSE_MS = 50;
export const MAX_PAUSE_MS = 1_000;

export interface LeaseWaitDeps {
  clock: Clock;
  /** The org's record as it is now (or undefined: gone). */
  read(orgId: string): Promise<Record<string, unknown> | undefined>;
}

/** True when no refresher holds the org any more (or it is gone); false when the caller's time ran out first. */
export async function untilLeaseReleased(
  deps: LeaseWaitDeps,
  orgId: string,
  until: number,
  remainingMs: () => number,
  keepMs: number,
): Promise<boolean> {
  const { clock } = deps;
  let leaseUntil: unknown = until;
  for (let pauseMs = FIRST_PAUSE_MS; typeof leaseUntil === 'number' && leaseUntil >= clock.now(); ) {
    const waitMs = Math.min(pauseMs, leaseUntil - clock.now() + LEASE_MARGIN_MS);
    if (remainingMs() - waitMs < keepMs) return false;
    await clock.sleep(waitMs);
    pauseMs = Math.min(pauseMs * 2, MAX_PAUSE_MS);
    leaseUntil = (await deps.read(orgId))?.leaseUntil;
  }
  return true;
}
