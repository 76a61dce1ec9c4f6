// Every token request of a run passes through here, by host: this sweep's share of the host's budget (requests in
// flight, requests per second) and the host's backoff, shared by every sweep through the fleet store. A host that
// answers 429 or keeps failing is backed off as a whole; its orgs are deferred without an attempt until it recovers
// by itself when the backoff ends. The decisions are core/host-limits.ts's; this file holds the state and the I/O.
import pLimit from 'p-limit';
import type { FleetStore, HostDegradation, HostNotifier } from '../core/fleet-ports.js';
import {
  type HostBackoffSettings,
  type HostBudget,
  type HostHealth,
  type HostSignal,
  hostLimitsFor,
  hostVerdict,
  isDegraded,
  paceRequest,
} from '../core/host-limits.js';
import type { Clock, Log } from '../core/ports.js';

/**
 * How long a run trusts its copy of the shared host backoffs before reading them again: one small query on the
 * attention index (0.5 RCU), so a sweep learns of another's backoff within two seconds for ~15 RCU a minute.
 */
export const HOST_STATE_CACHE_MS = 2_000;

export type Gated<T> = { ran: true; value: T } | { ran: false; degradedUntil: number };

export interface HostGateDeps {
  clock: Clock;
  log: Log;
  budget: HostBudget;
  /** How many sweeps share each host's budget (the planner's hostShare). */
  share: number;
  backoff: HostBackoffSettings;
  /** Shared backoff state; without it the gate still limits and backs off, for this run only. */
  fleet?: FleetStore | undefined;
  notifier?: HostNotifier | undefined;
}

interface HostState {
  limit: ReturnType<typeof pLimit>;
  nextFreeAt: number;
  health: HostHealth;
}

export class HostGate {
  /** Degradations this run started (and announced): one ProviderDegraded each. */
  readonly announced: HostDegradation[] = [];
  readonly #hosts = new Map<string, HostState>();
  /** Host → end of its backoff, from the fleet store and from this run's own verdicts. */
  readonly #degraded = new Map<string, number>();
  #readAt = Number.NEGATIVE_INFINITY;
  #reading: Promise<void> | undefined;
  readonly #limits: ReturnType<typeof hostLimitsFor>;

  constructor(private readonly deps: HostGateDeps) {
    this.#limits = hostLimitsFor(deps.budget, deps.share);
  }

  /**
   * Runs `task` (one token request) within the host's limits, or not at all while the host is backed off — unless
   * `urgent` (core/host-limits.ts, mayPassBackoff). The backoff is checked again after waiting for a slot and for the
   * pace: another sweep may have backed the host off meanwhile.
   */
  async run<T>(host: string, task: () => Promise<T>, urgent = false): Promise<Gated<T>> {
    const { clock } = this.deps;
    const blocked = urgent ? undefined : await this.#backedOff(host);
    if (blocked !== undefined) return { ran: false, degradedUntil: blocked };
    const state = this.#state(host);
    return state.limit(async (): Promise<Gated<T>> => {
      const paced = paceRequest(state.nextFreeAt, clock.now(), this.#limits.intervalMs);
      state.nextFreeAt = paced.nextFreeAt;
      const wait = paced.startAt - clock.now();
      if (wait > 0) await clock.sleep(wait);
      const until = urgent ? undefined : await this.#backedOff(host);
      if (until !== undefined) return { ran: false, degradedUntil: until };
      return { ran: true, value: await task() };
    });
  }

  /** Feeds one request's outcome to the host's verdict; a backoff is shared with every sweep and announced once. */
  async observe(host: string, signal: HostSignal): Promise<void> {
    const { clock, fleet, notifier, log } = this.deps;
    const state = this.#state(host);
    const now = clock.now();
    const verdict = hostVerdict(state.health, signal, now, this.deps.backoff);
    state.health = verdict.health;
    if (!verdict.degrade) return;
    this.#remember(host, verdict.until);
    const degradation: HostDegradation = { host, until: verdict.until, reason: verdict.reason };
    let announce = true;
    if (fleet) {
      try {
        const stored = await fleet.markHostDegraded(degradation, now);
        announce = stored.announce;
        this.#remember(host, stored.until);
      } catch (err) {
        // This run still backs off; other sweeps learn it from their own requests.
        log.warn('could not share a host backoff', { host, error: (err as Error)?.name });
      }
    }
    if (!announce || this.announced.some((d) => d.host === host && d.until >= now)) return;
    this.announced.push(degradation);
    log.warn('token host backed off', { host, reason: verdict.reason, until: verdict.until });
    await notifier?.hostDegraded({ ...degradation, at: now });
  }

  /** The end of the host's backoff as this run knows it (no read), if the host is backed off now. */
  backedOffUntil(host: string): number | undefined {
    const until = this.#degraded.get(host);
    return isDegraded(until, this.deps.clock.now()) ? until : undefined;
  }

  #state(host: string): HostState {
    let state = this.#hosts.get(host);
    if (!state) {
      state = {
        limit: pLimit(this.#limits.inFlight),
        nextFreeAt: Number.NEGATIVE_INFINITY,
        health: { failuresInRow: 0, episodes: 0 },
      };
      this.#hosts.set(host, state);
    }
    return state;
  }

  #remember(host: string, until: number): void {
    this.#degraded.set(host, Math.max(until, this.#degraded.get(host) ?? 0));
  }

  /** The end of the host's backoff if it is backed off now, else undefined. */
  async #backedOff(host: string): Promise<number | undefined> {
    await this.#refresh();
    const until = this.#degraded.get(host);
    return isDegraded(until, this.deps.clock.now()) ? until : undefined;
  }

  async #refresh(): Promise<void> {
    const { fleet, clock, log } = this.deps;
    if (!fleet || clock.now() - this.#readAt < HOST_STATE_CACHE_MS) return;
    this.#reading ??= (async () => {
      try {
        const now = clock.now();
        for (const d of await fleet.degradedHosts()) {
          if (isDegraded(d.until, now)) this.#remember(d.host, d.until);
          // Its backoff is over: unlist it, so the listing stays as short as the hosts really backed off.
          else await fleet.clearHostDegradation(d.host, now);
        }
      } catch (err) {
        log.warn('could not read host backoffs', { error: (err as Error)?.name });
      } finally {
        this.#readAt = clock.now();
        this.#reading = undefined;
      }
    })();
    await this.#reading;
  }
}
