// Sending the org's token request inside its lease: one slot per request in flight, the lease checked before every
// send, and the retry policy of core/exchange-retry.ts between attempts.
import { interpretOutcome, type TokenSet } from '../core/classify.js';
import { ErrorCode, FailureClass, RefreshError } from '../core/errors.js';
import { leaseAllowsSend, nextExchangeStep } from '../core/exchange-retry.js';
import type { HttpOutcome, TokenRequest } from '../core/ports.js';
import { PROFILES } from '../core/provider-profiles.js';
import type { Claimed, RefreshDeps } from './refresh-deps.js';

export type ExchangeResult =
  | { kind: 'tokens'; tokens: TokenSet; sentAt: number; ambiguous: boolean }
  | {
      kind: 'failure';
      error: RefreshError;
      rotationAtRisk: boolean;
      ambiguous: boolean;
      salvageRefreshToken: string | undefined;
    };

/** Runs the task at once: no bound beyond the caller's own pool. */
const unbounded = <T>(task: () => Promise<T>): Promise<T> => task();

type Sent = { sentAt: number; outcome: HttpOutcome; receivedAt: number };

export async function exchangeTokens(
  deps: RefreshDeps,
  claimed: Claimed,
  request: TokenRequest,
): Promise<ExchangeResult> {
  const { endpoint, clock, settings, random } = deps;
  const slots = deps.exchangeSlots ?? unbounded;
  let ambiguous = claimed.ambiguous;
  let rotationAtRisk = claimed.ambiguous;
  let ambiguousRetryUsed = false;
  let attempts = 0;
  const fields = { refreshTokenExpiresAtField: PROFILES[claimed.record.provider].refreshTokenExpiresAtField };
  for (;;) {
    // The lease check runs once the slot is ours: waiting for a slot uses up lease time.
    const sent = await slots(async (): Promise<Sent | undefined> => {
      if (!leaseAllowsSend(claimed.leaseUntil - clock.now(), settings.httpTimeoutMs)) return undefined;
      const sentAt = clock.now();
      const outcome = await endpoint.send(request, settings.httpTimeoutMs);
      return { sentAt, outcome, receivedAt: clock.now() };
    });
    if (sent === undefined) {
      const error = new RefreshError(
        ErrorCode.LeaseTooShort,
        FailureClass.Transient,
        'not enough lease left to send safely',
      );
      return { kind: 'failure', error, rotationAtRisk, ambiguous, salvageRefreshToken: undefined };
    }
    attempts++;
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
    if (verdict.salvageRefreshToken !== undefined) return failure;
    const step = nextExchangeStep(
      {
        failureClass: error.failureClass,
        retryAfterMs: error.retryAfterMs,
        mayStillBeProcessed: sent.outcome.kind === 'no-response' && sent.outcome.reason === 'timeout',
        attempts,
        ambiguousRetryUsed,
      },
      {
        maxAttempts: settings.maxAttempts,
        httpTimeoutMs: settings.httpTimeoutMs,
        leaseLeftMs: claimed.leaseUntil - clock.now(),
        random: random(),
      },
    );
    if (step.decision === 'stop') return failure;
    if (step.reason === 'AMBIGUOUS_QUICK_RETRY') ambiguousRetryUsed = true;
    await clock.sleep(step.delayMs);
  }
}
