// What one org's refresh works with: the ports, the settings it obeys, the run it belongs to, and the record it has
// claimed. Shared by the steps (claim, exchange, commit, failure) and the orchestration (org-refresher.ts).
import type { RefresherConfig } from '../config.js';
import type { Clock, CredentialsSource, Log, Notifier, TokenEndpoint, TokenStore } from '../core/ports.js';
import type { TokenRecord } from '../core/record.js';
import type { HostGate } from './host-gate.js';

/** The part of the refresher's configuration one org's refresh obeys. */
export type OrgRefreshConfig = Pick<
  RefresherConfig,
  | 'refreshWindowMs'
  | 'schedulePeriodMs'
  | 'leaseMs'
  | 'httpTimeoutMs'
  | 'maxAttempts'
  | 'shardCount'
  | 'jitterMs'
  | 'refreshTokenWarningMs'
  | 'allowedTokenHosts'
  | 'allowLoopbackHttp'
  | 'tokenEndpointOverride'
>;

export interface RefreshDeps {
  store: TokenStore;
  credentials: CredentialsSource;
  endpoint: TokenEndpoint;
  notifier: Notifier;
  clock: Clock;
  random: () => number;
  log: Log;
  settings: OrgRefreshConfig;
  /**
   * Bounds the token exchanges in flight (CONCURRENCY: what a provider sees). Only the exchange itself holds a slot;
   * the claim before it and the commit after it do not, so DynamoDB round trips never leave a slot idle. Without it,
   * the caller's worker pool is the only bound.
   */
  exchangeSlots?: <T>(task: () => Promise<T>) => Promise<T>;
}

export interface RunScope {
  /** Lease owner for this invocation: unique per run, so a late writer from another run is always fenced. */
  owner: string;
  /** Time left before the invocation is killed. */
  remainingMs(): number;
  /** This run's token-host gate (limits and backoff); none for the operator CLI. */
  hostGate?: HostGate;
}

/** An org to refresh, with the version its claim expects (from the due index, or a consistent read). */
export interface Candidate {
  orgId: string;
  version: number;
}

/** A record this run holds the lease on. */
export interface Claimed {
  record: TokenRecord;
  /** The version the lease was taken at: every later write is conditional on it and on the owner (the fence). */
  claimedVersion: number;
  /** The send part of the lease: no token request is sent that could outlive it (invariant 1). */
  sendUntil: number;
  /** The record's leaseUntil: the end of the commit part, before which the holder's commit retries stop (invariant 2). */
  heldUntil: number;
  /** The refresh token may already be spent: an abandoned lease was taken over, or the record says rotationAtRisk. */
  ambiguous: boolean;
  /** The stored `scope` was the provider's, written by an older commit: the commit removes it (core/legacy-scope.ts). */
  removeInvalidScope?: boolean;
}
