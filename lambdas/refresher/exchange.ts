// Sending the org's token request inside its lease: through its token host's gate (the host's limits and backoff),
// one slot per request in flight, the lease checked before every send, and the retry policy of
// core/exchange-retry.ts between attempts.
import { interpretOutcome, mayStillBeProcessed, type TokenSet } from '../core/classify.js';
import { ErrorCode, FailureClass, RefreshError } from '../core/errors.js';
import { leaseAllowsSend, nextExchangeStep } from '../core/exchange-retry.js';
import { hostSignalOf, mayPassBackoff, tokenHostOf } from '../core/host-limits.js';
import type { HttpOutcome, TokenRequest } from '../core/ports.js';
import { PROFILES } from '../core/provider-profiles.js';
import type { Gated, HostGate } from './host-gate.js';
import type { Claimed, RefreshDeps } from './refresh-deps.js';

export type ExchangeResult =
  | { kind: 'tokens'; tokens: TokenSet; sentAt: number; ambiguous: boolean }
  /** The host was backed off before the first attempt: nothing was sent (docs/fleet.md#per-host-limits). */
  | { kind: 'deferred'; degradedUntil: number }
  | {
      kind: 'failure';
      error: RefreshError;
      rotationAtRisk: boolean;
      ambiguous: boolean;
      salvageRefreshToken: string | undefined;
    };

/** Runs the task at once: no bound beyond the caller's own pool. */
const unbounded = <T>(task: () => Promise<T>): Promise<T> => task();
/** No host gate (the operator CLI, unit tests): every request runs. */
const ungated = async <T>(_host: string, task: () => Promise<T>): Promise<Gated<T>> => ({
  ran: true,
  value: await task(),
});

type Sent = { sentAt: number; outcome: HttpOutcome; receivedAt: number; observed: Promise<void> | undefined };

export async function exchangeTokens(
  deps: RefreshDeps,
  claimed: Claimed,
  request: TokenRequest,
  gate?: HostGate,
): Promise<ExchangeResult> {
  const { endpoint, clock, settings, random } = deps;
  const slots = deps.exchangeSlots ?? unbounded;
  const host = request.tokenHost ?? tokenHostOf(request.url);
  const gated = gate ? gate.run.bind(gate) : ungated;
  // An org about to expire is not held back by its host's backoff (its last chance before hosted apps see 401s).
  const urgent = () => mayPassBackoff(claimed.record.expiresAt, clock.now(), settings.schedulePeriodMs);
  const backedOff = () => (gate && !urgent() ? gate.backedOffUntil(host) : undefined);
  let ambiguous = claimed.ambiguous;
  let rotationAtRisk = claimed.ambiguous;
  let ambiguousRetryUsed = false;
  let attempts = 0;
  const fields = { refreshTokenExpiresAtField: PROFILES[claimed.record.provider].refreshTokenExpiresAtField };
  let lastFailure: Extract<ExchangeResult, { kind: 'failure' }> | undefined;
  for (;;) {
    // The host's gate first (its limits and backoff), then a slot; the lease check runs once the slot is ours:
    // waiting for either uses up lease time.
    const passed = await gated(
      host,
      () =>
        slots(async (): Promise<Sent | { backedOffUntil: number } | undefined> => {
          // Checked once more with the slot in hand: the host may have been backed off while this request waited.
          const backedOffUntil = backedOff();
          if (backedOffUntil !== undefined) return { backedOffUntil };
          if (!leaseAllowsSend(claimed.sendUntil - clock.now(), settings.httpTimeoutMs)) return undefined;
          const sentAt = clock.now();
          const outcome = await endpoint.send(request, settings.httpTimeoutMs);
          const receivedAt = clock.now();
          // Told to the host's gate before the slot is freed: a 429 backs the host off before the next request can
          // take this slot (the sharing with other sweeps is awaited below, outside the slot).
          const observed = gate?.observe(host, hostSignalOf(outcome, receivedAt));
          return { sentAt, outcome, receivedAt, observed };
        }),
      urgent(),
    );
    const blockedUntil = !passed.ran
      ? passed.degradedUntil
      : passed.value !== undefined && 'backedOffUntil' in passed.value
        ? passed.value.backedOffUntil
        : undefined;
    if (blockedUntil !== undefined) {
      if (lastFailure === undefined) return { kind: 'deferred', degradedUntil: blockedUntil };
      // A retry the host's backoff stopped: this org's own failure stands, due again when the backoff ends.
      const { error } = lastFailure;
      const retryAfterMs = Math.max(error.retryAfterMs ?? 0, blockedUntil - clock.now());
      return {
        ...lastFailure,
        error: new RefreshError(error.code, error.failureClass, error.message, { retryAfterMs }),
      };
    }
    const sent = passed.ran ? (passed.value as Sent | undefined) : undefined;
    if (sent === undefined) {
      const error = new RefreshError(
        ErrorCode.LeaseTooShort,
        FailureClass.Transient,
        'not enough lease left to send safely',
      );
      return { kind: 'failure', error, rotationAtRisk, ambiguous, salvageRefreshToken: undefined };
    }
    attempts++;
    await sent.observed;
    const verdict = interpretOutcome(sent.outcome, request.grantType, sent.receivedAt, fields);
    if (verdict.kind === 'tokens') return { kind: 'tokens', tokens: verdict.tokens, sentAt: sent.sentAt, ambiguous };

    const { error } = verdict;
    rotationAtRisk ||= verdict.rotationAtRisk;
    if (error.failureClass === FailureClass.Ambiguous) ambiguous = true;
    const failure = {
      kind: 'failure' as const,
      error,
      rotationAtRisk,
      ambiguous,
      salvageRefreshToken: verdict.salvageRefreshToken,
    };
    lastFailure = failure;
    if (verdict.salvageRefreshToken !== undefined) return failure;
    const step = nextExchangeStep(
      {
        failureClass: error.failureClass,
        retryAfterMs: error.retryAfterMs,
        mayStillBeProcessed: mayStillBeProcessed(sent.outcome),
        attempts,
        ambiguousRetryUsed,
      },
      {
        maxAttempts: settings.maxAttempts,
        httpTimeoutMs: settings.httpTimeoutMs,
        leaseLeftMs: claimed.sendUntil - clock.now(),
        random: random(),
      },
    );
    if (step.decision === 'stop') return failure;
    // The host itself is backed off now (this answer or another sweep's): no retry inside this lease; the org is due
    // again when the backoff ends.
    const hostUntil = backedOff();
    if (hostUntil !== undefined) {
      const retryAfterMs = Math.max(error.retryAfterMs ?? 0, hostUntil - clock.now());
      return { ...failure, error: new RefreshError(error.code, error.failureClass, error.message, { retryAfterMs }) };
    }
    if (step.reason === 'AMBIGUOUS_QUICK_RETRY') ambiguousRetryUsed = true;
    await clock.sleep(step.delayMs);
  }
}
