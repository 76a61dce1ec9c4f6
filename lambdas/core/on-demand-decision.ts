// What an on-demand call does with the org's record as it is now (docs/design.md, "On-demand refresh"): answer the
// stored token, refresh through the claim (at the version just read, so of many callers who saw one token only one
// wins), wait for the refresher holding the org, refuse by the per-org limit, or refuse with a code. Pure, so each
// row is a table test; the caller re-reads and asks again after a lost claim or a wait.
import { RecordStatus } from './record.js';

/** What the hosted app asked for. */
export type OnDemandAsk =
  /** After a 401: `rejected` is the `sha256:` fingerprint of the access token the API refused. */
  | { kind: 'refreshNow'; rejected: string }
  /** A token that stays valid at least this long (e.g. before a long export). */
  | { kind: 'minValidity'; minValidityMs: number };

/**
 * A stored token with at least this share of its lifetime left is as fresh as the provider gives: a caller asking for
 * more validity than the provider's lifetime gets it, instead of a refresh on every call.
 */
export const FRESH_SHARE = 0.9;

/**
 * A refreshNow that refreshes an org whose previous on-demand refresh is younger than this: the token that refresh
 * issued was rejected too, so refreshing is not what the app needs (the OnDemandRepeated metric, a loop signal).
 */
export const ON_DEMAND_LOOP_WINDOW_MS = 15 * 60_000;

export interface OnDemandFacts {
  /** The record as read (or as a lost claim returned it); undefined when there is none. */
  record: Record<string, unknown> | undefined;
  /** `sha256:` fingerprint of the record's access token, if it has one. */
  storedFingerprint: string | undefined;
  now: number;
  /** When this call began: a refresh failure recorded since then is the answer of the refresh it waited for. */
  since: number;
  /** ON_DEMAND_INTERVAL_SECONDS in ms. */
  minIntervalMs: number;
}

export type RefuseCode = 'ORG_NOT_FOUND' | 'REAUTH_REQUIRED' | 'ORG_DISABLED' | 'RECORD_INVALID';

export type OnDemandDecision =
  | { decision: 'answer'; reason: 'NEWER_TOKEN' | 'VALID_LONG_ENOUGH' | 'FRESHEST_AVAILABLE' }
  | { decision: 'refresh'; reason: 'REJECTED_TOKEN_STORED' | 'TOO_SHORT' | 'NO_VALID_TOKEN'; expectedVersion: number }
  | { decision: 'wait'; reason: 'LEASED'; until: number }
  | { decision: 'limited'; reason: 'FORCED_REFRESH_LIMIT'; retryAfterMs: number }
  | { decision: 'refuse'; reason: RefuseCode }
  /** The refresh this call waited for failed: its code (a refresher error code) is the answer. */
  | { decision: 'failed'; reason: 'REFRESH_FAILED_WHILE_WAITING'; errorCode: string };

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

export function onDemandDecision(ask: OnDemandAsk, f: OnDemandFacts): OnDemandDecision {
  const r = f.record;
  if (r === undefined) return { decision: 'refuse', reason: 'ORG_NOT_FOUND' };
  if (r.status === RecordStatus.ReauthRequired) return { decision: 'refuse', reason: 'REAUTH_REQUIRED' };
  if (r.status === RecordStatus.Disabled) return { decision: 'refuse', reason: 'ORG_DISABLED' };
  const version = num(r.version);
  if (r.status !== RecordStatus.Active || version === undefined || !Number.isInteger(version)) {
    return { decision: 'refuse', reason: 'RECORD_INVALID' };
  }
  const expiresAt = num(r.expiresAt);
  const usable = typeof r.accessToken === 'string' && expiresAt !== undefined && expiresAt > f.now;
  const leftMs = usable ? (expiresAt as number) - f.now : 0;
  if (usable) {
    if (ask.kind === 'refreshNow' && f.storedFingerprint !== ask.rejected) {
      return { decision: 'answer', reason: 'NEWER_TOKEN' };
    }
    if (ask.kind === 'minValidity') {
      if (leftMs >= ask.minValidityMs) return { decision: 'answer', reason: 'VALID_LONG_ENOUGH' };
      const refreshedAt = num(r.lastRefreshedAt);
      const lifetimeMs = refreshedAt === undefined ? undefined : (expiresAt as number) - refreshedAt;
      if (lifetimeMs !== undefined && lifetimeMs > 0 && leftMs >= FRESH_SHARE * lifetimeMs) {
        return { decision: 'answer', reason: 'FRESHEST_AVAILABLE' };
      }
    }
  }
  // The stored token is the rejected one, or too short: a refresh is wanted. One that failed while this call waited
  // for it is the answer (the same token again would fail the same way).
  const lastError = r.lastError as { code?: unknown; at?: unknown } | undefined;
  if (typeof lastError?.code === 'string' && (num(lastError.at) ?? -Infinity) >= f.since) {
    return { decision: 'failed', reason: 'REFRESH_FAILED_WHILE_WAITING', errorCode: lastError.code };
  }
  const leaseUntil = num(r.leaseUntil);
  if (leaseUntil !== undefined && leaseUntil >= f.now) return { decision: 'wait', reason: 'LEASED', until: leaseUntil };
  // Checked here to spare a write; the claim's condition is what holds it across concurrent invocations.
  const forcedAt = num(r.forcedRefreshAt);
  if (forcedAt !== undefined && forcedAt >= f.now - f.minIntervalMs) {
    return { decision: 'limited', reason: 'FORCED_REFRESH_LIMIT', retryAfterMs: forcedAt + f.minIntervalMs - f.now };
  }
  const reason = !usable ? 'NO_VALID_TOKEN' : ask.kind === 'refreshNow' ? 'REJECTED_TOKEN_STORED' : 'TOO_SHORT';
  return { decision: 'refresh', reason, expectedVersion: version };
}

/** The claim's bound for an on-demand claim: the org's last forced refresh must be older than this. */
export function forcedBefore(now: number, minIntervalMs: number): number {
  return now - minIntervalMs;
}

/** A refreshNow refresh of an org force-refreshed within the loop window (`previous` from the claim's old item). */
export function isRepeatedForcedRefresh(ask: OnDemandAsk, previous: unknown, now: number): boolean {
  const at = num(previous);
  return ask.kind === 'refreshNow' && at !== undefined && now - at < ON_DEMAND_LOOP_WINDOW_MS;
}
