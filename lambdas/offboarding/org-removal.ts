// Offboarding one org, for both doors (a hosted app's `removeOrg` through the grant intake, an operator's
// `tenants remove`): read, decide (core/removal.ts), wait out a refresher's lease if there is time, write the
// tombstone with the table's fence, then revoke what the write removed, publish `Org Removed` and say what became of
// each token. Everything goes through ports, so the intake, the CLI and the tests run this same code.
import type { Notifier } from '../core/ports.js';
import { type RemovedByValue, removalDecision } from '../core/removal.js';
import type { RemovalStore } from '../core/removal-port.js';
import type { RevocationSummary } from '../core/revocation.js';
import { type RevokeDeps, revokeTokens } from './revoke-tokens.js';

export interface OrgRemovalDeps extends RevokeDeps {
  store: RemovalStore;
  notifier: Notifier;
}

export interface RemovalScope {
  /** Time left before the caller must answer (an invocation's remaining time, a CLI's deadline). */
  remainingMs(): number;
  /**
   * Whether a refresher's lease may be waited for (the intake: yes, within its time; the CLI: no, it says "busy,
   * retry in N s" at once like its other writes).
   */
  waitForLease: boolean;
  /**
   * The record as this caller may see it (a hosted app: its own orgs only, lambdas/intake/app-scope.ts); anything else
   * reads as no record, so the removal answers as for an org that does not exist. Default: every record.
   */
  visible?: (record: Record<string, unknown> | undefined) => Record<string, unknown> | undefined;
}

export type RemovalResult =
  | {
      outcome: 'removed';
      orgId: string;
      removedAt: number;
      by: RemovedByValue;
      revocation: RevocationSummary;
      /** Provider requests the revocation sent. */
      requests: number;
    }
  | { outcome: 'already_removed'; orgId: string; removedAt: number | undefined }
  | { outcome: 'not_found'; orgId: string }
  /** A refresher held the org longer than this removal could wait: nothing was written. */
  | { outcome: 'busy'; orgId: string; retryAfterMs: number }
  | { outcome: 'invalid'; orgId: string; message: string };

/** Re-decisions after a write lost to a concurrent writer (a refresher's commit, a hand-over), or after a wait. */
const WRITE_ATTEMPTS = 4;
/** Waiting past a lease's end by this much lets its holder's release land first. */
const LEASE_MARGIN_MS = 100;
const FIRST_PAUSE_MS = 50;
const MAX_PAUSE_MS = 1_000;
/** Kept free after a wait: the write, the event, the answer. */
const RESERVE_MS = 2_000;

export class OrgRemoval {
  constructor(private readonly deps: OrgRemovalDeps) {}

  /** Never throws for anything the record can cause; a store that stays down throws (the caller fails as a whole). */
  async remove(orgId: string, by: RemovedByValue, scope: RemovalScope): Promise<RemovalResult> {
    const { store, clock, settings } = this.deps;
    // After a wait the revocation still needs its requests: two tokens, one HTTP timeout each at least.
    const keepMs = 2 * settings.httpTimeoutMs + RESERVE_MS;
    const visible = scope.visible ?? ((record) => record);
    let current = visible(await store.get(orgId));
    let retryAfterMs = 1_000;
    for (let attempt = 1; attempt <= WRITE_ATTEMPTS; attempt++) {
      const now = clock.now();
      const decision = removalDecision(orgId, current, now, by);
      switch (decision.decision) {
        case 'not_found':
          return { outcome: 'not_found', orgId };
        case 'already_removed':
          return { outcome: 'already_removed', orgId, removedAt: decision.removedAt };
        case 'reject':
          return { outcome: 'invalid', orgId, message: decision.message };
        case 'wait':
          retryAfterMs = decision.until - now + LEASE_MARGIN_MS;
          if (!scope.waitForLease || !(await this.#untilReleased(orgId, decision.until, scope, keepMs))) {
            return { outcome: 'busy', orgId, retryAfterMs: decision.until - clock.now() + LEASE_MARGIN_MS };
          }
          current = visible(await store.get(orgId));
          continue;
        case 'write': {
          const written = await store.tombstone(decision.write, now);
          if (!written.written) {
            // A refresher committed (or claimed, or another removal landed) since the read: decide on what is there.
            current = visible(written.current);
            continue;
          }
          // The write's own ALL_OLD. Lost only when the SDK retried a write that had landed: the record read at the
          // same version held the same tokens (every write that changes a token moves the version).
          const removed = written.old ?? (current as Record<string, unknown>);
          return this.#afterRemoval(orgId, decision.write.removedAt, by, removed, scope);
        }
      }
    }
    return { outcome: 'busy', orgId, retryAfterMs };
  }

  async #afterRemoval(
    orgId: string,
    removedAt: number,
    by: RemovedByValue,
    removed: Record<string, unknown>,
    scope: RemovalScope,
  ): Promise<RemovalResult> {
    const { notifier, log } = this.deps;
    const { summary, requests } = await revokeTokens(this.deps, removed, () => scope.remainingMs());
    log.info('org removed', {
      orgId,
      by,
      refreshToken: summary.refreshToken.result,
      accessToken: summary.accessToken.result,
    });
    await notifier.orgEvent('Removed', {
      orgId,
      reason: by,
      at: removedAt,
      revocation: {
        refreshToken: summary.refreshToken.result,
        refreshTokenReason: summary.refreshToken.reason,
        accessToken: summary.accessToken.result,
        accessTokenReason: summary.accessToken.reason,
        accessTokenExpiresAt: summary.accessToken.expiresAt,
      },
    });
    return { outcome: 'removed', orgId, removedAt, by, revocation: summary, requests };
  }

  /**
   * Waits until no refresher holds the org: re-reads with a growing pause, never past the lease's end plus a margin,
   * and never into the last `keepMs` of the caller's time. True when the org is free (or gone).
   */
  async #untilReleased(orgId: string, until: number, scope: RemovalScope, keepMs: number): Promise<boolean> {
    const { store, clock, log } = this.deps;
    log.info('waiting for a refresher to release the org before removing it', {
      orgId,
      leaseEndsInMs: until - clock.now(),
    });
    let leaseUntil: unknown = until;
    for (let pauseMs = FIRST_PAUSE_MS; typeof leaseUntil === 'number' && leaseUntil >= clock.now(); ) {
      const waitMs = Math.min(pauseMs, leaseUntil - clock.now() + LEASE_MARGIN_MS);
      if (scope.remainingMs() - waitMs < keepMs) return false;
      await clock.sleep(waitMs);
      pauseMs = Math.min(pauseMs * 2, MAX_PAUSE_MS);
      leaseUntil = (await store.get(orgId))?.leaseUntil;
    }
    return true;
  }
}
