// Issue 16, path 2: the lease covers the commit. The pure rules of core/commit-window.ts in tables and properties,
// then the whole path over in-memory ports with a fake clock: the provider rotates, the store fails every commit for a
// lease length, a second refresher keeps trying to claim the org during and right after — committed after the
// brownout, 0 ROTATION_LOST, the spent refresh token sent exactly once.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  COMMIT_BACKOFF_CAP_MS,
  COMMIT_CALL_TIMEOUT_MS,
  COMMIT_SLACK_MS,
  commitAttemptTimeoutMs,
  commitDeadline,
  commitWindowMs,
  HOLD_MARGIN_MS,
  leaseHoldMs,
  MIN_COMMIT_ATTEMPT_MS,
  nextCommitStep,
} from '../../lambdas/core/commit-window.js';
import { ConditionFailedError } from '../../lambdas/core/errors.js';
import { OrgRefresher } from '../../lambdas/refresher/org-refresher.js';
import type { RunScope } from '../../lambdas/refresher/refresh-deps.js';
import { RefreshRun } from '../../lambdas/refresher/run-refresh.js';
import { OLD_RT, ok, refresherWorld, scope, settings, T0 } from '../support/refresher-world.js';

const LEASE = settings.leaseMs;
const HTTP = settings.httpTimeoutMs;

describe('Function: leaseHoldMs / commitWindowMs', () => {
  it('a claim holds the org for the send part (one lease) and the commit part (one lease + the slack)', () => {
    expect(commitWindowMs(60_000)).toBe(60_000 + COMMIT_SLACK_MS);
    expect(leaseHoldMs(60_000)).toBe(125_000);
    expect(leaseHoldMs(8_000)).toBe(21_000);
  });
});

describe('Function: commitDeadline', () => {
  it.each([
    ['the hold ends first', T0 + 125_000, T0 + 170_000, T0 + 124_000],
    ['the invocation ends first', T0 + 125_000, T0 + 100_000, T0 + 99_000],
  ])('%s → a margin before it', (_, heldUntil, invocationEndsAt, expected) => {
    expect(commitDeadline(heldUntil, invocationEndsAt)).toBe(expected);
  });
});

describe('Function: commitAttemptTimeoutMs', () => {
  it.each([
    ['the first attempt: the whole call timeout, whatever the deadline', 1, T0, T0 - 5_000, COMMIT_CALL_TIMEOUT_MS],
    ['a retry far from the deadline: the whole call timeout', 2, T0, T0 + 60_000, COMMIT_CALL_TIMEOUT_MS],
    ['a retry near the deadline: only what is left', 3, T0, T0 + 700, 700],
    ['a retry past the deadline: nothing', 4, T0, T0 - 1, 0],
  ])('%s', (_, attempt, now, deadline, expected) => {
    expect(commitAttemptTimeoutMs(attempt, now, deadline)).toBe(expected);
  });
});

describe('Function: nextCommitStep', () => {
  const failed = { fenced: false, attempts: 1, now: T0, deadline: T0 + 60_000, random: 0.5 };

  it.each<[string, Partial<typeof failed>, string, string]>([
    ['a store error with the window open', {}, 'retry', 'STORE_ERROR'],
    ['fenced: another holder or a newer version is there', { fenced: true }, 'stop', 'FENCED'],
    // random 0.5, attempt 1: a pause of 150 ms; then 250 ms must be left for the attempt itself.
    ['the pause and a whole minimum attempt fit exactly', { deadline: T0 + 400 }, 'retry', 'STORE_ERROR'],
    ['one millisecond short of that', { deadline: T0 + 399 }, 'stop', 'WINDOW_ENDED'],
    ['the window ended', { deadline: T0 - 1 }, 'stop', 'WINDOW_ENDED'],
  ])('%s → %s (%s)', (_, over, decision, reason) => {
    expect(nextCommitStep({ ...failed, ...over })).toMatchObject({ decision, reason });
  });

  it('pauses with full jitter from 100 ms, doubling, capped at 1 s, plus 50 ms', () => {
    expect(nextCommitStep({ ...failed, attempts: 1, random: 0.5 })).toMatchObject({ delayMs: 150 });
    expect(nextCommitStep({ ...failed, attempts: 3, random: 0.5 })).toMatchObject({ delayMs: 450 });
    expect(nextCommitStep({ ...failed, attempts: 9, random: 0.999 })).toMatchObject({ delayMs: 1_049 });
    expect(MIN_COMMIT_ATTEMPT_MS).toBe(250);
  });

  it('Property: a retry pauses at most the cap and starts with at least the minimum attempt left before the deadline', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 200 }),
        fc.integer({ min: -5_000, max: 130_000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempts, left, random) => {
          const step = nextCommitStep({ fenced: false, attempts, now: T0, deadline: T0 + left, random });
          if (step.decision === 'stop') return;
          expect(step.delayMs).toBeLessThanOrEqual(COMMIT_BACKOFF_CAP_MS + 50);
          expect(T0 + step.delayMs + MIN_COMMIT_ATTEMPT_MS).toBeLessThanOrEqual(T0 + left);
        },
      ),
    );
  });
});

type Probe = Awaited<ReturnType<OrgRefresher['refresh']>>;

/**
 * The brownout world: one org, its holder (run-A) and a second refresher (run-B) on the same store, endpoint and fake
 * clock. Every commit fails from the moment the provider answers until `brownoutMs` later — immediately (a 5xx) or
 * after hanging for its whole timeout (a stalled store) — and run-B tries to claim at each of `probesAfterAnswer`.
 */
function brownout(o: { brownoutMs: number; hang: boolean; probesAfterAnswer: number[]; answerAt?: number }) {
  const w = refresherWorld();
  w.seed();
  const other = new OrgRefresher({
    store: w.store,
    credentials: w.credentials,
    endpoint: w.endpoint,
    notifier: w.notifier,
    clock: w.clock,
    random: () => 0.5,
    log: w.log,
    settings,
  });
  const scopeB: RunScope = { owner: 'run-B', remainingMs: () => 180_000 };
  let answeredAt: number | undefined;
  const probes: { at: number; outcome: Probe }[] = [];
  const pending = [...o.probesAfterAnswer];
  // The provider rotates: the old refresh token is spent the moment it answers.
  w.endpoint.script = [
    () => {
      if (o.answerAt !== undefined) w.clock.t = o.answerAt;
      answeredAt = w.clock.t;
      return ok('rotated-refresh-token', 'new-access-token');
    },
  ];
  const storeDown = () => answeredAt !== undefined && w.clock.t < answeredAt + o.brownoutMs;
  w.store.beforeOp = (op, _orgId, options) => {
    if (op !== 'commit' || !storeDown()) return;
    if (o.hang) w.clock.t += options?.timeoutMs ?? 0;
    throw Object.assign(new Error('injected: DynamoDB unavailable'), {
      name: o.hang ? 'AbortError' : 'InternalServerError',
    });
  };
  // Time passes only in the holder's pauses between commit attempts: run-B's claims happen inside them, on time.
  const sleep = w.clock.sleep;
  w.clock.sleep = async (ms) => {
    const until = w.clock.t + ms;
    while (answeredAt !== undefined && pending.length > 0 && answeredAt + (pending[0] as number) <= until) {
      w.clock.t = Math.max(w.clock.t, answeredAt + (pending.shift() as number));
      probes.push({
        at: w.clock.t - answeredAt,
        outcome: await other.refresh({ orgId: 'org-1', version: 7 }, scopeB, true),
      });
    }
    w.clock.t = Math.max(w.clock.t, until - 0);
    await sleep(0);
  };
  const spentTokenSends = () =>
    w.endpoint.requests.filter((r) => new URLSearchParams(r.body).get('refresh_token') === OLD_RT).length;
  return { w, probes, spentTokenSends, answeredAt: () => answeredAt as number };
}

describe('A store brownout of a lease length right after the provider rotated (issue 16, path 2)', () => {
  it.each([
    ['failing at once (5xx)', false],
    ['hanging until each attempt times out', true],
  ])(
    '%s: committed after it, 0 ROTATION_LOST, the spent token sent once, run-B refused throughout',
    async (_, hang) => {
      const probesAfterAnswer = [1_000, LEASE / 2, LEASE - 1, LEASE + 1, LEASE + 2_000];
      const { w, probes, spentTokenSends } = brownout({ brownoutMs: LEASE, hang, probesAfterAnswer });

      const outcome = await w.refresher.refresh({ orgId: 'org-1', version: 7 }, scope);

      expect(outcome).toMatchObject({ result: 'refreshed' });
      expect(w.record()).toMatchObject({ refreshToken: 'rotated-refresh-token', version: 8, status: 'ACTIVE' });
      expect(w.record().leaseOwner).toBeUndefined();
      // run-B asked during the brownout, past the end of the send part, and right after the store came back: refused
      // each time by the hold the claim took, so it never sent the spent refresh token.
      expect(probes.some((p) => p.at < LEASE)).toBe(true);
      expect(probes.some((p) => p.at > LEASE)).toBe(true);
      expect(probes.length).toBeGreaterThanOrEqual(4);
      for (const p of probes)
        expect(p.outcome, `run-B at +${p.at} ms`).toEqual({ orgId: 'org-1', result: 'skipped', reason: 'LEASED' });
      expect(spentTokenSends()).toBe(1);
      expect(w.notifier.events.filter((e) => e.type === 'RotationLost')).toEqual([]);
    },
  );

  it('the worst case: the answer arrives at the very end of the send part, then a lease-length brownout', async () => {
    const { w, probes, spentTokenSends } = brownout({
      brownoutMs: LEASE,
      hang: true,
      answerAt: T0 + LEASE - 1,
      probesAfterAnswer: [1, LEASE, LEASE + 1_000],
    });

    expect(await w.refresher.refresh({ orgId: 'org-1', version: 7 }, scope)).toMatchObject({ result: 'refreshed' });
    expect(probes.every((p) => p.outcome.result === 'skipped')).toBe(true);
    expect(spentTokenSends()).toBe(1);
  });

  it('the claim writes the whole hold into the record; the holder sends only in the send part', async () => {
    const w = refresherWorld();
    w.seed();
    let heldUntil: unknown;
    w.endpoint.script = [
      () => {
        heldUntil = w.record().leaseUntil;
        return ok();
      },
    ];
    await w.refresher.refresh({ orgId: 'org-1', version: 7 }, scope);
    expect(heldUntil).toBe(T0 + leaseHoldMs(LEASE));
  });

  it('a brownout longer than the commit window: retries end before the hold does, and the loss is reported', async () => {
    const { w, spentTokenSends } = brownout({ brownoutMs: 10 * LEASE, hang: false, probesAfterAnswer: [] });

    const outcome = await w.refresher.refresh({ orgId: 'org-1', version: 7 }, scope);

    expect(outcome).toMatchObject({ result: 'failed', notCommitted: true, rotationLost: true });
    // The last attempt ended a margin before the hold: nobody could have claimed the org while it was retrying.
    expect(w.clock.t).toBeLessThanOrEqual(T0 + leaseHoldMs(LEASE) - HOLD_MARGIN_MS);
    expect(w.clock.t).toBeGreaterThan(T0 + leaseHoldMs(LEASE) - HOLD_MARGIN_MS - COMMIT_BACKOFF_CAP_MS - 200);
    expect(w.notifier.events.map((e) => e.type)).toEqual(['RotationLost']);
    expect(spentTokenSends()).toBe(1);
  });

  it('the invocation ending first bounds the retries too: the outcome is reported before Lambda stops', async () => {
    const { w } = brownout({ brownoutMs: 10 * LEASE, hang: false, probesAfterAnswer: [] });
    const endsAt = T0 + 30_000;
    const short: RunScope = { owner: 'run-A', remainingMs: () => endsAt - w.clock.t };

    expect(await w.refresher.refresh({ orgId: 'org-1', version: 7 }, short)).toMatchObject({ notCommitted: true });
    expect(w.clock.t).toBeLessThanOrEqual(endsAt - HOLD_MARGIN_MS);
  });

  it('a fenced commit is never retried (another holder is there)', async () => {
    const w = refresherWorld();
    w.seed();
    let commits = 0;
    w.store.beforeOp = (op) => {
      if (op !== 'commit') return;
      commits++;
      throw new ConditionFailedError('org-1', 'commit', { version: 9 });
    };
    const outcome = await w.refresher.refresh({ orgId: 'org-1', version: 7 }, scope);
    expect(outcome).toMatchObject({ code: 'LEASE_LOST', notCommitted: true });
    expect(commits).toBe(1);
    expect(w.clock.t).toBe(T0);
  });

  it('each commit attempt is bounded: the store is told how long it may take', async () => {
    const w = refresherWorld();
    w.seed();
    const timeouts: (number | undefined)[] = [];
    w.store.beforeOp = (op, _id, options) => {
      if (op === 'commit') timeouts.push(options?.timeoutMs);
    };
    await w.refresher.refresh({ orgId: 'org-1', version: 7 }, scope);
    expect(timeouts).toEqual([COMMIT_CALL_TIMEOUT_MS]);
  });
});

describe('Class: RefreshRun — claims only with a whole lease hold of time left', () => {
  it.each([
    [leaseHoldMs(LEASE), 1],
    [leaseHoldMs(LEASE) - 1, 0],
  ])('a sweep with %i ms left claims %i org(s)', async (left, refreshed) => {
    const w = refresherWorld();
    w.seed();
    const run = new RefreshRun(
      w.refresher,
      { store: w.store, clock: w.clock, log: w.log },
      {
        concurrency: 1,
        shardCount: 4,
        leaseMs: LEASE,
      },
    );
    const summary = await run.sweep({ owner: 'run-A', remainingMs: () => left });
    expect(summary.refreshed).toBe(refreshed);
    expect(summary.stoppedEarly).toBe(refreshed === 0);
  });

  it.each([
    [leaseHoldMs(LEASE), 'refreshed'],
    [leaseHoldMs(LEASE) - 1, 'skipped'],
  ])('%i ms left → %s', async (left, result) => {
    const w = refresherWorld();
    w.seed();
    const run = new RefreshRun(
      w.refresher,
      { store: w.store, clock: w.clock, log: w.log },
      {
        concurrency: 1,
        shardCount: 4,
        leaseMs: LEASE,
      },
    );
    const summary = await run.refreshOrgs(['org-1'], { owner: 'run-A', remainingMs: () => left });
    expect(summary.outcomes?.[0]?.result).toBe(result);
    if (result === 'skipped') expect(summary.outcomes?.[0]).toMatchObject({ reason: 'OUT_OF_TIME' });
  });

  it('the send part alone still bounds every request: none is sent with less than an HTTP timeout of it left', async () => {
    const w = refresherWorld();
    w.seed();
    w.credentials.get = async () => {
      w.clock.t += LEASE - HTTP + 1;
      return { clientId: 'client', clientSecret: 'secret' };
    };
    expect(await w.refresher.refresh({ orgId: 'org-1', version: 7 }, scope)).toMatchObject({ code: 'LEASE_TOO_SHORT' });
    expect(w.endpoint.requests).toHaveLength(0);
  });
});
