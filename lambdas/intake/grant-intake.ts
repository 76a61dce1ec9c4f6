// A hosted app hands over a grant: validate it like `tenants add`, check the calling app may act on that org and bind
// those clients and hosts (app-scope.ts, one check for every action), store it with the table's fences (never over a
// newer grant, never under a refresher's lease), refresh the org at once through the refresher's own claim/commit path
// (RefreshRun.refreshOrgs) within its token host's limits and backoff, and answer with the org's state. Or it
// offboards an org (`removeOrg`: the removal the operator CLI's `tenants remove` runs too, lambdas/offboarding/).
// Everything goes through ports, so the same code runs in Lambda, in local mode and in tests.
import { leaseHoldMs } from '../core/commit-window.js';
import type { GrantDecision, HandedOverGrant } from '../core/grant-decision.js';
import { grantDecision, isRepeatedGrant } from '../core/grant-decision.js';
import type { GrantIntakeStore } from '../core/grant-intake-port.js';
import type { HostedApp } from '../core/hosted-apps.js';
import { newOrgRecord } from '../core/new-org-record.js';
import type { Clock, Log } from '../core/ports.js';
import { type OrgSettings, RecordStatus } from '../core/record.js';
import { fingerprint } from '../core/redact.js';
import { RemovedBy, resubmitDecision } from '../core/removal.js';
import { callerOf } from '../hosted-app-caller.js';
import type { OrgRemoval } from '../offboarding/org-removal.js';
import type { RequestPolicy } from '../providers/build-request.js';
import type { HostGate } from '../refresher/host-gate.js';
import type { RunScope } from '../refresher/refresh-deps.js';
import type { RefreshOutcome } from '../refresher/refresh-outcome.js';
import type { RefreshRun, RunSummary } from '../refresher/run-refresh.js';
import { type ActingApp, bindingRefusal, orgAccess, ownedRecord, ownerOf } from './app-scope.js';
import { type IntakeAnswer, IntakeCode, rejection, stateAnswer } from './intake-answer.js';
import { type IntakeAction, parseIntakePayload } from './intake-payload.js';
import { type RemovalAnswer, removalAnswer } from './removal-answer.js';

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
  /** Offboarding (`removeOrg`); without it the action is answered as not available. */
  removal?: OrgRemoval;
  /** The hosted apps the deployment declares (HOSTED_APPS); none: one implicit app, today's intake. */
  apps?: readonly HostedApp[];
  /**
   * This instance's token-host gate, kept across invocations (an instance refreshes one org at a time): one share of
   * every host's budget (core/host-limits.ts fleetHostShare) and the hosts' shared backoff, as a sweep has.
   */
  hostGate?: HostGate;
}

/** How the function was invoked: the ARN's qualifier names the calling app (lambdas/hosted-app-caller.ts). */
export interface Invocation {
  invokedFunctionArn?: string;
}

export interface IntakeResult {
  answer: IntakeAnswer | RemovalAnswer;
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
  async handle(payload: unknown, scope: RunScope, invocation: Invocation = {}): Promise<IntakeResult> {
    const { clock, settings, store } = this.deps;
    const apps = this.deps.apps ?? [];
    const caller = callerOf(apps, invocation);
    if (!caller.ok) return { answer: rejection(IntakeCode.AppUnknown, caller.message) };
    const acting: ActingApp = caller.implicit ? { implicit: true } : { implicit: false, app: caller.app, apps };
    const parsed = parseIntakePayload(payload, clock.now(), settings);
    if (!parsed.ok) {
      return { answer: rejection(parsed.code, parsed.message, { orgId: parsed.orgId, reason: parsed.reason }) };
    }
    const { request } = parsed;
    // Every action naming an org passes this one check before it runs (app-scope.ts).
    const access = await orgAccess(acting, request.orgId, request.action === 'submitGrant', (id) => store.get(id));
    if (!access.ok) return { answer: access.answer, action: request.action };
    if (request.action === 'removeOrg') {
      return { answer: await this.#remove(request.orgId, scope, acting, access.current), action: 'removeOrg' };
    }
    if (request.action === 'submitGrant') {
      const refused = bindingRefusal(acting, request.settings, settings);
      if (refused) return { answer: refused, action: request.action };
    }
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
        ? await this.#submit(request.settings, grant, acting)
        : await this.#reauthorise(request.orgId, grant, scope, acting, access.current);
    if ('answer' in stored) return { answer: stored.answer, action };
    if ('repeated' in stored) {
      return { answer: await this.#answer(request.orgId, stored.grantIssuedAt, scope, undefined, true), action };
    }
    const summary = await this.#refresh(request.orgId, scope);
    const outcome = summary.outcomes?.[0];
    return { answer: await this.#answer(request.orgId, issuedAt, scope, outcome, false), action, summary };
  }

  /** The immediate refresh, through this instance's host gate: the host's limits and backoff, as a sweep obeys. */
  async #refresh(orgId: string, scope: RunScope): Promise<RunSummary> {
    const gate = this.deps.hostGate;
    if (!gate) return this.deps.run.refreshOrgs([orgId], scope);
    const announcedBefore = gate.announced.length;
    const summary = await this.deps.run.refreshOrgs([orgId], { ...scope, hostGate: gate });
    // The gate outlives the invocation: only the backoffs this refresh started are this summary's.
    const announced = gate.announced.slice(announcedBefore);
    if (announced.length > 0) summary.hostsDegraded = announced.map((d) => d.host);
    return summary;
  }

  async #submit(settings: OrgSettings, grant: HandedOverGrant, acting: ActingApp): Promise<Stored> {
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
      { app: ownerOf(acting) },
    );
    const put = await store.putNew(item);
    if (put.stored) return { stored: true };
    const current = ownedRecord(acting, settings.orgId, put.current);
    if (current === undefined && put.current !== undefined) {
      // Another app's org inside this app's namespace (its declarations changed): say nothing about it.
      return {
        answer: rejection(
          IntakeCode.OrgExists,
          `org ${settings.orgId} exists and is not this app's: nothing was stored`,
          { orgId: settings.orgId },
        ),
      };
    }
    if (current?.status === RecordStatus.Removed) return this.#onboardAgain(acting, item, current, grant);
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

  /**
   * A removed org's first grant again (the customer reinstalled the app): the new org's item replaces the tombstone,
   * its version continuing the tombstone's, if the grant was issued after the removal and is none the org held before
   * (core/removal.ts). Only the app's own tombstone: a re-read goes through the same ownership filter.
   */
  async #onboardAgain(
    acting: ActingApp,
    item: Record<string, unknown>,
    tombstone: Record<string, unknown>,
    grant: HandedOverGrant,
  ): Promise<Stored> {
    const orgId = String(item.orgId);
    let current: Record<string, unknown> | undefined = tombstone;
    for (let attempt = 1; attempt <= WRITE_ATTEMPTS && current !== undefined; attempt++) {
      const decision = resubmitDecision(orgId, current, grant);
      if (decision.decision === 'reject') {
        const code = decision.reason === 'ORG_EXISTS' ? IntakeCode.OrgExists : decision.reason;
        return { answer: rejection(code, decision.message, { orgId, status: current.status as string | undefined }) };
      }
      const written = await this.deps.store.replaceRemoved(
        { ...item, ...decision.carried, version: decision.expectedVersion + 1 },
        decision.expectedVersion,
        grant.issuedAt,
      );
      if (written.stored) return { stored: true };
      current = ownedRecord(acting, orgId, written.current);
    }
    // The tombstone went away meanwhile (nothing deletes one today), or is not this app's: a plain first grant.
    const put = await this.deps.store.putNew(item);
    if (put.stored) return { stored: true };
    return {
      answer: rejection(IntakeCode.OrgExists, `org ${orgId} changed while it was onboarded again: hand it over again`, {
        orgId,
      }),
    };
  }

  /**
   * `removeOrg`: `current` is the record as the dispatch's ownership check let this app see it; an org that is not
   * its own gets exactly the answer of an org that does not exist. The removal's own reads go through the same filter.
   */
  async #remove(
    orgId: string,
    scope: RunScope,
    acting: ActingApp,
    current: Record<string, unknown> | undefined,
  ): Promise<IntakeAnswer | RemovalAnswer> {
    const { removal } = this.deps;
    if (removal === undefined) {
      return rejection(IntakeCode.InvalidPayload, 'removeOrg is not available in this deployment', { orgId });
    }
    if (current === undefined) return removalAnswer({ outcome: 'not_found', orgId });
    const result = await removal.remove(orgId, RemovedBy.App, {
      remainingMs: () => scope.remainingMs(),
      waitForLease: true,
      visible: (record) => ownedRecord(acting, orgId, record),
    });
    return removalAnswer(result);
  }

  /** `first`: the record as the dispatch's ownership check read it; later attempts re-read through the same filter. */
  async #reauthorise(
    orgId: string,
    grant: HandedOverGrant,
    scope: RunScope,
    acting: ActingApp,
    first: Record<string, unknown> | undefined,
  ): Promise<Stored> {
    const { store, clock, settings } = this.deps;
    let decision: GrantDecision | undefined;
    for (let attempt = 1; attempt <= WRITE_ATTEMPTS; attempt++) {
      const now = clock.now();
      const current = attempt === 1 ? first : ownedRecord(acting, orgId, await store.get(orgId));
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
          // Conditional on the record still being this app's (or naming none): the check above was a read.
          const written = await store.storeGrant({ ...decision.write, owner: ownerOf(acting) }, now);
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
