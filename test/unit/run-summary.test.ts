// What a run counts: each outcome's exact mark on the summary (the alarms read these counts: RaceInvalidGrant is
// invariant 4's, RotationLost and ReauthRequired page), and the sweep's own counts (most overdue first, every page of
// the due index, the backlog's boundary, expired tokens in direct mode). Each case is one a mutation of
// lambdas/refresher/run-refresh.ts survived before it was written (docs/reliability.md, "Mutation testing").
import { describe, expect, it } from 'vitest';
import type { DuePage } from '../../lambdas/core/ports.js';
import type { RefreshOutcome } from '../../lambdas/refresher/refresh-outcome.js';
import { addOutcome, emptySummary, RefreshRun } from '../../lambdas/refresher/run-refresh.js';
import { refresherWorld, scope, T0 } from '../support/refresher-world.js';

const counted = (...outcomes: RefreshOutcome[]) => {
  const summary = emptySummary('sweep', 'run-A');
  for (const o of outcomes) addOutcome(summary, o);
  return summary;
};
/** A RefreshRun over a refresher world's ports (lease 40 s unless said). */
const runOf = (w: ReturnType<typeof refresherWorld>, options: Partial<ConstructorParameters<typeof RefreshRun>[2]>) =>
  new RefreshRun(
    w.refresher,
    { store: w.store, clock: w.clock, log: w.log },
    {
      concurrency: 1,
      shardCount: 4,
      leaseMs: 40_000,
      ...options,
    },
  );
const failed = (extra: Partial<Extract<RefreshOutcome, { result: 'failed' }>>): RefreshOutcome => ({
  orgId: 'o',
  result: 'failed',
  code: 'PROVIDER_UNAVAILABLE',
  failureClass: 'transient',
  ...extra,
});

describe('Function: addOutcome', () => {
  it('a refresh counts once, its warnings by name, and ambiguity only when there was some', () => {
    const s = counted(
      { orgId: 'a', result: 'refreshed', warnings: ['SHORT_LIFETIME'], ambiguous: true },
      { orgId: 'b', result: 'refreshed', warnings: ['SHORT_LIFETIME', 'SCOPE_MISSING_OFFLINE_ACCESS'] },
      { orgId: 'c', result: 'refreshed', warnings: [], ambiguous: false },
    );
    expect(s).toMatchObject({
      refreshed: 3,
      ambiguous: 1,
      warnings: { SHORT_LIFETIME: 2, SCOPE_MISSING_OFFLINE_ACCESS: 1 },
      failedTotal: 0,
    });
  });

  it('a skip counts by reason; only OUT_OF_TIME means the run stopped early', () => {
    expect(counted({ orgId: 'a', result: 'skipped', reason: 'LEASED' })).toMatchObject({
      skipped: { LEASED: 1 },
      stoppedEarly: false,
    });
    expect(counted({ orgId: 'a', result: 'skipped', reason: 'OUT_OF_TIME' }).stoppedEarly).toBe(true);
  });

  it.each<[string, Partial<Extract<RefreshOutcome, { result: 'failed' }>>, object]>([
    [
      'a plain transient failure marks nothing else',
      {},
      { notCommitted: 0, raceInvalidGrant: 0, rotationLost: 0, reauthRequired: 0, ambiguous: 0 },
    ],
    ['a token response not stored', { notCommitted: true }, { notCommitted: 1, rotationLost: 0 }],
    [
      'invalid_grant after a lost race (invariant 4)',
      { code: 'INVALID_GRANT', failureClass: 'grant_dead', race: true },
      { raceInvalidGrant: 1, reauthRequired: 1 },
    ],
    [
      'a customer revocation',
      { code: 'INVALID_GRANT', failureClass: 'grant_dead' },
      { raceInvalidGrant: 0, reauthRequired: 1 },
    ],
    [
      'a lost rotation',
      { code: 'ROTATION_LOST', failureClass: 'grant_dead', rotationLost: true },
      { rotationLost: 1, reauthRequired: 1 },
    ],
    ['an ambiguous failure', { ambiguous: true }, { ambiguous: 1, reauthRequired: 0 }],
    [
      'a misconfiguration needs an operator, not re-auth',
      { code: 'INVALID_CLIENT', failureClass: 'client_misconfigured' },
      { reauthRequired: 0 },
    ],
  ])('%s', (_what, extra, expected) => {
    const s = counted(failed(extra));
    expect(s).toMatchObject({ failedTotal: 1, ...expected });
    expect(s.failed[extra.code ?? 'PROVIDER_UNAVAILABLE']).toBe(1);
    expect(s.failedByClass[extra.failureClass ?? 'transient']).toBe(1);
  });
});

describe('Class: RefreshRun — what a sweep reads and counts', () => {
  it('walks every page of the due index and refreshes the most overdue first', async () => {
    const w = refresherWorld();
    const due = (orgId: string, refreshAt: number) => {
      w.seed(orgId, { refreshAt });
      return { orgId, version: 7, refreshAt, expiresAt: T0 + 300_000, attention: undefined };
    };
    const pages: DuePage[] = [
      { items: [due('late', T0 - 10), due('later', T0 - 5)], nextPageKey: { k: 1 } },
      { items: [due('oldest', T0 - 9_000)], nextPageKey: undefined },
    ];
    let page = 0;
    w.store.queryDue = async (shard) =>
      shard === 0 ? (pages[page++] as DuePage) : { items: [], nextPageKey: undefined };
    const run = runOf(w, { shardCount: 2 });
    const summary = await run.sweep(scope);
    expect(summary).toMatchObject({ due: 3, refreshed: 3 });
    expect(w.store.ops.filter((op) => op.startsWith('claim:'))).toEqual(['claim:oldest', 'claim:late', 'claim:later']);
  });

  it('counts as backlog the orgs due since before the previous tick (the boundary included), not the others', async () => {
    const w = refresherWorld();
    const period = 60_000;
    const hold = 40_000 + 40_000 + 5_000; // leaseHoldMs(40 s) is 85 s: longer than the period, so it sets the cutoff
    const cutoff = T0 - Math.max(period, hold);
    w.seed('at-cutoff', { refreshAt: cutoff });
    w.seed('before', { refreshAt: cutoff - 1 });
    w.seed('after', { refreshAt: cutoff + 1 });
    const run = runOf(w, { concurrency: 2, schedulePeriodMs: period });
    expect((await run.sweep(scope)).backlog).toBe(2);
  });

  it('without a schedule period, reports no backlog at all', async () => {
    const w = refresherWorld();
    w.seed();
    const run = runOf(w, { concurrency: 2 });
    expect((await run.sweep(scope)).backlog).toBeUndefined();
  });

  it('tells the caller once when the last due org has started, and at once when none is due', async () => {
    for (const orgs of [0, 3]) {
      const w = refresherWorld();
      for (let i = 0; i < orgs; i++) w.seed(`org-${i}`);
      let calls = 0;
      const run = runOf(w, {});
      await run.sweep(scope, { onLastStarted: () => calls++ });
      expect(calls).toBe(1);
    }
  });

  it('a gauge read that fails is logged by error name and the sweep goes on', async () => {
    const w = refresherWorld();
    w.seed();
    w.store.beforeOp = (op) => {
      if (op === 'attentionCounts')
        throw Object.assign(new Error('secret-ish detail'), { name: 'ThrottlingException' });
    };
    const run = runOf(w, {});
    expect(await run.sweep(scope)).toMatchObject({ refreshed: 1 });
    const warn = w.log.lines.find((l) => l.message === 'could not read attention gauges');
    expect(warn).toMatchObject({ level: 'warn', fields: { error: 'ThrottlingException' } });
  });
});

describe('Class: RefreshRun — direct invocation', () => {
  const run = (w: ReturnType<typeof refresherWorld>) => runOf(w, { concurrency: 2 });

  it('counts an ACTIVE org whose token expired (at or before the start), and only that', async () => {
    const w = refresherWorld();
    w.seed('expired', { expiresAt: T0 - 1 });
    w.seed('expiring-now', { expiresAt: T0 });
    w.seed('valid', { expiresAt: T0 + 1 });
    w.seed('disabled', { expiresAt: T0 - 1, status: 'DISABLED' });
    w.seed('no-expiry', { expiresAt: undefined });
    const summary = await run(w).refreshOrgs(['expired', 'expiring-now', 'valid', 'disabled', 'no-expiry'], scope);
    expect(summary.expired).toBe(2);
  });

  it('a store that cannot read the org fails it alone (STORE_UNAVAILABLE), the others go on', async () => {
    const w = refresherWorld();
    w.seed('ok');
    w.seed('unreadable');
    w.store.beforeOp = (op, orgId) => {
      if (op === 'get' && orgId === 'unreadable') throw new Error('timeout');
    };
    const summary = await run(w).refreshOrgs(['ok', 'unreadable'], scope);
    expect(summary).toMatchObject({ refreshed: 1, failedTotal: 1, failed: { STORE_UNAVAILABLE: 1 } });
    expect(summary.outcomes).toContainEqual({
      orgId: 'unreadable',
      result: 'failed',
      code: 'STORE_UNAVAILABLE',
      failureClass: 'store',
    });
  });

  it('an org whose version is not a number fails RECORD_INVALID and nothing is sent', async () => {
    const w = refresherWorld();
    w.seed('org-1', { version: 'seven' });
    const summary = await run(w).refreshOrgs(['org-1'], scope);
    expect(summary.outcomes?.[0]).toMatchObject({ result: 'failed', code: 'RECORD_INVALID' });
    expect(w.endpoint.requests).toHaveLength(0);
  });
});
