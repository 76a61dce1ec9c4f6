// The planner: once per tick (the schedule's `{"plan": {}}`), count what is due per shard, decide how many sweep
// workers to start and which shards each walks (core/fan-out.ts), and start them with Lambda's asynchronous Invoke.
// It also owns the fleet gauges (due, expired, backlog, attention counts) and the heartbeat, which a worker, seeing
// only its shards, cannot give. It refreshes nothing itself.

import { type AttentionGauges, attentionGauges } from '../core/attention-gauges.js';
import { leaseHoldMs } from '../core/commit-window.js';
import { backlogCutoff, planFanOut, runningSweeps, type SweepAssignment } from '../core/fan-out.js';
import { type FleetStore, ShardCountShrunkError, type SweepInvoker } from '../core/fleet-ports.js';
import type { Clock, Log, TokenStore } from '../core/ports.js';
import type { DeploymentPublisher, PublishOutcome } from './deployment-publisher.js';
import type { RunScope } from './refresh-deps.js';

export interface PlannerSettings {
  shardCount: number;
  maxSweeps: number;
  orgsPerSweep: number;
  schedulePeriodMs: number;
  /** INTAKE_CONCURRENCY: the grant intake's instances take shares of each host's budget too (0 in older tests). */
  intakeConcurrency?: number;
  /** ON_DEMAND_CONCURRENCY: the on-demand refresh's instances take shares too (0 in older tests). */
  onDemandConcurrency?: number;
  /** LEASE_SECONDS: an org a live claim may still hold is not backlog (core/fan-out.ts, backlogCutoff). */
  leaseMs: number;
}

export interface PlanSummary {
  mode: 'plan';
  tick: string;
  /** Orgs due now, every shard (DueOrgs). */
  due: number;
  /** ACTIVE orgs whose access token has expired: due ones and those backing off past expiry (ExpiredAccessTokens). */
  expired: number;
  /** Due since before the previous tick started: not cleared by it (RefreshBacklog). */
  backlog: number;
  orgsNeedingReauth: number | undefined;
  orgsMisconfigured: number | undefined;
  /** Orgs whose refresh token runs out within the warning period (OrgsRefreshTokenExpiring). */
  orgsRefreshTokenExpiring: number | undefined;
  /** Shards another sweep still walks (left out of this tick's plan). */
  shardsBusy: number[];
  /** Sweeps of earlier ticks still running. */
  runningSweeps: number;
  /** The workers started (or attempted): their shards and the due count they were sized on. */
  sweeps: SweepAssignment[];
  hostShare: number;
  /** Workers whose invoke Lambda did not accept; their shards wait for the next tick (and the backlog shows it). */
  invokeFailures: number;
  /** What this tick did about the deployment descriptor (absent: this planner publishes none). */
  deployment?: PublishOutcome;
  durationMs: number;
}

export interface PlannerDeps {
  fleet: FleetStore;
  store: Pick<TokenStore, 'attentionCounts'>;
  invoker: SweepInvoker;
  clock: Clock;
  log: Log;
  settings: PlannerSettings;
  /** Publishes the deployment descriptor the operator CLI acts with (deployment-publisher.ts). */
  deployment?: DeploymentPublisher;
}

/** The planner started some workers but Lambda refused others: the invocation fails, so on-call hears of it. */
export class SweepInvokeError extends Error {
  override readonly name = 'SweepInvokeError';
  constructor(
    readonly failed: number,
    readonly started: number,
  ) {
    super(`${failed} of ${failed + started} sweep workers could not be started (Lambda Invoke refused)`);
  }
}

export class SweepPlanner {
  constructor(private readonly deps: PlannerDeps) {}

  async plan(scope: RunScope): Promise<PlanSummary> {
    const { fleet, clock, log, settings } = this.deps;
    const started = clock.now();
    const tick = `${new Date(started).toISOString()}/${scope.owner.slice(0, 36).replace(/[^A-Za-z0-9:._-]/g, '-')}`;
    const state = await fleet.sweepState();
    if (state.highestShardCount !== undefined && state.highestShardCount > settings.shardCount) {
      throw new ShardCountShrunkError(settings.shardCount, state.highestShardCount);
    }
    const shards = Array.from({ length: settings.shardCount }, (_, shard) => shard);
    const cutoff = backlogCutoff(started, settings.schedulePeriodMs, leaseHoldMs(settings.leaseMs));
    // Published only after the shrink check: the descriptor never names a shard count the table refuses.
    const [counts, gauges, deployment] = await Promise.all([
      Promise.all(shards.map((shard) => fleet.countDue(shard, started, cutoff))),
      this.#gauges(),
      this.deps.deployment?.ensurePublished(),
    ]);
    const busy = new Set(shards.filter((s) => (state.leases.get(s)?.until ?? 0) > started));
    const running = runningSweeps(state.leases.values(), started);
    const plan = planFanOut({
      dueByShard: counts.map((c) => c.due),
      busyShards: busy,
      runningSweeps: running,
      maxSweeps: Math.min(settings.maxSweeps, settings.shardCount),
      orgsPerSweep: settings.orgsPerSweep,
      // The grant intake's and the on-demand refresh's instances take shares too (core/host-limits.ts).
      otherShares: (settings.intakeConcurrency ?? 0) + (settings.onDemandConcurrency ?? 0),
    });
    const results = await Promise.allSettled(
      plan.sweeps.map((s) =>
        this.deps.invoker.startSweep({ sweep: { shards: s.shards, tick, hostShare: plan.hostShare } }),
      ),
    );
    const invokeFailures = results.filter((r) => r.status === 'rejected').length;
    for (const r of results) {
      if (r.status === 'rejected') {
        log.error('could not start a sweep worker', { tick, error: String((r.reason as Error)?.name ?? r.reason) });
      }
    }
    return {
      mode: 'plan',
      tick,
      due: plan.due,
      expired: counts.reduce((a, c) => a + c.expired, 0) + (gauges?.expired ?? 0),
      backlog: counts.reduce((a, c) => a + c.backlog, 0),
      orgsNeedingReauth: gauges?.reauth,
      orgsMisconfigured: gauges?.misconfigured,
      orgsRefreshTokenExpiring: gauges?.refreshTokenExpiring,
      shardsBusy: [...busy].sort((a, b) => a - b),
      runningSweeps: running,
      sweeps: plan.sweeps,
      hostShare: plan.hostShare,
      invokeFailures,
      ...(deployment ? { deployment } : {}),
      durationMs: clock.now() - started,
    };
  }

  /** Every attention gauge a full sweep publishes (run-refresh.ts): a worker sees only its shards, so they are ours. */
  async #gauges(): Promise<AttentionGauges | undefined> {
    const { store, log } = this.deps;
    try {
      return attentionGauges(await store.attentionCounts());
    } catch (err) {
      // As in a full sweep: a gauge is not worth failing the tick for.
      log.warn('could not read attention gauges', { error: (err as Error)?.name });
      return undefined;
    }
  }
}
