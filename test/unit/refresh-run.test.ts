// RefreshRun: the sweep over every shard and the direct invocation, summed into one run summary.
import { beforeEach, describe, expect, it } from 'vitest';
import type { OrgRefresher } from '../../lambdas/refresher/org-refresher.js';
import { RefreshRun } from '../../lambdas/refresher/run-refresh.js';
import type { CapturedLog } from '../support/harness.js';
import type { MemoryTokenStore } from '../support/memory-store.js';
import {
  type FakeClock,
  type RefresherWorld,
  refresherWorld,
  type ScriptedEndpoint,
  scope,
  status,
  T0,
} from '../support/refresher-world.js';

let clock: FakeClock;
let store: MemoryTokenStore;
let endpoint: ScriptedEndpoint;
let log: CapturedLog;
let refresher: OrgRefresher;
let seed: RefresherWorld['seed'];
let record: RefresherWorld['record'];

beforeEach(() => {
  ({ clock, store, endpoint, log, refresher, seed, record } = refresherWorld());
});

describe('Class: RefreshRun', () => {
  it('sweeps every shard, refreshes the due orgs, counts expired tokens and reads the attention gauges', async () => {
    for (let i = 0; i < 12; i++) seed(`org-${i}`, { expiresAt: i < 3 ? T0 - 1 : T0 + 300_000 });
    seed('later', { refreshAt: T0 + 1_000_000 });
    seed('dead', { status: 'REAUTH_REQUIRED', attention: 'REAUTH_REQUIRED', dueShard: undefined });
    const run = new RefreshRun(refresher, { store, clock, log }, { concurrency: 4, shardCount: 4, leaseMs: 60_000 });

    const summary = await run.sweep(scope);

    expect(summary).toMatchObject({
      mode: 'sweep',
      due: 12,
      expired: 3,
      refreshed: 12,
      failedTotal: 0,
      orgsNeedingReauth: 1,
      orgsMisconfigured: 0,
    });
    expect(record('later').version).toBe(7);
  });

  it('counts an expired org once whether it is due, backing off (EXPIRED), or both', async () => {
    seed('due-expired', { expiresAt: T0 - 1 });
    seed('backoff-expired', { expiresAt: T0 - 1, refreshAt: T0 + 600_000, attention: 'EXPIRED' });
    seed('due-and-listed', { expiresAt: T0 - 1, attention: 'EXPIRED' });
    endpoint.script = [() => status(503)];
    const run = new RefreshRun(refresher, { store, clock, log }, { concurrency: 4, shardCount: 4, leaseMs: 60_000 });
    const summary = await run.sweep(scope);
    expect(summary).toMatchObject({ due: 2, expired: 3 });
  });

  it('stops claiming when less than one lease hold of Lambda time remains', async () => {
    for (let i = 0; i < 5; i++) seed(`org-${i}`);
    const run = new RefreshRun(refresher, { store, clock, log }, { concurrency: 1, shardCount: 4, leaseMs: 60_000 });
    let remaining = 200_000;
    const summary = await run.sweep({ owner: 'run-A', remainingMs: () => (remaining -= 50_000) });
    expect(summary.refreshed).toBeLessThan(5);
    expect(summary.stoppedEarly).toBe(true);
    expect(summary.skipped.OUT_OF_TIME).toBe(5 - summary.refreshed);
  });

  it('direct invocation refreshes named orgs even when not due, and reports unknown ones', async () => {
    seed('org-1', { refreshAt: T0 + 1_000_000 });
    const run = new RefreshRun(refresher, { store, clock, log }, { concurrency: 4, shardCount: 4, leaseMs: 60_000 });
    const summary = await run.refreshOrgs(['org-1', 'nope', 'org-1'], scope);
    expect(summary).toMatchObject({ mode: 'direct', due: 3, refreshed: 1, skipped: { NOT_FOUND: 1 } });
    expect(summary.outcomes).toHaveLength(2);
  });

  it('a failing gauge query does not fail the sweep', async () => {
    seed();
    store.beforeOp = (op) => {
      if (op === 'attentionCounts') throw new Error('boom');
    };
    const run = new RefreshRun(refresher, { store, clock, log }, { concurrency: 4, shardCount: 4, leaseMs: 60_000 });
    const summary = await run.sweep(scope);
    expect(summary).toMatchObject({ refreshed: 1, orgsNeedingReauth: undefined });
  });
});
