// The commit fence's edges, over in-memory ports: what a fenced commit reports for each grant type, a commit fenced by
// a removal, what a client-credentials org may store, and how the commit's retries pace themselves. Each case is one a
// mutation of lambdas/refresher/commit.ts survived before it was written (docs/reliability.md, "Mutation testing").
import { beforeEach, describe, expect, it } from 'vitest';
import { writeReceivedTokens } from '../../lambdas/refresher/commit.js';
import { FakeClock, ok, type RefresherWorld, refresherWorld, scope } from '../support/refresher-world.js';

let world: RefresherWorld;

beforeEach(() => {
  world = refresherWorld();
});

/** Before the commit, another holder takes the org over (its lease, a new version): the commit is fenced. */
function takenOverBeforeCommit(change: Record<string, unknown> = { leaseOwner: 'run-B' }): void {
  world.store.beforeOp = (op, orgId) => {
    if (op !== 'commit') return;
    const item = world.store.items.get(orgId);
    if (item) Object.assign(item, { version: Number(item.version) + 1 }, change);
  };
}

describe('The commit fence', () => {
  it('a fenced refresh-token commit is LEASE_LOST with rotationLost and one RotationLost event', async () => {
    world.seed();
    takenOverBeforeCommit();
    const outcome = await world.refresher.refresh({ orgId: 'org-1', version: 7 }, scope);
    expect(outcome).toMatchObject({
      result: 'failed',
      code: 'LEASE_LOST',
      failureClass: 'store',
      notCommitted: true,
      rotationLost: true,
    });
    expect(world.notifier.events.map((e) => e.type)).toEqual(['RotationLost']);
    expect(world.notifier.events[0]).toMatchObject({ orgId: 'org-1', reason: 'LEASE_LOST' });
  });

  it('a fenced client-credentials commit loses nothing: no RotationLost event, rotationLost false', async () => {
    world.seed('org-1', { grantType: 'client_credentials', refreshToken: undefined });
    takenOverBeforeCommit();
    const outcome = await world.refresher.refresh({ orgId: 'org-1', version: 7 }, scope);
    expect(outcome).toMatchObject({ result: 'failed', code: 'LEASE_LOST', rotationLost: false });
    expect(world.notifier.events.filter((e) => e.type === 'RotationLost')).toHaveLength(0);
  });

  it('a commit fenced by a removal stores nothing, reports no lost rotation and skips the org NOT_ACTIVE', async () => {
    world.seed();
    takenOverBeforeCommit({ status: 'REMOVED', leaseOwner: undefined, leaseUntil: undefined, refreshToken: undefined });
    const outcome = await world.refresher.refresh({ orgId: 'org-1', version: 7 }, scope);
    expect(outcome).toEqual({ orgId: 'org-1', result: 'skipped', reason: 'NOT_ACTIVE' });
    expect(world.record()).toMatchObject({ status: 'REMOVED' });
    expect(world.record().accessToken).not.toBe('new-access-token');
    expect(world.record().refreshToken).toBeUndefined();
    expect(world.notifier.events.filter((e) => e.type === 'RotationLost')).toHaveLength(0);
  });

  it('a client-credentials org never stores a refresh token, even when the provider sends one', async () => {
    world.seed('org-1', { grantType: 'client_credentials', refreshToken: undefined });
    world.endpoint.script = [() => ok('unexpected-refresh-token', 'cc-access-token')];
    const outcome = await world.refresher.refresh({ orgId: 'org-1', version: 7 }, scope);
    expect(outcome).toMatchObject({ result: 'refreshed' });
    expect(world.record()).toMatchObject({ accessToken: 'cc-access-token' });
    expect(world.record().refreshToken).toBeUndefined();
  });
});

describe('Function: writeReceivedTokens (the commit part of the lease)', () => {
  it('backs off further after each failed attempt, and the first attempt alone gets the whole call timeout', async () => {
    const clock = new FakeClock();
    const pauses: number[] = [];
    const timeouts: number[] = [];
    const sleep = clock.sleep;
    clock.sleep = async (ms) => {
      pauses.push(ms);
      await sleep(ms);
    };
    let calls = 0;
    const heldUntil = clock.now() + 120_000;
    const result = await writeReceivedTokens({ clock, random: () => 0.999 }, { heldUntil }, scope, async (t) => {
      timeouts.push(t);
      calls += 1;
      if (calls < 5) throw Object.assign(new Error('ServiceUnavailable'), { name: 'ServiceUnavailable' });
    });
    expect(result).toBeUndefined();
    expect(calls).toBe(5);
    // Exponential with jitter near its top: each pause longer than the one before.
    for (let i = 1; i < pauses.length; i++) expect(pauses[i]).toBeGreaterThan(pauses[i - 1] as number);
    expect(timeouts[0]).toBeGreaterThanOrEqual(Math.max(...timeouts.slice(1)));
  });
});

describe('A commit that fails, as the log tells it', () => {
  it('a store error that echoes the new tokens is logged without them (scrubbed by value, not only by shape)', async () => {
    world.seed();
    world.endpoint.script = [() => ok('new-rt-ZZZZ9999', 'new-at-YYYY8888')];
    world.store.beforeOp = (op) => {
      if (op === 'commit') throw new Error('failed writing new-at-YYYY8888 / new-rt-ZZZZ9999');
    };
    const outcome = await world.refresher.refresh({ orgId: 'org-1', version: 7 }, scope);
    expect(outcome).toMatchObject({ result: 'failed', code: 'COMMIT_FAILED', notCommitted: true });
    const line = world.log.lines.find((l) => l.message === 'token response received but not committed');
    expect(String(line?.fields?.error)).toContain('failed writing');
    expect(world.log.text()).not.toContain('new-at-YYYY8888');
    expect(world.log.text()).not.toContain('new-rt-ZZZZ9999');
  });
});

describe('Warnings a commit reports', () => {
  it('a lifetime shorter than twice a tick and a hold: SHORT_LIFETIME, logged once; a normal one: none', async () => {
    world.seed();
    world.endpoint.script = [() => ok('rt-2', 'at-2', { expires_in: 120 })];
    expect(await world.refresher.refresh({ orgId: 'org-1', version: 7 }, scope)).toMatchObject({
      result: 'refreshed',
      warnings: ['SHORT_LIFETIME'],
    });
    expect(world.log.lines.filter((l) => l.message.startsWith('token lifetime is shorter'))).toHaveLength(1);

    const normal = refresherWorld();
    normal.seed();
    expect(await normal.refresher.refresh({ orgId: 'org-1', version: 7 }, scope)).toMatchObject({ warnings: [] });
  });

  it('offline_access missing from the granted scope is a warning only for an org that needs it', async () => {
    world.seed('org-1', { requiresOfflineAccess: true });
    world.endpoint.script = [() => ok('rt-2', 'at-2', { scope: 'openid' })];
    expect(await world.refresher.refresh({ orgId: 'org-1', version: 7 }, scope)).toMatchObject({
      warnings: ['SCOPE_MISSING_OFFLINE_ACCESS'],
    });
    expect(world.log.lines.some((l) => l.message === 'token response scope lacks offline_access')).toBe(true);

    const other = refresherWorld();
    other.seed('org-1', { requiresOfflineAccess: false });
    other.endpoint.script = [() => ok('rt-2', 'at-2', { scope: 'openid' })];
    expect(await other.refresher.refresh({ orgId: 'org-1', version: 7 }, scope)).toMatchObject({ warnings: [] });
  });
});
