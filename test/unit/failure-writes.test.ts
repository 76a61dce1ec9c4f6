// What a failed refresh writes, when that write itself fails: a salvage of a rotated refresh token that is fenced, a
// re-auth mark that is fenced, a release the store refuses. Nothing is ever reported as stored when it was not, and no
// token reaches a log line. Each case is one a mutation of lambdas/refresher/failure.ts survived (no test reached it)
// before it was written (docs/reliability.md, "Mutation testing").
import { describe, expect, it } from 'vitest';
import { ConditionFailedError } from '../../lambdas/core/errors.js';
import { OLD_RT, refresherWorld, scope, status } from '../support/refresher-world.js';

const ROTATED = 'rotated-refresh-token-0123456789';

describe('A failed refresh whose own write fails', () => {
  it('a salvage of a rotated refresh token that is fenced: LEASE_LOST, not committed, rotation lost, one RotationLost event', async () => {
    const w = refresherWorld();
    w.seed();
    w.endpoint.script = [() => status(200, { refresh_token: ROTATED, token_type: 'Bearer', expires_in: 3600 })];
    // Another holder takes the org over before the salvage lands (the salvage is a fenced write like a commit).
    w.store.beforeOp = (op, orgId) => {
      const item = w.store.items.get(orgId);
      if (op === 'commit' && item) Object.assign(item, { leaseOwner: 'run-B', version: Number(item.version) + 1 });
    };
    const outcome = await w.refresher.refresh({ orgId: 'org-1', version: 7 }, scope);
    expect(outcome).toEqual({
      orgId: 'org-1',
      result: 'failed',
      code: 'LEASE_LOST',
      failureClass: 'store',
      notCommitted: true,
      rotationLost: true,
    });
    expect(w.notifier.events.map((e) => e.type)).toEqual(['RotationLost']);
    expect(
      w.log.lines.some((l) => l.level === 'error' && l.message === 'rotated refresh token could not be stored'),
    ).toBe(true);
    expect(w.log.text()).not.toContain(ROTATED);
    expect(w.record().refreshToken).toBe(OLD_RT);
  });

  it('a salvage the store keeps failing: COMMIT_FAILED, and the rotated token never logged', async () => {
    const w = refresherWorld();
    w.seed();
    w.endpoint.script = [() => status(200, { refresh_token: ROTATED, token_type: 'Bearer', expires_in: 3600 })];
    w.store.beforeOp = (op) => {
      if (op === 'commit') throw Object.assign(new Error(`boom near ${ROTATED}`), { name: 'InternalServerError' });
    };
    const outcome = await w.refresher.refresh({ orgId: 'org-1', version: 7 }, scope);
    expect(outcome).toMatchObject({ result: 'failed', code: 'COMMIT_FAILED', notCommitted: true, rotationLost: true });
    expect(w.log.text()).not.toContain(ROTATED);
  });

  it('a re-auth mark that is fenced (the org moved on meanwhile): LEASE_LOST, no event', async () => {
    const w = refresherWorld();
    w.seed();
    w.endpoint.script = [() => status(400, { error: 'invalid_grant' })];
    w.store.beforeOp = (op) => {
      if (op === 'markReauth') throw new ConditionFailedError('org-1', 'markReauth', undefined);
    };
    const outcome = await w.refresher.refresh({ orgId: 'org-1', version: 7 }, scope);
    expect(outcome).toEqual({ orgId: 'org-1', result: 'failed', code: 'LEASE_LOST', failureClass: 'store' });
    expect(w.notifier.events).toEqual([]);
  });

  it('a re-auth mark the store fails (not fenced) is not taken for a lost lease', async () => {
    const w = refresherWorld();
    w.seed();
    w.endpoint.script = [() => status(400, { error: 'invalid_grant' })];
    w.store.beforeOp = (op) => {
      if (op === 'markReauth') throw Object.assign(new Error('timeout'), { name: 'TimeoutError' });
    };
    const outcome = await w.refresher.refresh({ orgId: 'org-1', version: 7 }, scope).catch((err: Error) => err);
    expect(outcome).not.toMatchObject({ code: 'LEASE_LOST' });
  });

  it('a plain invalid_grant is recorded as the provider said it, not as a lost rotation', async () => {
    const w = refresherWorld();
    w.seed();
    w.endpoint.script = [() => status(400, { error: 'invalid_grant', error_description: 'revoked by admin' })];
    await w.refresher.refresh({ orgId: 'org-1', version: 7 }, scope);
    const lastError = w.record().lastError as { code: string; message: string };
    expect(lastError.code).toBe('INVALID_GRANT');
    expect(lastError.message).toMatch(/revoked by admin/);
    expect(lastError.message).not.toMatch(/ambiguous/);
    expect(w.log.lines.find((l) => l.level === 'error')?.message).toBe('grant is dead: org needs re-authorisation');
  });

  it('a release the store refuses is logged (scrubbed) and the outcome still reported; the lease expires by itself', async () => {
    const w = refresherWorld();
    w.seed();
    w.endpoint.script = [() => status(503)];
    w.store.beforeOp = (op) => {
      if (op === 'release') throw new Error(`throttled while writing ${OLD_RT}`);
    };
    const outcome = await w.refresher.refresh({ orgId: 'org-1', version: 7 }, scope);
    expect(outcome).toMatchObject({ result: 'failed', code: 'PROVIDER_UNAVAILABLE' });
    const warn = w.log.lines.find((l) => l.message === 'could not release the lease');
    expect(warn?.fields).toMatchObject({ orgId: 'org-1' });
    expect(String(warn?.fields?.error)).toContain('throttled while writing');
    expect(w.log.text()).not.toContain(OLD_RT);
  });
});
