// One org's refresh: claim → credentials → org-scoped request → commit, or classify the failure and act on it.
// Everything here goes through ports, so the same code runs in Lambda, in local mode, in the CLI and in tests.
import type { RefresherConfig } from '../config.js';
import { interpretOutcome, lacksOfflineAccess, type TokenSet } from '../core/classify.js';
import {
  ConditionFailedError,
  ErrorCode,
  type ErrorCodeValue,
  FailureClass,
  type FailureClassValue,
  RefreshError,
} from '../core/errors.js';
import type { Clock, CredentialsSource, Notifier, TokenEndpoint, TokenStore } from '../core/ports.js';
import { Attention, type LastError, parseRecord, RecordStatus, type TokenRecord } from '../core/record.js';
import { scrub } from '../core/redact.js';
import {
  fullJitterBackoffMs,
  isShortLifetime,
  misconfiguredRetryAt,
  nextRefreshAt,
  transientRetryAt,
} from '../core/schedule.js';
import { buildTokenRequest, type ClientCredentials } from '../providers/build-request.js';

export interface Log {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export type RefresherSettings = Pick<
  RefresherConfig,
  | 'refreshWindowMs'
  | 'schedulePeriodMs'
  | 'leaseMs'
  | 'httpTimeoutMs'
  | 'maxAttempts'
  | 'shardCount'
  | 'jitterMs'
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
  settings: RefresherSettings;
  /**
   * Bounds the token exchanges in flight (CONCURRENCY: what a provider sees). Only the exchange itself holds a slot;
   * the claim before it and the commit after it do not, so DynamoDB round trips never leave a slot idle. Without it,
   * the caller's worker pool is the only bound.
   */
  exchangeSlots?: <T>(task: () => Promise<T>) => Promise<T>;
}

/** Runs the task at once: no bound beyond the caller's own pool. */
const unbounded = <T>(task: () => Promise<T>): Promise<T> => task();

export interface RunScope {
  /** Lease owner for this invocation: unique per run, so a late writer from another run is always fenced. */
  owner: string;
  /** Time left before the invocation is killed. */
  remainingMs(): number;
}

export type SkipReason = 'LEASED' | 'NOT_DUE' | 'NOT_ACTIVE' | 'NOT_FOUND' | 'OUT_OF_TIME';

export type RefreshOutcome =
  | { orgId: string; result: 'refreshed'; warnings: string[]; ambiguous?: boolean }
  | { orgId: string; result: 'skipped'; reason: SkipReason }
  | {
      orgId: string;
      result: 'failed';
      code: ErrorCodeValue;
      failureClass: FailureClassValue | 'store';
      /** New tokens were received but not stored: the alarmed TokenNotCommitted case. */
      notCommitted?: boolean;
      /** invalid_grant because another refresher used the token first: must never happen, counted apart. */
      race?: boolean;
      /** The org's refresh token was consumed without our learning the new one. */
      rotationLost?: boolean;
      /** The attempt met an ambiguous outcome (timeout after sending, abandoned lease). */
      ambiguous?: boolean;
    };

export interface Candidate {
  orgId: string;
  version: number;
}

/** Margin kept between the end of the last HTTP attempt and the end of the lease, for the commit. */
const COMMIT_RESERVE_MS = 2_000;
const IN_RUN_BACKOFF_BASE_MS = 250;
const IN_RUN_BACKOFF_CAP_MS = 4_000;
const COMMIT_ATTEMPTS = 5;
/** After this many failures in a row, a success is news worth an event ("recovered"). */
const RECOVERY_EVENT_AFTER_FAILURES = 3;

type Claimed = { record: TokenRecord; claimedVersion: number; leaseUntil: number; ambiguous: boolean };

export class OrgRefresher {
  constructor(private readonly deps: RefreshDeps) {}

  /**
   * Refreshes one org. `force` (direct invocation, CLI) refreshes even if not due. Never throws: every path ends in
   * an outcome, and a failure of this org never reaches another.
   */
  async refresh(candidate: Candidate, scope: RunScope, force = false): Promise<RefreshOutcome> {
    const { orgId } = candidate;
    try {
      const claimed = await this.#claim(candidate, scope, force);
      if ('result' in claimed) return claimed;
      return await this.#refreshClaimed(claimed, scope);
    } catch (err) {
      // Store errors end up here (throttling past the SDK's retries, network). Before a claim nothing is held; after
      // one, the lease simply expires and the next claimer treats the org as ambiguous (it may have been sent), so
      // nothing is lost and no other org is touched.
      this.deps.log.warn('refresh aborted by a store error', {
        orgId,
        error: scrub(String((err as Error)?.message ?? err)),
      });
      return { orgId, result: 'failed', code: ErrorCode.StoreUnavailable, failureClass: 'store' };
    }
  }

  async #claim(candidate: Candidate, scope: RunScope, force: boolean): Promise<Claimed | RefreshOutcome> {
    const { store, clock, settings } = this.deps;
    const { orgId } = candidate;
    let expectedVersion = candidate.version;
    // At most two tries: the due index is eventually consistent, so its version can lag the table by one write.
    for (let attempt = 0; attempt < 2; attempt++) {
      const now = clock.now();
      const leaseUntil = now + settings.leaseMs;
      try {
        const before = await store.claim({ orgId, expectedVersion, owner: scope.owner, leaseUntil, now });
        const claimedVersion = expectedVersion + 1;
        return this.#validateClaimed(orgId, before, claimedVersion, leaseUntil, scope);
      } catch (err) {
        if (!(err instanceof ConditionFailedError)) throw err;
        const current = err.current;
        if (current === undefined) return { orgId, result: 'skipped', reason: 'NOT_FOUND' };
        if (current.status !== RecordStatus.Active) return { orgId, result: 'skipped', reason: 'NOT_ACTIVE' };
        if (typeof current.leaseUntil === 'number' && current.leaseUntil >= now) {
          return { orgId, result: 'skipped', reason: 'LEASED' };
        }
        // Another refresher already did the work since the index was read: nothing is due any more.
        if (!force && !(typeof current.refreshAt === 'number' && current.refreshAt <= now)) {
          return { orgId, result: 'skipped', reason: 'NOT_DUE' };
        }
        if (typeof current.version !== 'number')
          return this.#invalidUnclaimed(orgId, 'version is missing or not a number');
        expectedVersion = current.version;
      }
    }
    return { orgId, result: 'skipped', reason: 'LEASED' };
  }

  #invalidUnclaimed(orgId: string, message: string): RefreshOutcome {
    this.deps.log.error('record cannot be claimed', { orgId, code: ErrorCode.RecordInvalid, message });
    return { orgId, result: 'failed', code: ErrorCode.RecordInvalid, failureClass: FailureClass.BadData };
  }

  async #validateClaimed(
    orgId: string,
    before: Record<string, unknown>,
    claimedVersion: number,
    leaseUntil: number,
    scope: RunScope,
  ): Promise<Claimed | RefreshOutcome> {
    // A lease that was still set when we claimed was abandoned (it had expired): its holder may have crashed after
    // the provider answered, so the refresh token we are about to send may already be spent.
    const abandonedLease = typeof before.leaseOwner === 'string';
    const parsed = parseRecord({ ...before, version: claimedVersion, leaseOwner: scope.owner, leaseUntil });
    if (!parsed.ok) {
      const error = new RefreshError(ErrorCode.RecordInvalid, FailureClass.BadData, parsed.message);
      await this.#release(orgId, claimedVersion, scope, error, {
        consecutiveFailures: Number(before.consecutiveFailures) || 0,
        expiresAt: undefined,
        rotationAtRisk: before.rotationAtRisk === true || abandonedLease,
        secrets: [],
      });
      return this.#failed(orgId, error);
    }
    const record = parsed.record;
    const ambiguous = abandonedLease || record.rotationAtRisk === true;
    if (abandonedLease) this.deps.log.warn('took over an abandoned lease', { orgId, previousOwner: before.leaseOwner });
    return { record, claimedVersion, leaseUntil, ambiguous };
  }

  async #refreshClaimed(claimed: Claimed, scope: RunScope): Promise<RefreshOutcome> {
    const { record } = claimed;
    const { credentials, settings } = this.deps;
    let client: ClientCredentials;
    try {
      client = await credentials.get(record.clientSecretId);
    } catch (err) {
      return this.#handleFailure(claimed, scope, asRefreshError(err), { rotationAtRisk: claimed.ambiguous });
    }
    const secrets = [record.accessToken, record.refreshToken, client.clientSecret];
    let request: ReturnType<typeof buildTokenRequest>;
    try {
      request = buildTokenRequest(record, client, settings);
    } catch (err) {
      return this.#handleFailure(claimed, scope, asRefreshError(err), { rotationAtRisk: claimed.ambiguous, secrets });
    }

    const exchange = await this.#exchange(claimed, request);
    if (exchange.kind === 'tokens') {
      return this.#commit(claimed, scope, exchange.tokens, exchange.sentAt, secrets, exchange.ambiguous);
    }
    return this.#handleFailure(claimed, scope, exchange.error, {
      rotationAtRisk: exchange.rotationAtRisk,
      ambiguous: exchange.ambiguous,
      salvageRefreshToken: exchange.salvageRefreshToken,
      secrets,
    });
  }

  /** Sends the request, retrying transient failures inside the lease, and one quick retry after an ambiguous one. */
  async #exchange(
    claimed: Claimed,
    request: ReturnType<typeof buildTokenRequest>,
  ): Promise<
    | { kind: 'tokens'; tokens: TokenSet; sentAt: number; ambiguous: boolean }
    | {
        kind: 'failure';
        error: RefreshError;
        rotationAtRisk: boolean;
        ambiguous: boolean;
        salvageRefreshToken: string | undefined;
      }
  > {
    const { endpoint, clock, settings, random } = this.deps;
    let ambiguous = claimed.ambiguous;
    let rotationAtRisk = claimed.ambiguous;
    let ambiguousRetryUsed = false;
    let attempts = 0;
    const slots = this.deps.exchangeSlots ?? unbounded;
    for (;;) {
      // The lease check runs once the slot is ours: waiting for a slot uses up lease time.
      const sent = await slots(async () => {
        // Never send unless a whole HTTP timeout fits in the lease: a request must not outlive the lease that makes
        // it exclusive (invariant 1). The version fence catches a late commit anyway.
        if (claimed.leaseUntil - clock.now() < settings.httpTimeoutMs + COMMIT_RESERVE_MS) return undefined;
        const sentAt = clock.now();
        const outcome = await endpoint.send(request, settings.httpTimeoutMs);
        return { sentAt, outcome, receivedAt: clock.now() };
      });
      if (sent === undefined) {
        return {
          kind: 'failure',
          error: new RefreshError(
            ErrorCode.LeaseTooShort,
            FailureClass.Transient,
            'not enough lease left to send safely',
          ),
          rotationAtRisk,
          ambiguous,
          salvageRefreshToken: undefined,
        };
      }
      attempts++;
      const { sentAt, outcome } = sent;
      const verdict = interpretOutcome(outcome, request.grantType, sent.receivedAt);
      if (verdict.kind === 'tokens') return { kind: 'tokens', tokens: verdict.tokens, sentAt, ambiguous };

      const { error } = verdict;
      rotationAtRisk ||= verdict.rotationAtRisk;
      const last = {
        kind: 'failure' as const,
        error,
        rotationAtRisk,
        ambiguous,
        salvageRefreshToken: verdict.salvageRefreshToken,
      };
      if (verdict.salvageRefreshToken !== undefined) return last;
      // After a timeout the server may still hold the request, queued or half-processed. A retry with the same
      // refresh token could be processed first and committed; the straggler then counts as reuse and revokes the
      // grant we just stored — a dead grant behind a healthy-looking record. So a timeout is never retried in the
      // same run: the org is released with rotationAtRisk, and the next attempt (a schedule period later) either
      // succeeds or meets invalid_grant, reported as RotationLost. A reset means the connection is gone at the
      // server's end (typically a stale keep-alive socket): whatever it did with the request is over, so one quick
      // retry is safe.
      const mayStillBeProcessed = outcome.kind === 'no-response' && outcome.reason === 'timeout';
      let delay: number | undefined;
      if (error.failureClass === FailureClass.Ambiguous && !ambiguousRetryUsed && !mayStillBeProcessed) {
        // DESIGN.md: at most one quick retry with the same refresh token. If the server had rotated, the answer is
        // invalid_grant, which we then report as RotationLost rather than as an ordinary re-auth.
        ambiguous = true;
        ambiguousRetryUsed = true;
        delay = IN_RUN_BACKOFF_BASE_MS;
      } else if (error.failureClass === FailureClass.Transient && attempts < settings.maxAttempts) {
        delay = Math.max(
          fullJitterBackoffMs(attempts, IN_RUN_BACKOFF_BASE_MS, IN_RUN_BACKOFF_CAP_MS, random()),
          error.retryAfterMs ?? 0,
        );
      }
      if (error.failureClass === FailureClass.Ambiguous) ambiguous = true;
      // A Retry-After longer than the lease allows is honoured by releasing with that delay instead.
      if (
        delay === undefined ||
        clock.now() + delay + settings.httpTimeoutMs + COMMIT_RESERVE_MS > claimed.leaseUntil
      ) {
        return { ...last, ambiguous };
      }
      await clock.sleep(delay);
    }
  }

  async #commit(
    claimed: Claimed,
    scope: RunScope,
    tokens: TokenSet,
    sentAt: number,
    secrets: (string | undefined)[],
    ambiguous: boolean,
  ): Promise<RefreshOutcome> {
    const { store, clock, settings, random, log } = this.deps;
    const { record, claimedVersion } = claimed;
    const orgId = record.orgId;
    // Expiry counts from when we sent the request: never later than the provider's own clock would say.
    const expiresAt = sentAt + tokens.expiresInMs;
    const warnings: string[] = [];
    if (lacksOfflineAccess(record.requiresOfflineAccess, tokens.scope)) {
      warnings.push('SCOPE_MISSING_OFFLINE_ACCESS');
      log.warn('token response scope lacks offline_access', { orgId, grantedScope: tokens.scope });
    }
    if (isShortLifetime(tokens.expiresInMs, settings.schedulePeriodMs)) {
      warnings.push('SHORT_LIFETIME');
      log.warn('token lifetime is shorter than two schedule periods', {
        orgId,
        lifetimeMs: tokens.expiresInMs,
        schedulePeriodMs: settings.schedulePeriodMs,
      });
    }
    const allSecrets = [...secrets, tokens.accessToken, tokens.refreshToken];
    const now = clock.now();
    const lastError = await this.#writeReceivedTokens(scope, () =>
      store.commit({
        orgId,
        claimedVersion,
        owner: scope.owner,
        accessToken: tokens.accessToken,
        // A provider that does not rotate sends no refresh token; client credentials have none.
        refreshToken: record.grantType === 'refresh_token' ? tokens.refreshToken : undefined,
        tokenType: tokens.tokenType,
        scope: tokens.scope,
        expiresAt,
        refreshAt: nextRefreshAt(sentAt, expiresAt, settings, random()),
        dueShard: dueShardFor(orgId, settings.shardCount),
        refreshedAt: clock.now(),
      }),
    );
    if (lastError === undefined) {
      if (record.attention !== undefined || record.consecutiveFailures >= RECOVERY_EVENT_AFTER_FAILURES) {
        await this.deps.notifier.orgEvent('Recovered', {
          orgId,
          reason: record.lastError?.code ?? 'RECOVERED',
          at: now,
        });
      }
      log.debug('refreshed', { orgId, expiresAt });
      return { orgId, result: 'refreshed', warnings, ambiguous };
    }
    const fenced = lastError instanceof ConditionFailedError;
    const code = fenced ? ErrorCode.LeaseLost : ErrorCode.CommitFailed;
    log.error('token response received but not committed', {
      orgId,
      code,
      error: scrub(String((lastError as Error)?.message ?? lastError), allSecrets),
    });
    const rotationLost = record.grantType === 'refresh_token';
    // Client credentials lose nothing here: the next tick simply asks for a new token.
    if (rotationLost) await this.deps.notifier.orgEvent('RotationLost', { orgId, reason: code, at: clock.now() });
    return {
      orgId,
      result: 'failed',
      code,
      failureClass: 'store',
      notCommitted: true,
      rotationLost,
      ambiguous,
    };
  }

  /**
   * Stores what the provider just gave us, retrying transient store errors while the invocation has time. Returns
   * undefined on success, or the last error. A ConditionFailedError means fenced: the lease was taken over and the
   * version moved, so writing would overwrite the new holder's state; that is reported, never retried.
   */
  async #writeReceivedTokens(scope: RunScope, write: () => Promise<void>): Promise<unknown> {
    const { clock, random } = this.deps;
    let lastError: unknown;
    for (let attempt = 0; attempt < COMMIT_ATTEMPTS; attempt++) {
      try {
        await write();
        return undefined;
      } catch (err) {
        lastError = err;
        if (err instanceof ConditionFailedError) break;
        if (scope.remainingMs() < COMMIT_RESERVE_MS) break;
        await clock.sleep(fullJitterBackoffMs(attempt, 100, 2_000, random()) + 50);
      }
    }
    return lastError ?? new Error('store write failed');
  }

  async #handleFailure(
    claimed: Claimed,
    scope: RunScope,
    error: RefreshError,
    extra: {
      rotationAtRisk: boolean;
      ambiguous?: boolean;
      salvageRefreshToken?: string | undefined;
      secrets?: (string | undefined)[];
    },
  ): Promise<RefreshOutcome> {
    const { store, clock, log } = this.deps;
    const { record, claimedVersion } = claimed;
    const orgId = record.orgId;
    const secrets = [...(extra.secrets ?? []), extra.salvageRefreshToken];
    const lastError = toLastError(error, secrets, clock.now());

    if (extra.salvageRefreshToken !== undefined) {
      // Nothing lost: the rotated refresh token is stored even though the rest of the answer was unusable.
      const salvageError = await this.#writeReceivedTokens(scope, () =>
        store.salvage({
          orgId,
          claimedVersion,
          owner: scope.owner,
          refreshToken: extra.salvageRefreshToken as string,
          refreshAt: this.#transientRetryAt(record.consecutiveFailures, record.expiresAt, undefined),
          error: lastError,
        }),
      );
      if (salvageError !== undefined) {
        const code = salvageError instanceof ConditionFailedError ? ErrorCode.LeaseLost : ErrorCode.CommitFailed;
        log.error('rotated refresh token could not be stored', {
          orgId,
          code,
          error: scrub(String((salvageError as Error)?.message), secrets),
        });
        await this.deps.notifier.orgEvent('RotationLost', { orgId, reason: code, at: clock.now() });
        return { orgId, result: 'failed', code, failureClass: 'store', notCommitted: true, rotationLost: true };
      }
      log.warn('unusable token response; rotated refresh token kept', {
        orgId,
        code: error.code,
        message: lastError.message,
      });
      return this.#failed(orgId, error, extra.ambiguous);
    }

    if (error.failureClass === FailureClass.GrantDead) {
      // Before calling a grant dead, make sure we did not lose a race: if the record moved on, another refresher
      // used the token first (a bug or a stolen lease), and the grant itself may be fine.
      const current = await store.get(orgId);
      if (current === undefined || current.version !== claimedVersion || current.leaseOwner !== scope.owner) {
        log.error('invalid_grant after losing the record to another refresher', { orgId, code: error.code });
        return { orgId, result: 'failed', code: error.code, failureClass: error.failureClass, race: true };
      }
      const rotationLost = extra.rotationAtRisk || extra.ambiguous === true;
      const reauthError = rotationLost
        ? new RefreshError(
            ErrorCode.RotationLost,
            FailureClass.GrantDead,
            `invalid_grant after an ambiguous outcome: a rotated refresh token was lost (${lastError.message})`,
          )
        : error;
      const reauthLastError = toLastError(reauthError, secrets, clock.now());
      try {
        await store.markReauth({ orgId, claimedVersion, owner: scope.owner, error: reauthLastError });
      } catch (err) {
        if (!(err instanceof ConditionFailedError)) throw err;
        return { orgId, result: 'failed', code: ErrorCode.LeaseLost, failureClass: 'store' };
      }
      log.error(
        rotationLost ? 'rotation lost: org needs re-authorisation' : 'grant is dead: org needs re-authorisation',
        {
          orgId,
          code: reauthError.code,
          message: reauthLastError.message,
        },
      );
      await this.deps.notifier.orgEvent(rotationLost ? 'RotationLost' : 'ReauthRequired', {
        orgId,
        reason: reauthError.code,
        at: clock.now(),
      });
      return {
        orgId,
        result: 'failed',
        code: reauthError.code,
        failureClass: FailureClass.GrantDead,
        rotationLost,
        ambiguous: extra.ambiguous,
      };
    }

    await this.#release(orgId, claimedVersion, scope, error, {
      consecutiveFailures: record.consecutiveFailures,
      expiresAt: record.expiresAt,
      rotationAtRisk: extra.rotationAtRisk,
      secrets,
    });
    const level = error.failureClass === FailureClass.Transient ? 'warn' : 'error';
    log[level]('refresh failed', {
      orgId,
      code: error.code,
      failureClass: error.failureClass,
      message: lastError.message,
      provider: record.provider,
    });
    return this.#failed(orgId, error, extra.ambiguous ?? claimed.ambiguous);
  }

  async #release(
    orgId: string,
    claimedVersion: number,
    scope: RunScope,
    error: RefreshError,
    state: {
      consecutiveFailures: number;
      expiresAt: number | undefined;
      rotationAtRisk: boolean;
      secrets: (string | undefined)[];
    },
  ): Promise<void> {
    const { store, clock, random, log } = this.deps;
    const now = clock.now();
    const longPause =
      error.failureClass === FailureClass.ClientMisconfigured || error.failureClass === FailureClass.BadData;
    // A bad token response is the provider's glitch, not an operator's problem: retry it like a transient failure.
    const needsOperator = longPause && error.code !== ErrorCode.BadResponse;
    const refreshAt = needsOperator
      ? misconfiguredRetryAt(now, random())
      : this.#transientRetryAt(state.consecutiveFailures, state.expiresAt, error.retryAfterMs);
    try {
      await store.release({
        orgId,
        claimedVersion,
        owner: scope.owner,
        refreshAt,
        error: toLastError(error, state.secrets, now),
        attention: needsOperator
          ? Attention.Misconfigured
          : state.expiresAt === undefined || refreshAt >= state.expiresAt
            ? Attention.Expired
            : undefined,
        rotationAtRisk: state.rotationAtRisk,
      });
    } catch (err) {
      // The lease expires by itself; the next claimer sees an abandoned lease and treats it as ambiguous. Safe.
      log.warn('could not release the lease', { orgId, error: scrub(String((err as Error)?.message), state.secrets) });
    }
  }

  #transientRetryAt(previousFailures: number, expiresAt: number | undefined, retryAfterMs: number | undefined): number {
    const { clock, random, settings } = this.deps;
    return transientRetryAt({
      now: clock.now(),
      consecutiveFailures: previousFailures + 1,
      expiresAt,
      retryAfterMs,
      schedulePeriodMs: settings.schedulePeriodMs,
      random: random(),
    });
  }

  #failed(orgId: string, error: RefreshError, ambiguous = false): RefreshOutcome {
    return { orgId, result: 'failed', code: error.code, failureClass: error.failureClass, ambiguous };
  }
}

function asRefreshError(err: unknown): RefreshError {
  if (err instanceof RefreshError) return err;
  // Anything else is a bug or an SDK surprise; treat it as transient so the org is retried, never stuck.
  return new RefreshError(
    ErrorCode.NetworkError,
    FailureClass.Transient,
    `unexpected error: ${(err as Error)?.name ?? 'unknown'}`,
  );
}

function toLastError(error: RefreshError, secrets: (string | undefined)[], at: number): LastError {
  return { code: error.code, message: scrub(error.message, secrets), at };
}

/** Stable shard for an org (FNV-1a), so an org stays in one shard while SHARD_COUNT is unchanged. */
export function dueShardFor(orgId: string, shardCount: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < orgId.length; i++) {
    hash ^= orgId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % shardCount;
}
