// The claim fence's edges, over in-memory ports: how often a lost claim is retried, what an unclaimable record
// returns, and what taking over an abandoned lease on a record that cannot be trusted leaves behind. Each case is one
// a mutation of lambdas/refresher/claim.ts survived before it was written (docs/reliability.md, "Mutation testing").
import { beforeEach, describe, expect, it } from 'vitest';
import type { MemoryTokenStore } from '../support/memory-store.js';
import { type RefresherWorld, refresherWorld, scope, T0 } from '../support/refresher-world.js';

let world: RefresherWorld;
let store: MemoryTokenStore;

beforeEach(() => {
  world = refresherWorld();
  store = world.store;
});

describe('The claim fence', () => {
  it('a due index that keeps lagging the table costs two claims, then the org is skipped LEASED (never a third)', async () => {
    world.seed('org-1', { version: 8 });
    // Another writer moves the version on before every claim: each retry is at a version already gone.
    store.beforeOp = (op, orgId) => {
      if (op === 'claim') {
        const item = store.items.get(orgId);
        if (item) item.version = Number(item.version) + 1;
      }
    };
    const outcome = await world.refresher.refresh({ orgId: 'org-1', version: 7 }, scope);
    expect(outcome).toEqual({ orgId: 'org-1', result: 'skipped', reason: 'LEASED' });
    expect(store.ops.filter((op) => op.startsWith('claim:'))).toHaveLength(2);
    expect(world.endpoint.requests).toHaveLength(0);
    expect(store.items.get('org-1')?.leaseOwner).toBeUndefined();
  });

  it('a lost claim on a record without a numeric version fails RECORD_INVALID and sends nothing', async () => {
    world.seed('org-1', { version: 'seven' });
    const outcome = await world.refresher.refresh({ orgId: 'org-1', version: 7 }, scope);
    expect(outcome).toEqual({ orgId: 'org-1', result: 'failed', code: 'RECORD_INVALID', failureClass: 'bad_data' });
    expect(world.endpoint.requests).toHaveLength(0);
    expect(world.log.lines.some((l) => l.level === 'error' && l.message === 'record cannot be claimed')).toBe(true);
  });

  describe('an untrustworthy record claimed over an abandoned lease', () => {
    const bad = { provider: 'genesys', region: 'nowhere-1' };

    it('is released with rotationAtRisk: the crashed holder may have spent the refresh token', async () => {
      world.seed('org-1', { ...bad, leaseOwner: 'crashed-run', leaseUntil: T0 - 1 });
      const outcome = await world.refresher.refresh({ orgId: 'org-1', version: 7 }, scope);
      expect(outcome).toMatchObject({ result: 'failed', code: 'RECORD_INVALID' });
      expect(world.record()).toMatchObject({ rotationAtRisk: true, attention: 'MISCONFIGURED', version: 8 });
      expect(world.record().leaseOwner).toBeUndefined();
    });

    it('keeps rotationAtRisk an earlier attempt left, without an abandoned lease', async () => {
      world.seed('org-1', { ...bad, rotationAtRisk: true });
      await world.refresher.refresh({ orgId: 'org-1', version: 7 }, scope);
      expect(world.record().rotationAtRisk).toBe(true);
    });

    it('without either, is released without rotationAtRisk', async () => {
      world.seed('org-1', bad);
      await world.refresher.refresh({ orgId: 'org-1', version: 7 }, scope);
      expect(world.record().rotationAtRisk).toBeUndefined();
    });

    it('counts the failure on top of the earlier ones, with the error recorded', async () => {
      world.seed('org-1', { ...bad, consecutiveFailures: 4 });
      await world.refresher.refresh({ orgId: 'org-1', version: 7 }, scope);
      expect(world.record()).toMatchObject({ consecutiveFailures: 5, lastError: { code: 'RECORD_INVALID' } });
    });
  });

  it('taking over an abandoned lease is logged with the previous owner; a free lease is not', async () => {
    world.seed('org-1', { leaseOwner: 'crashed-run', leaseUntil: T0 - 1 });
    await world.refresher.refresh({ orgId: 'org-1', version: 7 }, scope);
    const takeover = world.log.lines.filter((l) => l.message === 'took over an abandoned lease');
    expect(takeover).toHaveLength(1);
    expect(takeover[0]).toMatchObject({ level: 'warn', fields: { orgId: 'org-1', previousOwner: 'crashed-run' } });

    const clean = refresherWorld();
    clean.seed();
    await clean.refresher.refresh({ orgId: 'org-1', version: 7 }, scope);
    expect(clean.log.lines.some((l) => l.message === 'took over an abandoned lease')).toBe(false);
  });
});
