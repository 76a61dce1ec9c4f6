// One run of the refresher: sweep the due index (scheduled) or refresh named orgs (direct invocation), with bounded
// concurrency and a time budget, and sum the outcomes into a summary that becomes the log line and the metrics.
import pLimit from 'p-limit';
import { attentionGauges } from '../core/attention-gauges.js';
import { leaseHoldMs } from '../core/commit-window.js';
import { ErrorCode } from '../core/errors.js';
import { backlogCutoff } from '../core/fan-out.js';
import type { DueCandidate } from '../core/ports.js';
import { Attention } from '../core/record.js';
import type { OrgRefresher } from './org-refresher.js';
import type { Candidate, RefreshDeps, RunScope } from './refresh-deps.js';
import type { RefreshOutcome } from './refresh-outcome.js';

export interface RunSummary {
  mode: 'sweep' | 'direct';
  owner: string;
  /** Sweep: due records found in the index. Direct: orgs asked for. */
  due: number;
  /**
   * ACTIVE orgs whose stored access token had already expired when the run started: due ones seen by the sweep plus
   * those backing off past their expiry (attention EXPIRED). Undefined in direct mode.
   */
  expired: number;
  refreshed: number;
  skipped: Record<string, number>;
  failed: Record<string, number>;
  failedByClass: Record<string, number>;
  failedTotal: number;
  /** Token responses received but not stored (TokenNotCommitted). */
  notCommitted: number;
  /** invalid_grant after losing a race: the invariant says 0. */
  raceInvalidGrant: number;
  rotationLost: number;
  reauthRequired: number;
  ambiguous: number;
  warnings: Record<string, number>;
  /** Gauges from the attention index (undefined in direct mode, which does not read them). */
  orgsNeedingReauth: number | undefined;
  orgsMisconfigured: number | undefined;
  /** Orgs whose unextendable refresh token runs out within the warning period (attention REFRESH_TOKEN_EXPIRING). */
  orgsRefreshTokenExpiring: number | undefined;
  /** The run stopped claiming because less than one lease hold of Lambda time remained. */
  stoppedEarly: boolean;
  durationMs: number;
  /** Direct mode: each org's outcome, so a caller knows what happened to the orgs it named. */
  outcomes?: RefreshOutcome[];
  /**
   * Sweeps: due orgs that were already due when the previous tick started (RefreshBacklog, core/fan-out.ts). Only a
   * full sweep emits it as a gauge; a worker's share of it is in its log line.
   */
  backlog?: number;
  /** Sweeps under sweep leases (docs/fleet.md): the shards walked, those skipped as busy, the tick. */
  fleet?: { tick: string; shards: number[]; shardsBusy: number[]; worker: boolean };
  /** Token hosts this run backed off for every sweep (one ProviderDegraded each). */
  hostsDegraded?: string[];
}

/**
 * Orgs in progress per token-exchange slot. A slot is held only for the exchange (OrgRefresher's exchangeSlots); the
 * claim before it and the commit after it run in the extra workers, so while one org is being committed the next is
 * already claimed and waiting. Two keep every slot busy as long as a DynamoDB round trip takes under half the token
 * endpoint's latency. Measured in bench/ (docs/performance.md): with one worker per slot the ratio to the ideal fell
 * with every millisecond of DynamoDB latency.
 */
export const WORKERS_PER_EXCHANGE_SLOT = 2;

export interface RunOptions {
  concurrency: number;
  shardCount: number;
  leaseMs: number;
  /** For the backlog count: orgs due since before the previous tick, and longer than a lease hold. */
  schedulePeriodMs?: number;
}

export interface SweepOptions {
  /** Walk only these shards (the ones whose sweep lease this run holds); default every shard. */
  shards?: readonly number[];
  /** Read the attention gauges (a full sweep does; a worker leaves the fleet gauges to the planner). */
  gauges?: boolean;
  /**
   * Called once every due org has been started (claimed, or skipped): only the last ones are still in flight, so the
   * sweep can give its shards back for the next tick while they finish.
   */
  onLastStarted?: () => void;
}

/** A summary with nothing counted yet; exported for runs outside RefreshRun (the on-demand function). */
export function emptySummary(mode: RunSummary['mode'], owner: string): RunSummary {
  return {
    mode,
    owner,
    due: 0,
    expired: 0,
    refreshed: 0,
    skipped: {},
    failed: {},
    failedByClass: {},
    failedTotal: 0,
    notCommitted: 0,
    raceInvalidGrant: 0,
    rotationLost: 0,
    reauthRequired: 0,
    ambiguous: 0,
    warnings: {},
    orgsNeedingReauth: undefined,
    orgsMisconfigured: undefined,
    orgsRefreshTokenExpiring: undefined,
    stoppedEarly: false,
    durationMs: 0,
  };
}

const bump = (counts: Record<string, number>, key: string) => {
  counts[key] = (counts[key] ?? 0) + 1;
};

/** Counts one org's outcome into a summary (the metrics and the log line read it). */
export function addOutcome(summary: RunSummary, outcome: RefreshOutcome): void {
  switch (outcome.result) {
    case 'refreshed':
      summary.refreshed++;
      if (outcome.ambiguous) summary.ambiguous++;
      for (const w of outcome.warnings) bump(summary.warnings, w);
      return;
    case 'skipped':
      bump(summary.skipped, outcome.reason);
      if (outcome.reason === 'OUT_OF_TIME') summary.stoppedEarly = true;
      return;
    case 'failed':
      summary.failedTotal++;
      bump(summary.failed, outcome.code);
      bump(summary.failedByClass, outcome.failureClass);
      if (outcome.notCommitted) summary.notCommitted++;
      if (outcome.race) summary.raceInvalidGrant++;
      if (outcome.rotationLost) summary.rotationLost++;
      if (outcome.code === ErrorCode.InvalidGrant || outcome.code === ErrorCode.RotationLost) summary.reauthRequired++;
      if (outcome.ambiguous) summary.ambiguous++;
      return;
  }
}

export class RefreshRun {
  constructor(
    private readonly refresher: OrgRefresher,
    private readonly deps: Pick<RefreshDeps, 'store' | 'clock' | 'log'>,
    private readonly options: RunOptions,
  ) {}

  /** Scheduled: every due org of every shard (or of `options.shards`), most overdue first, until done or out of time. */
  async sweep(scope: RunScope, options: SweepOptions = {}): Promise<RunSummary> {
    const { clock } = this.deps;
    const started = clock.now();
    const summary = emptySummary('sweep', scope.owner);
    // The gauges are independent of the sweep; read them alongside (four small COUNT queries per run).
    const gauges = options.gauges === false ? Promise.resolve(0) : this.#readGauges(summary);
    const candidates = await this.#dueCandidates(started, options.shards);
    summary.due = candidates.length;
    if (this.options.schedulePeriodMs !== undefined) {
      const cutoff = backlogCutoff(started, this.options.schedulePeriodMs, leaseHoldMs(this.options.leaseMs));
      summary.backlog = candidates.filter((c) => c.refreshAt <= cutoff).length;
    }
    // An org without any access token yet is as unusable to a hosted app as one whose token expired. Orgs listed as
    // EXPIRED are counted from the attention index; counting them here too would double them.
    summary.expired = candidates.filter(
      (c) => (c.expiresAt === undefined || c.expiresAt <= started) && c.attention !== Attention.Expired,
    ).length;
    await this.#refreshAll(candidates, scope, summary, false, options.onLastStarted);
    summary.expired += (await gauges) ?? 0;
    summary.durationMs = clock.now() - started;
    return summary;
  }

  /** Direct invocation: refresh exactly these orgs now, due or not (an operator or a hosted app asked). */
  async refreshOrgs(orgIds: readonly string[], scope: RunScope): Promise<RunSummary> {
    const { clock } = this.deps;
    const started = clock.now();
    const summary = emptySummary('direct', scope.owner);
    summary.due = orgIds.length;
    const outcomes: RefreshOutcome[] = [];
    const limit = pLimit(this.options.concurrency * WORKERS_PER_EXCHANGE_SLOT);
    await Promise.all(
      [...new Set(orgIds)].map((orgId) =>
        limit(async () => {
          const outcome = await this.#directOne(orgId, scope, started, summary);
          outcomes.push(outcome);
          addOutcome(summary, outcome);
        }),
      ),
    );
    summary.outcomes = outcomes;
    summary.durationMs = clock.now() - started;
    return summary;
  }

  async #directOne(orgId: string, scope: RunScope, started: number, summary: RunSummary): Promise<RefreshOutcome> {
    if (scope.remainingMs() < leaseHoldMs(this.options.leaseMs)) {
      return { orgId, result: 'skipped', reason: 'OUT_OF_TIME' };
    }
    let current: Record<string, unknown> | undefined;
    try {
      current = await this.deps.store.get(orgId);
    } catch {
      return { orgId, result: 'failed', code: ErrorCode.StoreUnavailable, failureClass: 'store' };
    }
    if (current === undefined) return { orgId, result: 'skipped', reason: 'NOT_FOUND' };
    if (current.status === 'ACTIVE' && typeof current.expiresAt === 'number' && current.expiresAt <= started) {
      summary.expired++;
    }
    const version = typeof current.version === 'number' ? current.version : -1;
    return this.refresher.refresh({ orgId, version }, scope, true);
  }

  async #refreshAll(
    candidates: Candidate[],
    scope: RunScope,
    summary: RunSummary,
    force: boolean,
    onLastStarted?: () => void,
  ): Promise<void> {
    const limit = pLimit(this.options.concurrency * WORKERS_PER_EXCHANGE_SLOT);
    let started = 0;
    if (candidates.length === 0) onLastStarted?.();
    await Promise.all(
      candidates.map((candidate) =>
        limit(async () => {
          if (++started === candidates.length) onLastStarted?.();
          // Stop claiming when less than one lease hold of Lambda time is left (both parts: sending, then committing
          // through a store brownout): a claimed org must have time to finish and report, or its lease would be
          // abandoned and the next refresher would have to treat it as ambiguous.
          const outcome: RefreshOutcome =
            scope.remainingMs() < leaseHoldMs(this.options.leaseMs)
              ? { orgId: candidate.orgId, result: 'skipped', reason: 'OUT_OF_TIME' }
              : await this.refresher.refresh(candidate, scope, force);
          addOutcome(summary, outcome);
        }),
      ),
    );
  }

  async #dueCandidates(now: number, only?: readonly number[]): Promise<DueCandidate[]> {
    const shards = only ?? Array.from({ length: this.options.shardCount }, (_, shard) => shard);
    const perShard = await Promise.all(
      shards.map(async (shard) => {
        const items = [];
        let pageKey: Record<string, unknown> | undefined;
        do {
          const page = await this.deps.store.queryDue(shard, now, pageKey);
          items.push(...page.items);
          pageKey = page.nextPageKey;
        } while (pageKey);
        return items;
      }),
    );
    return perShard.flat().sort((a, b) => a.refreshAt - b.refreshAt);
  }

  /** Reads the attention gauges into the summary; returns the number of orgs backing off past expiry. */
  async #readGauges(summary: RunSummary): Promise<number | undefined> {
    try {
      const gauges = attentionGauges(await this.deps.store.attentionCounts());
      summary.orgsNeedingReauth = gauges.reauth;
      summary.orgsMisconfigured = gauges.misconfigured;
      summary.orgsRefreshTokenExpiring = gauges.refreshTokenExpiring;
      return gauges.expired;
    } catch (err) {
      // A gauge is not worth failing a run for; the missing data point is visible on the dashboard.
      this.deps.log.warn('could not read attention gauges', { error: (err as Error)?.name });
      return undefined;
    }
  }
}
