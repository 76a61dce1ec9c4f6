// A hosted app hands over a grant: validate it like `tenants add`, store it with the table's fences (never over a
// newer grant, never under a refresher's lease), refresh the org at once through the refresher's own claim/commit path
// (RefreshRun.refreshOrgs), and answer with the org's state. Everything goes through ports, so the same code runs in
// Lambda, in local mode and in tests.
import { leaseHoldMs } from '../core/commit-window.js';
import type { GrantDecision, HandedOverGrant } from '../core/grant-decision.js';
import { grantDecision, isRepeatedGrant } from '../core/grant-decision.js';
import type { GrantIntakeStore } from '../core/grant-intake-port.js';
import { newOrgRecord } from '../core/new-org-record.js';
import type { Clock, Log } from '../core/ports.js';
import type { OrgSettings } from '../core/record.js';
import { fingerprint } from '../core/redact.js';
import type { RequestPolicy } from '../providers/build-request.js';
import type { RunScope } from '../refresher/refresh-deps.js';
import type { RefreshOutcome } from '../refresher/refresh-outcome.js';
import type { RefreshRun, RunSummary } from '../refresher/run-refresh.js';
import { type IntakeAnswer, IntakeCode, rejection, stateAnswer } from './intake-answer.js';
import { type IntakeAction, parseIntakePayload } from './intake-payload.js';

export interface GrantIntakeSettings extends RequestPolicy {
  shardCount: number;
  /** The refresher's lease: the intake's own refresh needs one, so it never waits into the last lease of its time. */
  leaseMs: number;
}

export interface GrantIntakeDeps {
  store: GrantIntakeStore;
  run: Pick<RefreshRun, 'refreshOrgs'>;
  clock: Clock;
  log: Log;
  settings: GrantIntakeSettings;
}

export interface IntakeResult {
  answer: IntakeAnswer;
  action?: IntakeAction;
  /** The intake's refresh run, when it refreshed the org: its metrics are the refresher's. */
  summary?: RunSummary;
}

/** Re-reads after a write lost to a concurrent writer (a refresher's commit, another hand-over), or after a wait. */
const WRITE_ATTEMPTS = 4;
/** Kept free at the end of the invocation for the last read and the answer. */
const RESERVE_MS = 2_000;
/** Waiting past a lease's end by this much lets its holder's release land first. */
const LEASE_MARGIN_MS = 100;
/** Re-reads while a refresher holds the org: 50 ms, doubling to 1 s. */
const FIRST_PAUSE_MS = 50;
const MAX_PAUSE_MS = 1_000;

type Stored = { stored: true } | { repeated: true; grantIssuedAt: number } | { answer: IntakeAnswer };

export class GrantIntake {
  constructor(private readonly deps: GrantIntakeDeps) {}

  /** Never throws for anything a payload can cause; a store that stays down throws (the invocation fails). */
  async handle(payload: unknown, scope: RunScope): Promise<IntakeResult> {
    const { clock, settings } = this.deps;
    const parsed = parseIntakePayload(payload, clock.now(), settings);
    if (!parsed.ok) {
      return { answer: rejection(parsed.code, parsed.message, { orgId: parsed.orgId, reason: parsed.reason }) };
    }
    const { request } = parsed;
    const { refreshToken, issuedAt } = request.grant;
    const grant: HandedOverGrant = {
      refreshToken,
      issuedAt,
      fingerprint: refreshToken === undefined ? undefined : await fingerprint(refreshToken),
      client: request.grant.client,
    };
    const action = request.action;
    const stored =
      request.action === 'submitGrant'
        ? await this.#submit(request.settings, grant)
        : await this.#reauthorise(request.orgId, grant, scope);
    if ('answer' in stored) return { answer: stored.answer, action };
    if ('repeated' in stored) {
      return { answer: await this.#answer(request.orgId, stored.grantIssuedAt, scope, undefined, true), action };
    }
    const summary = await this.deps.run.refreshOrgs([request.orgId], scope);
    const outcome = summary.outcomes?.[0];
    return { answer: await this.#answer(request.orgId, issuedAt, scope, outcome, false), action, summary };
  }

  async #submit(settings: OrgSettings, grant: HandedOverGrant): Promise<Stored> {
    const { store, clock } = this.deps;
    const now = clock.now();
    const item = newOrgRecord(
      settings,
      { ...grant, clientSecret: grant.client?.clientSecret },
      {
        refreshAt: now,
        shardCount: this.deps.settings.shardCount,
        since: now,
      },
    );
    const put = await store.putNew(item);
    if (put.stored) return { stored: true };
    const current = put.current;
    if (current !== undefined && isRepeatedGrant(current, grant)) {
      return { repeated: true, grantIssuedAt: Number(current.grantIssuedAt) };
    }
    return {
      answer: rejection(
        IntakeCode.OrgExists,
        `org ${settings.orgId} exists (status ${String(current?.status ?? 'unknown')}): hand a new grant for it ` +
          'over with reauthorise',
        { orgId: settings.orgId, status: current?.status as string | undefined },
      ),
    };
  }

  async #reauthorise(orgId: string, grant: HandedOverGrant, scope: RunScope): Promise<Stored> {
    const { store, clock, settings } = this.deps;
    let decision: GrantDecision | undefined;
    for (let attempt = 1; attempt <= WRITE_ATTEMPTS; attempt++) {
      const now = clock.now();
      const current = await store.get(orgId);
      decision = grantDecision(orgId, current, grant, now, settings.shardCount);
      switch (decision.decision) {
        case 'repeat':
          return { repeated: true, grantIssuedAt: Number(current?.grantIssuedAt) };
        case 'reject':
          return {
            answer: rejection(decision.code, decision.message, {
              orgId,
              status: current?.status as string | undefined,
            }),
          };
        case 'wait':
          // After the wait the grant still needs its own refresh: one lease hold of time must remain (the run does
          // not claim with less, core/commit-window.ts).
          if (!(await this.#untilReleased(orgId, decision.until, scope, leaseHoldMs(settings.leaseMs) + RESERVE_MS))) {
            return { answer: busy(orgId, decision.until - clock.now()) };
          }
          continue;
        case 'write': {
          const written = await store.storeGrant(decision.write, now);
          if (written.stored) return { stored: true };
          // A refresher committed, or another hand-over landed, since the read: decide again on what is there now.
          continue;
        }
      }
    }
    return { answer: busy(orgId, decision?.decision === 'wait' ? decision.until - clock.now() : 1000) };
  }

  /** The org's state after the hand-over; a refresher holding the org now is waited for (its result is ours too). */
  async #answer(
    orgId: string,
    grantIssuedAt: number,
    scope: RunScope,
    outcome: RefreshOutcome | undefined,
    repeated: boolean,
  ): Promise<IntakeAnswer> {
    const { store, clock } = this.deps;
    let record = await store.get(orgId);
    const leaseUntil = record?.leaseUntil;
    if (typeof leaseUntil === 'number' && leaseUntil >= clock.now()) {
      await this.#untilReleased(orgId, leaseUntil, scope, RESERVE_MS);
      record = await store.get(orgId);
    }
    return stateAnswer({ orgId, record, grantIssuedAt, outcome, now: clock.now(), repeated });
  }

  /**
   * Waits until no refresher holds the org: re-reads with a growing pause (a refresh holds its lease for the length of
   * one token request, usually far less than the lease), never past the lease's end plus a margin, and never into
   * the last `keepMs` of the invocation. True when the org is free (or gone); false when time ran out first.
   */
  async #untilReleased(orgId: string, until: number, scope: RunScope, keepMs: number): Promise<boolean> {
    const { store, clock, log } = this.deps;
    log.info('waiting for a refresher to release the org', { orgId, leaseEndsInMs: until - clock.now() });
    let leaseUntil: unknown = until;
    for (let pauseMs = FIRST_PAUSE_MS; typeof leaseUntil === 'number' && leaseUntil >= clock.now(); ) {
      const waitMs = Math.min(pauseMs, leaseUntil - clock.now() + LEASE_MARGIN_MS);
      if (scope.remainingMs() - waitMs < keepMs) return false;
      await clock.sleep(waitMs);
      pauseMs = Math.min(pauseMs * 2, MAX_PAUSE_MS);
      leaseUntil = (await store.get(orgId))?.leaseUntil;
    }
    return true;
  }
}

function busy(orgId: string, waitMs: number): IntakeAnswer {
  const retryAfterSeconds = Math.max(1, Math.ceil(waitMs / 1000));
  return rejection(
    IntakeCode.Busy,
    `a refresher holds org ${orgId} longer than this hand-over could wait: nothing was stored; hand the grant over ` +
      `again in ${retryAfterSeconds} s`,
    { orgId, retryAfterSeconds },
  );
}
