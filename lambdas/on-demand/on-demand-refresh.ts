// A hosted app asks for a fresh token (after a 401) or one that stays valid long enough (docs/design.md, "On-demand
// refresh"). Read the record, decide (core/on-demand-decision.ts), and either answer the stored token, wait for the
// refresher holding the org, refuse by the per-org limit, or refresh — through the refresher's own claim and commit:
// the claim is conditional on the version this call read (so of N callers who saw one token, one claims and the rest
// lose and wait for its commit) and on the org's last forced refresh being old enough (the per-org limit, held by
// DynamoDB across concurrent invocations); the exchange goes through the token host's gate and the commit through the
// version fence, exactly as a sweep's. Nothing here sends a refresh token: OrgRefresher.refreshClaimed does.
import { leaseHoldMs } from '../core/commit-window.js';
import { ConditionFailedError, ErrorCode } from '../core/errors.js';
import { tokenHostOf } from '../core/host-limits.js';
import {
  forcedBefore,
  isRepeatedForcedRefresh,
  type OnDemandAsk,
  onDemandDecision,
} from '../core/on-demand-decision.js';
import type { Clock, Log, TokenStore } from '../core/ports.js';
import { PROFILES, PROVIDER_NAMES, type ProviderName } from '../core/provider-profiles.js';
import { fingerprint, scrub } from '../core/redact.js';
import { validateClaimed } from '../refresher/claim.js';
import type { HostGate } from '../refresher/host-gate.js';
import type { OrgRefresher } from '../refresher/org-refresher.js';
import type { Claimed, RunScope } from '../refresher/refresh-deps.js';
import type { RefreshOutcome } from '../refresher/refresh-outcome.js';
import { addOutcome, emptySummary, type RunSummary } from '../refresher/run-refresh.js';
import { codeForRefresherError, type OnDemandAnswer, OnDemandCode, refusal, tokenAnswer } from './on-demand-answer.js';
import { parseOnDemandRequest } from './on-demand-request.js';
import type { OrgAccessCheck } from './org-access.js';

export interface OnDemandSettings {
  leaseMs: number;
  /** ON_DEMAND_INTERVAL_SECONDS in ms: one on-demand refresh per org per this long. */
  minIntervalMs: number;
}

export interface OnDemandDeps {
  store: TokenStore;
  clock: Clock;
  log: Log;
  /** The refresher's own refresh of a claimed org (its deps validate the claimed record). */
  refresher: Pick<OrgRefresher, 'refreshClaimed' | 'deps'>;
  /** A token-host gate for one refresh: the host's limits and backoff, shared with every sweep. */
  hostGate(): HostGate | undefined;
  orgAccess: OrgAccessCheck;
  settings: OnDemandSettings;
}

/** How an invocation ended, for the metrics: exactly one per invocation. */
export type OnDemandOutcome = 'refreshed' | 'served' | 'limited' | 'failed';

export interface OnDemandResult {
  answer: OnDemandAnswer;
  outcome: OnDemandOutcome;
  /** This call refreshed an org force-refreshed within the loop window (OnDemandRepeated). */
  repeated: boolean;
  /** The refresh this call ran, if any: its metrics are the refresher's. */
  summary?: RunSummary;
}

/** Decisions per call: each lost claim or wait is followed by another; more means the org keeps moving. */
const MAX_ROUNDS = 5;
/** Kept free at the end of the invocation for the last read and the answer. */
const RESERVE_MS = 2_000;
/** Waiting past a lease's end by this much lets its holder's release land first. */
const LEASE_MARGIN_MS = 100;
/** Re-reads while a refresher holds the org: 50 ms, doubling to 1 s (a refresh usually takes one token request). */
const FIRST_PAUSE_MS = 50;
const MAX_PAUSE_MS = 1_000;

/** When the claim's send part and whole hold end. */
type ClaimedLease = Pick<Claimed, 'sendUntil' | 'heldUntil'>;

export class OnDemandRefresh {
  constructor(private readonly d: OnDemandDeps) {}

  /** Never throws for anything a payload or a record can cause; a store that stays down throws. */
  async handle(payload: unknown, scope: RunScope, invokedFunctionArn: string): Promise<OnDemandResult> {
    const parsed = parseOnDemandRequest(payload);
    if (!parsed.ok) {
      return failed(refusal(OnDemandCode.InvalidRequest, { orgId: parsed.orgId, message: parsed.message }));
    }
    const { orgId, ask } = parsed.request;
    const access = this.d.orgAccess(orgId, invokedFunctionArn);
    if (access.decision === 'deny') return failed(refusal(OnDemandCode.NotPermitted, { orgId, reason: access.reason }));
    return this.#serve(orgId, ask, scope);
  }

  async #serve(orgId: string, ask: OnDemandAsk, scope: RunScope): Promise<OnDemandResult> {
    const { store, clock, settings } = this.d;
    const since = clock.now();
    let record = await store.get(orgId);
    let waited = false;
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const now = clock.now();
      const storedFingerprint =
        typeof record?.accessToken === 'string' ? await fingerprint(record.accessToken) : undefined;
      const decision = onDemandDecision(ask, {
        record,
        storedFingerprint,
        now,
        since,
        minIntervalMs: settings.minIntervalMs,
      });
      switch (decision.decision) {
        case 'answer': {
          const answer = tokenAnswer(orgId, record, waited ? 'shared' : 'stored', now);
          if (answer) return { answer, outcome: 'served', repeated: false };
          return failed(refusal(OnDemandCode.RefreshFailed, { orgId, retryAfterMs: 1_000 }));
        }
        case 'refuse':
          return failed(refusal(decision.reason, { orgId }));
        case 'failed':
          return failed(
            refusal(codeForRefresherError(decision.errorCode), {
              orgId,
              reason: decision.errorCode,
              retryAfterMs: retryAfterMs(record, now),
            }),
          );
        case 'limited':
          return {
            answer: refusal(OnDemandCode.Limited, { orgId, retryAfterMs: decision.retryAfterMs }),
            outcome: 'limited',
            repeated: false,
          };
        case 'wait': {
          const after = await this.#untilMoved(orgId, record, decision.until, scope);
          if (!after.moved) return failed(refusal(OnDemandCode.Busy, { orgId, retryAfterMs: decision.until - now }));
          record = after.record;
          waited = true;
          continue;
        }
        case 'refresh': {
          // A claimed org must have a whole hold of time to finish (sending, then committing through a store
          // brownout: core/commit-window.ts), or its lease would be abandoned mid-refresh.
          if (scope.remainingMs() < leaseHoldMs(settings.leaseMs) + RESERVE_MS) {
            return failed(refusal(OnDemandCode.Busy, { orgId, retryAfterMs: 1_000 }));
          }
          const claim = await this.#claim(orgId, decision.expectedVersion, scope, now);
          if ('current' in claim) {
            // Lost: another caller claimed at this version, a sweep committed, or the limit was reached meanwhile.
            // DynamoDB sent the item as it is now: decide again on it.
            record = claim.current;
            continue;
          }
          return this.#refreshClaimed(orgId, ask, claim, scope, now);
        }
      }
    }
    return failed(refusal(OnDemandCode.Busy, { orgId, retryAfterMs: 1_000 }));
  }

  /** The claim, with the per-org limit in its condition. The item as it was, or the item as it is now if lost. */
  async #claim(
    orgId: string,
    expectedVersion: number,
    scope: RunScope,
    now: number,
  ): Promise<
    { before: Record<string, unknown>; lease: ClaimedLease } | { current: Record<string, unknown> | undefined }
  > {
    const { store, settings } = this.d;
    // The sweep's own lease: a send part, then a commit part (core/commit-window.ts); the record holds the whole hold.
    const lease = { sendUntil: now + settings.leaseMs, heldUntil: now + leaseHoldMs(settings.leaseMs) };
    try {
      const before = await store.claim({
        orgId,
        expectedVersion,
        owner: scope.owner,
        leaseUntil: lease.heldUntil,
        now,
        forced: { previousBefore: forcedBefore(now, settings.minIntervalMs) },
      });
      return { before, lease };
    } catch (err) {
      if (err instanceof ConditionFailedError) return { current: err.current };
      throw err;
    }
  }

  async #refreshClaimed(
    orgId: string,
    ask: OnDemandAsk,
    claim: { before: Record<string, unknown>; lease: ClaimedLease },
    scope: RunScope,
    now: number,
  ): Promise<OnDemandResult> {
    const { store, clock, log, refresher } = this.d;
    const repeated = isRepeatedForcedRefresh(ask, claim.before.forcedRefreshAt, now);
    if (repeated) {
      // The token the previous on-demand refresh issued was rejected too: refreshing is not what this app needs.
      log.warn('on-demand refresh repeated', {
        orgId,
        tokenHost: tokenHostOfRecord(claim.before),
        previousForcedRefreshAt: claim.before.forcedRefreshAt,
      });
    }
    const version = Number(claim.before.version);
    const gate = this.d.hostGate();
    // The gate outlives the invocation: only the backoffs this refresh started are this summary's.
    const announcedBefore = gate?.announced.length ?? 0;
    const gated: RunScope = { ...scope, ...(gate ? { hostGate: gate } : {}) };
    let outcome: RefreshOutcome;
    try {
      const claimed: Claimed | RefreshOutcome = await validateClaimed(
        refresher.deps,
        orgId,
        claim.before,
        version,
        claim.lease,
        gated,
      );
      outcome = 'result' in claimed ? claimed : await refresher.refreshClaimed(claimed, gated);
    } catch (err) {
      // DynamoDB failed past the SDK's retries. The lease lapses by itself and the next claimer treats the org as
      // ambiguous, so nothing is lost; this call has no token to answer.
      log.warn('on-demand refresh aborted by a store error', { orgId, error: scrub(String((err as Error)?.message)) });
      outcome = { orgId, result: 'failed', code: ErrorCode.StoreUnavailable, failureClass: 'store' };
    }
    const summary = emptySummary('direct', scope.owner);
    summary.due = 1;
    addOutcome(summary, outcome);
    const announced = gate?.announced.slice(announcedBefore) ?? [];
    if (announced.length > 0) summary.hostsDegraded = announced.map((d) => d.host);
    summary.durationMs = clock.now() - now;
    const record = await store.get(orgId);
    if (outcome.result === 'refreshed') {
      const answer = tokenAnswer(orgId, record, 'refreshed', clock.now());
      if (answer) return { answer, outcome: 'refreshed', repeated, summary };
    }
    const code = outcome.result === 'failed' ? outcome.code : outcome.result === 'skipped' ? outcome.reason : 'NONE';
    const answer = refusal(codeForRefresherError(code), {
      orgId,
      reason: code,
      retryAfterMs: retryAfterMs(record, clock.now()),
    });
    return { answer, outcome: 'failed', repeated, summary };
  }

  /**
   * Waits until the refresher holding the org has committed (the version moved) or let it go: re-reads with a growing
   * pause, never past the lease's end plus a margin, never into the last RESERVE_MS of the invocation.
   */
  async #untilMoved(
    orgId: string,
    record: Record<string, unknown> | undefined,
    until: number,
    scope: RunScope,
  ): Promise<{ moved: true; record: Record<string, unknown> | undefined } | { moved: false }> {
    const { store, clock } = this.d;
    const version = record?.version;
    let current = record;
    for (let pauseMs = FIRST_PAUSE_MS; ; pauseMs = Math.min(pauseMs * 2, MAX_PAUSE_MS)) {
      const leaseUntil = current?.leaseUntil;
      const held = typeof leaseUntil === 'number' && leaseUntil >= clock.now();
      if (current === undefined || current.version !== version || !held) return { moved: true, record: current };
      const waitMs = Math.min(pauseMs, Math.max(until, leaseUntil) - clock.now() + LEASE_MARGIN_MS);
      if (scope.remainingMs() - waitMs < RESERVE_MS) return { moved: false };
      await clock.sleep(Math.max(1, waitMs));
      current = await store.get(orgId);
    }
  }
}

function failed(answer: OnDemandAnswer): OnDemandResult {
  return { answer, outcome: 'failed', repeated: false };
}

/** When the refresher will try the org again (its backoff), as the app's retry hint; at least a second. */
function retryAfterMs(record: Record<string, unknown> | undefined, now: number): number {
  const refreshAt = record?.refreshAt;
  return typeof refreshAt === 'number' && refreshAt > now ? refreshAt - now : 1_000;
}

/** The org's token host, for the on-call log line (never the URL's path or query). */
function tokenHostOfRecord(record: Record<string, unknown>): string | undefined {
  const provider = record.provider as ProviderName;
  if (!PROVIDER_NAMES.includes(provider)) return undefined;
  try {
    return tokenHostOf(
      PROFILES[provider].tokenUrl(record as Parameters<(typeof PROFILES)[ProviderName]['tokenUrl']>[0]),
    );
  } catch {
    return undefined;
  }
}
