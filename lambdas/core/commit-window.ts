// How long a claim holds an org, and how the holder retries storing a token response inside that hold (invariants 1
// and 2, docs/design.md "Lease: the claim"). Pure: the caller passes the time and a random number.
//
// A lease has two parts, both taken by the one conditional write of the claim, so neither needs a later write that a
// store brownout could refuse:
// - the send part, LEASE_SECONDS from the claim: a token request is sent only if a whole HTTP timeout fits in what is
//   left of it, so every answer is in hand by its end;
// - the commit part, one more lease and COMMIT_SLACK_MS after it: only the holder writes what it received, retrying
//   through a store brownout of up to a lease length.
// The record's leaseUntil is the end of both (the hold). Every other writer (a claim, the CLI, the grant intake)
// already waits for leaseUntil, so no other refresher can send the org's spent refresh token before the holder's
// commit has landed or its retries have ended and the outcome was reported.
import { fullJitterBackoffMs } from './schedule.js';

/** After a brownout of up to a lease length, this long to retry and land the commit (the old "+5 s for the commit"). */
export const COMMIT_SLACK_MS = 5_000;
/**
 * The holder's last commit attempt ends this long before its hold does: clocks of two Lambdas differ by far less, and
 * an attempt abandoned at the deadline may still land at DynamoDB a moment later (the version fence then decides).
 */
export const HOLD_MARGIN_MS = 1_000;
/** One commit attempt is abandoned after this long (a stalled store cannot hang a commit past its bound). */
export const COMMIT_CALL_TIMEOUT_MS = 2_000;
/** Pause between commit attempts: full jitter from this base… */
export const COMMIT_BACKOFF_BASE_MS = 100;
/** …up to this cap, so a store that comes back is written to within about a second. */
export const COMMIT_BACKOFF_CAP_MS = 1_000;
/** A retry is not started with less time than this before the deadline: it could not finish. */
export const MIN_COMMIT_ATTEMPT_MS = 250;

/** The commit part of a lease: a store brownout of up to one lease length, then the slack to land the commit. */
export function commitWindowMs(leaseMs: number): number {
  return leaseMs + COMMIT_SLACK_MS;
}

/** How long a claim holds the org (the record's leaseUntil − the claim's time): the send part, then the commit part. */
export function leaseHoldMs(leaseMs: number): number {
  return leaseMs + commitWindowMs(leaseMs);
}

/**
 * When the holder stops retrying a commit: a margin before its hold ends, and before its invocation does (a commit
 * still retrying when Lambda stops the process would leave its outcome unreported).
 */
export function commitDeadline(heldUntil: number, invocationEndsAt: number): number {
  return Math.min(heldUntil, invocationEndsAt) - HOLD_MARGIN_MS;
}

/**
 * How long commit attempt number `attempt` may take. The first one always gets the whole call timeout: it starts
 * as the answer arrives, well inside the hold, unless the holder itself stalled (then the version fence decides, and
 * a late commit nobody raced still lands). A retry never runs past the deadline.
 */
export function commitAttemptTimeoutMs(attempt: number, now: number, deadline: number): number {
  if (attempt === 1) return COMMIT_CALL_TIMEOUT_MS;
  return Math.max(0, Math.min(COMMIT_CALL_TIMEOUT_MS, deadline - now));
}

export interface FailedCommit {
  /** The write's condition failed for real: another holder (or a newer version) is there. */
  fenced: boolean;
  /** Attempts made so far, this one included. */
  attempts: number;
  now: number;
  deadline: number;
  /** Uniform in [0, 1), for the backoff's jitter. */
  random: number;
}

export type CommitStep =
  | { decision: 'retry'; delayMs: number; reason: 'STORE_ERROR' }
  | { decision: 'stop'; reason: 'FENCED' | 'WINDOW_ENDED' };

/**
 * After a failed attempt to store a received token response: retry after a pause while the commit window lasts, or
 * stop. Fenced is final: writing over the new holder's state is what the fence exists to prevent.
 */
export function nextCommitStep(f: FailedCommit): CommitStep {
  if (f.fenced) return { decision: 'stop', reason: 'FENCED' };
  const delayMs = fullJitterBackoffMs(f.attempts, COMMIT_BACKOFF_BASE_MS, COMMIT_BACKOFF_CAP_MS, f.random) + 50;
  if (f.now + delayMs + MIN_COMMIT_ATTEMPT_MS > f.deadline) return { decision: 'stop', reason: 'WINDOW_ENDED' };
  return { decision: 'retry', delayMs, reason: 'STORE_ERROR' };
}
